"""Scenario `storm` (issue 7, S9): 5 000 widget clients drop, reconnect within 10 s, catch up.

Server: a real hub process (migrated + `kanal demo` SQLite file, as `relay`) or the bare
python-socketio server (bench/server.py bare: /widget connect does nothing, `sync` acks
an empty page), pinned to SERVER_CORE. Load generator: this process, pinned to
LOADGEN_CORE; every socket is a bench.rawsio.RawSocket (websocket transport).

Hub, as the widget does it (widget/src/app/connection.ts, docs/protocol.md):
1. Setup. `clients` residents open the page (auth {inbox: "web-pupr", token: null}),
   keep the visitor token of their `session`, and each sends one message (a new case),
   `inflight` at a time. Each records the seqs it holds (its message's, from the ack).
2. Drop. Every socket hangs up at once (RawSocket.close(): no DISCONNECT packet); the
   run waits until the server's CPU is quiet (hang-ups handled) and reports how long.
3. Missed. The agent (API token of pupr@kanal.local) replies `replies_down` times to
   every `replied_every`-th case (POST /api/v1/conversations/{id}/messages, 16 at a
   time) while every socket is down.
4. Storm. The residents reconnect in a shuffled order, one every `spread`/`clients`
   seconds (all within `spread`), with their tokens; each waits for `session`, then
   calls `sync` {after_seq: the highest seq it holds} page by page while `more`. During
   the storm the agent posts `replies_live` more replies to random cases (evenly over
   `spread`), so some land between a socket's reconnect and its `sync`, and some after.
5. Check, once every client caught up and every live reply has arrived (at most
   `settle` s). Per client, the seqs it got after the drop (`sync` pages + live
   `message` events, merged by seq as the widget merges) must contain every reply
   posted after the drop (else a gap) and, with what it held, be 1..n without a hole
   (also a gap). A duplicate is a seq delivered twice by the same path (two `sync`
   pages, or two live events), or delivered again although the client held it. A seq
   delivered both live and by `sync` is the protocol's designed overlap: counted, not
   a fault.

Per-client latency = from the start of its reconnect to the last `sync` page's ack
(bare: the empty `sync`'s ack). Completion = from the first scheduled reconnect to the
last client caught up. The bare round is the same storm (setup = just connect; no
messages, no `session`): the framework's cost of 5 000 reconnects + one round trip.
One round per server: the storm is an event, not a rate.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.common import (
    LOADGEN_CORE,
    RESULTS,
    SERVER_CORE,
    Row,
    ScenarioResult,
    ServerProcess,
    free_port,
    log,
    percentile,
    pinned,
    proc_cpu_seconds,
    profile_summary,
    run_cli,
    system_busy_seconds,
)
from bench.idle import quiet, raise_fd_limit
from bench.rawsio import RawSocket
from bench.relay import AGENT_EMAIL, INBOX, _hub_config

TEXT = "Lampu jalan di gang {n} mati sejak minggu lalu, mohon diperbaiki."
REPLY = "Terima kasih, laporan {n} sudah kami teruskan ke petugas lapangan."
MAX_PAGES = 50  # sync pages per client (200 messages each): far more than ever needed


@dataclass(frozen=True)
class Plan:
    clients: int = 5000
    spread: float = 10.0  # every client reconnects within this many seconds
    replied_every: int = 4  # every n-th case gets replies while the sockets are down
    replies_down: int = 2  # replies to each of those
    replies_live: int = 500  # replies to random cases posted during the storm
    inflight: int = 200  # connects / sends outstanding during setup
    settle: float = 30.0  # at most this long for the last catch-ups and live replies

    @classmethod
    def quick(cls) -> Plan:
        return cls(clients=500, replies_live=100)


@dataclass
class Resident:
    """One widget client: what it held before the drop and what it got after."""

    index: int
    token: str | None = None
    conv: int | None = None
    held: set[int] = field(default_factory=set)
    expected: set[int] = field(default_factory=set)  # replies posted after the drop
    synced: list[int] = field(default_factory=list)
    live: list[int] = field(default_factory=list)
    sock: RawSocket | None = None
    reconnected: bool = False
    session: asyncio.Future[None] | None = None
    started: float = 0.0
    lag: float = 0.0  # how late the load generator started the reconnect
    done: float = 0.0
    pages: int = 0
    error: str | None = None

    def on_event(self, sock: RawSocket, text: str) -> None:
        if text.startswith('["message"'):
            message = orjson.loads(text)[1]
            if message.get("conversation_id") == self.conv:
                if self.reconnected:
                    self.live.append(message["seq"])
                else:
                    self.held.add(message["seq"])
        elif text.startswith('["session"'):
            self.token = orjson.loads(text)[1]["token"]
            if self.session is not None and not self.session.done():
                self.session.set_result(None)

    async def connect(self, http: aiohttp.ClientSession, url: str, hub: bool) -> None:
        self.session = asyncio.get_running_loop().create_future()
        sock = RawSocket("/widget", self.on_event)
        self.sock = sock
        await sock.connect(http, url, {"inbox": INBOX, "token": self.token})
        if hub:
            await asyncio.wait_for(self.session, 30)

    async def send(self) -> None:
        assert self.sock is not None
        ack = await self.sock.emit(
            "send", {"client_id": f"s{self.index}", "text": TEXT.format(n=self.index)}
        )
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"send refused: {ack}")
        self.conv = ack["conversation"]["id"]
        self.held.add(ack["message"]["seq"])

    async def catch_up(self, hub: bool) -> None:
        """sync from the highest seq held, page by page, as the widget does."""
        assert self.sock is not None
        after = max(self.held, default=0)
        for _ in range(MAX_PAGES):
            ack = await self.sock.emit("sync", {"after_seq": after})
            self.pages += 1
            if not (isinstance(ack, dict) and ack.get("ok")):
                raise RuntimeError(f"sync refused: {ack}")
            if not hub:
                return
            seqs = [m["seq"] for m in ack["messages"] if m.get("conversation_id") == self.conv]
            self.synced.extend(seqs)
            if not ack["more"] or not seqs:
                return
            after = seqs[-1]
        raise RuntimeError(f"sync still had more after {MAX_PAGES} pages")

    def missing(self) -> set[int]:
        got = set(self.synced) | set(self.live)
        holes = set(range(1, max(self.held | got, default=0) + 1)) - (self.held | got)
        return (self.expected - got) | holes

    def duplicates(self) -> int:
        twice = len(self.synced) - len(set(self.synced)) + len(self.live) - len(set(self.live))
        again = len(self.held & (set(self.synced) | set(self.live)))
        return twice + again


class Storm:
    def __init__(self, url: str, plan: Plan, hub: bool, token: str | None) -> None:
        self.url = url
        self.plan = plan
        self.hub = hub
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.residents = [Resident(i) for i in range(plan.clients)]
        self.by_conv: dict[int, Resident] = {}
        self.replies = 0

    async def _each(self, coros: list[Any], inflight: int) -> None:
        gate = asyncio.Semaphore(inflight)

        async def one(coro: Any) -> None:
            async with gate:
                await coro

        await asyncio.gather(*(one(c) for c in coros))

    async def setup(self, http: aiohttp.ClientSession) -> dict[str, float]:
        started = time.perf_counter()
        await self._each([r.connect(http, self.url, self.hub) for r in self.residents], 200)
        connected = time.perf_counter()
        if self.hub:
            await self._each([r.send() for r in self.residents], self.plan.inflight)
            self.by_conv = {r.conv: r for r in self.residents if r.conv is not None}
            if len(self.by_conv) != len(self.residents):
                raise RuntimeError(f"{len(self.by_conv)} cases for {len(self.residents)} clients")
        await asyncio.sleep(1.0)  # `conversation` events and the like settle
        return {
            "connect_seconds": round(connected - started, 2),
            "send_seconds": round(time.perf_counter() - connected, 2),
        }

    async def drop(self) -> float:
        started = time.perf_counter()
        socks = [r.sock for r in self.residents if r.sock is not None]
        for at in range(0, len(socks), 500):
            await asyncio.gather(*(s.close() for s in socks[at : at + 500]), return_exceptions=True)
        for r in self.residents:
            r.reconnected = True
        return time.perf_counter() - started

    async def reply(self, http: aiohttp.ClientSession, resident: Resident) -> None:
        self.replies += 1
        n = self.replies
        body = {"text": REPLY.format(n=n), "client_id": f"r{n}"}
        url = f"{self.url}/api/v1/conversations/{resident.conv}/messages"
        async with http.post(url, json=body, headers=self.headers) as response:
            if response.status != 201:
                raise RuntimeError(f"reply: {response.status} {await response.text()}")
            message = (await response.json())["message"]
        resident.expected.add(message["seq"])

    async def replies_while_down(self, http: aiohttp.ClientSession) -> float:
        started = time.perf_counter()
        chosen = self.residents[:: self.plan.replied_every]
        order = [r for _ in range(self.plan.replies_down) for r in chosen]
        await self._each([self.reply(http, r) for r in order], 16)
        return time.perf_counter() - started

    async def _live_replies(self, http: aiohttp.ClientSession, t0: float) -> None:
        count = self.plan.replies_live
        rng = random.Random(11)
        gate = asyncio.Semaphore(16)
        tasks = []

        async def one(resident: Resident) -> None:
            async with gate:
                await self.reply(http, resident)

        for i in range(count):
            due = t0 + i * self.plan.spread / count
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(rng.choice(self.residents))))
        await asyncio.gather(*tasks)

    async def _reconnect(self, http: aiohttp.ClientSession, r: Resident, due: float) -> None:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        r.started = time.perf_counter()
        r.lag = max(0.0, r.started - due)
        try:
            await r.connect(http, self.url, self.hub)
            await r.catch_up(self.hub)
            r.done = time.perf_counter()
        except (OSError, ConnectionError, TimeoutError, RuntimeError, aiohttp.ClientError) as exc:
            r.error = f"{type(exc).__name__}: {exc}"

    async def storm(self, http: aiohttp.ClientSession, server_pid: int) -> dict[str, Any]:
        plan = self.plan
        order = list(self.residents)
        random.Random(7).shuffle(order)
        t0 = time.perf_counter() + 0.2
        srv0, gen0, all0 = proc_cpu_seconds(server_pid), time.process_time(), system_busy()
        tasks = [
            asyncio.create_task(self._reconnect(http, r, t0 + k * plan.spread / len(order)))
            for k, r in enumerate(order)
        ]
        live = (
            asyncio.create_task(self._live_replies(http, t0))
            if self.hub and plan.replies_live
            else None
        )
        deadline = t0 + plan.spread + plan.settle
        await asyncio.wait_for(asyncio.gather(*tasks), deadline - time.perf_counter())
        t1 = time.perf_counter()
        srv1, gen1, all1 = proc_cpu_seconds(server_pid), time.process_time(), system_busy()
        if live is not None:
            await asyncio.wait_for(live, max(1.0, deadline - time.perf_counter()))
        for _ in range(int(plan.settle * 10)):  # the last live replies still on their way
            if time.perf_counter() >= deadline or not self._waiting():
                break
            await asyncio.sleep(0.1)
        ok = [r for r in self.residents if r.error is None]
        lat = [(r.done - r.started) * 1000.0 for r in ok]
        last = max((r.done for r in ok), default=t1)
        span = t1 - t0
        gaps = sum(len(r.missing()) for r in ok)
        dups = sum(r.duplicates() for r in ok)
        by_second: dict[int, list[float]] = {}
        for r in ok:
            by_second.setdefault(int(r.started - t0), []).append((r.done - r.started) * 1000.0)
        return {
            "p99_ms_by_second": [round(percentile(v, 99), 1) for _, v in sorted(by_second.items())],
            "clients": len(self.residents),
            "caught_up": len(ok),
            "failures": len(self.residents) - len(ok),
            "failure_samples": [r.error for r in self.residents if r.error][:5],
            "completion_s": last - t0,
            "reconnects_per_s": len(ok) / (last - t0) if last > t0 else float("nan"),
            "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99),
            "max_ms": max(lat, default=float("nan")),
            "max_start_lag_ms": max((r.lag for r in self.residents), default=0.0) * 1000.0,
            "gaps": gaps,
            "duplicates": dups,
            "clients_with_gaps": sum(1 for r in ok if r.missing()),
            "overlap_live_and_sync": sum(len(set(r.synced) & set(r.live)) for r in ok),
            "expected_replies": sum(len(r.expected) for r in self.residents),
            "received_by_sync": sum(len(r.synced) for r in ok),
            "received_live": sum(len(r.live) for r in ok),
            "sync_pages": sum(r.pages for r in ok),
            "server_cpu": (srv1 - srv0) / span,
            "loadgen_cpu": (gen1 - gen0) / span,
            "other_cpu": ((all1 - all0) - (srv1 - srv0) - (gen1 - gen0)) / span,
        }

    def _waiting(self) -> bool:
        return any(r.expected - set(r.synced) - set(r.live) for r in self.residents if not r.error)

    async def close(self) -> None:
        socks = [r.sock for r in self.residents if r.sock is not None]
        for at in range(0, len(socks), 500):
            await asyncio.gather(*(s.close() for s in socks[at : at + 500]), return_exceptions=True)


def system_busy() -> float:
    return system_busy_seconds()


async def _round(server: ServerProcess, plan: Plan, hub: bool, token: str | None) -> dict:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        storm = Storm(server.url, plan, hub, token)
        try:
            result: dict[str, Any] = await storm.setup(http)
            cases = f", cases in {result['send_seconds']} s" if hub else ""
            log(
                f"storm: {'hub ' if hub else 'bare'} setup: {plan.clients:,} connected in "
                f"{result['connect_seconds']} s{cases}"
            )
            dropped, cpu0 = time.perf_counter(), proc_cpu_seconds(server.pid)
            result["drop_seconds"] = round(await storm.drop(), 2)
            result["hangups_handled_s"] = round(await quiet(server.pid) - dropped, 2)
            result["hangup_server_cpu_s"] = round(proc_cpu_seconds(server.pid) - cpu0, 2)
            if hub:
                result["replies_down_seconds"] = round(await storm.replies_while_down(http), 2)
                await quiet(server.pid)  # their fan-out (to rooms nobody is in) is done
            result.update(await storm.storm(http, server.pid))
            return result
        finally:
            await storm.close()


def _fmt(run: dict[str, Any]) -> str:
    return (
        f"{run['caught_up']:,}/{run['clients']:,} caught up in {run['completion_s']:.2f} s "
        f"({run['reconnects_per_s']:,.0f}/s), per client p50 {run['p50_ms']:.0f} ms p99 "
        f"{run['p99_ms']:.0f} ms max {run['max_ms']:.0f} ms; gaps {run['gaps']}, duplicates "
        f"{run['duplicates']}, live+sync overlap {run['overlap_live_and_sync']}; replies "
        f"{run['expected_replies']} (sync {run['received_by_sync']}, live "
        f"{run['received_live']}); CPU: server {run['server_cpu']:.0%}, load generator "
        f"{run['loadgen_cpu']:.0%}, others {max(0.0, run['other_cpu']):.0%}; start lag max "
        f"{run['max_start_lag_ms']:.0f} ms; the server handled the drop's hang-ups in "
        f"{run['hangups_handled_s']} s ({run['hangup_server_cpu_s']} CPU-s)"
    )


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    result = ScenarioResult("storm")
    soft, hard = raise_fd_limit()
    if soft < 2 * plan.clients + 500:
        raise RuntimeError(f"RLIMIT_NOFILE is {soft} (hard {hard}): too few for the storm")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-storm-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    prof = RESULTS / "storm-hub.prof"
    try:
        port, bare_port = free_port(), free_port()
        config = _hub_config(tmp, port)
        run_cli(["demo", "--config", str(config)])
        token = run_cli(["token", "create", AGENT_EMAIL, "--config", str(config)])
        token = token.strip().splitlines()[-1]
        hub_args = ["hub", "--config", str(config), "--core", str(SERVER_CORE)]
        if profile:
            hub_args += ["--profile", str(prof)]
        bare_args = ["bare", "--port", str(bare_port), "--core", str(SERVER_CORE)]
        with (
            pinned(LOADGEN_CORE),
            ServerProcess(hub_args, port) as hub,
            ServerProcess(bare_args, bare_port) as bare,
        ):
            log(
                f"storm: servers on core {SERVER_CORE}, load generator on core {LOADGEN_CORE}: "
                f"{plan.clients:,} widget clients reconnecting within {plan.spread:.0f} s"
            )
            bare.start(tmp / "bare.log")
            bare_run = asyncio.run(_round(bare, plan, False, None))
            log(f"storm: bare {_fmt(bare_run)}")
            bare.stop()
            hub.start(tmp / "hub.log")
            hub_run = asyncio.run(_round(hub, plan, True, token))
            log(f"storm: hub  {_fmt(hub_run)}")
            hub.stop()
            if profile:
                (RESULTS / "storm-hub.prof.txt").write_text(
                    profile_summary([prof, Path(str(prof) + ".writer")])
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    faults = hub_run["gaps"] + hub_run["duplicates"]
    complete = hub_run["failures"] == 0
    result.rows.append(
        Row(
            "storm",
            f"gaps + duplicates, {plan.clients:,} clients reconnecting within {plan.spread:.0f} s",
            "",
            faults,
            float("nan"),
            float("nan"),
            "0, all caught up",
            faults == 0 and complete,
            f"{hub_run['caught_up']:,}/{plan.clients:,} caught up; gaps {hub_run['gaps']}, "
            f"duplicates {hub_run['duplicates']}; {hub_run['expected_replies']} replies posted "
            f"after the drop ({plan.replies_live} during the storm), "
            f"{hub_run['overlap_live_and_sync']} got both live and by sync (merged by seq)"
            + (f"; failures: {hub_run['failure_samples']}" if not complete else ""),
        )
    )
    result.rows.append(
        Row(
            "storm",
            "storm completion (first reconnect -> last caught up)",
            "ms",
            hub_run["completion_s"] * 1000.0,
            bare_run["completion_s"] * 1000.0,
            hub_run["completion_s"] / bare_run["completion_s"],
            "(none)",
            None,
            f"reconnects spread over {plan.spread:.0f} s; hub "
            f"{hub_run['reconnects_per_s']:,.0f}/s, bare {bare_run['reconnects_per_s']:,.0f}/s",
        )
    )
    result.rows.append(
        Row(
            "storm",
            "per-client reconnect + catch-up p99",
            "ms",
            hub_run["p99_ms"],
            bare_run["p99_ms"],
            hub_run["p99_ms"] / bare_run["p99_ms"],
            "(none)",
            None,
            f"p50 hub {hub_run['p50_ms']:.0f} ms, bare {bare_run['p50_ms']:.0f} ms; server CPU "
            f"during the storm hub {hub_run['server_cpu']:.0%}, bare {bare_run['server_cpu']:.0%}",
        )
    )
    result.details.update(plan=plan.__dict__, hub=hub_run, bare=bare_run, profiled=profile)
    return result
