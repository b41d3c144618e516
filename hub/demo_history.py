"""Eight weeks of past cases for the demo city, so that the dashboard, the leaderboard and
the exports have something to show: residents write at all hours, officers answer within
office hours (some OPDs faster than others, some cases never), most cases are followed up,
resolved and some rated. Deterministic (a fixed seed). The SLA keeper computes their facts
when the hub starts, like for any case written while it was not running."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from hub.directory import Directory
from hub.models import Status, utcnow
from hub.store import schema as s
from hub.store.queries import new_id
from hub.tracking import ALPHABET, LENGTH, PREFIX

DAYS = 56
ZONE = ZoneInfo("Asia/Jakarta")  # the default [sla] timezone, which `make run` uses
#: (OPD, cases per day, typical hours to a first answer): some OPDs are quicker than others.
PACE = {"pupr": (2.5, 5.0), "dishub": (1.5, 2.0), "dlh": (2.0, 9.0), "disdukcapil": (1.0, 1.0)}
TOPICS: dict[str, list[tuple[str, str]]] = {
    "pupr": [
        ("Jalan rusak", "Jalan di depan rumah kami berlubang dan tergenang air."),
        ("Banjir/drainase", "Saluran air tersumbat, setiap hujan jalan banjir."),
    ],
    "dishub": [
        ("Lampu jalan", "Lampu jalan di gang kami mati sudah tiga malam."),
        ("Parkir", "Parkir liar di depan pasar membuat jalan macet."),
    ],
    "dlh": [
        ("Sampah", "Sampah di TPS belum diangkut sejak kemarin."),
        ("Pohon tumbang", "Ada pohon tumbang menutup sebagian jalan."),
    ],
    "disdukcapil": [
        ("Adminduk/KTP", "KTP-el saya belum jadi sejak bulan lalu, mohon infonya."),
    ],
}
REPLIES = [
    "Terima kasih, laporan Anda sudah kami terima dan diteruskan ke petugas lapangan.",
    "Petugas kami akan meninjau lokasi hari ini.",
]
FOLLOW_UP = "Sudah kami tindak lanjuti. Terima kasih atas laporannya."


def seed_history(conn: Connection, directory: Directory, areas: list[str]) -> int:
    """Write the past cases (with their messages); how many. Once: none if they are there."""
    seeded = conn.execute(
        select(s.conversation.c.id).where(s.conversation.c.tracking_code == _code(0))
    ).first()
    if seeded is not None:
        return 0
    rnd = random.Random(2026)
    now = utcnow()
    agents = _officers(conn)
    made = 0
    for slug, (per_day, hours) in PACE.items():
        opd = directory.opd_by_slug(slug)
        inbox = directory.inbox_by_key(f"web-{slug}")
        if opd is None or inbox is None or not agents.get(opd.id):
            continue
        for days_ago in range(DAYS, 0, -1):
            day = (now - timedelta(days=days_ago)).astimezone(ZONE).date()
            for _ in range(_poisson(rnd, per_day * (0.5 if day.weekday() >= 5 else 1.0))):
                arrival = datetime(day.year, day.month, day.day, tzinfo=ZONE) + timedelta(
                    minutes=rnd.randint(6 * 60, 23 * 60)
                )
                case = _case(rnd, arrival, hours, now)
                case["category"], case["text"] = rnd.choice(TOPICS[slug])
                case["kelurahan"] = rnd.choice(areas)
                _write(conn, inbox.id, opd.id, rnd.choice(agents[opd.id]), case, made, now)
                made += 1
    return made


def _officers(conn: Connection) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for agent_id, opd_id in conn.execute(select(s.agent.c.id, s.agent.c.opd_id)):
        found.setdefault(opd_id, []).append(agent_id)
    return found


def _poisson(rnd: random.Random, mean: float) -> int:
    count, total = 0, rnd.expovariate(1.0)
    while total < mean:
        count += 1
        total += rnd.expovariate(1.0)
    return count


def _case(rnd: random.Random, arrival: datetime, hours: float, now: datetime) -> dict[str, Any]:
    """When things happened: the answer comes in office time (8:00-16:00 on weekdays)."""
    answered = None if rnd.random() < 0.06 else _office_after(arrival, rnd.expovariate(1 / hours))
    resolved = None
    if answered is not None and rnd.random() < 0.8:
        resolved = _office_after(answered, rnd.uniform(2, 60))
    if resolved is not None and resolved > now:
        resolved = None
    if answered is not None and answered > now:
        answered = None
    rating = rnd.choice([3, 4, 4, 5, 5]) if resolved is not None and rnd.random() < 0.4 else None
    return {"arrival": arrival, "answered": answered, "resolved": resolved, "csat": rating}


def _office_after(start: datetime, hours: float) -> datetime:
    """`hours` of office time after `start` (Monday to Friday, 08:00-16:00 local time)."""
    at, left = start.astimezone(ZONE), timedelta(hours=hours)
    while True:
        opens = at.replace(hour=8, minute=0, second=0, microsecond=0)
        closes = at.replace(hour=16, minute=0, second=0, microsecond=0)
        if at.weekday() < 5 and at < closes:
            begin = max(at, opens)
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
        at = (at + timedelta(days=1)).replace(hour=0, minute=0)


def _code(n: int) -> str:
    """KNL-D + n in the tracking alphabet: valid codes, and none a live case would draw
    twice (new codes are checked against the table)."""
    digits = ""
    for _ in range(LENGTH - 1):
        n, rest = divmod(n, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return f"{PREFIX}D{digits}"


def _write(
    conn: Connection,
    inbox_id: int,
    opd_id: int,
    agent_id: int,
    case: dict[str, Any],
    n: int,
    now: datetime,
) -> None:
    arrival, answered, resolved = case["arrival"], case["answered"], case["resolved"]
    closed = resolved is not None and now - resolved > timedelta(days=7)
    status = Status.CLOSED if closed else Status.RESOLVED if resolved else Status.OPEN
    contact = new_id(conn, insert(s.contact).values(name=None, created_at=arrival))
    conn.execute(
        insert(s.contact_identity).values(
            contact_id=contact,
            channel="widget",
            external_id=f"demo-riwayat-{n}",
            created_at=arrival,
        )
    )
    thread = [("in", arrival, case["text"])]
    if answered is not None:
        thread.append(("out", answered, REPLIES[n % 2]))
    if resolved is not None:
        thread.append(("out", resolved, FOLLOW_UP))
    last = thread[-1][1]
    conv = new_id(
        conn,
        insert(s.conversation).values(
            tracking_code=_code(n),
            inbox_id=inbox_id,
            contact_id=contact,
            reply_to=f"demo-riwayat-{n}",
            opd_id=opd_id,
            assignee_id=agent_id if resolved else None,  # open ones wait in the queue
            status=status,
            category=case["category"],
            kelurahan=case["kelurahan"],
            last_message_preview=thread[-1][2][:120],
            created_at=arrival,
            updated_at=last,
            last_message_at=last,
            last_inbound_at=arrival,
            first_response_at=answered,
            resolved_at=resolved,
            csat=case["csat"],
            csat_at=resolved + timedelta(hours=2) if case["csat"] and resolved else None,
            last_seq=len(thread),
        ),
    )
    conn.execute(
        insert(s.message),
        [
            {
                "conversation_id": conv,
                "seq": seq,
                "direction": direction,
                "sender_type": "contact" if direction == "in" else "agent",
                "sender_agent_id": agent_id if direction == "out" else None,
                "kind": "text",
                "private": False,
                "text": text,
                "delivery_status": "read" if direction == "out" else "sent",
                "created_at": at,
            }
            for seq, (direction, at, text) in enumerate(thread, start=1)
        ],
    )
