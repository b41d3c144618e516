"""deploy/nginx/kanal.conf in front of two hub processes: Socket.IO sessions stay on the
process that holds them, by the node name in their ids, with long-polling (which
government proxies often force) as with WebSocket — and plain requests reach both.

The hubs share one SQLite file here (cross-node events need Redis: tests/hub/test_redis.py);
what this proves is nginx's routing with the very config file we ship.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.browser.conftest import free_port, missing

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "nginx" / "kanal.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


def shipped_config(listen: int, a: int, b: int) -> str:
    """The shipped server config on plain HTTP and test ports (no certificate here)."""
    text = CONFIG.read_text()
    text = text.replace("127.0.0.1:8081", f"127.0.0.1:{a}").replace(
        "127.0.0.1:8082", f"127.0.0.1:{b}"
    )
    text = re.sub(r"listen 443 ssl[^;]*;[^\n]*\n", f"listen 127.0.0.1:{listen};\n", text)
    text = re.sub(r"\n\s*ssl_certificate[^\n]*", "", text)
    return text[: text.rindex("server {")]  # without the port-80 redirect


def nginx_main(folder: Path, body: str) -> Path:
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    path = folder / "nginx.conf"
    path.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 512; }}\n"
        f"http {{\naccess_log off;\n{temp}\n{body}\n}}\n"
    )
    return path


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"{url} did not start: {log.read_text()[-3000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """nginx + hub nodes a and b on one database; yields (nginx URL, an admin's token)."""
    tmp_path = tmp_path_factory.mktemp("cluster")
    nginx = nginx_binary()
    if nginx is None:
        missing("nginx is not installed (make nginx)")
    env = {
        **os.environ,
        "KANAL_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'kanal.db'}",
        "KANAL_SERVER__DATA_DIR": str(tmp_path / "data"),
    }
    kanal = [sys.executable, "-m", "hub.cli"]
    subprocess.run([*kanal, "demo"], cwd=tmp_path, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*kanal, "token", "create", "admin@kanal.local"],
        cwd=tmp_path, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    ports = {"a": free_port(), "b": free_port()}
    listen = free_port()
    running: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        for node, port in ports.items():  # one after the other: the first writes the secret
            log = tmp_path / f"node-{node}.log"
            logs.append(log.open("wb"))
            node_env = {**env, "KANAL_SERVER__PORT": str(port), "KANAL_SERVER__NODE": node}
            process = subprocess.Popen(
                [*kanal, "serve"], cwd=tmp_path, env=node_env, stdout=logs[-1], stderr=logs[-1]
            )
            running.append(process)
            wait_ready(f"http://127.0.0.1:{port}", process, log)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp_path / kind).mkdir()
        conf = nginx_main(tmp_path, shipped_config(listen, ports["a"], ports["b"]))
        checked = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        front = subprocess.Popen([nginx, "-c", str(conf)], stderr=subprocess.DEVNULL)
        running.append(front)
        url = f"http://127.0.0.1:{listen}"
        wait_ready(url, front, tmp_path / "error.log")
        yield url, token
    finally:
        for process in reversed(running):
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail(f"{process.args} did not stop within 20 s of SIGTERM")
        for log in logs:
            log.close()


async def officer_session(url: str, token: str, transport: str) -> tuple[str, int]:
    """Connect through nginx, do 10 acknowledged round trips; (session id, trips done)."""
    client = socketio.AsyncClient(reconnection=False)
    hello: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    client.on("hello", lambda data: hello.done() or hello.set_result(data), namespace="/agent")
    await client.connect(url, namespaces=["/agent"], transports=[transport], auth={"token": token})
    try:
        await asyncio.wait_for(hello, 10)
        done = 0
        for _ in range(10):
            answer = await client.call(
                "join", {"conversation_id": 1}, namespace="/agent", timeout=10
            )
            done += bool(answer.get("ok"))
            await client.call("leave", {"conversation_id": 1}, namespace="/agent", timeout=10)
        return client.eio.sid, done
    finally:
        await client.disconnect()


@pytest.mark.parametrize("transport", ["polling", "websocket"])
async def test_sessions_stay_on_their_node_behind_the_shipped_nginx_config(
    cluster: tuple[str, str], transport: str
) -> None:
    url, token = cluster
    sessions = await asyncio.gather(*(officer_session(url, token, transport) for _ in range(12)))
    assert all(done == 10 for _, done in sessions)
    nodes = {sid.split(".", 1)[0] for sid, _ in sessions}
    assert nodes == {"a", "b"}  # nginx spread new sessions over both processes
