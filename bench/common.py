"""Shared plumbing: CPU pinning, server subprocesses, percentiles, result rows, profiles."""

from __future__ import annotations

import contextlib
import io
import os
import pstats
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"  # generated databases kept between runs (gitignored)
HOST = "127.0.0.1"

#: The hub (or the bare baseline server) runs on SERVER_CORE, load generators on LOADGEN_CORE.
SERVER_CORE = 0
LOADGEN_CORE = 1


def can_pin() -> bool:
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


def pin(core: int) -> set[int] | None:
    """Pin this process to one core; returns the previous affinity (None: pinning unavailable)."""
    if not can_pin():
        return None
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    return previous


def unpin(previous: set[int] | None) -> None:
    if previous is not None:
        os.sched_setaffinity(0, previous)


@contextlib.contextmanager
def pinned(core: int) -> Iterator[None]:
    previous = pin(core)
    try:
        yield
    finally:
        unpin(previous)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User + system CPU seconds of a process (or one of its threads), from /proc."""
    path = f"/proc/{pid}/task/{tid}/stat" if tid is not None else f"/proc/{pid}/stat"
    try:
        raw = Path(path).read_text()
    except OSError:
        return float("nan")
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def threads_cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds of a process's main thread and of all its other threads together."""
    main = proc_cpu_seconds(pid, pid)
    others = 0.0
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid]
    except OSError:
        return main, float("nan")
    for tid in tids:
        value = proc_cpu_seconds(pid, tid)
        if value == value:  # a thread that ended in between reads as NaN
            others += value
    return main, others


def system_busy_seconds() -> float:
    """CPU seconds all processes on all cores spent busy (to spot noisy neighbours)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return float("nan")
    values = [int(v) for v in fields[:8]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICKS


@dataclass
class Row:
    """One line of the results table."""

    scenario: str
    metric: str
    unit: str
    hub: float
    baseline: float
    ratio: float
    target: str
    passed: bool | None  # None: informational, no target
    note: str = ""

    @property
    def verdict(self) -> str:
        return "-" if self.passed is None else ("PASS" if self.passed else "MISS")


@dataclass
class ScenarioResult:
    name: str
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        rows = []
        for row in self.rows:
            item = asdict(row)
            item["verdict"] = row.verdict
            rows.append(item)
        return {"name": self.name, "rows": rows, "details": self.details}


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class ServerProcess:
    """A server subprocess (python -m bench.server ...) that is always cleaned up."""

    def __init__(self, args: list[str], port: int, *, ready_path: str = "/healthz") -> None:
        self.args = args
        self.port = port
        self.ready_path = ready_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, log_path: Path, timeout: float = 30.0) -> None:
        self.log_path = log_path
        with open(log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.server", *self.args],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout:.0f} s: {self.tail()}")

    def stop(self) -> None:
        """SIGINT (graceful: profiles get written), then SIGKILL if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_cli(args: list[str], env: dict[str, str] | None = None) -> str:
    """Run `python -m hub.cli ...` and return its stdout (raises with stderr on failure)."""
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kanal {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def profile_summary(paths: Sequence[Path], limit: int = 25) -> str:
    """Top functions by own time and by cumulative time of cProfile dumps."""
    out = io.StringIO()
    for path in paths:
        if not path.exists():
            continue
        for key in ("tottime", "cumulative"):
            out.write(f"==== {path.name} sorted by {key} ====\n")
            stats = pstats.Stats(str(path), stream=out)
            stats.strip_dirs().sort_stats(key).print_stats(limit)
    return out.getvalue()


def bench_limits() -> str:
    """The [limits] of a benchmark's hub: every limit that is on by default stays on (so
    its cost is in the figures) but far above any benchmark's load, which sends more from
    one widget, chat or inbox than a person or a city would."""
    from hub.config import LimitSettings

    lines = [
        f"{name} = {0 if field.default == 0 else 1_000_000_000}"
        for name, field in LimitSettings.model_fields.items()
    ]
    return "\n[limits]\n" + "\n".join(lines) + "\n"
