"""The deployment docs/deploy.md describes, whole: the shipped nginx config in front of hub
nodes a and b on one PostgreSQL schema and one Redis prefix (both fresh for this module and
removed afterwards). A resident on node a and an officer on node b talk both ways; node a
dies (SIGKILL) and the resident's widget reconnects through nginx to b and resyncs without
a gap; 20 first messages at once from one visitor, over both nodes, make one case.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import redis
import socketio

from tests.browser.conftest import free_port, missing
from tests.deploy.test_nginx import nginx_binary, nginx_main, shipped_config
from tests.hub.store.conftest import POSTGRES
from tests.hub.test_redis import REDIS_URL
from tests.waiting import wait_for

W, A = "/widget", "/agent"
INBOX = "web-diskominfo"  # the admin's own OPD: its cases reach the admin's console


def _dsn() -> str:
    return POSTGRES.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(_dsn(), timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _services() -> str | None:
    """None when PostgreSQL and Redis both answer, else what is missing."""
    try:
        asyncio.run(_admin("SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {POSTGRES} is not reachable: {exc}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        return f"Redis at {REDIS_URL} is not reachable: {exc}"
    return None


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """/healthz says "ok": storage answers and the Redis subscription is listening."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if json.load(answer).get("status") == "ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"{url} did not start: {log.read_text()[-3000:]}")
        time.sleep(0.1)


@dataclass
class Cluster:
    url: str  # nginx
    token: str  # admin@kanal.local's API token
    schema: str
    nodes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    nginx = nginx_binary()
    if nginx is None:
        missing("nginx is not installed (make nginx)")
    problem = _services()
    if problem is not None:
        missing(problem)
    assert nginx is not None
    tmp_path = tmp_path_factory.mktemp("pg-cluster")
    schema = f"kanal_t_{uuid.uuid4().hex[:12]}"
    prefix = f"kanal-test-{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f"CREATE SCHEMA {schema}"))
    env = {
        **os.environ,
        "KANAL_DATABASE__URL": f"{POSTGRES}?options=-csearch_path%3D{schema}",
        "KANAL_REDIS__URL": REDIS_URL,
        "KANAL_REDIS__PREFIX": prefix,
        "KANAL_SERVER__SECRET_KEY": f"cluster-{uuid.uuid4().hex}",
        "KANAL_SERVER__DATA_DIR": str(tmp_path / "data"),
    }
    kanal = [sys.executable, "-m", "hub.cli"]
    running: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        for command in (["migrate"], ["demo"]):
            subprocess.run(
                [*kanal, *command], cwd=tmp_path, env=env, check=True, capture_output=True
            )
        token = subprocess.run(
            [*kanal, "token", "create", "admin@kanal.local"],
            cwd=tmp_path, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        ports = {"a": free_port(), "b": free_port()}
        listen = free_port()
        cluster = Cluster(f"http://127.0.0.1:{listen}", token, schema)
        for node, port in ports.items():
            log = tmp_path / f"node-{node}.log"
            logs.append(log.open("wb"))
            node_env = {**env, "KANAL_SERVER__PORT": str(port), "KANAL_SERVER__NODE": node}
            process = subprocess.Popen(
                [*kanal, "serve"], cwd=tmp_path, env=node_env, stdout=logs[-1], stderr=logs[-1]
            )
            running.append(process)
            cluster.nodes[node] = process
        for node, port in ports.items():
            wait_healthy(
                f"http://127.0.0.1:{port}", cluster.nodes[node], tmp_path / f"node-{node}.log"
            )
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp_path / kind).mkdir()
        conf = nginx_main(tmp_path, shipped_config(listen, ports["a"], ports["b"]))
        front = subprocess.Popen([nginx, "-c", str(conf)], stderr=subprocess.DEVNULL)
        running.append(front)
        wait_healthy(cluster.url, front, tmp_path / "error.log")
        yield cluster
    finally:
        for process in reversed(running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()
        asyncio.run(_admin(f"DROP SCHEMA {schema} CASCADE"))
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


async def connect(url: str, namespace: str, auth: dict[str, Any]) -> Any:
    client = socketio.AsyncClient(reconnection=False)
    client.received = []  # type: ignore[attr-defined]

    @client.on("*", namespace=namespace)
    async def catch_all(event: str, data: Any = None) -> None:
        client.received.append((event, data))  # type: ignore[attr-defined]

    await client.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"])
    return client


def node_of(client: Any) -> str:
    return str(client.eio.sid).split(".", 1)[0]


async def on_node(node: str, url: str, namespace: str, auth: dict[str, Any]) -> Any:
    """A client connected through nginx whose session lives on `node`."""
    for _ in range(20):
        client = await connect(url, namespace, auth)
        if node_of(client) == node:
            return client
        await client.disconnect()
    raise AssertionError(f"nginx never put a session on node {node}")


async def widget(url: str, node: str | None = None, token: str | None = None) -> Any:
    auth = {"inbox": INBOX, "token": token}
    client = await (on_node(node, url, W, auth) if node else connect(url, W, auth))
    client.session = await wait_for(client, "session", within=10)
    return client


async def test_two_nodes_on_postgresql_and_redis_behind_nginx(cluster: Cluster) -> None:
    url = cluster.url
    officer = await on_node("b", url, A, {"token": cluster.token})
    await wait_for(officer, "hello", within=10)
    warga = await widget(url, "a")
    headers = {"Authorization": f"Bearer {cluster.token}"}
    opened: list[Any] = [officer, warga]
    try:
        async with aiohttp.ClientSession(headers=headers) as http:

            async def reply(conv_id: int, text: str) -> int:
                async with http.post(
                    f"{url}/api/v1/conversations/{conv_id}/messages", json={"text": text}
                ) as response:
                    assert response.status == 201, await response.text()
                    return int((await response.json())["message"]["seq"])

            # (a) resident on a -> officer on b, and back
            sent = await warga.call(
                "send", {"client_id": "w1", "text": "Banjir di Jl. Melati"}, namespace=W, timeout=10
            )
            assert sent["ok"], sent
            conv_id = sent["conversation"]["id"]
            live = await wait_for(
                officer, "message", lambda m: m["message"]["text"] == "Banjir di Jl. Melati", 10
            )
            assert live["conversation"]["id"] == conv_id
            seq = await reply(conv_id, "Segera kami cek.")
            seen = await wait_for(warga, "message", lambda m: m["seq"] == seq, 10)
            assert seen["text"] == "Segera kami cek." and seen["direction"] == "out"
            last_seen = seq

            # (c) 20 first messages at once from one visitor, 10 sessions on each node
            first = await widget(url)
            token, visitor = first.session["token"], first.session["visitor_id"]
            await first.disconnect()
            crowd = [await widget(url, node, token) for node in "ab" * 10]
            opened += crowd
            assert sorted(node_of(c) for c in crowd) == ["a"] * 10 + ["b"] * 10
            acks = await asyncio.gather(
                *(
                    c.call(
                        "send",
                        {"client_id": f"c{i}", "text": f"Lampu mati {i}"},
                        namespace=W,
                        timeout=15,
                    )
                    for i, c in enumerate(crowd)
                )
            )
            assert all(ack["ok"] for ack in acks), acks
            assert len({ack["conversation"]["id"] for ack in acks}) == 1
            conn = await asyncpg.connect(_dsn(), server_settings={"search_path": cluster.schema})
            try:
                cases = await conn.fetch(
                    "SELECT c.id FROM conversation c JOIN contact_identity i"
                    " ON i.contact_id = c.contact_id WHERE i.external_id = $1",
                    visitor,
                )
                assert len(cases) == 1
                messages = await conn.fetchval(
                    "SELECT count(*) FROM message WHERE conversation_id = $1", cases[0]["id"]
                )
                assert messages == 20
            finally:
                await conn.close()
            for c in crowd:
                await c.disconnect()

            # (b) node a dies; replies meanwhile; the widget comes back on b and resyncs
            cluster.nodes["a"].send_signal(signal.SIGKILL)
            cluster.nodes["a"].wait(timeout=10)
            missed = [await reply(conv_id, f"Petugas menuju lokasi ({i})") for i in range(3)]
            assert missed == [last_seen + 1, last_seen + 2, last_seen + 3]
            back = await widget(url, token=warga.session["token"])
            opened.append(back)
            assert node_of(back) == "b"
            assert back.session["visitor_id"] == warga.session["visitor_id"]
            synced = await back.call("sync", {"after_seq": last_seen}, namespace=W, timeout=10)
            assert synced["ok"] and not synced["more"], synced
            assert [m["seq"] for m in synced["messages"]] == missed
            assert [m["text"] for m in synced["messages"]] == [
                f"Petugas menuju lokasi ({i})" for i in range(3)
            ]
            # and the live path still works on the surviving node
            seq = await reply(conv_id, "Sudah ditangani.")
            await wait_for(back, "message", lambda m: m["seq"] == seq, 10)
    finally:
        for client in opened:
            if client.connected:
                await client.disconnect()
