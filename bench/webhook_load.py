"""The load generator of the webhook benchmarks (Telegram, WhatsApp): keep-alive POSTs at
a server's max rate or at a paced rate, with latencies and the CPU each side spent."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import percentile, proc_cpu_seconds, system_busy_seconds, threads_cpu_seconds

#: The next request: its body and its headers.
Body = Callable[[], tuple[bytes, dict[str, str]]]


@dataclass
class Counters:
    ok: int = 0
    errors: int = 0
    measuring: bool = False
    latencies: list[float] = field(default_factory=list)
    error_samples: list[Any] = field(default_factory=list)


class LoadGenerator:
    """`clients` keep-alive connections of one aiohttp ClientSession, in this event loop,
    POSTing what `next_body` gives (a body and its headers) to `endpoint`. Figures are
    named after the `unit` of work ("update", "delivery")."""

    def __init__(self, endpoint: str, clients: int, next_body: Body, unit: str) -> None:
        self.endpoint = endpoint
        self.n = clients
        self.next_body = next_body
        self.unit = unit
        self.c = Counters()
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> LoadGenerator:
        connector = aiohttp.TCPConnector(limit=self.n)
        self.session = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    async def post(self) -> None:
        assert self.session is not None
        body, headers = self.next_body()
        c = self.c
        t0 = time.perf_counter()
        try:
            async with self.session.post(self.endpoint, data=body, headers=headers) as r:
                answer = await r.read()
                status = r.status
        except aiohttp.ClientError as exc:
            status, answer = 0, repr(exc).encode()
        elapsed = (time.perf_counter() - t0) * 1000.0
        if status == 200:
            c.ok += 1
            if c.measuring:
                c.latencies.append(elapsed)
        else:
            c.errors += 1
            if len(c.error_samples) < 5:
                c.error_samples.append(f"{status}: {answer[:200].decode(errors='replace')}")

    async def max_rate(self, warmup: float, window: float, server_pid: int) -> dict[str, Any]:
        """Closed loop: every connection keeps one request in flight."""
        stop = False

        async def connection() -> None:
            while not stop:
                await self.post()

        tasks = [asyncio.create_task(connection()) for _ in range(self.n)]
        try:
            await asyncio.sleep(warmup)
            c = self.c
            c.latencies.clear()
            c.measuring = True
            ok0, err0, t0 = c.ok, c.errors, time.perf_counter()
            srv0, gen0, all0 = cpu(server_pid)
            main0, threads0 = threads_cpu_seconds(server_pid)
            await asyncio.sleep(window)
            ok1, err1, t1 = c.ok, c.errors, time.perf_counter()
            srv1, gen1, all1 = cpu(server_pid)
            main1, threads1 = threads_cpu_seconds(server_pid)
            c.measuring = False
            stop = True
            await asyncio.wait_for(asyncio.gather(*tasks), 30)
        finally:
            stop = True
            for task in tasks:
                task.cancel()
        elapsed = t1 - t0
        lat = c.latencies
        return {
            f"{self.unit}s": ok1 - ok0,
            "seconds": round(elapsed, 3),
            "rate": (ok1 - ok0) / elapsed,
            "errors": err1 - err0,
            "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99),
            "server_cpu": (srv1 - srv0) / elapsed,
            "server_main_thread_cpu": (main1 - main0) / elapsed,
            "server_other_threads_cpu": (threads1 - threads0) / elapsed,
            f"server_cpu_us_per_{self.unit}": (srv1 - srv0) / max(1, ok1 - ok0) * 1e6,
            "loadgen_cpu": (gen1 - gen0) / elapsed,
            "other_cpu": ((all1 - all0) - (srv1 - srv0) - (gen1 - gen0)) / elapsed,
            "connections": self.n,
        }

    async def paced(self, rate: float, seconds: float, server_pid: int) -> dict[str, Any]:
        """Open loop: a POST every 1/rate s (at most `clients` on the wire)."""
        total = max(1, int(rate * seconds))
        c = self.c
        c.latencies.clear()
        ok0, err0 = c.ok, c.errors
        c.measuring = True
        srv0, gen0, all0 = cpu(server_pid)
        start = time.perf_counter()
        worst_lag = 0.0
        tasks: list[asyncio.Task[None]] = []
        i = 0
        while i < total:
            due = start + i / rate
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
                now = time.perf_counter()
            worst_lag = max(worst_lag, now - due)
            while i < total and start + i / rate <= now:
                tasks.append(asyncio.create_task(self.post()))
                i += 1
        send_end = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        c.measuring = False
        srv1, gen1, all1 = cpu(server_pid)
        span = time.perf_counter() - start
        lat = c.latencies
        return {
            "target_rate": rate,
            "achieved_rate": total / (send_end - start) if send_end > start else float("nan"),
            f"{self.unit}s": c.ok - ok0,
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


def cpu(server_pid: int) -> tuple[float, float, float]:
    """CPU seconds so far: the server process, this process, the whole machine."""
    return proc_cpu_seconds(server_pid), time.process_time(), system_busy_seconds()


async def max_round(
    gen: LoadGenerator, server_pid: int, warmup: float, window: float
) -> dict[str, Any]:
    """One closed-loop round at the server's max rate."""
    async with gen:
        result = await gen.max_rate(warmup, window, server_pid)
        result["error_samples"] = gen.c.error_samples
        result["answered"] = gen.c.ok
        return result


async def paced_round(
    gen: LoadGenerator, server_pid: int, rate: float, seconds: float
) -> dict[str, Any]:
    """One open-loop round at `rate` requests/s."""
    async with gen:
        result = await gen.paced(rate, seconds, server_pid)
        result["error_samples"] = gen.c.error_samples
        result["answered"] = gen.c.ok
        return result


def stored(db: Path) -> dict[str, int]:
    """What the hub's database holds after the run (the hub stopped)."""
    conn = sqlite3.connect(db)
    try:
        one = lambda sql: int(conn.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "messages_in": one("SELECT count(*) FROM message WHERE direction = 'in'"),
            "messages_out": one("SELECT count(*) FROM message WHERE direction = 'out'"),
            "conversations": one("SELECT count(*) FROM conversation"),
            "receipts": one("SELECT count(*) FROM inbound_receipt"),
            "outbox": one("SELECT count(*) FROM outbox"),
        }
    finally:
        conn.close()


def describe(run: dict[str, Any], unit: str) -> str:
    """One round's figures for the log: rate, latency, and where the CPU went (`unit`:
    "update", "delivery"; the per-unit CPU key is server_cpu_us_per_<unit>)."""
    rate = run.get("rate", run.get("achieved_rate", float("nan")))
    split = ""
    if "server_main_thread_cpu" in run:
        split = (
            f" (main thread {run['server_main_thread_cpu']:.0%}, "
            f"{run[f'server_cpu_us_per_{unit}']:.0f} us/{unit})"
        )
    errors = f", {run['errors']} errors" if run.get("errors") else ""
    plural = "deliveries" if unit == "delivery" else f"{unit}s"
    return (
        f"{rate:.0f} {plural}/s, p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms"
        f"{errors}; CPU: server {run['server_cpu']:.0%}{split}, load generator "
        f"{run['loadgen_cpu']:.0%}, others {max(0.0, run['other_cpu']):.0%}"
    )
