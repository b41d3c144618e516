"""Scenario `relay`: resident (widget) -> agent relay through a real hub vs a bare relay.

Server: a real hub process (migrated + `kanal demo` SQLite file, synchronous=FULL) or the
bare python-socketio relay (bench/server.py), pinned to SERVER_CORE. Load generator: this
process, pinned to LOADGEN_CORE: N widget clients (/widget, auth {inbox: "web-pupr"}) send
`send` {client_id, text} and one agent client (/agent, API token of pupr@kanal.local)
receives `message`. The text starts with the send time, so the agent side measures
widget-send -> agent-receive latency.

1. max rate: every widget keeps `inflight` messages outstanding; the next one goes out as
   soon as the previous one is both acked (for the hub: committed) and seen by the agent.
   messages/s = agent receipts per second over the measured window. (Pacing on acks
   alone lets a server ack faster than it relays: the backlog then grows without bound
   and latency with it, so the loop closes on the relay too.)
2. paced: open-loop sends at half the hub's max rate, p50/p99 latency (both servers).

Other tenants of the machine slow either side at random, so max-rate rounds alternate
hub and bare and the best round of each counts (interference only ever lowers a rate);
p99 is the median of the paced rounds. Each window records the CPU used by the server,
the load generator and everything else (`other_cpu`, in cores).
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio

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
    percentile,
    pinned,
    proc_cpu_seconds,
    profile_summary,
    run_cli,
    system_busy_seconds,
    threads_cpu_seconds,
)

INBOX = "web-pupr"
AGENT_EMAIL = "pupr@kanal.local"
TEXT = "Jalan di depan rumah nomor {n} berlubang, mohon segera diperbaiki. Terima kasih."
RELAY_TARGET = 0.40  # hub messages/s >= 40% of the bare relay
P99_TARGET_MS = 50.0  # p99 at half the hub's max rate


@dataclass(frozen=True)
class Plan:
    clients: int = 50  # widget connections
    inflight: int = 4  # outstanding sends per widget connection (max-rate run)
    warmup: float = 3.0  # seconds of max-rate load before the window opens
    window: float = 15.0  # measured seconds at max rate
    paced: float = 10.0  # seconds of each paced latency run
    rounds: int = 3  # max-rate rounds per server (alternating)
    paced_rounds: int = 2

    @classmethod
    def quick(cls) -> Plan:
        return cls(warmup=1.0, window=3.0, paced=3.0, rounds=1, paced_rounds=1)


@dataclass
class Counters:
    sent: int = 0
    acked: int = 0
    errors: int = 0
    received: int = 0
    measuring: bool = False
    latencies: list[float] = field(default_factory=list)
    error_samples: list[Any] = field(default_factory=list)

    def on_ack(self, *args: Any) -> None:
        self.acked += 1
        ack = args[0] if args else None
        if not (isinstance(ack, dict) and ack.get("ok")):
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(ack)


def _relayed(data: Any) -> dict[str, Any]:
    """The hub relays {"message": Message, ...}; the bare server the widget's payload."""
    message: dict[str, Any] = data.get("message", data) if isinstance(data, dict) else {}
    return message


class LoadGenerator:
    """N widget clients and one agent client in this process's event loop."""

    def __init__(self, url: str, agent_auth: dict[str, Any], clients: int) -> None:
        self.url = url
        self.agent_auth = agent_auth
        self.n = clients
        self.widgets: list[socketio.AsyncClient] = []
        self.agent: socketio.AsyncClient | None = None
        self.c = Counters()
        self._ids = itertools.count(1)
        self._relays: dict[str, asyncio.Future[None]] = {}

    async def connect(self) -> None:
        agent = socketio.AsyncClient(reconnection=False)
        agent.on("message", self._on_agent_message, namespace="/agent")
        await agent.connect(
            self.url, namespaces=["/agent"], auth=self.agent_auth, transports=["websocket"]
        )
        self.agent = agent
        for _ in range(self.n):
            widget = socketio.AsyncClient(reconnection=False)
            await widget.connect(
                self.url, namespaces=["/widget"], auth={"inbox": INBOX}, transports=["websocket"]
            )
            self.widgets.append(widget)

    async def close(self) -> None:
        clients = [*self.widgets, *([self.agent] if self.agent else [])]
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
        self.widgets, self.agent = [], None

    def _on_agent_message(self, data: Any) -> None:
        now = time.perf_counter()
        message = _relayed(data)
        self.c.received += 1
        if self.c.measuring:
            sent_at = float(message["text"].split(" ", 1)[0])
            self.c.latencies.append((now - sent_at) * 1000.0)
        relay = self._relays.pop(message.get("client_id", ""), None)
        if relay is not None and not relay.done():
            relay.set_result(None)

    async def send(
        self,
        widget: socketio.AsyncClient,
        callback: Callable[..., None],
        relay: asyncio.Future[None] | None = None,
    ) -> None:
        n = next(self._ids)
        client_id = f"b{n}"
        if relay is not None:
            self._relays[client_id] = relay
        sent_at = time.perf_counter()
        self.c.sent += 1
        await widget.emit(
            "send",
            {"client_id": client_id, "text": f"{sent_at:.6f} " + TEXT.format(n=n)},
            namespace="/widget",
            callback=callback,
        )

    async def settle(self, seconds: float = 20.0) -> None:
        """Wait until every send is acked and relayed (at most `seconds`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.c.acked >= self.c.sent and self.c.received >= self.c.sent - self.c.errors:
                return
            await asyncio.sleep(0.02)
        log(f"settle timed out: sent {self.c.sent} acked {self.c.acked} got {self.c.received}")

    async def prime(self) -> None:
        """One message per widget (for the hub: the case is created), unmeasured."""
        done = asyncio.get_running_loop().create_future()
        remaining = [len(self.widgets)]

        def on_ack(*args: Any) -> None:
            self.c.on_ack(*args)
            remaining[0] -= 1
            if remaining[0] == 0 and not done.done():
                done.set_result(None)

        for widget in self.widgets:
            await self.send(widget, on_ack)
        await asyncio.wait_for(done, 30)
        await self.settle()

    async def max_rate(
        self,
        inflight: int,
        warmup: float,
        window: float,
        server_pid: int | Sequence[int],
        probe: Callable[[], dict[str, float]] | None = None,
    ) -> dict:
        """Closed loop: each widget keeps `inflight` messages outstanding end to end.

        Several server pids (one hub per node) add up; `server_cpu_per_process` has each.
        `probe` (CPU seconds by name, e.g. of PostgreSQL) is read when the window opens
        and closes; its deltas land in `probed_cpu` (cores).
        """
        pids = _pids(server_pid)
        loop = asyncio.get_running_loop()
        stop = False

        async def slot(widget: socketio.AsyncClient) -> None:
            while not stop:
                acked: asyncio.Future[None] = loop.create_future()
                relayed: asyncio.Future[None] = loop.create_future()

                def on_ack(
                    *args: Any,
                    fut: asyncio.Future[None] = acked,
                    relay: asyncio.Future[None] = relayed,
                ) -> None:
                    self.c.on_ack(*args)
                    if not fut.done():
                        fut.set_result(None)
                    ack = args[0] if args else None
                    if not (isinstance(ack, dict) and ack.get("ok")) and not relay.done():
                        relay.set_result(None)  # refused: nothing will be relayed

                await self.send(widget, on_ack, relayed)
                await acked
                await relayed

        tasks = [
            asyncio.create_task(slot(w)) for w in self.widgets for _ in range(max(1, inflight))
        ]
        try:
            await asyncio.sleep(warmup)
            c = self.c
            c.latencies.clear()
            c.measuring = True
            got0, err0, t0 = c.received, c.errors, time.perf_counter()
            srv0, gen0, all0 = cpu(pids)
            main0, threads0 = _threads_cpu(pids)
            each0 = [proc_cpu_seconds(pid) for pid in pids]
            probe0 = probe() if probe is not None else {}
            await asyncio.sleep(window)
            got1, err1, t1 = c.received, c.errors, time.perf_counter()
            srv1, gen1, all1 = cpu(pids)
            main1, threads1 = _threads_cpu(pids)
            each1 = [proc_cpu_seconds(pid) for pid in pids]
            probe1 = probe() if probe is not None else {}
            c.measuring = False
            stop = True
            await asyncio.wait_for(asyncio.gather(*tasks), 30)
        finally:
            stop = True
            for task in tasks:
                task.cancel()
        await self.settle()
        elapsed = t1 - t0
        lat = c.latencies
        return {
            "messages": got1 - got0,
            "seconds": round(elapsed, 3),
            "rate": (got1 - got0) / elapsed,
            "errors": err1 - err0,
            "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99),
            "server_cpu": (srv1 - srv0) / elapsed,
            "server_cpu_seconds": srv1 - srv0,
            "server_cpu_per_process": [
                (b - a) / elapsed for a, b in zip(each0, each1, strict=True)
            ],
            "server_main_thread_cpu": (main1 - main0) / elapsed,
            "server_other_threads_cpu": (threads1 - threads0) / elapsed,
            "server_cpu_us_per_message": (srv1 - srv0) / max(1, got1 - got0) * 1e6,
            "loadgen_cpu": (gen1 - gen0) / elapsed,
            "other_cpu": ((all1 - all0) - (srv1 - srv0) - (gen1 - gen0)) / elapsed,
            "probed_cpu": {k: (probe1[k] - v) / elapsed for k, v in probe0.items() if k in probe1},
            "outstanding": len(self.widgets) * max(1, inflight),
        }

    async def paced(self, rate: float, seconds: float, server_pid: int) -> dict:
        """Open loop: sends at a fixed rate, round robin over the widgets."""
        total = max(1, int(rate * seconds))
        c = self.c
        c.latencies.clear()
        got0, err0 = c.received, c.errors
        c.measuring = True
        srv0, gen0, all0 = cpu(server_pid)
        start = time.perf_counter()
        worst_lag = 0.0
        i = 0
        while i < total:
            due = start + i / rate
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
                now = time.perf_counter()
            worst_lag = max(worst_lag, now - due)
            while i < total and start + i / rate <= now:
                await self.send(self.widgets[i % len(self.widgets)], c.on_ack)
                i += 1
        send_end = time.perf_counter()
        await self.settle()
        c.measuring = False
        srv1, gen1, all1 = cpu(server_pid)
        span = time.perf_counter() - start
        lat = c.latencies
        return {
            "target_rate": rate,
            "achieved_rate": total / (send_end - start) if send_end > start else float("nan"),
            "messages": c.received - got0,
            "errors": c.errors - err0,
            "p50_ms": percentile(lat, 50),
            "p90_ms": percentile(lat, 90),
            "p99_ms": percentile(lat, 99),
            "max_ms": max(lat) if lat else float("nan"),
            "worst_send_lag_ms": worst_lag * 1000.0,
            "server_cpu": (srv1 - srv0) / span,
            "loadgen_cpu": (gen1 - gen0) / span,
            "other_cpu": ((all1 - all0) - (srv1 - srv0) - (gen1 - gen0)) / span,
        }


def _pids(server_pid: int | Sequence[int]) -> list[int]:
    return [server_pid] if isinstance(server_pid, int) else list(server_pid)


def cpu(server_pid: int | Sequence[int]) -> tuple[float, float, float]:
    """CPU seconds so far: the server process(es), this process, the whole machine."""
    server = sum(proc_cpu_seconds(pid) for pid in _pids(server_pid))
    return server, time.process_time(), system_busy_seconds()


def _threads_cpu(pids: Sequence[int]) -> tuple[float, float]:
    """Main threads and other threads of the server process(es), summed."""
    pairs = [threads_cpu_seconds(pid) for pid in pids]
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def _hub_config(tmp: Path, port: int) -> Path:
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
"""
        + bench_limits()
    )
    return path


async def _max_round(server: ServerProcess, agent_auth: dict[str, Any], plan: Plan) -> dict:
    gen = LoadGenerator(server.url, agent_auth, plan.clients)
    try:
        await gen.connect()
        await gen.prime()
        result = await gen.max_rate(plan.inflight, plan.warmup, plan.window, server.pid)
        result["error_samples"] = gen.c.error_samples
        return result
    finally:
        await gen.close()


async def _paced_round(
    server: ServerProcess, agent_auth: dict[str, Any], plan: Plan, rate: float
) -> dict:
    gen = LoadGenerator(server.url, agent_auth, plan.clients)
    try:
        await gen.connect()
        await gen.prime()
        result = await gen.paced(rate, plan.paced, server.pid)
        result["error_samples"] = gen.c.error_samples
        return result
    finally:
        await gen.close()


def _fmt(run: dict) -> str:
    rate = run.get("rate", run.get("achieved_rate", float("nan")))
    split = ""
    if "server_main_thread_cpu" in run:
        split = (
            f" (main thread {run['server_main_thread_cpu']:.0%}, "
            f"{run['server_cpu_us_per_message']:.0f} us/msg)"
        )
    return (
        f"{rate:.0f} msg/s, p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms; CPU: server "
        f"{run['server_cpu']:.0%}{split}, load generator {run['loadgen_cpu']:.0%}, "
        f"others {max(0.0, run['other_cpu']):.0%}"
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    result = ScenarioResult("relay")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-relay-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    prof = RESULTS / "relay-hub.prof"
    hub_max: list[dict] = []
    bare_max: list[dict] = []
    hub_paced: list[dict] = []
    bare_paced: list[dict] = []
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
        if profile:
            bare_args += ["--profile", str(RESULTS / "relay-bare.prof")]
        with (
            pinned(LOADGEN_CORE),
            ServerProcess(hub_args, port) as hub,
            ServerProcess(bare_args, bare_port) as bare,
        ):
            hub.start(tmp / "hub.log")
            bare.start(tmp / "bare.log")
            log(
                f"relay: servers on core {SERVER_CORE}, load generator on core {LOADGEN_CORE}: "
                f"{plan.clients} widgets x {plan.inflight} in flight + 1 agent"
            )
            for n in range(plan.rounds):
                hub_max.append(asyncio.run(_max_round(hub, hub_auth, plan)))
                log(f"relay: round {n + 1} hub  max {_fmt(hub_max[-1])}")
                bare_max.append(asyncio.run(_max_round(bare, bare_auth, plan)))
                log(f"relay: round {n + 1} bare max {_fmt(bare_max[-1])}")
            half = max(r["rate"] for r in hub_max) / 2
            for n in range(plan.paced_rounds):
                hub_paced.append(asyncio.run(_paced_round(hub, hub_auth, plan, half)))
                log(f"relay: paced {n + 1} hub  {_fmt(hub_paced[-1])}")
                bare_paced.append(asyncio.run(_paced_round(bare, bare_auth, plan, half)))
                log(f"relay: paced {n + 1} bare {_fmt(bare_paced[-1])}")
            hub.stop()
            bare.stop()
            if profile:
                result.details["profile"] = str(prof)
                (RESULTS / "relay-hub.prof.txt").write_text(
                    profile_summary([prof, Path(str(prof) + ".writer")])
                )
                (RESULTS / "relay-bare.prof.txt").write_text(
                    profile_summary([RESULTS / "relay-bare.prof"])
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    best_hub = max(r["rate"] for r in hub_max)
    best_bare = max(r["rate"] for r in bare_max)
    ratio = best_hub / best_bare if best_bare else float("nan")
    notes = [f"best of {plan.rounds} rounds each"]
    if max(r["loadgen_cpu"] for r in bare_max) >= 0.9:
        notes.append("load generator saturated in the bare run: bare figure is a lower bound")
    result.rows.append(
        Row(
            "relay",
            "widget->agent max rate",
            "msg/s",
            best_hub,
            best_bare,
            ratio,
            f">= {RELAY_TARGET:.0%}",
            ratio >= RELAY_TARGET,
            "; ".join(notes),
        )
    )
    hub_p99 = _median([r["p99_ms"] for r in hub_paced])
    bare_p99 = _median([r["p99_ms"] for r in bare_paced])
    errors = sum(r["errors"] for r in hub_paced)
    result.rows.append(
        Row(
            "relay",
            f"p99 latency @ {half:.0f} msg/s (half max)",
            "ms",
            hub_p99,
            bare_p99,
            hub_p99 / bare_p99 if bare_p99 else float("nan"),
            f"< {P99_TARGET_MS:.0f} ms",
            hub_p99 < P99_TARGET_MS and errors == 0,
            f"median of {plan.paced_rounds} paced rounds; p50 hub "
            f"{_median([r['p50_ms'] for r in hub_paced]):.1f} ms, bare "
            f"{_median([r['p50_ms'] for r in bare_paced]):.1f} ms"
            + (f"; {errors} error acks" if errors else ""),
        )
    )
    result.details.update(
        plan=plan.__dict__,
        hub_max=hub_max,
        bare_max=bare_max,
        hub_paced=hub_paced,
        bare_paced=bare_paced,
        profiled=profile,
    )
    return result
