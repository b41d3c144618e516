"""The crash test: a real hub process (`kanal serve` on a SQLite file) under a load of
signed WhatsApp webhooks, Telegram updates, widget messages and an agent's replies is
SIGKILLed at random moments and started again, 30 times (KANAL_SOAK=1: 300).

The load behaves as the providers do: whatever was not answered 200 (or acked) is sent
again until it is, and some answered ones are sent again too (duplicates). Each sender
sends one message at a time, so what it saw answered must be stored in the order it sent.
Afterwards every answered message is stored exactly once, in its sender's order, in one
case per sender; every reply reached the provider at least once, in order per chat; and a
reply whose provider id was recorded before a kill was never sent again.

The kills are seeded (KANAL_CRASH_SEED, printed on failure), so a failure reproduces.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp import web

from hub.auth import add_agent, create_api_token
from hub.config import Settings, load_settings
from hub.directory import load_directory, sync_settings
from hub.models import Role
from hub.store.db import Store
from hub.store.migrate import upgrade
from tests.browser.conftest import free_port
from tests.channels.telegram.conftest import SECRET, bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.whatsapp.conftest import APP_SECRET
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi
from tests.channels.whatsapp.hub import wa_inbox
from tests.conftest import CONFIG

SOAK = os.environ.get("KANAL_SOAK") == "1"
ITERATIONS = int(os.environ.get("KANAL_CRASH_ITERATIONS", "300" if SOAK else "30"))
SEED = int(os.environ.get("KANAL_CRASH_SEED", str(random.randrange(10**6) if SOAK else 8)))
SENDERS = 3  # of each kind: widget, Telegram, WhatsApp
DUPLICATES = 0.2  # how often an answered message is sent again
LATE_KILLS = 0.2  # how often the kill comes while the hub is still starting
PROVIDER_DELAY = 0.3  # the most a provider takes to answer a send
ADMIN = "crash@kanal.local"
TIMEOUT = aiohttp.ClientTimeout(total=10)


def _no_limits() -> dict[str, str]:
    """The load is many times what one resident sends: the rate limits would drop it."""
    names = ("visitor_messages_per_minute", "visitor_messages_per_hour", "visitor_cases_per_hour",
             "sender_messages_per_minute", "sender_messages_per_hour", "inbox_cases_per_minute",
             "inbox_cases_per_hour", "inbox_messages_per_minute")  # fmt: skip
    return {f"KANAL_LIMITS__{name.upper()}": "0" for name in names}


@dataclass
class Hub:
    """`kanal serve`, started and SIGKILLed again and again on one SQLite file."""

    config: Path
    env: dict[str, str]
    log: Path
    url: str
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--config", str(self.config)],
                env=self.env,
                stdout=out,
                stderr=out,
            )

    async def healthy(self, http: aiohttp.ClientSession, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.tail()
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                async with http.get(f"{self.url}/healthz") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.02)
        raise AssertionError(f"the hub did not start within {within}s: {self.tail()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@dataclass
class Sender:
    """One resident: sends message after message, each until it is answered."""

    name: str
    rng: random.Random
    deliver: Callable[[int], Awaitable[bool]]
    answered: list[int] = field(default_factory=list)  # in the order they were answered
    attempts: int = 0

    async def until_answered(self, n: int) -> None:
        while True:
            self.attempts += 1
            if await self.deliver(n):
                return
            await asyncio.sleep(self.rng.uniform(0.01, 0.05))

    async def run(self, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await self.until_answered(n)
            self.answered.append(n)
            if self.rng.random() < DUPLICATES:  # the provider's retry of an answered one
                await self.until_answered(self.rng.choice(self.answered))


def telegram_update(sender: int, n: int) -> bytes:
    chat = 810_000 + sender
    return json.dumps(
        {
            "update_id": sender * 1_000_000 + n,
            "message": {
                "message_id": n,
                "from": {"id": chat, "is_bot": False, "first_name": f"Warga {sender}"},
                "chat": {"id": chat, "type": "private", "first_name": f"Warga {sender}"},
                "date": 1773015245,
                "text": f"telegram-{sender} #{n}",
            },
        }
    ).encode()


def whatsapp_delivery(sender: int, n: int, phone_number_id: str) -> bytes:
    wa_id = f"6281300000{sender:03d}"
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281180001122", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": f"Warga {sender}"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": f"wamid.crash-{sender}-{n}",
                "timestamp": "1773044045",
                "type": "text",
                "text": {"body": f"whatsapp-{sender} #{n}"},
            }
        ],
    }
    change = {"value": value, "field": "messages"}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
    return json.dumps(body).encode()


async def post(http: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> int:
    """The status, or 0 when the hub was not there to answer."""
    try:
        async with http.post(url, data=body, headers=headers) as r:
            await r.read()
            return r.status
    except (aiohttp.ClientError, OSError, TimeoutError):
        return 0


class Widget:
    """A resident's widget: reconnects with its visitor token, sends with a client_id."""

    def __init__(self, url: str, sender: int) -> None:
        self.url, self.sender = url, sender
        self.token: str | None = None
        self.client: socketio.AsyncClient | None = None
        self.refused: list[Any] = []

    async def _connected(self) -> socketio.AsyncClient | None:
        if self.client is not None and self.client.connected:
            return self.client
        client = socketio.AsyncClient(reconnection=False)
        session: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

        @client.on("session", namespace="/widget")
        async def on_session(data: dict[str, Any]) -> None:
            if not session.done():
                session.set_result(data)

        try:
            await client.connect(
                self.url,
                namespaces=["/widget"],
                auth={"inbox": "web-diskominfo", "token": self.token},
                transports=["websocket"],
                wait_timeout=5,
            )
            data = await asyncio.wait_for(session, 5)
        except (socketio.exceptions.ConnectionError, TimeoutError, OSError):
            with contextlib.suppress(Exception):
                await client.disconnect()
            return None
        assert self.token is None or data["token"] == self.token, "a new visitor after a crash"
        self.token, self.client = data["token"], client
        return client

    async def send(self, n: int) -> bool:
        client = await self._connected()
        if client is None:
            return False
        data = {"client_id": f"w{self.sender}-{n}", "text": f"widget-{self.sender} #{n}"}
        try:
            ack = await client.call("send", data, namespace="/widget", timeout=5)
        except (socketio.exceptions.SocketIOError, TimeoutError, OSError):
            return False
        if not ack.get("ok"):
            if ack.get("error", {}).get("code") != "unavailable":
                self.refused.append(ack)
            return False
        return True

    async def close(self) -> None:
        if self.client is not None and self.client.connected:
            await self.client.disconnect()


@dataclass
class Agent:
    """An officer replying through the REST API to the Telegram and WhatsApp cases."""

    url: str
    token: str
    rng: random.Random
    replied: list[str] = field(default_factory=list)  # the texts answered 201/200

    async def run(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        n = 0
        while not stop.is_set():
            cases = await self._cases(http, headers)
            if not cases:
                await asyncio.sleep(0.05)
                continue
            n += 1
            case, text = self.rng.choice(cases), f"balasan #{n}"
            body = json.dumps({"text": text, "client_id": f"r-{n}"}).encode()
            url = f"{self.url}/api/v1/conversations/{case}/messages"
            send = {**headers, "Content-Type": "application/json"}
            answered = False
            while not answered:  # 201 the first time, 200 for a duplicate
                answered = await post(http, url, body, send) in (200, 201)
                await asyncio.sleep(0 if answered else self.rng.uniform(0.01, 0.05))
            self.replied.append(text)
            await asyncio.sleep(self.rng.uniform(0.02, 0.1))

    async def _cases(self, http: aiohttp.ClientSession, headers: dict[str, str]) -> list[int]:
        try:
            async with http.get(f"{self.url}/api/v1/conversations", headers=headers) as r:
                if r.status != 200:
                    return []
                items = (await r.json())["items"]
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
            return []
        return [c["id"] for c in items if c["inbox"]["key"] in ("kota-bot", "kota-wa")]


@dataclass
class Snapshot:
    """Right after a kill: the replies whose provider id was recorded, and how many times
    each had reached the provider."""

    recorded: set[str]
    sends: Counter[str]


def provider_sends(bot: FakeBotApi, graph: FakeGraphApi) -> list[tuple[str, str]]:
    """(chat, text) of every message the fake providers took, in arrival order."""
    calls = [
        (c.at, str(c.params.get("chat_id")), str(c.params.get("text")))
        for c in bot.calls
        if c.method == "sendMessage"
    ]
    calls += [
        (c.at, str(c.body.get("to")), str(c.body.get("text", {}).get("body")))
        for c in graph.calls
        if c.endpoint == "messages" and "status" not in c.body
    ]
    return [(chat, text) for _, chat, text in sorted(calls)]


def read_db(path: Path, query: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


OUTBOUND = """
SELECT m.text, m.external_id, m.seq, m.conversation_id, o.state
FROM message m JOIN outbox o ON o.message_id = m.id
ORDER BY m.conversation_id, m.seq
"""
INBOUND = """
SELECT m.text, m.external_id, m.client_id, m.seq, m.conversation_id
FROM message m WHERE m.direction = 'in'
"""


async def prepare(settings: Settings) -> str:
    """Schema, the config's OPDs and inboxes, and an admin's API token."""
    await asyncio.to_thread(upgrade, settings.database.url)
    store = Store(settings.database)
    await store.start()
    try:
        await store.write(lambda c: sync_settings(c, settings))
        directory = await store.read(load_directory)
        opd = directory.opd_by_slug("diskominfo")
        assert opd is not None
        await store.write(
            lambda c: add_agent(
                c,
                organization_id=directory.organization_id,
                opd_id=opd.id,
                email=ADMIN,
                name="Petugas Uji",
                role=Role.ADMIN,
                password="rahasia-uji-123",
            )
        )
        token = await store.write(lambda c: create_api_token(c, ADMIN))
        assert token is not None
        return token
    finally:
        await store.stop()


class SlowBotApi(FakeBotApi):
    """Takes the message, then answers late: a kill meanwhile leaves it sent, unrecorded."""

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        await asyncio.sleep(random.uniform(0, PROVIDER_DELAY))
        return response


class SlowGraphApi(FakeGraphApi):
    async def _messages(self, request: web.Request) -> web.Response:
        response = await super()._messages(request)
        await asyncio.sleep(random.uniform(0, PROVIDER_DELAY))
        return response


@pytest.fixture
async def providers() -> AsyncIterator[tuple[FakeBotApi, FakeGraphApi]]:
    bot, graph = SlowBotApi(), SlowGraphApi()
    await bot.start()
    await graph.start()
    yield bot, graph
    await bot.close()
    await graph.close()


async def test_nothing_answered_is_lost_or_doubled_across_kills(
    tmp_path: Path, providers: tuple[FakeBotApi, FakeGraphApi]
) -> None:
    rng = random.Random(SEED)
    bot, graph = providers
    port = free_port()
    database = tmp_path / "kanal.db"
    config = tmp_path / "kanal.toml"
    config.write_text(CONFIG + bot_inbox(api_base_url=bot.base_url) + wa_inbox(graph.base_url))
    env = {
        **os.environ,
        "KANAL_DATABASE__URL": f"sqlite+aiosqlite:///{database}",
        "KANAL_SERVER__DATA_DIR": str(tmp_path / "data"),
        "KANAL_SERVER__SECRET_KEY": "crash-test-secret",
        "KANAL_SERVER__PORT": str(port),
        "KANAL_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        **_no_limits(),
    }
    token = await prepare(load_settings(config, env=env))
    hub = Hub(config, env, tmp_path / "hub.log", f"http://127.0.0.1:{port}")
    context = f"seed {SEED} (KANAL_CRASH_SEED={SEED} reproduces), log {hub.log}"

    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:

        def telegram(s: int) -> Callable[[int], Awaitable[bool]]:
            async def deliver(n: int) -> bool:
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                url = f"{hub.url}/webhooks/telegram/kota-bot"
                return await post(http, url, telegram_update(s, n), headers) == 200

            return deliver

        def whatsapp(s: int) -> Callable[[int], Awaitable[bool]]:
            async def deliver(n: int) -> bool:
                body = whatsapp_delivery(s, n, graph.phone_number_id)
                mac = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
                headers = {
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": f"sha256={mac}",
                }
                return (
                    await post(http, f"{hub.url}/webhooks/whatsapp/kota-wa", body, headers) == 200
                )

            return deliver

        widgets = [Widget(hub.url, s) for s in range(SENDERS)]
        channels = [(f"widget-{s}", w.send) for s, w in enumerate(widgets)]
        channels += [(f"telegram-{s}", telegram(s)) for s in range(SENDERS)]
        channels += [(f"whatsapp-{s}", whatsapp(s)) for s in range(SENDERS)]
        senders = [Sender(name, random.Random(rng.random()), send) for name, send in channels]
        agent = Agent(hub.url, token, random.Random(rng.random()))
        stop = asyncio.Event()
        snapshots: list[Snapshot] = []

        hub.start()
        await hub.healthy(http)
        load = [asyncio.create_task(s.run(stop)) for s in senders]
        load.append(asyncio.create_task(agent.run(http, stop)))
        try:
            for _ in range(ITERATIONS):
                if rng.random() < LATE_KILLS:  # while it migrates, syncs, starts its tasks
                    await asyncio.sleep(rng.uniform(0.05, 0.8))
                else:
                    await hub.healthy(http)
                    await asyncio.sleep(rng.uniform(0.05, 0.6))
                hub.kill()
                rows = await asyncio.to_thread(read_db, database, OUTBOUND)
                sends = Counter(text for _, text in provider_sends(bot, graph))
                snapshots.append(Snapshot({r["text"] for r in rows if r["external_id"]}, sends))
                hub.start()
            await hub.healthy(http)
            stop.set()  # each sender ends once its message under way is answered
            await asyncio.wait_for(asyncio.gather(*load), 60)
            outbound = await _delivered(database, agent.replied, within=90)
        finally:
            stop.set()
            for task in load:
                task.cancel()
            await asyncio.gather(*load, return_exceptions=True)
            for widget in widgets:
                await widget.close()
            hub.stop()

    # Whatever the widget refused (not a storage outage) is a bug, not a retry.
    assert not [ack for w in widgets for ack in w.refused], context
    stored = await asyncio.to_thread(read_db, database, INBOUND)
    by_text = defaultdict(list)
    for row in stored:
        by_text[row["text"]].append(row)
    total = 0
    for sender in senders:
        texts = [f"{sender.name} #{n}" for n in sender.answered]
        total += len(texts)
        for text in texts:
            assert len(by_text[text]) == 1, f"{text} stored {len(by_text[text])} times; {context}"
        rows = [by_text[text][0] for text in texts]
        assert len({r["conversation_id"] for r in rows}) == 1, f"{sender.name}: cases; {context}"
        seqs = [r["seq"] for r in rows]
        assert seqs == sorted(seqs), f"{sender.name} stored out of order: {seqs}; {context}"
        for n, row in zip(sender.answered, rows, strict=True):
            kind, s = sender.name.split("-")
            key = {
                "widget": (row["client_id"], f"w{s}-{n}"),
                "telegram": (row["external_id"], f"msg:{810_000 + int(s)}:{n}"),
                "whatsapp": (row["external_id"], f"wamid.crash-{s}-{n}"),
            }[kind]
            assert key[0] == key[1], f"{sender.name} #{n}: {key}; {context}"
    assert len(stored) == total, f"{len(stored) - total} inbound rows nobody sent; {context}"

    sent = provider_sends(bot, graph)
    sends = Counter(text for _, text in sent)
    for row in outbound:
        assert sends[row["text"]] >= 1, f"{row['text']!r} never reached the provider; {context}"
    for k, snapshot in enumerate(snapshots):
        for text in snapshot.recorded:
            assert sends[text] == snapshot.sends[text], (
                f"{text!r} was sent again after its provider id was recorded (kill {k}); {context}"
            )
    _assert_sent_in_order(outbound, sent, context)
    assert len(snapshots) == ITERATIONS
    assert agent.replied and set(agent.replied) <= {r["text"] for r in outbound}, context
    attempts = sum(s.attempts for s in senders)
    assert attempts > total, "no delivery was ever retried"
    twice = sum(1 for count in sends.values() if count > 1)
    print(
        f"\ncrash test, seed {SEED}: {ITERATIONS} kills; {total} messages answered after "
        f"{attempts} attempts; {len(outbound)} replies and acknowledgements, {twice} sent twice "
        f"(killed before the provider id was recorded)"
    )


def _assert_sent_in_order(
    rows: list[sqlite3.Row], sent: list[tuple[str, str]], context: str
) -> None:
    """Each case's replies first reached the provider in the order they were written."""
    first: dict[str, int] = {}
    for position, (_, text) in enumerate(sent):
        first.setdefault(text, position)
    by_case: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for row in rows:
        by_case[row["conversation_id"]].append(row)
    for case, replies in by_case.items():
        order = [first[r["text"]] for r in sorted(replies, key=lambda r: r["seq"])]
        assert order == sorted(order), f"case {case}: replies sent out of order; {context}"


async def _delivered(database: Path, replied: list[str], within: float) -> list[sqlite3.Row]:
    """The outbox rows once every one is done (sent and recorded) and every reply is in."""
    deadline = time.monotonic() + within
    while True:
        rows = await asyncio.to_thread(read_db, database, OUTBOUND)
        pending = [r["text"] for r in rows if r["state"] != "done"]
        missing = set(replied) - {r["text"] for r in rows}
        if not pending and not missing:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"not delivered within {within}s: {pending[:5]}, {missing}")
        await asyncio.sleep(0.2)
