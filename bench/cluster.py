"""Scenario `cluster` (S6): two hub processes on PostgreSQL + Redis vs one, on the relay load.

Both sides are real hub processes (`bench/server.py hub`) on one fresh PostgreSQL schema
(migrated, `kanal demo` loaded) with Redis (a fresh key prefix, so a fresh Socket.IO
channel, per side), removed afterwards:

- one process: pinned to SERVER_CORE, the load generator to LOADGEN_CORE (as `relay`);
- two processes, nodes `a` and `b` ([server] node), pinned to cores 0 and 1. The machine
  has 2 cores, so the load generator (and PostgreSQL and Redis, on both sides) runs
  unpinned on whichever core is free: there is no free one.

Load: bench.relay's closed loop (each widget keeps `inflight` messages outstanding until
acked and seen by an agent). Half the widgets write to web-pupr, half to web-dlh, and the
agents pupr@ and dlh@kanal.local each receive their OPD's messages (neither is an admin,
so every message reaches exactly one agent). With two nodes the web-pupr widgets sit on
a and pupr's agent on b, the web-dlh widgets on b and dlh's agent on a: every message
crosses Redis, which is the point of running several nodes. One process gets the same
sockets, all on it.

Rounds alternate the sides; the best round of each counts. Each window records the CPU
seconds of every hub process, the load generator, PostgreSQL and Redis (from /proc) and
everything else. Diagnostics: messages per hub CPU-second (scaling cost independent of
cores) and the one-process hub on SQLite without Redis (the `relay` scenario's hub).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import socketio

from bench import pg
from bench.common import (
    HOST,
    LOADGEN_CORE,
    SERVER_CORE,
    Row,
    ScenarioResult,
    ServerProcess,
    bench_limits,
    free_port,
    log,
    pinned,
    run_cli,
)
from bench.relay import LoadGenerator, _hub_config

TARGET = 1.5  # two processes >= 1.5x one process's messages/s
#: (widget inbox, the agent who receives it): two OPDs, neither agent an admin.
ROUTES = [("web-pupr", "pupr@kanal.local"), ("web-dlh", "dlh@kanal.local")]


@dataclass(frozen=True)
class Plan:
    clients: int = 50  # widget connections in all (half per inbox)
    inflight: int = 4
    warmup: float = 3.0
    window: float = 15.0
    rounds: int = 3  # per side, alternating
    sqlite: bool = True  # diagnostic: the one-process hub on SQLite, no Redis

    @classmethod
    def quick(cls) -> Plan:
        return cls(warmup=1.0, window=3.0, rounds=1)


class ClusterLoad(LoadGenerator):
    """bench.relay's load generator with widgets and agents on given servers."""

    def __init__(
        self, widgets: list[tuple[str, str]], agents: list[tuple[str, dict[str, Any]]]
    ) -> None:
        super().__init__(widgets[0][0], agents[0][1], len(widgets))
        self.widget_at = widgets  # (server url, inbox) per widget
        self.agent_at = agents  # (server url, auth) per agent
        self.agents: list[socketio.AsyncClient] = []

    async def connect(self) -> None:
        for url, auth in self.agent_at:
            agent = socketio.AsyncClient(reconnection=False)
            agent.on("message", self._on_agent_message, namespace="/agent")
            await agent.connect(url, namespaces=["/agent"], auth=auth, transports=["websocket"])
            self.agents.append(agent)
        self.agent = self.agents[0]
        for url, inbox in self.widget_at:
            widget = socketio.AsyncClient(reconnection=False)
            await widget.connect(
                url, namespaces=["/widget"], auth={"inbox": inbox}, transports=["websocket"]
            )
            self.widgets.append(widget)

    async def close(self) -> None:
        clients = [*self.widgets, *self.agents]
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
        self.widgets, self.agents, self.agent = [], [], None


def layout(
    urls: list[str], tokens: dict[str, str], clients: int
) -> tuple[list[tuple[str, str]], list[tuple[str, dict[str, Any]]]]:
    """Widgets of route r on server r, its agent on the next server (the same if one)."""
    n = len(urls)
    widgets = [(urls[(i % 2) % n], ROUTES[i % 2][0]) for i in range(clients)]
    agents = [(urls[(r + 1) % n], {"token": tokens[email]}) for r, (_, email) in enumerate(ROUTES)]
    return widgets, agents


async def _round(
    urls: list[str], pids: list[int], tokens: dict[str, str], plan: Plan
) -> dict[str, Any]:
    widgets, agents = layout(urls, tokens, plan.clients)
    gen = ClusterLoad(widgets, agents)
    try:
        await gen.connect()
        await gen.prime()
        result = await gen.max_rate(plan.inflight, plan.warmup, plan.window, pids, pg.service_cpu)
        result["error_samples"] = gen.c.error_samples
    finally:
        await gen.close()
    hub_seconds = result["server_cpu_seconds"]
    result["messages_per_hub_cpu_second"] = result["messages"] / hub_seconds
    return result


def _fmt(run: dict[str, Any]) -> str:
    each = ", ".join(f"{c:.0%}" for c in run["server_cpu_per_process"])
    probed = run.get("probed_cpu", {})
    services = " ".join(f"{k} {v:.0%}" for k, v in probed.items())
    return (
        f"{run['rate']:.0f} msg/s, p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms; "
        f"CPU: hub {each} ({run['messages_per_hub_cpu_second']:.0f} msg per hub CPU-s), "
        f"load generator {run['loadgen_cpu']:.0%}, {services}, "
        f"rest {max(0.0, run['other_cpu'] - sum(probed.values())):.0%}"
    )


def _pg_config(tmp: Path, name: str, port: int, url: str, prefix: str, node: str) -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(
        f"""
[server]
host = "{HOST}"
port = {port}
public_url = "http://{HOST}:{port}"
secret_key = "bench-secret-key"
data_dir = "{tmp / "data"}"
node = "{node}"

[database]
url = "{url}"

[redis]
url = "{pg.REDIS}"
prefix = "{prefix}"
"""
        + bench_limits()
    )
    return path


def _wait_linked(server: ServerProcess, timeout: float = 20.0) -> None:
    """/healthz answers 200 before the Redis subscription listens; wait for "ok"."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1) as answer:
                body = json.load(answer)
                if body.get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.url} not linked to Redis after {timeout:.0f} s: {body}")


def _tokens(config: Path) -> dict[str, str]:
    return {
        email: run_cli(["token", "create", email, "--config", str(config)]).strip().splitlines()[-1]
        for _, email in ROUTES
    }


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def run(*, quick: bool = False, profile: bool = False) -> ScenarioResult:
    del profile  # the relay scenario profiles the hub; here the question is scaling
    plan = Plan.quick() if quick else Plan()
    problem = pg.services_problem()
    if problem is not None:
        raise RuntimeError(problem)
    result = ScenarioResult("cluster")
    tmp = Path(tempfile.mkdtemp(prefix="kanal-bench-cluster-"))
    one_prefix, two_prefix = pg.fresh_prefix("one-"), pg.fresh_prefix("two-")
    singles: list[dict[str, Any]] = []
    doubles: list[dict[str, Any]] = []
    sqlites: list[dict[str, Any]] = []
    try:
        with pg.fresh_schema("cluster_") as schema:
            url = pg.schema_url(schema)
            ports = {name: free_port() for name in ("one", "a", "b", "sqlite")}
            one_cfg = _pg_config(tmp, "one", ports["one"], url, one_prefix, "")
            a_cfg = _pg_config(tmp, "a", ports["a"], url, two_prefix, "a")
            b_cfg = _pg_config(tmp, "b", ports["b"], url, two_prefix, "b")
            run_cli(["migrate", "--config", str(one_cfg)])
            run_cli(["demo", "--config", str(one_cfg)])
            tokens = _tokens(one_cfg)
            (tmp / "lite").mkdir()
            lite_cfg = _hub_config(tmp / "lite", ports["sqlite"])
            if plan.sqlite:
                run_cli(["demo", "--config", str(lite_cfg)])
                lite_tokens = _tokens(lite_cfg)
            core = ["--core", str(SERVER_CORE)]
            with (
                ServerProcess(["hub", "--config", str(one_cfg), *core], ports["one"]) as one,
                ServerProcess(["hub", "--config", str(a_cfg), "--core", "0"], ports["a"]) as a,
                ServerProcess(["hub", "--config", str(b_cfg), "--core", "1"], ports["b"]) as b,
                ServerProcess(["hub", "--config", str(lite_cfg), *core], ports["sqlite"]) as lite,
            ):
                for server, name in ((one, "one"), (a, "a"), (b, "b")):
                    server.start(tmp / f"{name}.log")
                    _wait_linked(server)
                if plan.sqlite:
                    lite.start(tmp / "sqlite.log")
                log(
                    f"cluster: {plan.clients} widgets x {plan.inflight} in flight, 2 agents; "
                    f"1 hub on core {SERVER_CORE} + load generator on core {LOADGEN_CORE} vs "
                    "nodes a, b on cores 0, 1 + load generator unpinned"
                )
                for n in range(plan.rounds):
                    with pinned(LOADGEN_CORE):
                        singles.append(asyncio.run(_round([one.url], [one.pid], tokens, plan)))
                    log(f"cluster: round {n + 1} 1 process  {_fmt(singles[-1])}")
                    doubles.append(
                        asyncio.run(_round([a.url, b.url], [a.pid, b.pid], tokens, plan))
                    )
                    log(f"cluster: round {n + 1} 2 processes {_fmt(doubles[-1])}")
                    if plan.sqlite:
                        with pinned(LOADGEN_CORE):
                            sqlites.append(
                                asyncio.run(_round([lite.url], [lite.pid], lite_tokens, plan))
                            )
                        log(f"cluster: round {n + 1} 1 process on SQLite {_fmt(sqlites[-1])}")
    finally:
        for prefix in (one_prefix, two_prefix):
            try:
                pg.drop_prefix(prefix)
            except Exception as exc:  # cleanup must not hide the real error
                log(f"cluster: could not delete Redis keys {prefix}:*: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)

    one_best = max(singles, key=lambda r: r["rate"])
    two_best = max(doubles, key=lambda r: r["rate"])
    ratio = two_best["rate"] / one_best["rate"]
    cores_two = sum(two_best["server_cpu_per_process"])
    cores_one = sum(one_best["server_cpu_per_process"])
    loadgen_two = two_best["loadgen_cpu"]
    services_two = sum(two_best["probed_cpu"].values())
    result.rows.append(
        Row(
            "cluster",
            "widget->agent max rate, 2 hub processes vs 1 (PostgreSQL + Redis)",
            "msg/s",
            two_best["rate"],
            one_best["rate"],
            ratio,
            f">= {TARGET:.0%} ({TARGET}x)",
            ratio >= TARGET,
            f"best of {plan.rounds} rounds each; every message crosses Redis on 2 nodes; "
            f"2 cores in all: hubs used {cores_two:.2f} cores, load generator "
            f"{loadgen_two:.2f}, PostgreSQL + Redis {services_two:.2f} (1 process: hub "
            f"{cores_one:.2f}, load generator {one_best['loadgen_cpu']:.2f})",
        )
    )
    per_one = one_best["messages_per_hub_cpu_second"]
    per_two = two_best["messages_per_hub_cpu_second"]
    result.rows.append(
        Row(
            "cluster",
            "diagnostic: messages per hub CPU-second, 2 processes vs 1",
            "msg/CPU-s",
            per_two,
            per_one,
            per_two / per_one,
            "(none)",
            None,
            "hub processes' CPU only (from /proc): below 100% is what crossing Redis costs "
            f"per message, whatever the cores; with a whole core per node, 2 x {per_two:.0f} "
            f"= {2 * per_two:.0f} msg/s would be {2 * per_two / one_best['rate']:.2f}x the 1 "
            "process (a projection, not measured)",
        )
    )
    if sqlites:
        lite_best = max(sqlites, key=lambda r: r["rate"])
        result.rows.append(
            Row(
                "cluster",
                "diagnostic: 1 process on PostgreSQL + Redis vs on SQLite (relay's hub)",
                "msg/s",
                one_best["rate"],
                lite_best["rate"],
                one_best["rate"] / lite_best["rate"],
                "(none)",
                None,
                f"same load and pinning; SQLite hub {lite_best['messages_per_hub_cpu_second']:.0f}"
                f" msg per hub CPU-s vs {per_one:.0f} on PostgreSQL + Redis",
            )
        )
    result.details.update(
        plan=plan.__dict__,
        one_process=singles,
        two_processes=doubles,
        one_process_sqlite=sqlites,
        p99_ms={
            "one": _median([r["p99_ms"] for r in singles]),
            "two": _median([r["p99_ms"] for r in doubles]),
        },
    )
    return result
