"""Scenario `telegram` (S2): Telegram webhook ingest through a real hub vs a bare handler.

Server: a real hub process (bench/server.py hub: create_app + web.run_app, as `kanal serve`
does) on a temporary SQLite file (synchronous=FULL, WAL), with one Telegram inbox in
webhook mode, or the bare baseline (bench/server.py webhook: an aiohttp handler that checks
the secret header with hmac.compare_digest, parses the body with orjson and answers 200),
pinned to SERVER_CORE. Load generator: this process, pinned to LOADGEN_CORE: one aiohttp
ClientSession with `clients` keep-alive connections (Telegram's default max_connections
for a webhook is 40) POSTing distinct Update bodies to /webhooks/telegram/{key} with the
X-Telegram-Bot-Api-Secret-Token header.

The updates are private-chat text messages, each with its own update_id and message_id;
one in NEW_CHAT_EVERY comes from a chat never seen before (the hub opens a contact and a
case for it), the others from a chat seen before, picked at random (a message added to
its open case). The inbox has `ack = false`: the acknowledgement of a new case (a message
queued in the outbox with its tracking code) would otherwise make the relay call the
Bot API, which is not there.

1. max rate: every connection sends the next update as soon as the previous one is
   answered (for the hub: committed). updates/s = 200 answers per second over the
   measured window; p50/p99 of the answers in the window.
2. paced: open-loop POSTs at half the hub's max rate, p50/p99 (both servers).

As in `relay`, max-rate rounds alternate hub and bare and the best round of each counts;
p99 is the median over rounds. After the run the hub's database is checked: one stored
message (and its dedupe receipt) per 200, one case per new chat, nothing in the outbox.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

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

TARGET = 0.35  # hub updates/s >= 35% of the bare webhook handler
INBOX = "kota-bot"
UNIT = "update"  # what one load-generator request carries
SECRET = "bench_webhook-secret-2026"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # never used: ingest calls no Bot API
NEW_CHAT_EVERY = 5  # one update in 5 opens a new chat (a new case)
CHAT_BASE = 7_100_000_000  # private chat ids (= user ids) of the residents
UPDATE_BASE = 904_000_000
TEXT = (
    "Selamat pagi, lampu jalan di depan SD Negeri {n} Batu Merah mati sejak tiga hari "
    "lalu. Mohon segera diperbaiki."
)


@dataclass(frozen=True)
class Plan:
    clients: int = 40  # keep-alive connections, each with one update in flight
    warmup: float = 2.0  # seconds of max-rate load before the window opens
    window: float = 10.0  # measured seconds at max rate
    paced: float = 10.0  # seconds of each paced latency run
    rounds: int = 3  # max-rate rounds per server (alternating)
    paced_rounds: int = 2

    @classmethod
    def quick(cls) -> Plan:
        return cls(warmup=1.0, window=3.0, paced=3.0, rounds=1, paced_rounds=1)


class Updates:
    """Distinct Bot API Update bodies (private text messages), one server's whole run."""

    def __init__(self, seed: int) -> None:
        self.n = 0
        self.chats: list[int] = []
        self.random = random.Random(seed)

    def next(self) -> bytes:
        self.n += 1
        n = self.n
        if n % NEW_CHAT_EVERY == 1 or not self.chats:
            chat = CHAT_BASE + len(self.chats)
            self.chats.append(chat)
        else:
            chat = self.random.choice(self.chats)
        person = {"id": chat, "first_name": "Warga", "last_name": str(chat - CHAT_BASE)}
        update = {
            "update_id": UPDATE_BASE + n,
            "message": {
                "message_id": n,
                "from": {**person, "is_bot": False, "language_code": "id"},
                "chat": {**person, "type": "private"},
                "date": int(time.time()),
                "text": TEXT.format(n=n),
            },
        }
        return orjson.dumps(update)


def _hub_config(tmp: Path, port: int, bot_api_port: int) -> Path:
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
kind = "telegram"
opd = "diskominfo"
token = "{TOKEN}"
webhook_secret = "{SECRET}"
mode = "webhook"
ack = false
api_base_url = "http://{HOST}:{bot_api_port}/bot"
"""
        + bench_limits()
    )
    return path


def _load(url: str, clients: int, updates: Updates) -> LoadGenerator:
    headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    endpoint = f"{url}/webhooks/telegram/{INBOX}"
    return LoadGenerator(endpoint, clients, lambda: (updates.next(), headers), "update")


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    result = ScenarioResult("telegram")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-telegram-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    prof = RESULTS / "telegram-hub.prof"
    bare_prof = RESULTS / "telegram-bare.prof"
    hub_max: list[dict[str, Any]] = []
    bare_max: list[dict[str, Any]] = []
    hub_paced: list[dict[str, Any]] = []
    bare_paced: list[dict[str, Any]] = []
    # Each server gets the same sequence; the hub's continues over its rounds (a repeated
    # update_id would be a cheap duplicate, not an ingest).
    hub_updates, bare_updates = Updates(seed=2), Updates(seed=2)
    try:
        port, bare_port, bot_api_port = free_port(), free_port(), free_port()
        config = _hub_config(tmp, port, bot_api_port)
        hub_args = ["hub", "--config", str(config), "--core", str(SERVER_CORE)]
        if profile:
            hub_args += ["--profile", str(prof)]
        bare_args = ["webhook", "--port", str(bare_port), "--secret", SECRET]
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
                f"telegram: servers on core {SERVER_CORE}, load generator on core "
                f"{LOADGEN_CORE}: {plan.clients} keep-alive connections, one update in "
                f"{NEW_CHAT_EVERY} from a new chat"
            )
            for n in range(plan.rounds):
                hub_max.append(
                    asyncio.run(
                        max_round(
                            _load(hub.url, plan.clients, hub_updates),
                            hub.pid,
                            plan.warmup,
                            plan.window,
                        )
                    )
                )
                log(f"telegram: round {n + 1} hub  max {describe(hub_max[-1], UNIT)}")
                bare_max.append(
                    asyncio.run(
                        max_round(
                            _load(bare.url, plan.clients, bare_updates),
                            bare.pid,
                            plan.warmup,
                            plan.window,
                        )
                    )
                )
                log(f"telegram: round {n + 1} bare max {describe(bare_max[-1], UNIT)}")
            half = max(r["rate"] for r in hub_max) / 2
            for n in range(plan.paced_rounds):
                hub_paced.append(
                    asyncio.run(
                        paced_round(
                            _load(hub.url, plan.clients, hub_updates), hub.pid, half, plan.paced
                        )
                    )
                )
                log(f"telegram: paced {n + 1} hub  {describe(hub_paced[-1], UNIT)}")
                bare_paced.append(
                    asyncio.run(
                        paced_round(
                            _load(bare.url, plan.clients, bare_updates), bare.pid, half, plan.paced
                        )
                    )
                )
                log(f"telegram: paced {n + 1} bare {describe(bare_paced[-1], UNIT)}")
            hub.stop()
            bare.stop()
            stored = stored_rows(tmp / "kanal.db")
            if profile:
                result.details["profile"] = str(prof)
                (RESULTS / "telegram-hub.prof.txt").write_text(
                    profile_summary([prof, Path(str(prof) + ".writer")])
                )
                (RESULTS / "telegram-bare.prof.txt").write_text(profile_summary([bare_prof]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # Every 200 from the hub is a committed message (the updates are all distinct).
    answered = sum(r["answered"] for r in hub_max + hub_paced)
    new_chats = len(hub_updates.chats)
    consistent = (
        stored["messages_in"] == answered <= stored["receipts"]
        and stored["conversations"] == new_chats
        and stored["outbox"] == 0
    )
    log(
        f"telegram: hub answered 200 to {answered} updates from {new_chats} chats; stored "
        f"{stored['messages_in']} messages in {stored['conversations']} cases, "
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
            "telegram",
            "webhook updates/s (20% new chats)",
            "upd/s",
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
            "telegram",
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
            "telegram",
            f"p99 latency @ {half:.0f} upd/s (half max)",
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
    # CPU efficiency does not depend on the load generator keeping up (it does not, for bare).
    hub_eff = 1e6 / best_hub["server_cpu_us_per_update"]
    bare_eff = 1e6 / best_bare["server_cpu_us_per_update"]
    result.rows.append(
        Row(
            "telegram",
            "diagnostic: updates per server CPU-second",
            "upd/CPU-s",
            hub_eff,
            bare_eff,
            hub_eff / bare_eff,
            "(none)",
            None,
            f"best rounds: hub {best_hub['server_cpu_us_per_update']:.0f} us of server CPU per "
            f"update (event loop {best_hub['server_main_thread_cpu']:.0%}, other threads "
            f"{best_hub['server_other_threads_cpu']:.0%} of a core), bare "
            f"{best_bare['server_cpu_us_per_update']:.0f} us; what the ratio would be with a "
            "load generator that saturates the bare server",
        )
    )
    result.details.update(
        plan=plan.__dict__,
        new_chat_every=NEW_CHAT_EVERY,
        hub_max=hub_max,
        bare_max=bare_max,
        hub_paced=hub_paced,
        bare_paced=bare_paced,
        stored=stored,
        hub_answered=answered,
        hub_chats=new_chats,
        profiled=profile,
    )
    return result
