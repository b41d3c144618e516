"""Sending through the Bot API with python-telegram-bot, paced under Telegram's limits.

Telegram allows about one message per second to a chat and thirty per second per bot;
going faster earns 429s. The pacer spaces sends before they leave, and the provider's
errors are mapped onto the hub's ladder: retry (429 with its retry_after, 5xx, timeouts)
or dead letter (403 blocked by the user, 400 chat not found).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from hub.channel import ChannelSendError
from hub.models import InboxRef, Outbound

API_BASE = "https://api.telegram.org/bot"
FILE_BASE = "https://api.telegram.org/file/bot"
#: The update types Kanal handles (for setWebhook and getUpdates).
ALLOWED_UPDATES = ["message", "edited_message"]


class Pacer:
    """At most `per_bot` sends a second overall and one per `chat_gap` seconds per chat."""

    def __init__(self, per_bot: float = 30.0, chat_gap: float = 1.0) -> None:
        self.interval = 1.0 / per_bot
        self.chat_gap = chat_gap
        self._next_bot = 0.0
        self._next_chat: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat: str) -> None:
        async with self._lock:
            now = time.monotonic()
            at = max(now, self._next_bot, self._next_chat.get(chat, 0.0))
            self._next_bot = at + self.interval
            self._next_chat[chat] = at + self.chat_gap
        if at > now:
            await asyncio.sleep(at - now)


class BotClient:
    """One inbox's bot: its Bot API client and its pacer."""

    def __init__(self, inbox: InboxRef) -> None:
        options: dict[str, Any] = inbox.options
        self.bot = Bot(
            token=options["token"],
            base_url=options.get("api_base_url", API_BASE),
            base_file_url=options.get("file_base_url", FILE_BASE),
            request=HTTPXRequest(connection_pool_size=32, read_timeout=15.0),
        )
        self.pacer = Pacer(
            per_bot=float(options.get("max_per_second", 30)),
            chat_gap=float(options.get("chat_gap_seconds", 1.0)),
        )
        self._ready = False

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()

    async def ready(self) -> Bot:
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
        return self.bot

    async def updates(self, offset: int, wait: int) -> list[dict[str, Any]]:
        """One long poll of getUpdates, as raw update objects for parse.py."""
        bot = await self.ready()
        found = await bot.get_updates(
            offset=offset, timeout=wait, allowed_updates=ALLOWED_UPDATES,
            read_timeout=wait + 10,
        )  # fmt: skip
        return [update.to_dict() for update in found]

    async def send(self, out: Outbound) -> str:
        await self.ready()
        await self.pacer.wait(out.recipient)
        try:
            sent = await self.bot.send_message(chat_id=out.recipient, text=out.text)
        except RetryAfter as exc:
            retry = exc.retry_after
            seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
            raise ChannelSendError(
                f"429: {exc.message}", retryable=True, retry_after=seconds
            ) from exc
        except Forbidden as exc:
            raise ChannelSendError(f"403: {exc.message}", retryable=False) from exc
        except BadRequest as exc:
            raise ChannelSendError(f"400: {exc.message}", retryable=False) from exc
        except (NetworkError, TelegramError) as exc:  # timeouts and 5xx are NetworkErrors
            raise ChannelSendError(f"Telegram: {exc.message}", retryable=True) from exc
        return f"msg:{sent.chat.id}:{sent.message_id}"
