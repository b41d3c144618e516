"""Scenario `fanout` (issue 7, S4): one resident's message to a 1 000-member agent room.

Server: a real hub process (migrated + `kanal demo` SQLite file, synchronous=FULL) or the
bare python-socketio relay (bench/server.py bare: its /widget `send` emits the payload to
an "agents" room that every /agent socket joins), pinned to SERVER_CORE. Load generator:
this process, pinned to LOADGEN_CORE: `members` /agent sockets (for the hub: all with the
API token of pupr@kanal.local, so all in the room `opd:<pupr>`) and one /widget socket
(inbox web-pupr), every one a bench.rawsio.RawSocket (a thousand python-socketio clients
would cost the load generator as much per message as the server).

Closed loop: `inflight` sends are outstanding at any time; the next one goes out when
one has been acked and seen by every member. deliveries/s = `message` events received
by all members per second over the measured window; the fan-out latency of a message
is from its send to its last member's receipt. Rounds alternate hub and bare; the best
round of each counts, as in `relay`.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

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
    threads_cpu_seconds,
)
from bench.rawsio import RawSocket
from bench.relay import AGENT_EMAIL, INBOX, _hub_config

TARGET = 0.70  # hub deliveries/s >= 70% of the bare server's
MARK = "fan#"
TEXT = MARK + "{n} Saluran air di Jalan Pattimura tersumbat, air meluap ke jalan setiap hujan."


@dataclass(frozen=True)
class Plan:
    members: int = 1000  # /agent sockets in the room
    inflight: int = 8  # messages being fanned out at once
    warmup: float = 3.0
    window: float = 10.0
    rounds: int = 3  # per server, alternating

    @classmethod
    def quick(cls) -> Plan:
        return cls(members=200, warmup=1.0, window=4.0, rounds=1)


@dataclass
class Tally:
    received: int = 0
    foreign: int = 0  # `message` events without our mark (the hub's own, e.g. a new case)
    measuring: bool = False
    latencies: list[float] = field(default_factory=list)


class Room:
    """The members, the widget that writes to them, and what they have received."""

    def __init__(self, url: str, agent_auth: dict[str, Any], members: int) -> None:
        self.url = url
        self.agent_auth = agent_auth
        self.n = members
        self.agents: list[RawSocket] = []
        self.widget = RawSocket("/widget", lambda sock, text: None)
        self.t = Tally()
        self.sent_at: dict[int, float] = {}
        self.seen: dict[int, int] = {}
        self.done: dict[int, asyncio.Future[None]] = {}
        self._next = 0

    def _on_event(self, sock: RawSocket, text: str) -> None:
        if not text.startswith('["message"'):
            return
        at = text.find(MARK)
        if at < 0:
            self.t.foreign += 1
            return
        start = at + len(MARK)
        n = int(text[start : text.index(" ", start)])
        self.t.received += 1
        count = self.seen.get(n, 0) + 1
        self.seen[n] = count
        if count == self.n:
            if self.t.measuring:
                self.t.latencies.append((time.perf_counter() - self.sent_at[n]) * 1000.0)
            future = self.done.pop(n, None)
            if future is not None and not future.done():
                future.set_result(None)

    async def connect(self, session: aiohttp.ClientSession) -> None:
        await self.widget.connect(session, self.url, {"inbox": INBOX})
        pending = [RawSocket("/agent", self._on_event) for _ in range(self.n)]
        for at in range(0, self.n, 50):
            batch = pending[at : at + 50]
            await asyncio.gather(*(s.connect(session, self.url, self.agent_auth) for s in batch))
            self.agents.extend(batch)

    async def close(self) -> None:
        await asyncio.gather(
            *(s.close() for s in [self.widget, *self.agents]), return_exceptions=True
        )

    async def send(self) -> None:
        """One message, returned when it is acked and every member has it."""
        self._next += 1
        n = self._next
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.done[n] = done
        self.sent_at[n] = time.perf_counter()
        ack = await self.widget.emit("send", {"client_id": f"f{n}", "text": TEXT.format(n=n)})
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise RuntimeError(f"send refused: {ack}")
        await asyncio.wait_for(done, 60)
        del self.seen[n], self.sent_at[n]

    async def max_rate(self, plan: Plan, server_pid: int) -> dict[str, Any]:
        stop = False

        async def slot() -> None:
            while not stop:
                await self.send()

        await self.send()  # the case is created (for the hub), unmeasured
        tasks = [asyncio.create_task(slot()) for _ in range(plan.inflight)]
        try:
            await asyncio.sleep(plan.warmup)
            t = self.t
            t.latencies.clear()
            t.measuring = True
            got0, t0 = t.received, time.perf_counter()
            srv0, gen0, all0 = proc_cpu_seconds(server_pid), time.process_time(), system_busy()
            main0, _ = threads_cpu_seconds(server_pid)
            await asyncio.sleep(plan.window)
            got1, t1 = t.received, time.perf_counter()
            srv1, gen1, all1 = proc_cpu_seconds(server_pid), time.process_time(), system_busy()
            main1, _ = threads_cpu_seconds(server_pid)
            t.measuring = False
            stop = True
            await asyncio.wait_for(asyncio.gather(*tasks), 60)
        finally:
            stop = True
            for task in tasks:
                task.cancel()
        elapsed = t1 - t0
        lat = self.t.latencies
        return {
            "deliveries": got1 - got0,
            "seconds": round(elapsed, 3),
            "rate": (got1 - got0) / elapsed,
            "messages_per_s": (got1 - got0) / elapsed / self.n,
            "fanout_p50_ms": percentile(lat, 50),
            "fanout_p99_ms": percentile(lat, 99),
            "foreign_events": self.t.foreign,
            "server_cpu": (srv1 - srv0) / elapsed,
            "server_main_thread_cpu": (main1 - main0) / elapsed,
            "server_cpu_us_per_delivery": (srv1 - srv0) / max(1, got1 - got0) * 1e6,
            "loadgen_cpu": (gen1 - gen0) / elapsed,
            "other_cpu": ((all1 - all0) - (srv1 - srv0) - (gen1 - gen0)) / elapsed,
        }


def system_busy() -> float:
    return system_busy_seconds()


async def _round(server: ServerProcess, auth: dict[str, Any], plan: Plan) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        room = Room(server.url, auth, plan.members)
        try:
            started = time.perf_counter()
            await room.connect(session)
            connected = time.perf_counter() - started
            result = await room.max_rate(plan, server.pid)
            result["connect_seconds"] = round(connected, 2)
            return result
        finally:
            await room.close()


def _fmt(run: dict[str, Any]) -> str:
    return (
        f"{run['rate']:,.0f} deliveries/s ({run['messages_per_s']:.1f} msg/s), fan-out p50 "
        f"{run['fanout_p50_ms']:.0f} ms p99 {run['fanout_p99_ms']:.0f} ms; CPU: server "
        f"{run['server_cpu']:.0%} ({run['server_cpu_us_per_delivery']:.1f} us/delivery), "
        f"load generator {run['loadgen_cpu']:.0%}, others {max(0.0, run['other_cpu']):.0%}; "
        f"{run['connect_seconds']} s to connect"
    )


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    result = ScenarioResult("fanout")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-fanout-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    prof = RESULTS / "fanout-hub.prof"
    hub_runs: list[dict[str, Any]] = []
    bare_runs: list[dict[str, Any]] = []
    try:
        port, bare_port = free_port(), free_port()
        config = _hub_config(tmp, port)
        run_cli(["demo", "--config", str(config)])
        token = run_cli(["token", "create", AGENT_EMAIL, "--config", str(config)])
        hub_auth, bare_auth = {"token": token.strip().splitlines()[-1]}, {"token": "-"}
        hub_args = ["hub", "--config", str(config), "--core", str(SERVER_CORE)]
        if profile:
            hub_args += ["--profile", str(prof)]
        bare_args = ["bare", "--port", str(bare_port), "--core", str(SERVER_CORE)]
        with (
            pinned(LOADGEN_CORE),
            ServerProcess(hub_args, port) as hub,
            ServerProcess(bare_args, bare_port) as bare,
        ):
            hub.start(tmp / "hub.log")
            bare.start(tmp / "bare.log")
            log(
                f"fanout: servers on core {SERVER_CORE}, load generator on core {LOADGEN_CORE}: "
                f"{plan.members} agent sockets, {plan.inflight} messages in flight"
            )
            for n in range(plan.rounds):
                hub_runs.append(asyncio.run(_round(hub, hub_auth, plan)))
                log(f"fanout: round {n + 1} hub  {_fmt(hub_runs[-1])}")
                bare_runs.append(asyncio.run(_round(bare, bare_auth, plan)))
                log(f"fanout: round {n + 1} bare {_fmt(bare_runs[-1])}")
            hub.stop()
            bare.stop()
            if profile:
                (RESULTS / "fanout-hub.prof.txt").write_text(
                    profile_summary([prof, Path(str(prof) + ".writer")])
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    best_hub = max(hub_runs, key=lambda r: r["rate"])
    best_bare = max(bare_runs, key=lambda r: r["rate"])
    ratio = best_hub["rate"] / best_bare["rate"] if best_bare["rate"] else float("nan")
    notes = [
        f"best of {plan.rounds} rounds each; {plan.members} members; fan-out p99 hub "
        f"{best_hub['fanout_p99_ms']:.0f} ms, bare {best_bare['fanout_p99_ms']:.0f} ms"
    ]
    if max(r["loadgen_cpu"] for r in bare_runs) >= 0.9:
        notes.append("load generator saturated in the bare run: bare figure is a lower bound")
    result.rows.append(
        Row(
            "fanout",
            f"deliveries/s to a {plan.members}-member room",
            "msg/s",
            best_hub["rate"],
            best_bare["rate"],
            ratio,
            f">= {TARGET:.0%}",
            ratio >= TARGET,
            "; ".join(notes),
        )
    )
    hub_eff = 1e6 / best_hub["server_cpu_us_per_delivery"]
    bare_eff = 1e6 / best_bare["server_cpu_us_per_delivery"]
    result.rows.append(
        Row(
            "fanout",
            "diagnostic: deliveries per server CPU-second",
            "msg/CPU-s",
            hub_eff,
            bare_eff,
            hub_eff / bare_eff,
            "(none)",
            None,
            f"best rounds: hub {best_hub['server_cpu_us_per_delivery']:.1f} us of server CPU "
            f"per delivery, bare {best_bare['server_cpu_us_per_delivery']:.1f} us",
        )
    )
    result.details.update(plan=plan.__dict__, hub=hub_runs, bare=bare_runs, profiled=profile)
    return result
