"""Scenario `idle` (issue 7, S5): 10 000 idle widget connections, memory and connect rate.

Server: a real hub process (migrated + `kanal demo` SQLite file, as `relay`) or the bare
python-socketio server (bench/server.py bare: its /widget connect handler does nothing),
pinned to SERVER_CORE. Load generator: this process, pinned to LOADGEN_CORE, opening
`sockets` /widget sockets (bench.rawsio.RawSocket, websocket transport) with `inflight`
connects outstanding at a time.

Each socket connects as a resident opening the page for the first time does (widget/src/
app/connection.ts): auth {inbox: "web-pupr", token: null}. The hub then issues a visitor
token (an HMAC over the inbox and a random visitor id: nothing is written to the
database), joins the visitor's room, reads the visitor's latest conversation (none) and
emits `session`; a connect counts as done when that `session` arrived (bare: when the
namespace CONNECT was acked). connects/s = sockets / (last connect done - first started).

Memory: the server's VmRSS (/proc/<pid>/status) after a warm-up (100 sockets opened and
closed, so lazily built code paths and caches are in before the measurement), and again
after every socket has been open and idle for `hold` seconds. Memory per connection =
(RSS after - RSS before) / sockets. The sockets are then closed. One round per server
(the bare server first): RSS is a level, not a rate, so neighbours hardly move it.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass
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
)
from bench.rawsio import RawSocket
from bench.relay import INBOX, _hub_config

PER_CONNECTION_TARGET = 1.5  # hub bytes per idle connection <= 1.5 x the bare server's
TOTAL_TARGET_MB = 600.0  # hub RSS with every socket open
WARMUP_SOCKETS = 100


@dataclass(frozen=True)
class Plan:
    sockets: int = 10_000
    inflight: int = 200  # connects outstanding at a time
    hold: float = 5.0  # seconds every socket stays open and idle before RSS is read

    @classmethod
    def quick(cls) -> Plan:
        return cls(sockets=1_000, hold=2.0)


def raise_fd_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit (inherited by the server subprocesses)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft, hard


def rss_bytes(pid: int) -> int:
    """VmRSS of a process, in bytes (0 when it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Widgets:
    """Many /widget sockets of new visitors; a connect is done at `session` (hub) or at
    the CONNECT ack (bare, which sends no `session`)."""

    def __init__(self, url: str, expect_session: bool) -> None:
        self.url = url
        self.expect_session = expect_session
        self.sockets: list[RawSocket] = []
        self.sessions: dict[RawSocket, asyncio.Future[None]] = {}
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def _on_event(self, sock: RawSocket, text: str) -> None:
        if text.startswith('["session"'):
            future = self.sessions.get(sock)
            if future is not None and not future.done():
                future.set_result(None)

    async def open_one(self, session: aiohttp.ClientSession) -> None:
        sock = RawSocket("/widget", self._on_event)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sessions[sock] = future
        started = time.perf_counter()
        try:
            await sock.connect(session, self.url, {"inbox": INBOX, "token": None})
            if self.expect_session:
                await asyncio.wait_for(future, 30)
        except (OSError, ConnectionError, TimeoutError, aiohttp.ClientError) as exc:
            self.failures.append(f"{type(exc).__name__}: {exc}")
            await sock.close()
            return
        finally:
            del self.sessions[sock]
        self.latencies.append((time.perf_counter() - started) * 1000.0)
        self.sockets.append(sock)

    async def open(self, session: aiohttp.ClientSession, count: int, inflight: int) -> float:
        """Open `count` sockets, `inflight` at a time; returns the seconds it took."""
        gate = asyncio.Semaphore(inflight)

        async def one() -> None:
            async with gate:
                await self.open_one(session)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return time.perf_counter() - started

    async def close(self) -> None:
        socks, self.sockets = self.sockets, []
        for at in range(0, len(socks), 500):
            await asyncio.gather(*(s.close() for s in socks[at : at + 500]), return_exceptions=True)


async def _round(server: ServerProcess, plan: Plan, expect_session: bool) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        warm = Widgets(server.url, expect_session)
        await warm.open(session, WARMUP_SOCKETS, plan.inflight)
        await warm.close()
        if warm.failures:
            raise RuntimeError(f"warm-up connects failed: {warm.failures[:3]}")
        await asyncio.sleep(1.0)
        before = rss_bytes(server.pid)
        widgets = Widgets(server.url, expect_session)
        try:
            srv0, gen0, all0 = proc_cpu_seconds(server.pid), time.process_time(), system_busy()
            seconds = await widgets.open(session, plan.sockets, plan.inflight)
            srv1, gen1, all1 = proc_cpu_seconds(server.pid), time.process_time(), system_busy()
            connected = rss_bytes(server.pid)
            await asyncio.sleep(plan.hold)
            alive = sum(1 for s in widgets.sockets if not s.closed.is_set())
            after = rss_bytes(server.pid)
            opened = len(widgets.sockets)
            cpu0, closing = proc_cpu_seconds(server.pid), time.perf_counter()
        finally:
            await widgets.close()
        disconnect_seconds = await quiet(server.pid) - closing
        disconnect_cpu = proc_cpu_seconds(server.pid) - cpu0
        closed = rss_bytes(server.pid)
    lat = widgets.latencies
    return {
        "sockets": opened,
        "failures": len(widgets.failures),
        "failure_samples": widgets.failures[:5],
        "alive_after_hold": alive,
        "connect_seconds": round(seconds, 3),
        "connect_rate": opened / seconds if seconds else float("nan"),
        "connect_p50_ms": percentile(lat, 50),
        "connect_p99_ms": percentile(lat, 99),
        "rss_before_mb": before / 2**20,
        "rss_connected_mb": connected / 2**20,
        "rss_after_mb": after / 2**20,
        "rss_closed_mb": closed / 2**20,
        "bytes_per_connection": (after - before) / max(1, opened),
        "disconnect_seconds": round(disconnect_seconds, 2),
        "server_cpu_us_per_disconnect": disconnect_cpu / max(1, opened) * 1e6,
        "server_cpu": (srv1 - srv0) / seconds,
        "server_cpu_us_per_connect": (srv1 - srv0) / max(1, opened) * 1e6,
        "loadgen_cpu": (gen1 - gen0) / seconds,
        "other_cpu": ((all1 - all0) - (srv1 - srv0) - (gen1 - gen0)) / seconds,
    }


async def quiet(pid: int, limit: float = 120.0) -> float:
    """When the server has (nearly) stopped using CPU, i.e. has handled every hang-up:
    the first 0.25 s sample under 10 % of a core (at most `limit` s)."""
    last = proc_cpu_seconds(pid)
    for _ in range(int(limit / 0.25)):
        await asyncio.sleep(0.25)
        now = proc_cpu_seconds(pid)
        if now - last < 0.025:
            break
        last = now
    return time.perf_counter()


def system_busy() -> float:
    return system_busy_seconds()


def _fmt(run: dict[str, Any]) -> str:
    return (
        f"{run['sockets']:,} sockets ({run['failures']} failed, {run['alive_after_hold']:,} "
        f"alive after the hold): {run['connect_rate']:,.0f} connects/s (p50 "
        f"{run['connect_p50_ms']:.0f} ms, p99 {run['connect_p99_ms']:.0f} ms); RSS "
        f"{run['rss_before_mb']:.1f} -> {run['rss_after_mb']:.1f} MB = "
        f"{run['bytes_per_connection'] / 1024:.1f} KiB/connection; CPU: server "
        f"{run['server_cpu']:.0%} ({run['server_cpu_us_per_connect']:.0f} us/connect), "
        f"load generator {run['loadgen_cpu']:.0%}, others {max(0.0, run['other_cpu']):.0%}; "
        f"hang-ups handled in {run['disconnect_seconds']} s "
        f"({run['server_cpu_us_per_disconnect']:.0f} us each)"
    )


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    plan = Plan.quick() if quick else Plan()
    result = ScenarioResult("idle")
    soft, hard = raise_fd_limit()
    needed = plan.sockets + WARMUP_SOCKETS + 200
    if soft < needed:
        raise RuntimeError(f"RLIMIT_NOFILE is {soft} (hard {hard}); {needed} fds needed per side")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-idle-"))
    try:
        port, bare_port = free_port(), free_port()
        config = _hub_config(tmp, port)
        run_cli(["demo", "--config", str(config)])
        hub_args = ["hub", "--config", str(config), "--core", str(SERVER_CORE)]
        if profile:  # connects get slower and the profiler holds memory: figures are off
            RESULTS.mkdir(parents=True, exist_ok=True)
            hub_args += ["--profile", str(RESULTS / "idle-hub.prof")]
        bare_args = ["bare", "--port", str(bare_port), "--core", str(SERVER_CORE)]
        with (
            pinned(LOADGEN_CORE),
            ServerProcess(hub_args, port) as hub,
            ServerProcess(bare_args, bare_port) as bare,
        ):
            log(
                f"idle: servers on core {SERVER_CORE}, load generator on core {LOADGEN_CORE}: "
                f"{plan.sockets:,} widget sockets, {plan.inflight} connects in flight "
                f"(RLIMIT_NOFILE {soft})"
            )
            bare.start(tmp / "bare.log")
            bare_run = asyncio.run(_round(bare, plan, expect_session=False))
            log(f"idle: bare {_fmt(bare_run)}")
            bare.stop()
            hub.start(tmp / "hub.log")
            hub_run = asyncio.run(_round(hub, plan, expect_session=True))
            log(f"idle: hub  {_fmt(hub_run)}")
            hub.stop()
            if profile:
                prof = RESULTS / "idle-hub.prof"
                (RESULTS / "idle-hub.prof.txt").write_text(
                    profile_summary([prof, Path(str(prof) + ".writer")])
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    hub_per, bare_per = hub_run["bytes_per_connection"], bare_run["bytes_per_connection"]
    per_ratio = hub_per / bare_per if bare_per > 0 else float("nan")
    complete = hub_run["failures"] == 0 and hub_run["alive_after_hold"] == plan.sockets
    result.rows.append(
        Row(
            "idle",
            f"memory per idle widget connection ({plan.sockets:,})",
            "B",
            hub_per,
            bare_per,
            per_ratio,
            f"<= {PER_CONNECTION_TARGET:.1f}x bare",
            per_ratio <= PER_CONNECTION_TARGET and complete,
            f"RSS growth / sockets: hub {hub_per / 1024:.1f} KiB, bare {bare_per / 1024:.1f} KiB"
            + ("" if complete else f"; hub: {hub_run['failures']} connects failed"),
        )
    )
    result.rows.append(
        Row(
            "idle",
            f"server RSS with {plan.sockets:,} idle widget connections",
            "MB",
            hub_run["rss_after_mb"],
            bare_run["rss_after_mb"],
            hub_run["rss_after_mb"] / bare_run["rss_after_mb"],
            f"<= {TOTAL_TARGET_MB:.0f} MB",
            hub_run["rss_after_mb"] <= TOTAL_TARGET_MB and complete,
            f"before the sockets: hub {hub_run['rss_before_mb']:.0f} MB, "
            f"bare {bare_run['rss_before_mb']:.0f} MB",
        )
    )
    result.rows.append(
        Row(
            "idle",
            f"widget connects/s ({plan.inflight} in flight)",
            "conn/s",
            hub_run["connect_rate"],
            bare_run["connect_rate"],
            hub_run["connect_rate"] / bare_run["connect_rate"],
            "(none)",
            None,
            f"connect (to `session` for the hub) p99 hub {hub_run['connect_p99_ms']:.0f} ms, "
            f"bare {bare_run['connect_p99_ms']:.0f} ms; server CPU per connect hub "
            f"{hub_run['server_cpu_us_per_connect']:.0f} us, bare "
            f"{bare_run['server_cpu_us_per_connect']:.0f} us",
        )
    )
    hub_off, bare_off = (
        hub_run["server_cpu_us_per_disconnect"],
        bare_run["server_cpu_us_per_disconnect"],
    )
    result.rows.append(
        Row(
            "idle",
            f"diagnostic: server CPU per hang-up, {plan.sockets:,} open",
            "us",
            hub_off,
            bare_off,
            hub_off / bare_off if bare_off else float("nan"),
            "(none)",
            None,
            f"all {plan.sockets:,} closed at once: handled in {hub_run['disconnect_seconds']} s "
            f"by the hub, {bare_run['disconnect_seconds']} s by bare",
        )
    )
    result.details.update(plan=plan.__dict__, hub=hub_run, bare=bare_run, profiled=profile)
    return result
