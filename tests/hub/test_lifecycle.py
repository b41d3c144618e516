"""A case's lifecycle: resolving needs a follow-up (and, for some categories, an after
photo) that reaches the resident; resolved cases close by themselves after N days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from hub.app import SWEEPER
from hub.cases import CaseError
from hub.keys import AUTH
from hub.models import Status, utcnow
from hub.resolve import FollowUp
from hub.store import schema as s
from tests.hub.api.test_conversations import seed_cases

JPEG = b"\xff\xd8\xff\xe0 foto"


async def officer(hub: Any) -> Any:
    token = await hub.token("budi@pupr.go.id", "pupr")
    return await hub.app[AUTH].from_api_token(token)


async def messages(hub: Any, conv_id: int) -> list[Any]:
    query = select(s.message).where(s.message.c.conversation_id == conv_id).order_by("seq")
    return await hub.store.read(lambda c: c.execute(query).all())


async def test_resolving_needs_a_follow_up_that_the_resident_receives(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    agent = await officer(hub)
    with pytest.raises(CaseError) as refused:
        await hub.service.set_status(agent, conv_id, Status.RESOLVED, FollowUp("  "))
    assert refused.value.code == "needs_follow_up"
    done = await hub.service.set_status(
        agent, conv_id, Status.RESOLVED, FollowUp("Lubang sudah ditambal, terima kasih.")
    )
    assert done["status"] == "resolved" and done["resolved_at"] is not None
    last = (await messages(hub, conv_id))[-1]
    assert (last.text, last.private, last.direction) == (
        "Lubang sudah ditambal, terima kasih.",
        False,
        "out",
    )


async def test_a_category_can_require_an_after_photo_and_both_photos_are_sent(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    agent = await officer(hub)
    org = hub.service.directory.organization_id
    await hub.store.write(
        lambda c: c.execute(
            insert(s.category).values(
                organization_id=org, name="Jalan rusak", needs_after_photo=True
            )
        )
    )
    await hub.store.write(
        lambda c: c.execute(update(s.conversation).values(category="Jalan rusak"))
    )
    with pytest.raises(CaseError) as refused:
        await hub.service.set_status(agent, conv_id, Status.RESOLVED, FollowUp("Sudah"))
    assert refused.value.code == "needs_after_photo"
    before = await hub.service.upload(
        agent, conv_id, JPEG, mime_type="image/jpeg", file_name="a.jpg"
    )
    after = await hub.service.upload(
        agent, conv_id, JPEG + b"2", mime_type="image/jpeg", file_name="b.jpg"
    )
    await hub.service.set_status(
        agent,
        conv_id,
        Status.RESOLVED,
        FollowUp("Sudah diaspal ulang.", after["media_id"], before["media_id"]),
    )
    sent = [m for m in await messages(hub, conv_id) if m.direction == "out"]
    assert [(m.text, m.attachments[0]["media_id"]) for m in sent] == [
        ("Foto sebelum penanganan", before["media_id"]),
        ("Sudah diaspal ulang.", after["media_id"]),
    ]
    assert all(m.kind == "image" and not m.private for m in sent)


async def test_resolved_cases_close_by_themselves_after_n_days(hub: Any) -> None:
    [old, recent] = await seed_cases(hub, "web-pupr", 2)
    long_ago, lately = utcnow() - timedelta(days=8), utcnow() - timedelta(days=2)

    def resolve(conn: Any) -> None:
        c = s.conversation.c
        conn.execute(
            update(s.conversation)
            .where(c.id == old)
            .values(status="resolved", resolved_at=long_ago)
        )
        conn.execute(
            update(s.conversation)
            .where(c.id == recent)
            .values(status="resolved", resolved_at=lately)
        )

    await hub.store.write(resolve)
    assert await hub.app[SWEEPER].sweep() == 1
    statuses = dict(
        await hub.store.read(
            lambda c: c.execute(select(s.conversation.c.id, s.conversation.c.status)).all()
        )
    )
    assert statuses == {old: "closed", recent: "resolved"}
