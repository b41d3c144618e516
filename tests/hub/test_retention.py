"""[retention]: old providers' ids are dropped, old closed cases anonymised (their files
deleted, their residents forgotten) while recent and open cases keep everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import Connection, select, update

from hub.app import RETENTION, create_app
from hub.config import ConfigError
from hub.ingest import accept_inbound
from hub.models import Inbound, Kind, Sender, utcnow
from hub.privacy import EXPIRED
from hub.store import schema as s
from tests.conftest import RunningHub, make_settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    settings = make_settings(
        tmp_path, KANAL_RETENTION__CLOSED_CASE_DAYS="30", KANAL_RETENTION__RAW_PAYLOAD_DAYS="7"
    )
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def case(hub: Any, who: str, *, closed_days_ago: float | None, photo: bool = False) -> int:
    directory = hub.service.directory
    inbox = directory.inbox_by_key("web-pupr")
    files = (await hub.service.media.save(PNG, mime_type="image/png"),) if photo else ()
    sender = Sender(who, name=f"Warga {who}", phone="081234565678")

    def job(conn: Connection) -> int:
        item = Inbound(sender, text=f"laporan {who}", external_id=f"ext-{who}")
        accepted = accept_inbound(conn, directory, inbox, item)
        if files:
            accept_inbound(
                conn, directory, inbox, Inbound(sender, kind=Kind.IMAGE, attachments=files)
            )
        conv_id = int(accepted.conversation["id"])
        if closed_days_ago is not None:
            then = utcnow() - timedelta(days=closed_days_ago)
            conn.execute(
                update(s.conversation)
                .where(s.conversation.c.id == conv_id)
                .values(status="closed", updated_at=then)
            )
            conn.execute(
                update(s.inbound_receipt)
                .values(created_at=then)
                .where(s.inbound_receipt.c.external_id == f"ext-{who}")
            )
        return conv_id

    return await hub.store.write(job)


async def one(hub: Any, table: Any, *where: Any) -> Any:
    return await hub.store.read(lambda c: c.execute(select(table).where(*where)).one())


async def test_old_closed_cases_are_anonymised_and_recent_ones_kept(hub: Any) -> None:
    old = await case(hub, "lama", closed_days_ago=40, photo=True)
    recent = await case(hub, "baru", closed_days_ago=5)
    still_open = await case(hub, "buka", closed_days_ago=None)
    [photo] = await hub.store.read(lambda c: c.execute(select(s.media)).all())
    path = hub.service.media.path_of(photo.sha256)
    assert path.exists()

    swept = await hub.app[RETENTION].sweep()
    assert (swept.cases, swept.contacts, swept.files, swept.receipts) == (1, 1, 1, 1)

    texts = await hub.store.read(
        lambda c: c.execute(
            select(s.message.c.conversation_id, s.message.c.text).order_by(s.message.c.id)
        ).all()
    )
    assert {t.text for t in texts if t.conversation_id == old} == {EXPIRED}
    assert {t.text for t in texts if t.conversation_id == recent} == {"laporan baru"}
    assert {t.text for t in texts if t.conversation_id == still_open} == {"laporan buka"}
    expired = await one(hub, s.conversation, s.conversation.c.id == old)
    assert (expired.status, expired.reply_to, expired.opd_id is not None) == ("closed", "", True)
    forgotten = await one(hub, s.contact, s.contact.c.id == expired.contact_id)
    assert (forgotten.name, forgotten.phone) == (None, None)
    assert not path.exists()
    receipts = await hub.store.read(
        lambda c: c.execute(select(s.inbound_receipt.c.external_id)).scalars().all()
    )
    assert sorted(receipts) == ["ext-baru", "ext-buka"]
    event = await one(hub, s.audit_event, s.audit_event.c.action == "retention")
    assert (event.agent_id, event.data["cases"]) == (None, 1)

    again = await hub.app[RETENTION].sweep()
    assert (again.cases, again.receipts) == (0, 0), "an anonymised case is not done twice"


def test_retention_defaults_and_limits(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert (settings.retention.raw_payload_days, settings.retention.closed_case_days) == (30, 0)
    with pytest.raises(ConfigError, match="raw_payload_days"):
        make_settings(tmp_path, KANAL_RETENTION__RAW_PAYLOAD_DAYS="3")
    assert (
        make_settings(tmp_path, KANAL_RETENTION__RAW_PAYLOAD_DAYS="0").retention.raw_payload_days
        == 0
    )
