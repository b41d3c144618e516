"""Storage faults on a running hub: the disk full, the database read-only, the database
locked by another process for 10 s. While the fault lasts, the webhooks answer 503 (the
provider retries), the widget gets an `unavailable` ack, nothing of the refused deliveries
is stored, /healthz says 503 "writes_failing" and the log says why, once. When the fault
clears, the very next delivery is stored, with no restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer
from sqlalchemy import Connection, event, func, select, text

from hub.app import create_app
from hub.config import DatabaseSettings
from hub.store import schema as s
from hub.store.db import StorageUnavailable, Store
from tests.channels.telegram.conftest import SECRET, bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.whatsapp.conftest import APP_SECRET, sign
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi
from tests.channels.whatsapp.hub import wa_inbox
from tests.conftest import RunningHub, make_settings, require_services

LOCK_SECONDS = 10.0


def telegram_update(n: int) -> bytes:
    chat = 700_000 + n
    update = {
        "update_id": 5_000 + n,
        "message": {
            "message_id": n,
            "from": {"id": chat, "is_bot": False, "first_name": "Warga"},
            "chat": {"id": chat, "type": "private", "first_name": "Warga"},
            "date": 1773015245,
            "text": f"laporan telegram {n}",
        },
    }
    return json.dumps(update).encode()


def whatsapp_delivery(n: int, phone_number_id: str) -> bytes:
    wa_id = f"62812000{n:05d}"
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281180001122", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Warga"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": f"wamid.fault-{n}",
                "timestamp": "1773044045",
                "type": "text",
                "text": {"body": f"laporan whatsapp {n}"},
            }
        ],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(body).encode()


@dataclass
class Hub:
    running: RunningHub
    http: aiohttp.ClientSession
    widget: socketio.AsyncClient
    phone_number_id: str

    async def telegram(self, n: int) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        url = f"{self.running.url}/webhooks/telegram/kota-bot"
        async with self.http.post(url, data=telegram_update(n), headers=headers) as r:
            return r.status

    async def whatsapp(self, n: int) -> int:
        body = whatsapp_delivery(n, self.phone_number_id)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(body, APP_SECRET),
        }
        url = f"{self.running.url}/webhooks/whatsapp/kota-wa"
        async with self.http.post(url, data=body, headers=headers) as r:
            return r.status

    async def send(self, n: int) -> dict[str, Any]:
        data = {"client_id": f"fault-{n}", "text": f"laporan widget {n}"}
        ack: dict[str, Any] = await self.widget.call("send", data, namespace="/widget", timeout=30)
        return ack

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"{self.running.url}/healthz") as r:
            return r.status, await r.json()

    async def stored(self, n: int) -> dict[str, int]:
        """How many rows each delivery n left behind: messages, receipts, contacts."""
        texts = [f"laporan {kind} {n}" for kind in ("telegram", "whatsapp", "widget")]
        keys = [f"update:{5_000 + n}", f"wamid.fault-{n}", f"msg:{700_000 + n}:{n}"]
        people = [str(700_000 + n), f"62812000{n:05d}"]

        def job(conn: Connection) -> dict[str, int]:
            def count(table: Any, where: Any) -> int:
                query = select(func.count()).select_from(table).where(where)
                return int(conn.execute(query).scalar_one())

            return {
                "messages": count(s.message, s.message.c.text.in_(texts)),
                "receipts": count(s.inbound_receipt, s.inbound_receipt.c.external_id.in_(keys)),
                "identities": count(
                    s.contact_identity, s.contact_identity.c.external_id.in_(people)
                ),
            }

        return await self.running.store.read(job)


@pytest.fixture
async def providers() -> AsyncIterator[tuple[FakeBotApi, FakeGraphApi]]:
    bot, graph = FakeBotApi(), FakeGraphApi()
    await bot.start()
    await graph.start()
    yield bot, graph
    await bot.close()
    await graph.close()


@contextlib.asynccontextmanager
async def running_hub(
    tmp_path: Path, database: Path, providers: tuple[FakeBotApi, FakeGraphApi], **env: str
) -> AsyncIterator[Hub]:
    bot, graph = providers
    inboxes = bot_inbox(api_base_url=bot.base_url) + wa_inbox(graph.base_url)
    settings = make_settings(
        tmp_path, inboxes, KANAL_DATABASE__URL=f"sqlite+aiosqlite:///{database}", **env
    )
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    running = RunningHub(server, app)
    widget = socketio.AsyncClient(reconnection=False)
    async with aiohttp.ClientSession() as http:
        try:
            await widget.connect(
                running.url,
                namespaces=["/widget"],
                auth={"inbox": "web-diskominfo"},
                transports=["websocket"],
            )
            yield Hub(running, http, widget, graph.phone_number_id)
        finally:
            await widget.disconnect()
            await _closed(server)


async def _closed(server: TestServer, within: float = 60.0) -> None:
    """Stop the hub; one that does not stop is a failure that names what it waits for."""
    try:
        await asyncio.wait_for(server.close(), within)
    except TimeoutError:
        for task in asyncio.all_tasks():
            task.print_stack(file=sys.stderr)
        pytest.fail(f"the hub did not stop within {within:.0f} s after a storage fault")


class Fault:
    """Breaks storage under a running hub, and mends it."""

    async def start(self, hub: Hub) -> None: ...

    async def clear(self, hub: Hub) -> None: ...


class DiskFull(Fault):
    """The database on a small tmpfs, filled up to the last byte by another file."""

    def __init__(self, mount: Path) -> None:
        self.filler = mount / "filler"

    async def start(self, hub: Hub) -> None:
        chunk = b"\0" * 65536
        with self.filler.open("wb", buffering=0) as f:
            while True:
                try:
                    f.write(chunk)
                except OSError:  # ENOSPC: now the last bytes, a page at a time
                    chunk = chunk[: len(chunk) // 2]
                    if len(chunk) < 512:
                        return

    async def clear(self, hub: Hub) -> None:
        self.filler.unlink()


class ReadOnly(Fault):
    """Every write refused with SQLITE_READONLY, the error a read-only database file gives.

    The tests run as root here, and root may write any file whatever its mode, so the
    write connection is made read-only by SQLite itself (PRAGMA query_only), on the open
    connection and on any the writer opens again after a failure.
    """

    def __init__(self) -> None:
        self.engine: Any = None

    @staticmethod
    def _read_only(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only=ON")

    async def start(self, hub: Hub) -> None:
        writer = hub.running.store.writer
        assert writer is not None
        self.engine = writer.engine
        event.listen(self.engine, "connect", self._read_only)
        await hub.running.store.write(lambda c: c.exec_driver_sql("PRAGMA query_only=ON"))

    async def clear(self, hub: Hub) -> None:
        event.remove(self.engine, "connect", self._read_only)
        with contextlib.suppress(Exception):  # the connection may have been dropped meanwhile
            await hub.running.store.writer.submit(  # type: ignore[union-attr]
                lambda c: c.exec_driver_sql("PRAGMA query_only=OFF")
            )


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


class Locked(Fault):
    """Another process holds the database in an exclusive transaction for 10 s (a backup
    script, an operator's sqlite3 shell), longer than the hub's busy timeout."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.process: subprocess.Popen[str] | None = None

    async def start(self, hub: Hub) -> None:
        self.process = await asyncio.to_thread(
            subprocess.Popen,
            [sys.executable, "-c", LOCKER, str(self.database), str(LOCK_SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = await asyncio.to_thread(self.process.stdout.readline)
        assert line.strip() == "locked"

    async def clear(self, hub: Hub) -> None:
        assert self.process is not None
        assert await asyncio.to_thread(self.process.wait, LOCK_SECONDS + 10) == 0

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at path (root only), unmounted afterwards."""
    path.mkdir()
    problem = None
    if os.geteuid() != 0:
        problem = "filling a disk needs a small tmpfs, and mounting one needs root"
    else:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            problem = f"could not mount a tmpfs: {done.stderr.strip()}"
    if problem is not None:
        if require_services():
            pytest.fail(problem)
        pytest.skip(problem)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture(params=["disk_full", "read_only", "locked"])
async def faulty(
    request: pytest.FixtureRequest, tmp_path: Path, providers: tuple[FakeBotApi, FakeGraphApi]
) -> AsyncIterator[tuple[Hub, Fault]]:
    with contextlib.ExitStack() as stack:
        database = tmp_path / "kanal.db"
        fault: Fault
        env = {}
        if request.param == "disk_full":
            database = stack.enter_context(tmpfs(tmp_path / "disk", "16m")) / "kanal.db"
            fault = DiskFull(database.parent)
        elif request.param == "read_only":
            fault = ReadOnly()
        else:
            fault = Locked(database)
            stack.callback(fault.kill)
            # Each refusal waits out the busy timeout: two rounds must fit in the 10 s.
            env["KANAL_DATABASE__BUSY_TIMEOUT_MS"] = "2000"
        async with running_hub(tmp_path, database, providers, **env) as hub:
            yield hub, fault


REASONS = {
    DiskFull: "database or disk is full",
    ReadOnly: "readonly database",
    Locked: "database is locked",
}


async def test_storage_fault_refuses_deliveries_and_recovers_when_it_clears(
    faulty: tuple[Hub, Fault], caplog: pytest.LogCaptureFixture
) -> None:
    hub, fault = faulty
    caplog.set_level(logging.WARNING, logger="hub.store.db")
    assert await hub.telegram(1) == 200  # the hub works before the fault
    assert (await hub.send(1))["ok"] is True
    assert await hub.health() == (200, {"status": "ok", "storage": "ok"})

    await fault.start(hub)
    # Together, as a provider's retries and a resident's widget would arrive.
    telegram, whatsapp, ack = await asyncio.gather(hub.telegram(2), hub.whatsapp(2), hub.send(2))
    assert (telegram, whatsapp) == (503, 503)
    assert ack["ok"] is False and ack["error"]["code"] == "unavailable"
    assert await hub.stored(2) == {"messages": 0, "receipts": 0, "identities": 0}
    status, health = await hub.health()
    assert status == 503
    assert health["status"] == "degraded" and health["storage"] == "writes_failing"
    reason = REASONS[type(fault)]
    assert reason in health["storage_error"]
    failing = [r.getMessage() for r in caplog.records if r.name == "hub.store.db"]
    assert len(failing) == 1 and "writes are failing" in failing[0] and reason in failing[0]

    await fault.clear(hub)
    # The provider's retry and the widget's resend go through at once, without a restart.
    telegram, whatsapp, ack = await asyncio.gather(hub.telegram(2), hub.whatsapp(2), hub.send(2))
    assert (telegram, whatsapp) == (200, 200)
    assert ack["ok"] is True
    # Telegram keeps two receipts: the update's id and the message's.
    assert await hub.stored(2) == {"messages": 3, "receipts": 3, "identities": 2}
    assert await hub.health() == (200, {"status": "ok", "storage": "ok"})
    assert any("writes succeed again" in r.getMessage() for r in caplog.records)


async def test_a_batch_fails_at_once_when_the_database_is_locked(tmp_path: Path) -> None:
    """Writes that share a batch in a locked database all fail after one busy timeout,
    rather than being replayed one by one, each waiting out the timeout again."""
    database = tmp_path / "w.db"
    store = Store(DatabaseSettings(url=f"sqlite+aiosqlite:///{database}", busy_timeout_ms=500))
    await store.start()
    await store.write(lambda c: c.execute(text("CREATE TABLE t (v INTEGER)")))
    locker = sqlite3.connect(database, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        first = asyncio.ensure_future(store.write(lambda c: c.execute(text("SELECT 1"))))
        await asyncio.sleep(0.1)  # the writer waits on the lock with the first job
        batch = [
            asyncio.ensure_future(
                store.write(lambda c, v=v: c.execute(text("INSERT INTO t VALUES (:v)"), {"v": v}))
            )
            for v in range(8)
        ]
        outcomes = await asyncio.gather(first, *batch, return_exceptions=True)
        took = time.monotonic() - started
        assert all(isinstance(o, StorageUnavailable) for o in outcomes), outcomes
        # One busy timeout for the first job, one for the batch; not one more per job.
        assert took < 2.5, f"9 writes took {took:.1f}s to fail with a 0.5 s busy timeout"
        assert store.write_failure is not None and "locked" in store.write_failure
        locker.execute("COMMIT")
        await store.write(lambda c: c.execute(text("INSERT INTO t VALUES (99)")))
        assert store.write_failure is None
    finally:
        locker.close()
        await store.stop()
