"""Sending through the Bot API with python-telegram-bot, paced under Telegram's limits.

Telegram allows about one message per second to a chat and thirty per second per bot;
going faster earns 429s. The pacer spaces sends before they leave, and the provider's
errors are mapped onto the hub's ladder: retry (429 with its retry_after, 5xx, timeouts)
or dead letter (403 blocked by the user, 400 chat not found).
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest
from yarl import URL

from hub.channel import (
    BodyTooLarge,
    ChannelSendError,
    FetchFailed,
    FileFetcher,
    Pacer,
    UnsafeAddress,
)
from hub.models import InboxRef, MediaBytes, Outbound

log = logging.getLogger(__name__)
T = TypeVar("T")
API_BASE = "https://api.telegram.org/bot"
FILE_BASE = "https://api.telegram.org/file/bot"
#: The update types Kanal handles (for setWebhook and getUpdates); callback_query: the rating
#: keyboard's taps.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
#: Telegram's limits for a bot's files: photos up to 10 MB (else sent as a document).
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PHOTO_MAX = 10 * 1024 * 1024
CAPTION_MAX = 1024


class FileTooLarge(Exception):
    """A resident's file is over the hub's (or Telegram's 20 MB) limit."""


class FileUnavailable(Exception):
    """Telegram refuses to hand over a file (an expired or unknown file_id)."""


class BotClient:
    """One inbox's bot: its Bot API client and its pacer."""

    def __init__(self, inbox: InboxRef) -> None:
        options: dict[str, Any] = inbox.options
        api_base = options.get("api_base_url", API_BASE)
        file_base = options.get("file_base_url", FILE_BASE)
        self.bot = Bot(
            token=options["token"],
            base_url=api_base,
            base_file_url=file_base,
            request=HTTPXRequest(connection_pool_size=32, read_timeout=15.0),
        )
        # Residents' files come from the configured servers only (which may be local: a
        # self-hosted Bot API server); nothing else inside the hub's network is fetched.
        servers = frozenset(str(URL(u).host or "") for u in (api_base, file_base))
        self.files = FileFetcher(lambda: servers)
        chat_gap = float(options.get("chat_gap_seconds", 1.0))
        group_gap = float(options.get("group_gap_seconds", 3.0))
        # Under Telegram's 30 a second, so that network jitter never bunches sends over it.
        self.pacer = Pacer(
            rate=float(options.get("max_per_second", 29)),
            gap=chat_gap,
            # Groups and channels (negative chat ids) may take 20 messages a minute.
            gap_for=lambda chat: group_gap if chat.startswith("-") else chat_gap,
        )
        self._ready = False

    async def close(self) -> None:
        await self.files.close()
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

    async def download(self, file_id: str, limit: int) -> tuple[bytes, str | None]:
        """A file a resident sent (getFile, then its bytes) and its path on Telegram's side.
        FileTooLarge past `limit`; FileUnavailable when Telegram will not give it; a
        NetworkError when it may give it later."""
        bot = await self.ready()
        try:
            found = await bot.get_file(file_id)
        except BadRequest as exc:  # "file is too big" (over 20 MB) or a stale file_id
            if "too big" in exc.message.lower():
                raise FileTooLarge(exc.message) from exc
            raise FileUnavailable(exc.message) from exc
        if found.file_size is not None and found.file_size > limit:
            raise FileTooLarge(f"{found.file_size} bytes")
        url = found.file_path or ""
        # python-telegram-bot would read a file_path naming a file on our disk from the disk:
        # only the configured file server is asked, and no redirect leads into our network.
        if not url.startswith(f"{bot.base_file_url}/"):
            raise FileUnavailable("getFile named a file outside the Bot API's file server")
        try:
            data, _ = await self.files.get(url, limit)
        except BodyTooLarge as exc:
            raise FileTooLarge(str(exc)) from exc
        except UnsafeAddress as exc:
            raise FileUnavailable(str(exc)) from exc
        except (FetchFailed, aiohttp.ClientError, TimeoutError) as exc:
            raise NetworkError(f"file download: {exc}") from exc
        return data, found.file_path

    async def send(self, out: Outbound, media: MediaBytes | None = None) -> str:
        """A text, or a photo/document with the text as its caption."""
        if media is not None and len(out.text) > CAPTION_MAX:
            raise ChannelSendError(
                f"caption has {len(out.text)} characters; Telegram allows {CAPTION_MAX} "
                "with a file",
                retryable=False,
            )
        await self.ready()
        await self.pacer.wait(out.recipient)
        try:
            sent = await _mapped(self._deliver(out, media))
        finally:
            self.pacer.sent(out.recipient)
        return f"msg:{sent.chat.id}:{sent.message_id}"

    async def ask(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | ForceReply) -> str:
        """A question with buttons (or a reply field) under it; returns its id like send."""
        bot = await self.ready()
        await self.pacer.wait(chat_id)
        try:
            sent = await _mapped(bot.send_message(chat_id=chat_id, text=text, reply_markup=markup))
        finally:
            self.pacer.sent(chat_id)
        return f"msg:{sent.chat.id}:{sent.message_id}"

    async def answer(
        self, callback_id: str, text: str | None, chat_id: str, message_id: int | None
    ) -> None:
        """Stop a tapped button's spinner (with a short notice) and take the keyboard away:
        one tap is one answer. Best effort: an old tap can no longer be answered."""
        bot = await self.ready()
        try:
            await bot.answer_callback_query(callback_id, text=text)
            if message_id is not None:
                await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except TelegramError as exc:
            log.info("telegram: could not answer button %s: %s", callback_id, exc)

    async def _deliver(self, out: Outbound, media: MediaBytes | None) -> Message:
        chat, caption = out.recipient, out.text or None
        if media is None:
            return await self.bot.send_message(chat_id=chat, text=out.text)
        name = media.file_name or _default_name(media.mime_type)
        if media.mime_type in PHOTO_TYPES and len(media.data) <= PHOTO_MAX:
            return await self.bot.send_photo(chat, media.data, caption=caption, filename=name)
        return await self.bot.send_document(chat, media.data, caption=caption, filename=name)


async def _mapped(call: Awaitable[T]) -> T:
    """A Bot API call, its errors on the hub's ladder: retry or dead letter."""
    try:
        return await call
    except RetryAfter as exc:
        retry = exc.retry_after
        seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
        raise ChannelSendError(f"429: {exc.message}", retryable=True, retry_after=seconds) from exc
    except Forbidden as exc:
        raise ChannelSendError(f"403: {exc.message}", retryable=False) from exc
    except BadRequest as exc:
        raise ChannelSendError(f"400: {exc.message}", retryable=False) from exc
    except (NetworkError, TelegramError) as exc:  # timeouts and 5xx are NetworkErrors
        raise ChannelSendError(f"Telegram: {exc.message}", retryable=True) from exc


def rating_keyboard(tracking_code: str) -> InlineKeyboardMarkup:
    """One row of five buttons, 1 (very unhappy) to 5 (very happy)."""
    faces = ("😞", "🙁", "😐", "🙂", "😄")
    row = [
        InlineKeyboardButton(f"{n} {face}", callback_data=f"csat:{tracking_code}:{n}")
        for n, face in enumerate(faces, start=1)
    ]
    return InlineKeyboardMarkup([row])


def _default_name(mime_type: str) -> str:
    return "berkas" + (mimetypes.guess_extension(mime_type) or "")
