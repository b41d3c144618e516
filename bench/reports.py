"""Scenario `reports` (S6): the dashboard's response-time reports on 1 000 000 cases.

Data: a migrated SQLite file holding two years of a city (Kota Contoh, 30 OPDs, 298
agents, 14 inboxes on the four channel kinds, 22 categories, 60 kelurahan): 1 000 000
cases, more in recent months, at the hours residents write, each with its thread (on
average 10 messages: the resident's, a bot's acknowledgement, officers' replies within
office hours or on duty at night, private notes; some never answered), ~80 % resolved,
~30 % rated, the SLA facts the hub keeps (case_sla, sla_response) and the monthly
rollups built from them (hub.rollups.rebuild_all). The rows go in with bare sqlite3
executemany, chunk by chunk; the facts are computed here with the hub's calendar
(hub.workdays) and policies (hub.deadlines presets), not by refresh() per case (far too
slow for a million) -- and every run checks on a random sample that hub.sla.refresh()
recomputes exactly the facts written. Built in a `nice`d subprocess, cached in
bench/data/ under the generator version, the schema head, the rollups' code and the size.

Hub: hub.reports.response_times (GET /api/v1/reports/response-times minus HTTP: Store.read
on the hub's aiosqlite pool) for every group (opd, agent, channel, category, kelurahan,
day, week, month) over the last 30, 90 and 365 days and the whole range, as an admin
(every OPD) and as the supervisor of the busiest OPD, on both clocks; and backlog() (the
wallboard) for both. Baseline: bare sqlite3 with the hub's pragmas on the same file:
`SELECT count(*), sum(first_response_s) FROM case_sla WHERE day BETWEEN ? AND ?` over the
same range (and OPD, for the supervisor); for backlog, the open cases counted per OPD.
Each query runs `reps` times in shuffled rounds, each followed by its baseline; wall p50
and max and CPU p50 are reported, the ratio is hub p50 / bare p50. Target: every query
< 300 ms (p50). Each report over it is then run once more with its statements captured
and replayed on bare sqlite3 with SQLite's plan, to tell SQL time from Python time.
"""

from __future__ import annotations

import asyncio
import cProfile
import hashlib
import json
import math
import multiprocessing
import os
import random
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import (
    DATA,
    RESULTS,
    ROOT,
    Row,
    ScenarioResult,
    log,
    percentile,
    profile_summary,
    system_busy_seconds,
)

GENERATOR = 2  # bump whenever the generated data changes: cached files are then rebuilt
TARGET_MS = 300.0
TZ = ZoneInfo("Asia/Jakarta")
END = date(2026, 11, 23)  # the last day with cases
DAYS = 730
START = END - timedelta(days=DAYS - 1)
NOW = datetime(2026, 11, 24, tzinfo=TZ).astimezone(UTC)  # "now" for the facts: midnight after
CHUNK = 20_000  # cases per transaction
SUPERVISOR_OPD = "pupr"  # the supervisor persona's OPD (the busiest)


@dataclass(frozen=True)
class Plan:
    cases: int = 1_000_000
    reps: int = 5  # timed runs of each query
    sample: int = 2_000  # cases whose facts refresh() recomputes for the check
    seed: int = 6

    @classmethod
    def quick(cls) -> Plan:
        return cls(cases=100_000, reps=3)


# -- the city --------------------------------------------------------------------------------

#: slug, name, agents, median office minutes to a first answer, share of cases never answered
OPDS = [
    ("diskominfo", "Dinas Komunikasi dan Informatika", 24, 25, 0.02),
    ("pupr", "Dinas Pekerjaan Umum dan Penataan Ruang", 34, 200, 0.08),
    ("dishub", "Dinas Perhubungan", 22, 90, 0.05),
    ("dlh", "Dinas Lingkungan Hidup", 26, 240, 0.10),
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", 24, 40, 0.03),
    ("dinkes", "Dinas Kesehatan", 14, 60, 0.04),
    ("disdik", "Dinas Pendidikan dan Kebudayaan", 12, 180, 0.07),
    ("dinsos", "Dinas Sosial", 12, 300, 0.12),
    ("satpolpp", "Satuan Polisi Pamong Praja", 10, 120, 0.08),
    ("bpbd", "Badan Penanggulangan Bencana Daerah", 8, 30, 0.03),
    ("damkar", "Dinas Pemadam Kebakaran dan Penyelamatan", 8, 10, 0.01),
    ("perkim", "Dinas Perumahan dan Kawasan Permukiman", 12, 150, 0.07),
    ("dpmptsp", "Dinas Penanaman Modal dan PTSP", 8, 60, 0.04),
    ("disperindag", "Dinas Perindustrian dan Perdagangan", 6, 240, 0.09),
    ("diskop", "Dinas Koperasi dan UKM", 5, 300, 0.10),
    ("disnaker", "Dinas Tenaga Kerja", 5, 240, 0.09),
    ("bapenda", "Badan Pendapatan Daerah", 7, 120, 0.05),
    ("bkpsdm", "Badan Kepegawaian dan Pengembangan SDM", 5, 360, 0.10),
    ("dispar", "Dinas Pariwisata", 4, 300, 0.10),
    ("dispora", "Dinas Pemuda dan Olahraga", 4, 360, 0.12),
    ("dp3a", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", 6, 90, 0.05),
    ("dkp", "Dinas Kelautan dan Perikanan", 4, 360, 0.12),
    ("distan", "Dinas Pertanian dan Ketahanan Pangan", 4, 360, 0.12),
    ("dispusip", "Dinas Perpustakaan dan Kearsipan", 4, 480, 0.15),
    ("bappeda", "Badan Perencanaan Pembangunan Daerah", 4, 480, 0.15),
    ("inspektorat", "Inspektorat Daerah", 4, 240, 0.10),
    ("rsud", "Rumah Sakit Umum Daerah", 10, 45, 0.04),
    ("kesbangpol", "Badan Kesatuan Bangsa dan Politik", 4, 480, 0.15),
    ("dppkb", "Dinas Pengendalian Penduduk dan KB", 4, 360, 0.12),
    ("bpkad", "Badan Pengelolaan Keuangan dan Aset Daerah", 4, 360, 0.12),
]
COORDINATOR = "diskominfo"
#: name, the OPD such cases belong to (None: any OPD), weight
CATEGORIES: list[tuple[str, str | None, int]] = [
    ("Jalan rusak", "pupr", 12), ("Banjir/drainase", "pupr", 8), ("Lampu jalan", "dishub", 9),
    ("Parkir liar", "dishub", 4), ("Angkutan umum", "dishub", 3), ("Sampah", "dlh", 11),
    ("Pohon tumbang", "dlh", 3), ("Pencemaran", "dlh", 2), ("Adminduk/KTP", "disdukcapil", 10),
    ("Layanan kesehatan", "dinkes", 5), ("Pendidikan/PPDB", "disdik", 4),
    ("Bantuan sosial", "dinsos", 5), ("Ketertiban/PKL", "satpolpp", 4), ("Bencana", "bpbd", 2),
    ("Kebakaran", "damkar", 1), ("Air bersih", "perkim", 4), ("Perizinan", "dpmptsp", 2),
    ("Pajak daerah", "bapenda", 2), ("Pasar", "disperindag", 2), ("Layanan RSUD", "rsud", 2),
    ("Ketenagakerjaan", "disnaker", 1), ("Lainnya", None, 4),
]  # fmt: skip
UNCATEGORISED = 0.05  # cases nobody gave a category
#: key, kind, name, owning OPD, weight (city-wide inboxes belong to the coordinator)
INBOXES = [
    ("web-kota", "widget", "Portal Pengaduan Kota", "diskominfo", 12),
    ("web-pupr", "widget", "Situs Dinas PUPR", "pupr", 4),
    ("web-disdukcapil", "widget", "Situs Disdukcapil", "disdukcapil", 3),
    ("web-dinkes", "widget", "Situs Dinas Kesehatan", "dinkes", 2),
    ("web-dlh", "widget", "Situs DLH", "dlh", 2),
    ("tg-kota", "telegram", "@LaporKotaBot", "diskominfo", 10),
    ("tg-dishub", "telegram", "@DishubKotaBot", "dishub", 3),
    ("tg-pupr", "telegram", "@PuprKotaBot", "pupr", 2),
    ("wa-kota", "whatsapp", "WhatsApp Lapor Kota", "diskominfo", 30),
    ("wa-disdukcapil", "whatsapp", "WhatsApp Disdukcapil", "disdukcapil", 5),
    ("wa-perkim", "whatsapp", "WhatsApp Air Bersih", "perkim", 4),
    ("luring", "manual", "Call centre 112 dan surat", "diskominfo", 8),
    ("mpp", "manual", "Mal Pelayanan Publik", "dpmptsp", 3),
    ("damkar-113", "manual", "Panggilan Damkar 113", "damkar", 2),
]
#: Deadlines other than the organisation's ("lapor", the [sla] default): (OPD, category).
POLICIES: list[tuple[str, str | None, str]] = [
    ("dishub", "Lampu jalan", "3x24"),
    ("dlh", "Sampah", "2x24"),
    ("dlh", "Pohon tumbang", "1x24"),
    ("pupr", "Jalan rusak", "lapor-60"),
    ("perkim", "Air bersih", "2x24"),
    ("bpbd", None, "1x24"),
    ("damkar", None, "1x24"),
]
#: Damkar works every day (its own week); every other OPD the default Pemda week.
DAMKAR_HOURS = [{"weekday": d, "opens": "07:00", "closes": "21:00"} for d in range(7)]
KELURAHAN = {
    "Nusaniwe": [
        "Benteng", "Kudamati", "Mangga Dua", "Silale", "Waihaong", "Wainitu", "Amahusu",
        "Latuhalat", "Seilale", "Urimessing", "Nusaniwe", "Airlouw", "Batu Merah Dalam",
    ],
    "Sirimau": [
        "Ahusen", "Amantelu", "Batu Gajah", "Batu Meja", "Honipopu", "Karang Panjang",
        "Pandan Kasturi", "Rijali", "Uritetu", "Waihoka", "Batu Merah", "Galala",
        "Hative Kecil", "Soya", "Hunipopu", "Skip",
    ],
    "Teluk Ambon": [
        "Tihu", "Hative Besar", "Laha", "Poka", "Rumah Tiga", "Tawiri", "Wayame",
        "Hunuth", "Nania Atas",
    ],
    "Teluk Ambon Baguala": [
        "Lateri", "Latta", "Halong", "Nania", "Negeri Lama", "Passo", "Waiheru",
        "Suli Atas", "Tial",
    ],
    "Leitimur Selatan": [
        "Ema", "Hatalai", "Hukurila", "Hutumuri", "Kilang", "Leahari", "Naku", "Rutong",
        "Mahia", "Ukuhury", "Toisapu", "Lesiela", "Rutong Atas",
    ],
}  # fmt: skip
FIRST = [
    "Budi", "Siti", "Andi", "Dewi", "Hendra", "Rina", "Yohanes", "Maria", "Fransiskus",
    "Fatimah", "Agus", "Nur", "Ahmad", "Theresia", "Hasan", "Melky", "Ruth", "Ismail",
    "Yusuf", "Grace", "Stevi", "Ronald", "Sarah", "Imelda", "Jefri", "Novita",
]  # fmt: skip
LAST = [
    "Santoso", "Rahma", "Wijaya", "Lestari", "Pattiasina", "Latuconsina", "Tuhumury",
    "Matulessy", "Sahetapy", "Manuhutu", "Ohorella", "Pelupessy", "Wattimena", "Tanasale",
]  # fmt: skip
HOURS_OF_DAY = [
    0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.5, 3, 5, 6, 6, 5.5,
    4, 4.5, 5, 4.5, 4, 3.5, 3, 4, 4.5, 3.5, 2, 1,
]  # fmt: skip  # residents' messages by local hour
WEEKDAYS = [1.15, 1.1, 1.1, 1.1, 1.0, 0.6, 0.5]
GROWTH = 1.5  # the last day has 1 + GROWTH times the first day's cases
RESIDENT = [
    "Selamat pagi, mohon ditindaklanjuti, kondisinya sudah parah.",
    "Sudah {n} hari belum ada petugas yang datang.",
    "Ini fotonya, lokasinya persis di depan rumah warga RT {n}.",
    "Terima kasih atas responnya, kami tunggu.",
    "Maaf, apakah sudah ada jadwal perbaikannya?",
    "Kondisinya makin parah setelah hujan semalam.",
    "Mohon info perkembangan laporan saya.",
    "Baik, saya kirim titik lokasinya sekarang.",
]
OFFICER = [
    "Terima kasih, laporan Anda sudah kami terima dan kami teruskan ke petugas lapangan.",
    "Baik, tim kami akan mengecek lokasi dalam {n} hari kerja.",
    "Mohon kirimkan foto dan titik lokasi agar petugas mudah menemukan tempatnya.",
    "Laporan sudah kami disposisikan ke bidang terkait.",
    "Petugas sudah dijadwalkan, mohon kesediaannya menunggu.",
]
NOTE = ["Sudah koordinasi dengan kabid, tunggu jadwal tim.", "Cek ulang lokasi via Maps."]
CLOSING = "Laporan {code} sudah selesai ditindaklanjuti. Terima kasih atas laporannya."
ACK = "Laporan Anda kami terima dengan kode lacak {code}. Petugas akan segera menanggapi."
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # hub.tracking.ALPHABET
SOURCES = ["phone", "walk_in", "letter", "media"]
PERMUTE = 387_420_489  # coprime with 31**6: case id -> a distinct-looking tracking code


def _iso(at: datetime) -> str:
    """What UtcDateTime stores on SQLite (hub/store/schema.py), of a UTC datetime: every
    instant here is one (arrivals, the calendar's answers, and sums of them)."""
    return at.isoformat(" ", "microseconds")[:26]


def _code(case_id: int) -> str:
    n = (case_id * PERMUTE) % 31**6
    chars = []
    for _ in range(6):
        n, r = divmod(n, 31)
        chars.append(ALPHABET[r])
    return "KNL-" + "".join(chars)


@dataclass
class World:
    """The city's fixed rows and what the generator needs to know of them (ids are given,
    so every chunk, in any process, sees the same world)."""

    opd_ids: dict[str, int] = field(default_factory=dict)
    agents: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # (id, speed)
    pace: dict[int, float] = field(default_factory=dict)  # median office s to a first answer
    unanswered: dict[int, float] = field(default_factory=dict)
    inboxes: list[tuple[int, str, int]] = field(default_factory=list)  # id, kind, OPD
    inbox_weights: list[int] = field(default_factory=list)
    categories: dict[int, list[tuple[str, int | None, int]]] = field(default_factory=dict)
    kelurahan: list[str] = field(default_factory=list)
    kelurahan_weights: list[float] = field(default_factory=list)
    calendars: dict[int, Any] = field(default_factory=dict)  # OPD -> hub.workdays.Calendar
    policies: Any = None  # hub.deadlines.Policies
    warn: float = 0.8

    @classmethod
    def build(cls) -> World:
        from hub.config import SlaSettings
        from hub.deadlines import PRESETS, Policies
        from hub.workdays import Calendar

        world = cls()
        rnd = random.Random(1)
        settings = SlaSettings()
        agent_id = 0
        for n, (slug, _name, staff, minutes, unanswered) in enumerate(OPDS, 1):
            world.opd_ids[slug] = n
            world.pace[n] = minutes * 60.0
            world.unanswered[n] = unanswered
            world.agents[n] = []
            for _ in range(staff):
                agent_id += 1
                world.agents[n].append((agent_id, rnd.lognormvariate(0, 0.5)))
        for n, (_key, kind, _name, slug, weight) in enumerate(INBOXES, 1):
            world.inboxes.append((n, kind, world.opd_ids[slug]))
            world.inbox_weights.append(weight)
        world.categories[0] = [
            (name, world.opd_ids[opd] if opd else None, w) for name, opd, w in CATEGORIES
        ]
        for slug, opd_id in world.opd_ids.items():
            world.categories[opd_id] = [
                (name, opd_id, w) for name, opd, w in CATEGORIES if opd == slug
            ]
        names = [k for ks in KELURAHAN.values() for k in ks]
        world.kelurahan = names
        world.kelurahan_weights = [1 / (1 + i) ** 0.6 for i in range(len(names))]
        org = Calendar.from_rows(settings.timezone, [], settings.days_off)
        world.calendars = dict.fromkeys(world.opd_ids.values(), org)
        world.calendars[world.opd_ids["damkar"]] = Calendar.from_rows(
            settings.timezone, DAMKAR_HOURS, settings.days_off
        )
        rules = {(world.opd_ids[slug], cat): PRESETS[p] for slug, cat, p in POLICIES}
        world.policies = Policies(rules, PRESETS[settings.policy])
        world.warn = settings.warn_at_pct / 100
        return world


# -- generation ------------------------------------------------------------------------------


def arrivals(cases: int, seed: int) -> list[datetime]:
    """When each case arrives, in time order: busier in recent months, on weekdays and at
    the hours residents write."""
    rnd = random.Random(seed)
    weights = [
        (1 + GROWTH * d / (DAYS - 1)) * WEEKDAYS[(START + timedelta(days=d)).weekday()]
        for d in range(DAYS)
    ]
    total = sum(weights)
    exact = [cases * w / total for w in weights]
    counts = [int(x) for x in exact]
    for d in sorted(range(DAYS), key=lambda d: counts[d] - exact[d])[: cases - sum(counts)]:
        counts[d] += 1
    hours = list(range(24))
    found: list[datetime] = []
    for d, count in enumerate(counts):
        midnight = datetime.combine(START + timedelta(days=d), datetime.min.time(), TZ)
        day = [
            midnight
            + timedelta(hours=h, microseconds=rnd.randrange(3_600_000_000))
            for h in rnd.choices(hours, HOURS_OF_DAY, k=count)
        ]  # fmt: skip
        found += sorted(at.astimezone(UTC) for at in day)
    return found


@dataclass
class Rows:
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    identities: list[tuple[Any, ...]] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    facts: list[tuple[Any, ...]] = field(default_factory=list)
    responses: list[tuple[Any, ...]] = field(default_factory=list)


class Chunk:
    """The cases first_case.. (ids), arriving at `times`; all their rows."""

    def __init__(self, world: World, seed: int, index: int, first_case: int) -> None:
        self.w = world
        self.rnd = random.Random(f"{seed}-{index}")
        self.first_case = first_case
        self.next_contact = first_case  # a returning resident reuses an id: gaps are fine
        self.rows = Rows()
        #: channel kind -> residents seen in this chunk (contact id, their address)
        self.known: dict[str, list[tuple[int, str]]] = {}
        self.open: set[tuple[int, int]] = set()  # (contact, inbox) with an open case

    def make(self, times: list[datetime]) -> Rows:
        for n, created in enumerate(times):
            self.case(self.first_case + n, created)
        return self.rows

    # One case: who, where, what, then its thread, then its facts.
    def case(self, case_id: int, created: datetime) -> None:
        rnd, w = self.rnd, self.w
        inbox_id, kind, inbox_opd = rnd.choices(w.inboxes, w.inbox_weights)[0]
        category, opd_id = self.topic(inbox_opd)
        kelurahan = rnd.choices(w.kelurahan, w.kelurahan_weights)[0] if rnd.random() < 0.9 else None
        contact_id, address = self.resident(kind, inbox_id, created)
        calendar = w.calendars[opd_id]
        policy = w.policies.for_case(opd_id, category)
        response_due = policy.response.due(created, calendar)
        resolution_due = policy.resolution.due(created, calendar)
        code = _code(case_id)
        thread, assignee, resolved = self.thread(kind, opd_id, inbox_opd, created, code)
        answered = [m for m in thread if m[0] == "agent"]
        status = "open"
        if resolved is not None:
            status = (
                "closed"
                if resolved < NOW - timedelta(days=14) and rnd.random() < 0.5
                else "resolved"
            )
        elif thread[-1][0] == "agent":
            status = "pending"
        if status in ("open", "pending"):
            self.open.add((contact_id, inbox_id))
        csat = csat_at = None
        if resolved is not None and rnd.random() < 0.375:
            slow = answered[0][1] - created > timedelta(days=2)
            csat = rnd.choices(
                [1, 2, 3, 4, 5], [12, 10, 20, 30, 28] if slow else [3, 4, 12, 33, 48]
            )[0]
            csat_at = min(NOW, resolved + timedelta(minutes=rnd.randint(2, 600)))
        # messages
        rows = self.rows
        last_in = None
        for seq, (sender, at, agent_id, text) in enumerate(thread, 1):
            inbound = sender == "contact"
            if inbound:
                last_in = at
            rows.messages.append(
                (
                    case_id, seq, "in" if inbound else "out",
                    "agent" if sender == "note" else sender, agent_id,
                    "note" if sender == "note" else "text", int(sender == "note"), text,
                    "delivered" if inbound else "read", _iso(at),
                )
            )  # fmt: skip
        last_at = thread[-1][1]
        unread = 0
        if status == "open":
            for sender, *_ in reversed(thread):
                if sender != "contact":
                    break
                unread += 1
        first = answered[0] if answered else None
        rows.cases.append(
            (
                case_id, code, inbox_id, contact_id, address, opd_id, assignee, status, category,
                kelurahan, "high" if rnd.random() < 0.05 else "normal",
                rnd.choice(SOURCES) if kind == "manual" else None, len(thread), unread,
                thread[-1][3][:120], _iso(created),
                _iso(max(last_at, resolved or last_at, csat_at or last_at)),
                _iso(last_at), _iso(last_in) if last_in else None,
                _iso(first[1]) if first else None, _iso(resolved) if resolved else None,
                _iso(response_due), _iso(resolution_due), csat, _iso(csat_at) if csat_at else None,
            )
        )  # fmt: skip
        # facts (hub/sla.py: _facts, _responses)
        met = first[1] <= response_due if first else (False if response_due < NOW else None)
        resolved_met = (
            resolved <= resolution_due if resolved else (False if resolution_due < NOW else None)
        )
        alerts, next_alert = self.alerts(status, created, first, response_due, resolution_due)
        rows.facts.append(
            (
                case_id, opd_id, first[2] if first else None, kind, category, kelurahan, status,
                _iso(created), created.astimezone(TZ).date().isoformat(),
                _iso(first[1]) if first else None,
                calendar.business_seconds(created, first[1]) if first else None,
                _wall(created, first[1]) if first else None,
                _iso(resolved) if resolved else None,
                calendar.business_seconds(created, resolved) if resolved else None,
                _wall(created, resolved) if resolved else None,
                _iso(response_due), _iso(resolution_due), _bool(met), _bool(resolved_met), csat,
                alerts, _iso(next_alert) if next_alert else None, len(thread), _iso(NOW),
            )
        )  # fmt: skip
        waiting = None
        for seq, (sender, at, agent_id, _text) in enumerate(thread, 1):
            if sender == "contact":
                waiting = waiting or (seq, at)
            elif sender == "agent" and waiting is not None:
                rows.responses.append(
                    (
                        case_id, waiting[0], opd_id, agent_id, _iso(waiting[1]), _iso(at),
                        calendar.business_seconds(waiting[1], at), _wall(waiting[1], at),
                    )
                )  # fmt: skip
                waiting = None

    def topic(self, inbox_opd: int) -> tuple[str | None, int]:
        """The case's category and the OPD it ends up with (a city-wide inbox's cases are
        disposed to the category's OPD; an OPD's own inbox gets mostly its own topics)."""
        rnd, w = self.rnd, self.w
        own = w.categories.get(inbox_opd)
        coordinator = w.opd_ids[COORDINATOR]
        if inbox_opd != coordinator and own and rnd.random() < 0.8:
            name, _, _ = rnd.choices(own, [c[2] for c in own])[0]
            return name, inbox_opd
        if rnd.random() < UNCATEGORISED:
            return None, coordinator if rnd.random() < 0.5 else rnd.randint(1, len(OPDS))
        everyone = w.categories[0]
        name, opd, _ = rnd.choices(everyone, [c[2] for c in everyone])[0]
        return name, opd if opd is not None else rnd.randint(1, len(OPDS))

    def resident(self, kind: str, inbox_id: int, created: datetime) -> tuple[int, str]:
        """A new resident, or (one case in four) one who wrote before on this channel."""
        rnd = self.rnd
        known = self.known.setdefault(kind, [])
        if known and rnd.random() < 0.25:
            contact_id, address = known[rnd.randrange(len(known))]
            if (contact_id, inbox_id) not in self.open:
                return contact_id, address
        contact_id = self.next_contact
        self.next_contact += 1
        if kind == "widget":
            address = f"v{contact_id:08x}{rnd.getrandbits(32):08x}"
        elif kind == "telegram":
            address = str(100_000_000 + contact_id * 7 + rnd.randrange(7))
        else:
            address = f"628{rnd.randrange(11, 99)}{contact_id:08d}"
        named = rnd.random() < 0.8
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}" if named else None
        phone = "+" + address if kind in ("whatsapp", "manual") else None
        self.rows.contacts.append((contact_id, name, phone, _iso(created)))
        if kind != "manual":
            self.rows.identities.append((contact_id, kind, address, _iso(created)))
        known.append((contact_id, address))
        return contact_id, address

    def thread(
        self, kind: str, opd_id: int, inbox_opd: int, created: datetime, code: str
    ) -> tuple[list[tuple[str, datetime, int | None, str]], int | None, datetime | None]:
        """The messages up to NOW (sender, at, agent, text), the assignee, the resolution."""
        rnd, w = self.rnd, self.w
        calendar = w.calendars[opd_id]
        staff = w.agents[opd_id]
        agent_id, speed = staff[int(rnd.random() ** 1.5 * len(staff))]  # some answer more
        pace = w.pace[opd_id] * speed
        budget = 2 + min(58, int(rnd.gammavariate(1.6, 5.3)))
        out: list[tuple[str, datetime, int | None, str]] = [
            ("contact", created, None, rnd.choice(RESIDENT).format(n=rnd.randint(2, 9)))
        ]
        at = created
        if kind != "manual":
            at += timedelta(seconds=rnd.uniform(1, 8))
            out.append(("bot", at, None, ACK.format(code=code)))
        for _ in range(rnd.choices([0, 1, 2, 3], [50, 28, 15, 7])[0]):
            at += timedelta(seconds=rnd.uniform(20, 300))
            out.append(("contact", at, None, rnd.choice(RESIDENT).format(n=rnd.randint(2, 9))))
        if rnd.random() < w.unanswered[opd_id]:
            for _ in range(rnd.choice([0, 0, 1, 2])):  # they ask again, days later
                at += timedelta(days=rnd.uniform(1, 6))
                out.append(("contact", at, None, "Mohon info perkembangan laporan saya."))
            assignee = agent_id if rnd.random() < 0.4 else None
            return [m for m in out if m[1] <= NOW], assignee, None
        waiting, first = created, True
        coordinator = w.opd_ids[COORDINATOR]
        triage = inbox_opd == coordinator != opd_id and rnd.random() < 0.4
        while True:
            if rnd.random() < 0.08:
                at += timedelta(seconds=rnd.uniform(30, 900))
                out.append(("note", at, agent_id, rnd.choice(NOTE)))
            who = agent_id
            if first and triage:
                who = rnd.choice(w.agents[coordinator])[0]  # the coordinator answered first
            elif not first and rnd.random() < 0.15:
                who = rnd.choice(staff)[0]
            answer = self.answer(calendar, waiting, pace * (1.0 if first else 0.6))
            at = answer if answer > at else at + timedelta(seconds=rnd.uniform(1, 60))
            out.append(("agent", at, who, rnd.choice(OFFICER).format(n=rnd.randint(1, 5))))
            if rnd.random() < 0.25:
                at += timedelta(seconds=rnd.uniform(10, 120))
                out.append(("agent", at, who, rnd.choice(OFFICER).format(n=rnd.randint(1, 5))))
            first = False
            if len(out) >= budget - 1:
                break
            at += timedelta(seconds=rnd.lognormvariate(math.log(900), 1.3))
            waiting = at
            out.append(("contact", at, None, rnd.choice(RESIDENT).format(n=rnd.randint(2, 9))))
            if rnd.random() < 0.3:
                at += timedelta(seconds=rnd.uniform(20, 300))
                out.append(("contact", at, None, rnd.choice(RESIDENT).format(n=rnd.randint(2, 9))))
            if len(out) >= budget - 1:
                break
        resolved = None
        if rnd.random() < 0.86:
            gap = int(rnd.lognormvariate(math.log(4 * 3600), 1.2)) + 1
            at = calendar.add_business(at, gap) + timedelta(microseconds=rnd.randrange(10**6))
            out.append(("agent", at, agent_id, CLOSING.format(code=code)))
            resolved = at + timedelta(seconds=rnd.uniform(5, 120))
        kept = [m for m in out if m[1] <= NOW]
        if resolved is not None and (resolved > NOW or len(kept) < len(out)):
            resolved = None
        return kept, agent_id, resolved

    def answer(self, calendar: Any, waiting: datetime, median: float) -> datetime:
        """An officer's answer: mostly in office time, one in ten on duty (on the clock)."""
        rnd = self.rnd
        if rnd.random() < 0.1:
            return waiting + timedelta(seconds=rnd.lognormvariate(math.log(1500), 1.0))
        office = int(rnd.lognormvariate(math.log(median), 1.1)) + 1
        return calendar.add_business(waiting, office) + timedelta(microseconds=rnd.randrange(10**6))

    def alerts(
        self,
        status: str,
        created: datetime,
        first: Any,
        response_due: datetime,
        resolution_due: datetime,
    ) -> tuple[int, datetime | None]:
        """The alerts the keeper has pushed by NOW, and when the next one is due (hub/sla.py:
        _steps, next_alert, due_alerts)."""
        from hub.deadlines import warn_at

        if status not in ("open", "pending"):
            return 0, None
        steps: list[tuple[datetime, int]] = []
        if first is None:
            steps += [(warn_at(created, response_due, self.w.warn), 1), (response_due, 2)]
        steps += [(warn_at(created, resolution_due, self.w.warn), 4), (resolution_due, 8)]
        pushed = sum(bit for at, bit in steps if at <= NOW)
        later = [at for at, bit in steps if at > NOW]
        return pushed, min(later) if later else None


def _wall(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


INSERTS = {
    "contacts": "INSERT INTO contact (id, name, phone, created_at) VALUES (?, ?, ?, ?)",
    "identities": "INSERT INTO contact_identity (contact_id, channel, external_id, created_at)"
    " VALUES (?, ?, ?, ?)",
    "cases": "INSERT INTO conversation (id, tracking_code, inbox_id, contact_id, reply_to,"
    " opd_id, assignee_id, status, category, kelurahan, priority, source, last_seq,"
    " unread_count, last_message_preview, created_at, updated_at, last_message_at,"
    " last_inbound_at, first_response_at, resolved_at, response_due_at, due_at, csat, csat_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "messages": "INSERT INTO message (conversation_id, seq, direction, sender_type,"
    " sender_agent_id, kind, private, text, delivery_status, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "facts": "INSERT INTO case_sla (conversation_id, opd_id, agent_id, channel, category,"
    " kelurahan, status, created_at, day, first_response_at, first_response_s,"
    " first_response_wall_s, resolved_at, resolution_s, resolution_wall_s, response_due_at,"
    " resolution_due_at, response_met, resolution_met, csat, alerts, next_alert_at, seq,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "responses": "INSERT INTO sla_response (conversation_id, seq, opd_id, agent_id, asked_at,"
    " answered_at, business_s, wall_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
}


def _city(conn: sqlite3.Connection, world: World) -> None:
    """The organisation, OPDs, agents, inboxes, lists, office hours and policies."""
    from hub.deadlines import PRESETS

    at = _iso(datetime.combine(START, datetime.min.time(), TZ).astimezone(UTC) - timedelta(days=30))
    conn.execute(
        "INSERT INTO organization (id, name, created_at) VALUES (1, 'Pemerintah Kota Contoh', ?)",
        (at,),
    )
    conn.executemany(
        "INSERT INTO opd (id, organization_id, slug, name, coordinator, created_at)"
        " VALUES (?, 1, ?, ?, ?, ?)",
        [(world.opd_ids[slug], slug, name, slug == COORDINATOR, at) for slug, name, *_ in OPDS],
    )
    rnd = random.Random(2)
    agents = []
    for slug, opd_id in world.opd_ids.items():
        for n, (agent_id, _speed) in enumerate(world.agents[opd_id]):
            role = "supervisor" if n == 0 else "agent"
            if slug == COORDINATOR and n < 3:
                role = "admin"
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            agents.append((agent_id, opd_id, f"{slug}.{n + 1}@kota.go.id", name, role, at))
    conn.executemany(
        "INSERT INTO agent (id, organization_id, opd_id, email, name, role, created_at)"
        " VALUES (?, 1, ?, ?, ?, ?, ?)",
        agents,
    )
    conn.executemany(
        "INSERT INTO inbox (id, key, kind, name, opd_id, options, created_at)"
        " VALUES (?, ?, ?, ?, ?, '{}', ?)",
        [
            (n, key, kind, name, world.opd_ids[slug], at)
            for n, (key, kind, name, slug, _w) in enumerate(INBOXES, 1)
        ],
    )
    conn.executemany(
        "INSERT INTO category (organization_id, name, opd_id) VALUES (1, ?, ?)",
        [(name, world.opd_ids[opd] if opd else None) for name, opd, _w in CATEGORIES],
    )
    conn.executemany(
        "INSERT INTO area (organization_id, kecamatan, kelurahan) VALUES (1, ?, ?)",
        [(kec, kel) for kec, names in KELURAHAN.items() for kel in names],
    )
    conn.executemany(
        "INSERT INTO business_hours (organization_id, opd_id, weekday, opens, closes)"
        " VALUES (1, ?, ?, ?, ?)",
        [(world.opd_ids["damkar"], h["weekday"], h["opens"], h["closes"]) for h in DAMKAR_HOURS],
    )
    rows = []
    for slug, category, preset in POLICIES:
        p = PRESETS[preset]
        rows.append(
            (
                world.opd_ids[slug], category, preset, p.response.amount, str(p.response.unit),
                p.resolution.amount, str(p.resolution.unit), at,
            )
        )  # fmt: skip
    conn.executemany(
        "INSERT INTO sla_policy (organization_id, opd_id, category, preset, response_amount,"
        " response_unit, resolution_amount, resolution_unit, created_at)"
        " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


#: The full-text index's insert trigger (migration 0008), off during the load: indexing 10M
#: messages would triple the build time, and no report reads the index.
FTS_TRIGGER = "message_search_insert"

_WORLD: World | None = None


def _start_worker() -> None:
    global _WORLD
    _WORLD = World.build()


def _make_chunk(job: tuple[int, int, int, list[datetime]]) -> tuple[Rows, float]:
    seed, index, first, times = job
    assert _WORLD is not None
    t0 = time.process_time()
    rows = Chunk(_WORLD, seed, index, first).make(times)
    return rows, time.process_time() - t0


def generate(path: Path, cases: int, seed: int) -> dict[str, Any]:
    """Build the file at `path` (migrated, then filled): chunks of cases made by a pool of
    worker processes, written here in case order; what went in and how long it took."""
    from hub.store.migrate import upgrade

    t0 = time.perf_counter()
    path.unlink(missing_ok=True)
    upgrade(f"sqlite+aiosqlite:///{path}")
    world = World.build()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")  # a half-built file is thrown away anyway
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("PRAGMA cache_size=-2000000")  # 2 GB: every index stays in memory
    (trigger,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (FTS_TRIGGER,)
    ).fetchone()
    counts = dict.fromkeys(INSERTS, 0)
    spent = {"python": 0.0, "sqlite": 0.0}
    times = arrivals(cases, seed)
    jobs = [(seed, i, first + 1, times[first : first + CHUNK]) for i, first in enumerate(
        range(0, cases, CHUNK))]  # fmt: skip
    try:
        conn.execute("BEGIN")
        _city(conn, world)
        conn.execute(f"DROP TRIGGER {FTS_TRIGGER}")
        conn.execute("COMMIT")
        with multiprocessing.Pool(os.cpu_count() or 1, initializer=_start_worker) as pool:
            for done, (rows, cpu) in enumerate(pool.imap(_make_chunk, jobs), 1):
                t1 = time.perf_counter()
                conn.execute("BEGIN")
                for name, sql in INSERTS.items():
                    batch = getattr(rows, name)
                    conn.executemany(sql, batch)
                    counts[name] += len(batch)
                conn.execute("COMMIT")
                spent["python"] += cpu
                spent["sqlite"] += time.perf_counter() - t1
                if done % 5 == 0 or done == len(jobs):
                    log(
                        f"reports: {counts['cases']:,} cases, {counts['messages']:,} messages "
                        f"({time.perf_counter() - t0:.0f} s; making them {spent['python']:.0f} "
                        f"CPU s, writing them {spent['sqlite']:.0f} s)"
                    )
        conn.execute(trigger)
        # Every month's facts changed (hub.rollups.mark), then the keeper rebuilt them all.
        conn.execute(
            "INSERT INTO sla_month (month, version, built_version)"
            " SELECT DISTINCT substr(day, 1, 7), 1, 0 FROM case_sla"
        )
        conn.execute("PRAGMA journal_mode=WAL")  # what the hub uses
    finally:
        conn.close()
    t1 = time.perf_counter()
    months = _roll(path)
    log(f"reports: rollups of {months} months built in {time.perf_counter() - t1:.0f} s")
    return {
        "generator": GENERATOR,
        "cases": cases,
        "seed": seed,
        "rows": counts,
        "seconds": round(time.perf_counter() - t0, 1),
        "python_cpu_seconds": round(spent["python"], 1),
        "sqlite_seconds": round(spent["sqlite"], 1),
        "workers": os.cpu_count(),
        "rollup_seconds": round(time.perf_counter() - t1, 1),
        "bytes": path.stat().st_size,
    }


def _roll(path: Path) -> int:
    """Build every month's report rollups, as the SlaKeeper does in the background."""
    from sqlalchemy import create_engine

    from hub import rollups

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            return rollups.rebuild_all(conn)
    finally:
        engine.dispose()


def _key() -> str:
    """What a cached file depends on besides the generator: the schema's head and the
    rollups' code (a change to the facts' code shows in the check instead)."""
    from alembic.script import ScriptDirectory

    from hub import rollups
    from hub.store.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    code = hashlib.sha256(Path(rollups.__file__).read_bytes()).hexdigest()[:8]
    return f"{head}-{code}"


def prepared(plan: Plan) -> tuple[Path, dict[str, Any]]:
    """The cached file for this plan, built first (in a niced subprocess) if missing."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"reports-g{GENERATOR}-{_key()}-{plan.cases}-s{plan.seed}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        log(f"reports: cached {path.name} (generated in {info['seconds']:.0f} s)")
        return path, {**info, "cached": True}
    building = path.with_suffix(".building")
    log(f"reports: generating {plan.cases:,} cases into {path.name} (nice 10) ...")
    done = subprocess.run(
        [
            "nice",
            "-n",
            "10",
            sys.executable,
            "-m",
            "bench.reports",
            str(building),
            str(plan.cases),
            str(plan.seed),
        ],
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"generating {path.name} failed ({done.returncode})")
    info = json.loads(building.with_suffix(".json").read_text())
    building.rename(path)
    building.with_suffix(".json").rename(meta)
    return path, {**info, "cached": False}


# -- the check: refresh() recomputes the same facts ------------------------------------------


def verify(path: Path, plan: Plan) -> dict[str, Any]:
    """Recompute the facts of `plan.sample` random cases with hub.sla.refresh() (in a
    transaction rolled back afterwards) and compare them, column by column, with the
    generated ones."""
    from sqlalchemy import create_engine

    from hub.config import SlaSettings
    from hub.directory import load_directory
    from hub.sla import BATCH, load_context, refresh

    rnd = random.Random(plan.seed)
    ids = sorted(rnd.sample(range(1, plan.cases + 1), plan.sample))
    marks = ",".join("?" * len(ids))
    facts_sql = f"SELECT * FROM case_sla WHERE conversation_id IN ({marks})"
    responses_sql = f"SELECT * FROM sla_response WHERE conversation_id IN ({marks})"
    cases_sql = (
        f"SELECT id, response_due_at, due_at FROM conversation WHERE id IN ({marks}) ORDER BY id"
    )
    engine = create_engine(f"sqlite:///{path}")
    t0 = time.perf_counter()
    moved = 0
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None

        def rows(sql: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
            cursor = raw.execute(sql, ids)
            names = [d[0] for d in cursor.description]
            key = 2 if names[1] == "seq" else 1
            return {tuple(r[:key]): dict(zip(names, r, strict=True)) for r in cursor}

        written, answers, deadlines = rows(facts_sql), rows(responses_sql), rows(cases_sql)
        conn.exec_driver_sql(
            f"DELETE FROM sla_response WHERE conversation_id IN ({marks})", tuple(ids)
        )
        directory = load_directory(conn)
        ctx = load_context(conn, directory.organization_id, SlaSettings())
        for i in range(0, len(ids), BATCH):
            moved += sum(r.moved for r in refresh(conn, directory, ctx, ids[i : i + BATCH], NOW))
        recomputed, reanswered = rows(facts_sql), rows(responses_sql)
        unchanged = rows(cases_sql) == deadlines
        conn.rollback()
    engine.dispose()
    diffs = [
        f"case {key[0]} {name}: generated {row.get(name)!r}, refresh {other.get(name)!r}"
        for mine, theirs in ((written, recomputed), (answers, reanswered))
        for key in sorted(set(mine) | set(theirs))
        for row, other in [(mine.get(key, {}), theirs.get(key, {}))]
        for name in sorted(set(row) | set(other))
        if row.get(name) != other.get(name)
    ]
    if moved or not unchanged:
        diffs.append(f"refresh() moved the deadlines of {moved} case(s)")
    return {
        "cases": len(ids),
        "facts": len(written),
        "responses": len(answers),
        "differences": len(diffs),
        "examples": diffs[:10],
        "seconds": round(time.perf_counter() - t0, 1),
    }


# -- the queries -----------------------------------------------------------------------------

GROUPS = ["opd", "agent", "channel", "category", "kelurahan", "day", "week", "month"]
RANGES = {"30 d": 30, "90 d": 90, "365 d": 365, "all": DAYS}
PERSONAS = ("admin", "supervisor")
CLOCKS = ("business", "wall")
BARE = "SELECT count(*), sum(first_response_s) FROM case_sla WHERE day BETWEEN ? AND ?"
BARE_BACKLOG = (
    "SELECT opd_id, count(*) FROM conversation WHERE status IN ('open', 'pending') GROUP BY opd_id"
)


@dataclass(frozen=True)
class Spec:
    """One dashboard query: response_times (group, range, persona, clock) or backlog."""

    group: str  # or "backlog"
    span: str
    persona: str
    clock: str

    @property
    def label(self) -> str:
        if self.group == "backlog":
            return f"backlog {self.persona}"
        return f"{self.group} {self.span} {self.persona} {self.clock}"


def _specs() -> list[Spec]:
    found = [
        Spec(g, span, p, clock)
        for p in PERSONAS
        for clock in CLOCKS
        for span in RANGES
        for g in GROUPS
    ]
    return found + [Spec("backlog", "now", p, "-") for p in PERSONAS]


def _bounds(span: str) -> tuple[date, date]:
    return END - timedelta(days=RANGES[span] - 1), END


def _bare_sql(spec: Spec, opd: list[int] | None) -> tuple[str, list[Any]]:
    if spec.group == "backlog":
        if opd is None:
            return BARE_BACKLOG, []
        return BARE_BACKLOG.replace(" GROUP", " AND opd_id = ? GROUP"), opd
    start, end = _bounds(spec.span)
    args: list[Any] = [start.isoformat(), end.isoformat()]
    if opd is None:
        return BARE, args
    return BARE + " AND opd_id IN (?)", args + opd


async def _measure(path: Path, plan: Plan, profile: Path | None) -> dict[str, Any]:
    from hub import reports
    from hub.config import DatabaseSettings
    from hub.directory import load_directory
    from hub.reports import Query
    from hub.store.db import Store

    store = Store(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}"))
    await store.start()
    bare = sqlite3.connect(path, isolation_level=None)
    store._sqlite_pragmas(bare, None)  # the hub's pragmas (WAL, cache size, ...)
    directory = await store.read(load_directory)
    supervised = directory.opd_by_slug(SUPERVISOR_OPD)
    assert supervised is not None
    opds: dict[str, list[int] | None] = {"admin": None, "supervisor": [supervised.id]}

    async def hub(spec: Spec) -> int:
        opd = opds[spec.persona]
        if spec.group == "backlog":
            items = await store.read(lambda c: reports.backlog(c, directory, opd, NOW))
        else:
            start, end = _bounds(spec.span)
            query = Query(spec.group, start, end, clock=spec.clock, opd_ids=opd)
            items = await store.read(lambda c: reports.response_times(c, directory, query))
        return len(items)

    def baseline(spec: Spec) -> Any:
        sql, args = _bare_sql(spec, opds[spec.persona])
        return bare.execute(sql, args).fetchall()

    specs = _specs()
    samples: dict[Spec, dict[str, list[float]]] = {
        s: {"hub": [], "cpu": [], "bare": []} for s in specs
    }
    items: dict[Spec, int] = {}
    profiler = cProfile.Profile() if profile is not None else None
    rnd = random.Random(plan.seed)
    try:
        for spec in specs:  # warm-up: page cache, statement caches, the pool
            if spec.group == "opd" or spec.group == "backlog":
                await hub(spec)
                baseline(spec)
        all0, own0 = system_busy_seconds(), time.process_time()
        t_all = time.perf_counter()
        for rep in range(plan.reps):
            order = list(specs)
            rnd.shuffle(order)
            for spec in order:
                if profiler is not None:
                    profiler.enable()
                c0, t0 = time.process_time(), time.perf_counter()
                items[spec] = await hub(spec)
                samples[spec]["hub"].append((time.perf_counter() - t0) * 1000)
                samples[spec]["cpu"].append((time.process_time() - c0) * 1000)
                if profiler is not None:
                    profiler.disable()
                t0 = time.perf_counter()
                baseline(spec)
                samples[spec]["bare"].append((time.perf_counter() - t0) * 1000)
            log(f"reports: round {rep + 1}/{plan.reps} done ({time.perf_counter() - t_all:.0f} s)")
        elapsed = time.perf_counter() - t_all
        others = ((system_busy_seconds() - all0) - (time.process_time() - own0)) / elapsed
        slow = [s for s in specs if percentile(samples[s]["hub"], 50) >= TARGET_MS]
        diagnosis = {
            spec: diagnose(path, spec, opds[spec.persona])
            for spec in slow
            if spec.group != "backlog"
        }
    finally:
        bare.close()
        await store.stop()
        if profiler is not None and profile is not None:
            profiler.dump_stats(str(profile))
    return {
        "samples": samples,
        "items": items,
        "diagnosis": diagnosis,
        "seconds": round(elapsed, 1),
        "other_cpu": max(0.0, others),
    }


def diagnose(path: Path, spec: Spec, opd: list[int] | None) -> dict[str, Any]:
    """Where a slow query's time goes: the report once on a plain (sync) connection, every
    statement it runs captured, then each replayed on bare sqlite3 (best of 3, all rows
    fetched) with SQLite's plan. Report time minus SQL time is Python's (SQLAlchemy's rows,
    hub/reports.py's and hub/rollups.py's adding up, sorting, percentiles)."""
    from sqlalchemy import create_engine, event

    from hub import reports
    from hub.directory import load_directory
    from hub.reports import Query

    engine = create_engine(f"sqlite:///{path}")
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        statements.append((sql, params))

    try:
        with engine.connect() as conn:
            directory = load_directory(conn)
            start, end = _bounds(spec.span)
            query = Query(spec.group, start, end, clock=spec.clock, opd_ids=opd)
            reports.response_times(conn, directory, query)  # warm
            event.listen(engine, "before_cursor_execute", capture)
            t0 = time.perf_counter()
            reports.response_times(conn, directory, query)
            report_ms = (time.perf_counter() - t0) * 1000
    finally:
        engine.dispose()
    bare = sqlite3.connect(path)
    found = []
    try:
        for sql, params in statements:
            times, rows, size = [], 0, 0
            for _ in range(3):
                t0 = time.perf_counter()
                fetched = bare.execute(sql, params).fetchall()
                times.append((time.perf_counter() - t0) * 1000)
            rows = len(fetched)
            size = sum(len(v) for r in fetched for v in r if isinstance(v, bytes))
            plan = [r[3] for r in bare.execute("EXPLAIN QUERY PLAN " + sql, params)]
            found.append(
                {
                    "sql": " ".join(sql.split())[:300],
                    "ms": min(times),
                    "rows": rows,
                    "blob_bytes": size,
                    "plan": plan,
                }
            )
    finally:
        bare.close()
    sql_ms = sum(f["ms"] for f in found)
    return {"report_ms": report_ms, "sql_ms": sql_ms, "statements": found}


# -- the run ---------------------------------------------------------------------------------


def _table(results: dict[Spec, dict[str, float]]) -> str:
    """Per persona and clock, a line per group and a cell per range: hub wall p50 / max /
    CPU p50 in ms, and wall p50 as a multiple of bare's; "!" marks p50 >= the target."""
    out = []
    width = 29
    for persona in PERSONAS:
        for clock in CLOCKS:
            out.append(
                f"  response_times, {persona}, clock={clock}: p50/max/CPU ms (hub p50 / bare p50)"
            )
            out.append("  " + f"{'group':<10}" + "".join(f"{span:>{width}}" for span in RANGES))
            for group in GROUPS:
                cells = [_cell(results[Spec(group, span, persona, clock)]) for span in RANGES]
                out.append("  " + f"{group:<10}" + "".join(f"{c:>{width}}" for c in cells))
    for persona in PERSONAS:
        out.append(f"  backlog, {persona}: {_cell(results[Spec('backlog', 'now', persona, '-')])}")
    return "\n".join(out)


def _cell(r: dict[str, float]) -> str:
    flag = "!" if r["p50"] >= TARGET_MS else " "
    return f"{flag}{r['p50']:.0f}/{r['max']:.0f}/{r['cpu']:.0f} ({r['ratio']:.1f}x)"


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    if profile:
        plan = replace(plan, reps=min(plan.reps, 2))
    result = ScenarioResult("reports")
    path, data = prepared(plan)
    log(
        f"reports: {data['rows']['cases']:,} cases, {data['rows']['messages']:,} messages, "
        f"{data['rows']['responses']:,} answers ({data['bytes'] / 1e9:.2f} GB); generation "
        f"took {data['seconds']:.0f} s"
    )
    check = verify(path, plan)
    log(
        f"reports: refresh() on {check['cases']:,} random cases ({check['responses']:,} "
        f"answers): {check['differences']} difference(s) ({check['seconds']} s)"
    )
    if check["differences"]:
        for line in check["examples"]:
            log(f"  {line}")
        raise AssertionError("the generated facts are not the ones hub.sla.refresh() computes")
    RESULTS.mkdir(parents=True, exist_ok=True)
    prof = RESULTS / "reports-hub.prof" if profile else None
    measured = asyncio.run(_measure(path, plan, prof))
    if prof is not None:
        result.details["profile"] = str(prof)
        (RESULTS / "reports-hub.prof.txt").write_text(profile_summary([prof]))
    results: dict[Spec, dict[str, float]] = {}
    for spec, sides in measured["samples"].items():
        hub, bare = percentile(sides["hub"], 50), percentile(sides["bare"], 50)
        results[spec] = {
            "p50": hub,
            "max": max(sides["hub"]),
            "cpu": percentile(sides["cpu"], 50),
            "bare": bare,
            "ratio": hub / bare,
        }
        result.rows.append(
            Row(
                "reports",
                f"{spec.label} (max {max(sides['hub']):.0f}, CPU {results[spec]['cpu']:.0f} ms; "
                f"{measured['items'][spec]} items)",
                "ms",
                hub,
                bare,
                hub / bare,
                f"< {TARGET_MS:.0f} ms",
                hub < TARGET_MS,
            )
        )
    print(_table(results), flush=True)
    slow = [s for s, r in results.items() if r["p50"] >= TARGET_MS]
    diagnosis = {}
    for spec, found in measured["diagnosis"].items():
        hub_ms = results[spec]["p50"]
        diagnosis[spec.label] = {**found, "hub_ms": hub_ms}
        log(
            f"reports: {spec.label}: hub p50 {hub_ms:.0f} ms; once on a plain connection "
            f"{found['report_ms']:.0f} ms, of which SQL {found['sql_ms']:.0f} ms "
            f"({len(found['statements'])} statement(s)), Python "
            f"{found['report_ms'] - found['sql_ms']:.0f} ms"
        )
        for st in found["statements"]:
            blobs = f", {st['blob_bytes'] / 1e6:.1f} MB of blobs" if st["blob_bytes"] else ""
            log(f"    {st['ms']:.0f} ms, {st['rows']:,} rows{blobs}: {' / '.join(st['plan'])}")
    log(
        f"reports: {len(slow)} of {len(results)} queries at or over {TARGET_MS:.0f} ms (p50); "
        f"timed rounds took {measured['seconds']} s, other processes used "
        f"{measured['other_cpu']:.2f} cores meanwhile"
    )
    result.details.update(
        plan=plan.__dict__,
        data=data,
        check=check,
        results={s.label: r for s, r in results.items()},
        samples={s.label: v for s, v in measured["samples"].items()},
        slow=[s.label for s in slow],
        diagnosis=diagnosis,
        seconds=measured["seconds"],
        other_cpu=measured["other_cpu"],
        profiled=profile,
    )
    return result


if __name__ == "__main__":  # python -m bench.reports PATH CASES SEED: build one file
    target, size, seed_ = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    info = generate(target, size, seed_)
    target.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
