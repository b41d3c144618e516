"""A resident's Telegram file is fetched only from the configured Bot API file server:
a getFile answer naming a file on the hub's own disk (which python-telegram-bot would read
from disk) is refused, and a photo promising too many pixels is not kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.test_media import LARGEST, hub, inbound
from tests.channels.telegram.test_webhook import fixture, post
from tests.hub.api.test_media_content import png_header

__all__ = ["hub"]  # the fixture


async def test_a_file_path_on_the_hubs_own_disk_is_never_read(
    hub: Any, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    secret = tmp_path / "kanal.toml"  # the hub's own config, with its secrets
    assert secret.is_file()
    bot_api.add_file(LARGEST, b"unused", str(secret))
    assert (await post(hub, fixture("message__photo_with_caption"))).status == 200
    [message] = await inbound(hub)
    [attachment] = message.attachments
    assert attachment["error"] == "unavailable"
    assert "media_id" not in attachment
    assert not [p for p in hub.service.media.root.rglob("*") if p.is_file()]


async def test_a_photo_with_too_many_pixels_is_noted_not_kept(
    hub: Any, bot_api: FakeBotApi
) -> None:
    bot_api.add_file(LARGEST, png_header(40_000, 40_000), "photos/bom.png")
    assert (await post(hub, fixture("message__photo_with_caption"))).status == 200
    [message] = await inbound(hub)
    assert message.attachments[0]["error"] == "too_large"
    assert bot_api.downloads == ["photos/bom.png"]
    assert not [p for p in hub.service.media.root.rglob("*") if p.is_file()]
