"""Scenario `whatsapp` (S4): WhatsApp signed webhook ingest through a real hub vs a bare handler.

Server: a real hub process (bench/server.py hub: create_app + web.run_app, as `kanal serve`
does) on a temporary SQLite file (synchronous=FULL, WAL), with one WhatsApp inbox, or the
bare baseline (bench/server.py whatsapp-webhook, the app is `bare_app` below: an aiohttp
handler that reads the raw body, checks X-Hub-Signature-256 with hmac.compare_digest,
parses the body with orjson and answers 200), pinned to SERVER_CORE. Load generator: this
process, pinned to LOADGEN_CORE: one aiohttp ClientSession with `clients` keep-alive
connections POSTing distinct signed deliveries to /webhooks/whatsapp/{key}, each with
X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app secret, the exact body bytes).

Each delivery is Meta's Cloud API webhook shape for one text message (object
"whatsapp_business_account", one entry, one "messages" change with metadata, the
sender's contact profile and the message), with its own wamid; one in NEW_RESIDENT_EVERY
comes from a wa_id never seen before (the hub opens a contact and a case for it), the
others from a resident seen before, picked at random (a message added to their open
case). The inbox has `ack = false`: the acknowledgement of a new case (a message queued
in the outbox with its tracking code) would otherwise make the relay call the Graph API,
which is not there (graph_base_url points at an unused port).

1. max rate: every connection sends the next delivery as soon as the previous one is
   answered (for the hub: committed). deliveries/s = 200 answers per second over the
   measured window; p50/p99 of the answers in the window.
2. paced: open-loop POSTs at half the hub's max rate, p50/p99 (both servers).

As in `relay` and `telegram`, max-rate rounds alternate hub and bare and the best round of
each counts; p99 is the median over rounds. After the run the hub's database is checked:
one stored message (and its dedupe receipt) per 200, one case per new resident, nothing
in the outbox.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from bench.common import (
    HOST,
    LOADGEN_CORE,
    RESULTS,
    SERVER_CORE,
    Row,
    ScenarioResult,
    ServerProcess,
    bench_limits,
    free_port,
    log,
    pinned,
    profile_summary,
)
from bench.webhook_load import LoadGenerator, describe, max_round, paced_round
from bench.webhook_load import stored as stored_rows

TARGET = 0.40  # hub deliveries/s >= 40% of the bare signed-webhook handler
INBOX = "kota-wa"
UNIT = "delivery"  # what one load-generator request carries
APP_SECRET = "bench0a9d7e2b48c6a3d5e8f1b2c4d6e8"
SIGNATURE_HEADER = "X-Hub-Signature-256"
PHONE_NUMBER_ID = "109876543210987"
DISPLAY_NUMBER = "6281180001122"
BUSINESS_ACCOUNT_ID = "114782935120448"
ACCESS_TOKEN = "EAAbench"  # never used: ingest calls no Graph API
VERIFY_TOKEN = "bench-verify"
NEW_RESIDENT_EVERY = 5  # one delivery in 5 comes from a new resident (a new case)
WA_ID_BASE = 6281200000000  # 13-digit Indonesian wa_ids (62 812 ...)
TEXT = (
    "Selamat pagi, lampu jalan di depan SD Negeri {n} Batu Merah mati sejak tiga hari "
    "lalu. Mohon segera diperbaiki."
)
NAMES = ("Siti Rahayu", "Budi Santoso", "Dewi Lestari", "Agus Salim", "Rina Wati")


@dataclass(frozen=True)
class Plan:
    clients: int = 40  # keep-alive connections, each with one delivery in flight
    warmup: float = 2.0  # seconds of max-rate load before the window opens
    window: float = 10.0  # measured seconds at max rate
    paced: float = 10.0  # seconds of each paced latency run
    rounds: int = 3  # max-rate rounds per server (alternating)
    paced_rounds: int = 2

    @classmethod
    def quick(cls) -> Plan:
        return cls(warmup=1.0, window=3.0, paced=3.0, rounds=1, paced_rounds=1)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """Meta's X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wamid(wa_id: str, n: int) -> str:
    """A wamid shaped like Meta's: base64 of the sender's wa_id and a 20-hex-digit id."""
    raw = (
        b"\x1c\x18"
        + bytes([len(wa_id)])
        + wa_id.encode()
        + b"\x15\x02\x00\x12\x18\x14"
        + f"{n:020X}".encode()
        + b"\x00"
    )
    return "wamid." + base64.b64encode(raw).decode()


class Deliveries:
    """Distinct signed webhook deliveries (one text message each), one server's whole run."""

    def __init__(self, seed: int) -> None:
        self.n = 0
        self.residents: list[str] = []
        self.random = random.Random(seed)

    def next(self) -> tuple[bytes, str]:
        """(raw body, X-Hub-Signature-256)."""
        self.n += 1
        n = self.n
        if n % NEW_RESIDENT_EVERY == 1 or not self.residents:
            wa_id = str(WA_ID_BASE + len(self.residents))
            self.residents.append(wa_id)
        else:
            wa_id = self.random.choice(self.residents)
        name = NAMES[int(wa_id) % len(NAMES)]
        delivery = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": BUSINESS_ACCOUNT_ID,
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": DISPLAY_NUMBER,
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                                "messages": [
                                    {
                                        "from": wa_id,
                                        "id": wamid(wa_id, n),
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": TEXT.format(n=n)},
                                    }
                                ],
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }
        body = orjson.dumps(delivery)
        return body, sign(body)


def bare_app(secret: str) -> web.Application:
    """The WhatsApp webhook with nothing behind it: signature check, JSON parse, 200."""
    key = secret.encode()
    app = web.Application()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        if not given.startswith("sha256=") or not hmac.compare_digest(
            given[len("sha256=") :].encode(), expected.encode()
        ):
            return web.json_response({"ok": False}, status=401)
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            return web.json_response({"ok": False}, status=400)
        return web.json_response({"ok": True})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_post("/webhooks/whatsapp/{key}", webhook)
    app.router.add_get("/healthz", healthz)
    return app


def _hub_config(tmp: Path, port: int, graph_port: int) -> Path:
    path = tmp / "kanal.toml"
    path.write_text(
        f"""
[server]
host = "{HOST}"
port = {port}
public_url = "http://{HOST}:{port}"
secret_key = "bench-secret-key"
data_dir = "{tmp / "data"}"

[database]
url = "sqlite+aiosqlite:///{tmp / "kanal.db"}"
synchronous = "FULL"

[organization]
name = "Pemerintah Kota Bench"

[[opds]]
slug = "diskominfo"
name = "Dinas Komunikasi dan Informatika"

[[inboxes]]
key = "{INBOX}"
kind = "whatsapp"
opd = "diskominfo"
phone_number_id = "{PHONE_NUMBER_ID}"
access_token = "{ACCESS_TOKEN}"
app_secret = "{APP_SECRET}"
verify_token = "{VERIFY_TOKEN}"
graph_base_url = "http://{HOST}:{graph_port}"
api_version = "v21.0"
ack = false
"""
        + bench_limits()
    )
    return path


def _load(url: str, clients: int, deliveries: Deliveries) -> LoadGenerator:
    def signed() -> tuple[bytes, dict[str, str]]:
        body, signature = deliveries.next()
        return body, {"Content-Type": "application/json", SIGNATURE_HEADER: signature}

    endpoint = f"{url}/webhooks/whatsapp/{INBOX}"
    return LoadGenerator(endpoint, clients, signed, "delivery")


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    result = ScenarioResult("whatsapp")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-whatsapp-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    prof = RESULTS / "whatsapp-hub.prof"
    bare_prof = RESULTS / "whatsapp-bare.prof"
    hub_max: list[dict[str, Any]] = []
    bare_max: list[dict[str, Any]] = []
    hub_paced: list[dict[str, Any]] = []
    bare_paced: list[dict[str, Any]] = []
    # Each server gets the same sequence; the hub's continues over its rounds (a repeated
    # wamid would be a cheap duplicate, not an ingest).
    hub_deliveries, bare_deliveries = Deliveries(seed=4), Deliveries(seed=4)
    try:
        port, bare_port, graph_port = free_port(), free_port(), free_port()
        config = _hub_config(tmp, port, graph_port)
        hub_args = ["hub", "--config", str(config), "--core", str(SERVER_CORE)]
        if profile:
            hub_args += ["--profile", str(prof)]
        bare_args = ["whatsapp-webhook", "--port", str(bare_port), "--secret", APP_SECRET]
        bare_args += ["--core", str(SERVER_CORE)]
        if profile:
            bare_args += ["--profile", str(bare_prof)]
        with (
            pinned(LOADGEN_CORE),
            ServerProcess(hub_args, port) as hub,
            ServerProcess(bare_args, bare_port) as bare,
        ):
            hub.start(tmp / "hub.log")
            bare.start(tmp / "bare.log")
            log(
                f"whatsapp: servers on core {SERVER_CORE}, load generator on core "
                f"{LOADGEN_CORE}: {plan.clients} keep-alive connections, one delivery in "
                f"{NEW_RESIDENT_EVERY} from a new resident"
            )
            for n in range(plan.rounds):
                hub_max.append(
                    asyncio.run(
                        max_round(
                            _load(hub.url, plan.clients, hub_deliveries),
                            hub.pid,
                            plan.warmup,
                            plan.window,
                        )
                    )
                )
                log(f"whatsapp: round {n + 1} hub  max {describe(hub_max[-1], UNIT)}")
                bare_max.append(
                    asyncio.run(
                        max_round(
                            _load(bare.url, plan.clients, bare_deliveries),
                            bare.pid,
                            plan.warmup,
                            plan.window,
                        )
                    )
                )
                log(f"whatsapp: round {n + 1} bare max {describe(bare_max[-1], UNIT)}")
            half = max(r["rate"] for r in hub_max) / 2
            for n in range(plan.paced_rounds):
                hub_paced.append(
                    asyncio.run(
                        paced_round(
                            _load(hub.url, plan.clients, hub_deliveries), hub.pid, half, plan.paced
                        )
                    )
                )
                log(f"whatsapp: paced {n + 1} hub  {describe(hub_paced[-1], UNIT)}")
                bare_paced.append(
                    asyncio.run(
                        paced_round(
                            _load(bare.url, plan.clients, bare_deliveries),
                            bare.pid,
                            half,
                            plan.paced,
                        )
                    )
                )
                log(f"whatsapp: paced {n + 1} bare {describe(bare_paced[-1], UNIT)}")
            hub.stop()
            bare.stop()
            stored = stored_rows(tmp / "kanal.db")
            if profile:
                result.details["profile"] = str(prof)
                (RESULTS / "whatsapp-hub.prof.txt").write_text(
                    profile_summary([prof, Path(str(prof) + ".writer")])
                )
                (RESULTS / "whatsapp-bare.prof.txt").write_text(profile_summary([bare_prof]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # Every 200 from the hub is a committed message (the wamids are all distinct).
    answered = sum(r["answered"] for r in hub_max + hub_paced)
    residents = len(hub_deliveries.residents)
    consistent = (
        stored["messages_in"] == answered <= stored["receipts"]
        and stored["conversations"] == residents
        and stored["outbox"] == 0
    )
    log(
        f"whatsapp: hub answered 200 to {answered} deliveries from {residents} residents; "
        f"stored {stored['messages_in']} messages in {stored['conversations']} cases, "
        f"{stored['outbox']} in the outbox" + ("" if consistent else " (MISMATCH)")
    )

    best_hub = max(hub_max, key=lambda r: r["rate"])
    best_bare = max(bare_max, key=lambda r: r["rate"])
    ratio = best_hub["rate"] / best_bare["rate"] if best_bare["rate"] else float("nan")
    errors = sum(r["errors"] for r in hub_max + hub_paced)
    notes = [
        f"best of {plan.rounds} rounds each, {plan.clients} connections; p50 hub "
        f"{best_hub['p50_ms']:.1f} ms, bare {best_bare['p50_ms']:.1f} ms"
    ]
    if max(r["loadgen_cpu"] for r in bare_max) >= 0.9:
        notes.append("load generator saturated in the bare run: bare figure is a lower bound")
    if errors:
        notes.append(f"{errors} hub answers other than 200")
    if not consistent:
        notes.append("hub database does not match the 200s (see details.stored)")
    result.rows.append(
        Row(
            "whatsapp",
            f"signed deliveries/s (1 in {NEW_RESIDENT_EVERY} new residents)",
            "dlv/s",
            best_hub["rate"],
            best_bare["rate"],
            ratio,
            f">= {TARGET:.0%}",
            ratio >= TARGET and errors == 0 and consistent,
            "; ".join(notes),
        )
    )
    hub_p99 = statistics.median(r["p99_ms"] for r in hub_max)
    bare_p99 = statistics.median(r["p99_ms"] for r in bare_max)
    result.rows.append(
        Row(
            "whatsapp",
            f"p99 latency at max rate ({plan.clients} in flight)",
            "ms",
            hub_p99,
            bare_p99,
            hub_p99 / bare_p99 if bare_p99 else float("nan"),
            "(none)",
            None,
            f"median of {plan.rounds} rounds; each side at its own max rate",
        )
    )
    hub_p99 = statistics.median(r["p99_ms"] for r in hub_paced)
    bare_p99 = statistics.median(r["p99_ms"] for r in bare_paced)
    result.rows.append(
        Row(
            "whatsapp",
            f"p99 latency @ {half:.0f} dlv/s (half max)",
            "ms",
            hub_p99,
            bare_p99,
            hub_p99 / bare_p99 if bare_p99 else float("nan"),
            "(none)",
            None,
            f"median of {plan.paced_rounds} paced rounds; p50 hub "
            f"{statistics.median(r['p50_ms'] for r in hub_paced):.1f} ms, bare "
            f"{statistics.median(r['p50_ms'] for r in bare_paced):.1f} ms",
        )
    )
    # CPU efficiency does not depend on the load generator keeping up.
    hub_eff = 1e6 / best_hub["server_cpu_us_per_delivery"]
    bare_eff = 1e6 / best_bare["server_cpu_us_per_delivery"]
    result.rows.append(
        Row(
            "whatsapp",
            "diagnostic: deliveries per server CPU-second",
            "dlv/CPU-s",
            hub_eff,
            bare_eff,
            hub_eff / bare_eff,
            "(none)",
            None,
            f"best rounds: hub {best_hub['server_cpu_us_per_delivery']:.0f} us of server CPU "
            f"per delivery (event loop {best_hub['server_main_thread_cpu']:.0%}, other threads "
            f"{best_hub['server_other_threads_cpu']:.0%} of a core), bare "
            f"{best_bare['server_cpu_us_per_delivery']:.0f} us; what the ratio would be with "
            "a load generator that saturates the bare server",
        )
    )
    result.details.update(
        plan=plan.__dict__,
        new_resident_every=NEW_RESIDENT_EVERY,
        hub_max=hub_max,
        bare_max=bare_max,
        hub_paced=hub_paced,
        bare_paced=bare_paced,
        stored=stored,
        hub_answered=answered,
        hub_residents=residents,
        profiled=profile,
    )
    return result
