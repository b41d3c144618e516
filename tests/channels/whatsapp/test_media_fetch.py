"""A resident's WhatsApp file is fetched only from where Meta may keep it: a lookup answer
naming an address inside the hub's network is refused (the message is kept, the file noted
as unavailable), and a photo promising more pixels than a browser should decode is not kept."""

from __future__ import annotations

from typing import Any

import pytest
from yarl import URL

from tests.channels.whatsapp.conftest import load, raw
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi
from tests.channels.whatsapp.hub import deliver
from tests.channels.whatsapp.test_webhook import hub, inbound, value_of
from tests.hub.api.test_media_content import png, png_header

__all__ = ["hub"]  # the fixture


def image_id() -> str:
    return str(value_of(load("messages__image"))["messages"][0]["image"]["id"])


@pytest.mark.parametrize(
    "where",
    [
        "http://localhost:{port}/whatsapp_business/attachments/?mid=1",  # a name for loopback
        "http://169.254.169.254/latest/meta-data/iam/",  # cloud metadata
        "http://10.20.30.40/internal",
        "file:///etc/passwd",
    ],
)
async def test_a_file_url_inside_the_network_is_refused_and_the_message_kept(
    hub: Any, graph_api: FakeGraphApi, where: str
) -> None:
    port = URL(graph_api.base_url).port
    graph_api.add_media(image_id(), png(4, 4), "image/jpeg", url=where.format(port=port))
    assert (await deliver(hub, raw("messages__image"))).status == 200
    [message] = await inbound(hub)
    assert message.attachments[0]["error"] == "unavailable"
    assert "media_id" not in message.attachments[0]
    assert graph_api.of("download") == []


async def test_the_configured_graph_host_serves_files_as_before(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    photo = png(4, 4)
    graph_api.add_media(image_id(), photo, "image/jpeg")
    assert (await deliver(hub, raw("messages__image"))).status == 200
    [message] = await inbound(hub)
    assert message.attachments[0]["mime_type"] == "image/png"  # what the bytes are
    assert len(graph_api.of("download")) == 1


async def test_a_photo_with_too_many_pixels_is_noted_not_kept(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    graph_api.add_media(image_id(), png_header(50_000, 50_000), "image/jpeg")
    assert (await deliver(hub, raw("messages__image"))).status == 200
    [message] = await inbound(hub)
    assert message.attachments[0]["error"] == "too_large"
    assert "media_id" not in message.attachments[0]
    assert not [p for p in hub.service.media.root.rglob("*") if p.is_file()]
