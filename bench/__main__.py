"""python -m bench [SCENARIO ...] [--quick] [--profile]

Runs the scenarios (all by default), each with its bare baseline in the same run, prints
a table and writes bench/results/latest.json. Exit status 0 even when a target is
missed (the table says PASS/MISS); 1 when a scenario could not run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench import (
    cluster,
    fanout,
    idle,
    limiter,
    persistence,
    relay,
    reports,
    search,
    storm,
    telegram,
    whatsapp,
)
from bench.common import RESULTS, ROOT, Row, ScenarioResult, can_pin

SCENARIOS = {"relay": relay.run, "persistence": persistence.run, "telegram": telegram.run}
SCENARIOS["whatsapp"] = whatsapp.run
SCENARIOS["search"] = search.run
SCENARIOS["reports"] = reports.run
SCENARIOS["fanout"] = fanout.run
SCENARIOS["limiter"] = limiter.run
SCENARIOS["idle"] = idle.run
SCENARIOS["storm"] = storm.run
SCENARIOS["cluster"] = cluster.run


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "git": _git(),
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pinning": can_pin(),
    }


def _git() -> str:
    """The commit measured, with "+dirty" when the working tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}+dirty" if dirty else head or "unknown"


def _num(value: float, unit: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if unit == "ms":
        return f"{value:.1f} ms"
    return f"{value:,.0f} {unit}"


def table(rows: list[Row]) -> str:
    head = ("scenario", "metric", "hub", "baseline", "ratio", "target", "result")
    lines = [
        (
            r.scenario,
            r.metric,
            _num(r.hub, r.unit),
            _num(r.baseline, r.unit),
            "n/a" if math.isnan(r.ratio) else f"{r.ratio:.1%}",
            r.target,
            r.verdict,
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line) for line in lines]
    notes = [f"  * {r.scenario}: {r.note}" for r in rows if r.note]
    return "\n".join(out + notes)


def _clean(value: Any) -> Any:
    """JSON without NaN (null instead)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"any of {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--quick", action="store_true", help="short run (smoke test, < 60 s)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the hub side; figures are then slower than real (bench/results/*.prof)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    names = args.scenarios or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(
            f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )

    # A SIGTERM unwinds like Ctrl-C so every server subprocess is stopped.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    started = time.monotonic()
    info = machine()
    print(
        f"Kanal benchmarks{' (quick)' if args.quick else ''}{' (profiled)' if args.profile else ''}"
        f" — {info['nproc']} x {info['cpu']}, Python {info['python']}, git {info['git']}",
        flush=True,
    )
    if not info["pinning"]:
        print("  warning: fewer than 2 cores or no sched_setaffinity: processes not pinned")
    results: list[ScenarioResult] = []
    failed: list[str] = []
    for name in names:
        print(f"- {name} ...", flush=True)
        try:
            results.append(SCENARIOS[name](quick=args.quick, profile=args.profile))
        except KeyboardInterrupt:
            raise
        except Exception:
            traceback.print_exc()
            failed.append(name)

    rows = [row for r in results for row in r.rows]
    print()
    print(table(rows))
    elapsed = time.monotonic() - started
    print(f"\n({elapsed:.0f} s; JSON: {args.output})")
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "profiled": args.profile,
        "machine": info,
        "seconds": round(elapsed, 1),
        "failed": failed,
        "scenarios": {r.name: r.as_json() for r in results},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(_clean(report), indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
