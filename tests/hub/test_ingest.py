"""Ingest inside one transaction: dedupe, contacts, one open case, monotonic seq."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from hub.channel import InboundRejected
from hub.ingest import IngestJob, Limits, validate
from hub.models import Inbound, Sender
from hub.store import schema as s


def item(visitor: str = "wa-1", text: str = "halo", **kw: Any) -> Inbound:
    return Inbound(Sender(visitor, name="Warga"), text=text, **kw)


async def accept(hub: Any, inbound: Inbound, key: str = "web-pupr") -> Any:
    """Through the writer, as the hub does: concurrent calls are merged into one batch."""
    directory = hub.service.directory
    inbox = directory.inbox_by_key(key)
    [accepted] = await hub.store.write(IngestJob(directory, inbox, [inbound]))
    return accepted


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
    await hub.store.write(lambda c: c.execute(update(s.conversation).values(status="closed")))
    fresh = await accept(hub, item("w-1"))
    assert fresh.conversation["id"] != first.conversation["id"]


@pytest.mark.parametrize("status", ["pending", "resolved"])
async def test_writing_again_reopens_a_pending_or_resolved_case(hub: Any, status: str) -> None:
    first = await accept(hub, item("w-1"))
    await hub.store.write(lambda c: c.execute(update(s.conversation).values(status=status)))
    again = await accept(hub, Inbound(Sender("w-1"), text="Belum diperbaiki, Pak"))
    assert again.conversation["id"] == first.conversation["id"]
    assert again.conversation["status"] == "open"
    assert again.conversation["resolved_at"] is None
    reopened = await hub.store.read(
        lambda c: c.execute(select(s.event.c.data).where(s.event.c.action == "status")).scalar()
    )
    assert reopened == {"from": status, "to": "open", "by": "resident"}


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


async def test_concurrent_deliveries_share_batches_and_keep_per_resident_order(hub: Any) -> None:
    writer = hub.store.writer
    jobs_before, batches_before = writer.jobs, writer.batches
    results = await asyncio.gather(
        *(accept(hub, item(f"w-{i % 10}", text=f"{i}", external_id=f"p{i}")) for i in range(300))
    )
    merged = (writer.jobs - jobs_before) / (writer.batches - batches_before)
    assert merged > 2, "concurrent deliveries should be written together"
    assert len({r.message["id"] for r in results}) == 300
    for resident in range(10):
        mine = [
            r
            for r in results
            if r.conversation["contact"]["id"] == results[resident].conversation["contact"]["id"]
        ]
        assert sorted(r.message["seq"] for r in mine) == list(range(1, 31))
    assert sum(r.new_conversation for r in results) == 10


async def test_duplicates_inside_one_delivery_store_one_message(hub: Any) -> None:
    directory = hub.service.directory
    inbox = directory.inbox_by_key("web-pupr")
    items = [
        item(external_id="x1"),
        item(external_id="x1"),
        item(client_id="k"),
        item(client_id="k"),
    ]
    results = await hub.store.write(IngestJob(directory, inbox, items))
    assert [r.duplicate for r in results] == [False, True, False, True]
    assert results[1].message["id"] == results[0].message["id"]
    assert results[3].message["id"] == results[2].message["id"]
    assert await rows(hub, s.message) == 2


async def test_a_channel_name_fills_a_blank_but_never_overwrites(hub: Any) -> None:
    await accept(hub, Inbound(Sender("t-1"), text="a"))
    await accept(hub, Inbound(Sender("t-1", name="Budi", phone="0812"), text="b"))
    await accept(hub, Inbound(Sender("t-1", name="Bukan Budi"), text="c"))
    contact = await hub.store.read(lambda c: c.execute(select(s.contact)).one())
    assert (contact.name, contact.phone) == ("Budi", "0812")


def test_validation_limits() -> None:
    with pytest.raises(InboundRejected) as too_long:
        validate(item(text="x" * 11), Limits(max_length=10))
    assert too_long.value.code == "too_long"
    with pytest.raises(InboundRejected):
        validate(item(text=" \n"), Limits())
    validate(item(text="x" * 10), Limits(max_length=10))
