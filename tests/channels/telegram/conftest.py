"""Shared by the Telegram tests: a fake Bot API and the TOML of a bot inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.channels.telegram.fake_bot_api import FakeBotApi

SECRET = "rahasia_kota-123"
TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def bot_inbox(**options: Any) -> str:
    """An [[inboxes]] entry for the city bot `kota-bot`, with extra options."""
    lines = [
        "[[inboxes]]",
        'key = "kota-bot"',
        'kind = "telegram"',
        'opd = "diskominfo"',
        f'token = "{TOKEN}"',
        f'webhook_secret = "{SECRET}"',
    ]
    lines += [f"{name} = {_toml(value)}" for name, value in options.items()]
    return "\n" + "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()
