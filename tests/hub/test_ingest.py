"""Ingest inside one transaction: dedupe, contacts, one open case, monotonic seq."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from hub.channel import InboundRejected
from hub.ingest import Limits, accept_inbound, validate
from hub.models import Inbound, Sender
from hub.store import schema as s


def item(visitor: str = "wa-1", text: str = "halo", **kw: Any) -> Inbound:
    return Inbound(Sender(visitor, name="Warga"), text=text, **kw)


async def accept(hub: Any, inbound: Inbound, key: str = "web-pupr") -> Any:
    directory = hub.service.directory
    inbox = directory.inbox_by_key(key)
    return await hub.store.write(lambda c: accept_inbound(c, directory, inbox, inbound))


async def rows(hub: Any, table: Any) -> int:
    return await hub.store.read(
        lambda c: c.execute(select(func.count()).select_from(table)).scalar_one()
    )


async def test_same_provider_id_is_stored_once(hub: Any) -> None:
    first = await accept(hub, item(external_id="prov-1"))
    again = await accept(hub, item(external_id="prov-1", text="changed"))
    assert again.duplicate and again.message["id"] == first.message["id"]
    assert await rows(hub, s.message) == 1
    assert await rows(hub, s.inbound_receipt) == 1


async def test_concurrent_deliveries_of_one_id_store_one_message(hub: Any) -> None:
    results = await asyncio.gather(*(accept(hub, item(external_id="prov-9")) for _ in range(20)))
    assert sum(not r.duplicate for r in results) == 1
    assert await rows(hub, s.message) == 1


async def test_same_provider_id_in_another_inbox_is_another_message(hub: Any) -> None:
    await accept(hub, item(external_id="prov-1"), "web-pupr")
    await accept(hub, item(external_id="prov-1"), "web-diskominfo")
    assert await rows(hub, s.message) == 2


async def test_seq_is_gapless_and_monotonic_under_concurrency(hub: Any) -> None:
    await asyncio.gather(*(accept(hub, item(text=f"m{i}", client_id=f"c{i}")) for i in range(50)))
    seqs = await hub.store.read(
        lambda c: [r.seq for r in c.execute(select(s.message.c.seq).order_by(s.message.c.id))]
    )
    assert seqs == list(range(1, 51))
    last = await hub.store.read(lambda c: c.execute(select(s.conversation.c.last_seq)).scalar_one())
    assert last == 50


async def test_one_resident_one_open_case_per_inbox(hub: Any) -> None:
    a = await accept(hub, item("w-1"))
    b = await accept(hub, item("w-1", text="lagi"))
    c = await accept(hub, item("w-2"))
    d = await accept(hub, item("w-1"), "web-diskominfo")
    assert a.conversation["id"] == b.conversation["id"]
    assert len({a.conversation["id"], c.conversation["id"], d.conversation["id"]}) == 3
    assert a.new_conversation and not b.new_conversation
    assert await rows(hub, s.contact) == 2


async def test_the_database_refuses_a_second_open_case(hub: Any) -> None:
    first = await accept(hub, item("w-1"))

    def clone(conn: Any) -> None:
        row = conn.execute(select(s.conversation)).first()._mapping
        values = {k: v for k, v in row.items() if k != "id"} | {"tracking_code": "KNL-ZZZZZZ"}
        conn.execute(s.conversation.insert().values(**values))

    with pytest.raises(IntegrityError):
        await hub.store.write(clone)
    await hub.store.write(lambda c: c.execute(update(s.conversation).values(status="resolved")))
    fresh = await accept(hub, item("w-1"))
    assert fresh.conversation["id"] != first.conversation["id"]


async def test_the_database_refuses_a_repeated_seq(hub: Any) -> None:
    await accept(hub, item())

    def repeat(conn: Any) -> None:
        row = conn.execute(select(s.message)).first()._mapping
        conn.execute(
            s.message.insert().values(
                **{k: v for k, v in row.items() if k not in ("id", "client_id")}
            )
        )

    with pytest.raises(IntegrityError):
        await hub.store.write(repeat)


def test_validation_limits() -> None:
    with pytest.raises(InboundRejected) as too_long:
        validate(item(text="x" * 11), Limits(max_length=10))
    assert too_long.value.code == "too_long"
    with pytest.raises(InboundRejected):
        validate(item(text=" \n"), Limits())
    validate(item(text="x" * 10), Limits(max_length=10))
