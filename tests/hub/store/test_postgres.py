"""PostgreSQL: several hub processes write at once, and the database keeps the invariants.

Two Store instances are two engines with their own pools: what two hub processes are.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, insert, select

from hub.app import create_app
from hub.config import DatabaseSettings
from hub.directory import Directory, load_directory, sync_settings
from hub.ingest import IngestJob
from hub.models import Inbound, Sender, utcnow
from hub.outbox import claim_due
from hub.search import search
from hub.store import schema as s
from hub.store.db import StorageUnavailable, Store
from hub.store.migrate import upgrade
from hub.store.queries import advance, insert_message
from tests.conftest import RunningHub, make_settings
from tests.hub.api.test_desk import call


class Process:
    """What one hub process holds: its own Store (engine and pool) and directory."""

    def __init__(self, store: Store, directory: Directory) -> None:
        self.store = store
        self.directory = directory

    async def accept(self, inbound: Inbound, key: str = "web-pupr") -> Any:
        inbox = self.directory.inbox_by_key(key)
        assert inbox is not None
        [accepted] = await self.store.write(IngestJob(self.directory, inbox, [inbound]))
        return accepted


@pytest.fixture
async def processes(postgres_url: str, tmp_path: Path) -> AsyncIterator[list[Process]]:
    settings = make_settings(tmp_path, KANAL_DATABASE__URL=postgres_url)
    upgrade(postgres_url)
    started = []
    try:
        for _ in range(2):
            store = Store(settings.database)
            await store.start()
            started.append(store)
            await store.write(lambda c: sync_settings(c, settings))
        directories = [await store.read(load_directory) for store in started]
        yield [Process(st, d) for st, d in zip(started, directories, strict=True)]
    finally:
        for store in started:
            await store.stop()


def item(visitor: str = "wa-1", text: str = "halo", **kw: Any) -> Inbound:
    return Inbound(Sender(visitor, name="Warga"), text=text, **kw)


async def count(process: Process, table: Any) -> int:
    return await process.store.read(
        lambda c: c.execute(select(func.count()).select_from(table)).scalar_one()
    )


async def seqs_of(process: Process) -> list[int]:
    m = s.message.c
    return await process.store.read(
        lambda c: [r.seq for r in c.execute(select(m.seq).order_by(m.seq))]
    )


async def test_two_processes_accepting_one_delivery_store_one_message(
    processes: list[Process],
) -> None:
    a, b = processes
    results = await asyncio.gather(
        *(p.accept(item(external_id="prov-1")) for p in [a, b] * 5),
    )
    assert sum(not r.duplicate for r in results) == 1
    assert {r.message["id"] for r in results} == {results[0].message["id"]}
    assert await count(a, s.message) == 1
    assert await count(a, s.inbound_receipt) == 1


async def test_twenty_concurrent_first_messages_make_one_open_case(
    processes: list[Process],
) -> None:
    a, b = processes
    results = await asyncio.gather(
        *(p.accept(item("wa-new", f"pesan {i}")) for i, p in enumerate([a, b] * 10)),
    )
    assert len({r.conversation["id"] for r in results}) == 1
    assert sum(r.new_conversation for r in results) == 1
    assert await count(a, s.contact) == 1
    assert await count(a, s.contact_identity) == 1
    assert await count(a, s.conversation) == 1
    assert await seqs_of(a) == list(range(1, 21))


async def test_seq_stays_monotonic_with_concurrent_writers(processes: list[Process]) -> None:
    """Residents' messages (ingest) and officers' replies (advance) race on one case."""
    a, b = processes
    first = await a.accept(item("wa-2", "awal"))
    conv_id = first.conversation["id"]

    def reply(conn: Any) -> int:
        row = advance(conn, conv_id, utcnow(), "balasan", inbound=False)
        insert_message(
            conn,
            row,
            direction="out",
            sender_type="agent",
            kind="text",
            text="balasan",
            delivery_status="pending",
            created_at=utcnow(),
        )
        return int(row.last_seq)

    writes = []
    for i in range(15):
        writes.append(a.accept(item("wa-2", f"warga {i}")))
        writes.append(b.accept(item("wa-2", f"warga b{i}")))
        writes.append((a if i % 2 else b).store.write(reply))
    await asyncio.gather(*writes)
    assert await seqs_of(a) == list(range(1, 47))
    last = await b.store.read(
        lambda c: c.execute(
            select(s.conversation.c.last_seq).where(s.conversation.c.id == conv_id)
        ).scalar_one()
    )
    assert last == 46


async def test_relays_of_two_processes_never_claim_the_same_reply(
    processes: list[Process],
) -> None:
    a, b = processes
    now = utcnow()
    for n in range(12):  # twelve residents, each owed one reply
        accepted = await a.accept(item(f"wa-{n}", "tolong"))
        conv_id = accepted.conversation["id"]
        inbox_id = a.directory.inbox_by_key("web-pupr").id  # type: ignore[union-attr]

        def queue(conn: Any, conv_id: int = conv_id, inbox_id: int = inbox_id) -> None:
            row = advance(conn, conv_id, now, "balasan", inbound=False)
            message = insert_message(
                conn,
                row,
                direction="out",
                sender_type="agent",
                kind="text",
                text="balasan",
                delivery_status="pending",
                created_at=now,
            )
            conn.execute(
                insert(s.outbox).values(
                    message_id=message["id"],
                    inbox_id=inbox_id,
                    conversation_id=conv_id,
                    next_attempt_at=now - timedelta(seconds=1),
                    created_at=now,
                )
            )

        await a.store.write(queue)
    claims = await asyncio.gather(
        *(p.store.write(lambda c: claim_due(c, utcnow(), 60.0, 3)) for p in [a, b] * 4)
    )
    claimed = [c.outbox_id for batch in claims for c in batch]
    assert len(claimed) == len(set(claimed)) == 12
    attempts = await a.store.read(lambda c: set(c.execute(select(s.outbox.c.attempts)).scalars()))
    assert attempts == {1}


async def test_an_unreachable_server_is_unavailable_not_a_crash() -> None:
    store = Store(
        DatabaseSettings(url="postgresql+asyncpg://postgres@127.0.0.1:1/test", pool_timeout_s=2)
    )
    await store.start()
    try:
        assert not await store.ping()
        with pytest.raises(StorageUnavailable):
            await store.write(lambda c: c.execute(select(1)))
    finally:
        await store.stop()


async def test_a_hub_on_postgres_takes_a_case_and_answers_it(
    postgres_url: str, tmp_path: Path
) -> None:
    """The whole hub on PostgreSQL: start-up migrates, an entry becomes a case, an
    officer's reply is stored and queued, the console lists and finds the case."""
    offline = '[[inboxes]]\nkey = "offline"\nkind = "manual"\nopd = "pupr"\nname = "Luring"\n'
    app = create_app(make_settings(tmp_path, offline, KANAL_DATABASE__URL=postgres_url))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        hub = RunningHub(server, app)
        budi = await hub.token("budi@pupr.go.id", "pupr")
        entry = {"source": "phone", "text": "Lampu jalan mati di Jl. Sudirman", "name": "Ani"}
        status, body = await call(hub, budi, "POST", "/api/v1/entries", entry)
        assert status == 201, body
        conv_id = body["conversation"]["id"]
        reply = {"text": "Terima kasih, petugas segera memeriksa.", "client_id": "r-1"}
        path = f"/api/v1/conversations/{conv_id}/messages"
        status, body = await call(hub, budi, "POST", path, reply)
        assert status == 201, body
        status, page = await call(hub, budi, "GET", "/api/v1/conversations")
        assert status == 200 and [c["id"] for c in page["items"]] == [conv_id]
        status, found = await call(hub, budi, "GET", "/api/v1/search?q=lampu")
        assert status == 200, found
        assert [i["conversation"]["id"] for i in found["items"]] == [conv_id]
        status, _ = await call(hub, budi, "GET", "/healthz")
        assert status == 200
    finally:
        await server.close()


async def test_search_on_postgres_is_answered_by_the_gin_index(
    processes: list[Process],
) -> None:
    """hub/search.py's condition is the expression of migration 0012's index, word for
    word: otherwise PostgreSQL reads every message's text on each search."""
    a = processes[0]
    await a.accept(item("v-search", "Pohon tumbang menutup jalan"))

    def plan(conn: Any) -> str:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = conn.exec_driver_sql(
            "EXPLAIN SELECT m.id FROM message m "
            "WHERE to_tsvector('simple', m.text) @@ to_tsquery('simple', 'pohon & tumb:*')"
        )
        return "\n".join(r[0] for r in rows)

    assert "message_search_text" in await a.store.read(plan)

    def found(conn: Any) -> list[str]:
        return [snippet for _, snippet, _ in search(conn, "pohon tumb", opd_ids=None)]

    assert found and "[Pohon]" in (await a.store.read(found))[0]


async def test_a_nul_character_from_a_provider_is_stored_as_a_replacement_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    """PostgreSQL refuses NUL in text: a provider's message with one would be answered 5xx
    and retried for days. It is stored with U+FFFD instead, and answered 200."""
    from tests.channels.telegram.conftest import SECRET, bot_inbox
    from tests.channels.telegram.test_webhook import post

    extra = bot_inbox(mode="webhook", api_base_url="http://127.0.0.1:9", ack=False)
    app = create_app(make_settings(tmp_path, extra, KANAL_DATABASE__URL=postgres_url))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        hub = RunningHub(server, app)
        update = {
            "update_id": 7001,
            "message": {
                "message_id": 5,
                "date": 1763900000,
                "chat": {"id": 4242, "type": "private", "first_name": "Bu\u0000di"},
                "from": {"id": 4242, "is_bot": False, "first_name": "Bu\u0000di"},
                "text": "Banjir\u0000 di Jl. Melati",
            },
        }
        body = json.dumps(update).encode()
        assert b"\\u0000" in body
        response = await post(hub, body, SECRET)
        assert response.status == 200
        texts = await hub.store.read(lambda c: list(c.execute(select(s.message.c.text)).scalars()))
        assert "Banjir\ufffd di Jl. Melati" in texts
    finally:
        await server.close()
