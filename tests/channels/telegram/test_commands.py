"""`kanal telegram set-webhook KEY` and `kanal telegram info KEY` against a fake Bot API."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.channels.telegram.conftest import SECRET, bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.conftest import CONFIG


async def kanal(tmp_path: Path, bot_api: FakeBotApi, *args: str) -> tuple[int, str, str]:
    config = tmp_path / "kanal.toml"
    config.write_text(
        CONFIG
        + '\n[server]\npublic_url = "https://lapor.kota.go.id"\n'
        + bot_inbox(api_base_url=bot_api.base_url)
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", *args, "--config", str(config),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_set_webhook_registers_url_secret_and_update_types(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    code, out, err = await kanal(tmp_path, bot_api, "telegram", "set-webhook", "kota-bot")
    assert code == 0, err
    assert bot_api.webhook == {
        "url": "https://lapor.kota.go.id/webhooks/telegram/kota-bot",
        "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }
    assert "https://lapor.kota.go.id/webhooks/telegram/kota-bot" in out


async def test_info_shows_pending_updates_and_the_last_error(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    await kanal(tmp_path, bot_api, "telegram", "set-webhook", "kota-bot")
    code, out, err = await kanal(tmp_path, bot_api, "telegram", "info", "kota-bot")
    assert code == 0, err
    assert "pending updates: 0" in out
    assert "last error: Wrong response from the webhook: 503 Service Unavailable" in out
    assert "webhook url: https://lapor.kota.go.id/webhooks/telegram/kota-bot" in out


async def test_an_unknown_inbox_is_a_clear_error(tmp_path: Path, bot_api: FakeBotApi) -> None:
    code, _, err = await kanal(tmp_path, bot_api, "telegram", "info", "web-pupr")
    assert code == 1
    assert "no telegram inbox with key 'web-pupr'" in err
