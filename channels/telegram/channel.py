"""The Telegram channel: webhook deliveries from a city's bot into the hub.

The secret header is checked before anything else, the body is parsed by parse.py (pure),
the hub stores the delivery in one transaction, and only then does Telegram get its 200;
anything else makes Telegram deliver the update again, which the hub then deduplicates.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import mimetypes
import re
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, ClassVar

import orjson
from aiohttp import web
from telegram import ForceReply
from telegram.error import NetworkError, TelegramError

from channels.telegram.client import BotClient, FileTooLarge, FileUnavailable, rating_keyboard
from channels.telegram.commands import COMMANDS
from channels.telegram.parse import COMMENT_PROMPT, Parsed, parse_update
from hub.channel import (
    Accepted,
    BodyTooLarge,
    Channel,
    ChannelAuthError,
    ChannelHost,
    ChannelSendError,
    Command,
    HubUnavailable,
    InboundRejected,
    KeyedLocks,
    RateLimited,
    Route,
    provider_json,
    read_limited,
    without_nul,
)
from hub.models import Inbound, InboxRef, Outbound, Rating

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
MAX_BODY = 1024 * 1024
MODES = ("webhook", "polling")
GREETING = (
    "Selamat datang di layanan pengaduan Pemerintah Kota. Tulis laporan atau pertanyaan Anda "
    "di sini — boleh dengan foto, dokumen, atau lokasi. Setiap laporan mendapat kode lacak "
    "(misalnya KNL-7Q4M2P) untuk menanyakan perkembangannya; petugas OPD akan membalas di "
    "percakapan ini."
)
RATING_QUESTION = (
    "Laporan Anda dengan kode {tracking_code} telah selesai ditangani. Seberapa puas Anda "
    "dengan pelayanan kami? Pilih 1 (sangat tidak puas) sampai 5 (sangat puas)."
)
RATED = "Terima kasih! Penilaian Anda: {score} dari 5."
NOT_RATEABLE = "Maaf, laporan ini sudah tidak dapat dinilai."
COMMENTED = "Terima kasih atas masukan Anda."


class TelegramChannel(Channel):
    kind: ClassVar[str] = "telegram"
    commands: ClassVar[Mapping[str, Command]] = COMMANDS

    def __init__(self, host: ChannelHost) -> None:
        super().__init__(host)
        self._clients: dict[int, BotClient] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._alone = KeyedLocks()

    async def start(self) -> None:
        for inbox in self.host.inboxes_of(self.kind):
            if inbox.options.get("mode") == "polling":
                self._spawn(self._poll(inbox))

    async def _poll(self, inbox: InboxRef) -> None:
        """Polling mode: getUpdates through the same ingest path as the webhook. The offset
        is saved only after the updates are committed, so a restart neither loses updates
        nor repeats them (a re-fetched update is deduplicated by its message id)."""
        client = self.client(inbox)
        timeout = int(inbox.options.get("poll_timeout", 25))
        offset = int(await self.host.load_state(inbox, "offset") or 0)
        failures = 0
        await (await client.ready()).delete_webhook()  # getUpdates is refused while one is set
        while True:
            try:
                updates = await client.updates(offset, timeout)
                for data in updates:
                    await self._ingest(inbox, without_nul(data))
                if updates:
                    offset = max(int(u["update_id"]) for u in updates) + 1
                    await self.host.save_state(inbox, "offset", str(offset))
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Telegram or storage away: wait, then ask again
                failures += 1
                wait = min(60.0, 2.0**failures)
                log.warning(
                    "telegram %s: polling failed (%s); again in %.0fs", inbox.key, exc, wait
                )
                await asyncio.sleep(wait)

    async def _ingest(self, inbox: InboxRef, data: dict[str, Any]) -> None:
        """One update, from the webhook or from polling; stored once per update_id."""
        parsed = parse_update(data, allow_groups=bool(inbox.options.get("allow_groups")))
        if not await self._within_limits(inbox, parsed):
            return
        delivery = f"update:{parsed.update_id}"
        if parsed.command == "start" and parsed.chat_id is not None:
            answers = await self.host.accept(inbox, [], delivery=delivery)
            if not any(a.duplicate for a in answers):
                self._spawn(self._greet(inbox, parsed.chat_id))
        elif parsed.callback_id is not None:
            await self._tapped(inbox, parsed, delivery)
        elif parsed.ignored:
            log.info(
                "telegram %s: update %s ignored: %s", inbox.key, parsed.update_id, parsed.ignored
            )
        elif ratings := [i for i in parsed.items if isinstance(i, Rating)]:
            await self._commented(inbox, ratings[0], delivery)
        elif messages := [i for i in parsed.items if isinstance(i, Inbound)]:
            # new messages, and edits of earlier ones
            if not any(_files(item) for item in messages):
                await self.host.accept(inbox, messages, delivery=delivery)
                return
            # A redelivery that arrives while the first is still fetching waits for it, and
            # then fetches nothing: each file is downloaded once.
            async with self._alone.hold((inbox.id, parsed.update_id)):
                if not await self.host.seen(inbox, delivery):
                    messages = [await self._with_files(inbox, item) for item in messages]
                await self.host.accept(inbox, messages, delivery=delivery)

    async def _within_limits(self, inbox: InboxRef, parsed: Parsed) -> bool:
        """Over the inbox's limit: RateLimited, so the webhook answers 429 and Telegram
        delivers the update again later. Over one chat's: the update is dropped (logged and
        counted) and answered 200, since Telegram holds a bot's later updates back behind
        one it retries: one flooding chat would stall every resident's."""
        sender = parsed.items[0].sender.external_id if parsed.items else parsed.chat_id
        if sender is None or parsed.ignored:
            return True
        try:
            await self.host.check_rate(inbox, sender)
        except RateLimited as exc:
            if exc.scope != "sender":
                raise
            log.warning(
                "telegram %s: update %s dropped: chat %s is over its rate limit ([limits])",
                inbox.key,
                parsed.update_id,
                sender,
            )
            return False
        return True

    # -- CSAT ------------------------------------------------------------------------------
    async def ask_rating(
        self, inbox: InboxRef, recipient: str, conversation: dict[str, Any]
    ) -> bool:
        """A message with a keyboard of five buttons; a tap comes back as a callback_query."""
        code = conversation["tracking_code"]
        text = RATING_QUESTION.replace("{tracking_code}", code)
        try:
            await self.client(inbox).ask(recipient, text, rating_keyboard(code))
        except ChannelSendError as exc:
            log.warning("telegram %s: could not ask %s for a rating: %s", inbox.key, code, exc)
            return False
        return True

    async def _tapped(self, inbox: InboxRef, parsed: Parsed, delivery: str) -> None:
        """A button tap: a rating is stored; every tap is answered (after the commit)."""
        answers = await self.host.accept(inbox, parsed.items, delivery=delivery)
        if any(a.duplicate and a.conversation is None for a in answers):
            return  # Telegram delivered this tap before: it was answered then
        if parsed.ignored:
            log.info("telegram %s: button ignored: %s", inbox.key, parsed.ignored)
        self._spawn(self._after_tap(inbox, parsed, answers[0] if answers else None))

    async def _after_tap(self, inbox: InboxRef, parsed: Parsed, answer: Accepted | None) -> None:
        client, chat_id = self.client(inbox), parsed.chat_id or ""
        rating = parsed.items[0] if parsed.items else None
        if answer is None or not isinstance(rating, Rating):  # not our button: stop its spinner
            await client.answer(parsed.callback_id or "", None, chat_id, None)
            return
        stored = answer.conversation
        notice = NOT_RATEABLE if stored is None else RATED.format(score=rating.score)
        await client.answer(parsed.callback_id or "", notice, chat_id, parsed.callback_message_id)
        if stored is None or answer.duplicate or stored.get("csat_comment"):
            return  # asked for a comment already, or has one
        prompt = COMMENT_PROMPT.replace("{tracking_code}", stored["tracking_code"])
        placeholder = ForceReply(input_field_placeholder="Saran atau komentar Anda")
        try:
            await client.ask(chat_id, prompt, placeholder)
        except ChannelSendError as exc:
            log.warning("telegram %s: could not ask for a comment: %s", inbox.key, exc)

    async def _commented(self, inbox: InboxRef, comment: Rating, delivery: str) -> None:
        """A reply to the comment prompt. When there is no rating it may join (too late, or
        never rated), the message is kept as any other: nothing a resident writes is lost."""
        [answer] = await self.host.accept(inbox, [comment], delivery=delivery)
        if answer.duplicate:
            return
        if answer.conversation is not None:
            self._spawn(self._say(inbox, comment.sender.external_id, COMMENTED))
            return
        message = Inbound(
            sender=comment.sender,
            text=comment.comment or "",
            external_id=comment.external_id,
            sent_at=comment.sent_at,
        )
        await self.host.accept(inbox, [message])

    async def _say(self, inbox: InboxRef, chat_id: str, text: str) -> None:
        out = Outbound(message_id=0, conversation_id=0, recipient=chat_id, text=text)
        try:
            await self.client(inbox).send(out)
        except ChannelSendError as exc:
            log.warning("telegram %s: a notice to %s failed: %s", inbox.key, chat_id, exc)

    async def _with_files(self, inbox: InboxRef, item: Inbound) -> Inbound:
        kept = [await self._keep(inbox, a) if "file_id" in a else a for a in item.attachments]
        return replace(item, attachments=tuple(kept))

    async def _keep(self, inbox: InboxRef, found: dict[str, Any]) -> dict[str, Any]:
        """Fetch a resident's file and keep it in the hub. Too large or refused: the message
        is stored with the reason; Telegram away: HubUnavailable, so the update comes again."""
        limit = self.host.max_media_bytes
        if (found.get("size") or 0) > limit:
            return {**found, "error": "too_large"}
        try:
            data, path = await self.client(inbox).download(found["file_id"], limit)
        except FileTooLarge:
            return {**found, "error": "too_large"}
        except FileUnavailable as exc:
            log.warning("telegram %s: file %s unavailable: %s", inbox.key, found["file_id"], exc)
            return {**found, "error": "unavailable"}
        except (NetworkError, TelegramError) as exc:
            raise HubUnavailable(f"Telegram did not hand over a file: {exc}") from exc
        try:
            saved = await self.host.save_media(
                inbox, data, mime_type=_mime_type(found, path), file_name=_file_name(found, path)
            )
        except InboundRejected:  # an image with more pixels than a browser should decode
            return {**found, "error": "too_large"}
        return {**found, **saved}

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

    def client(self, inbox: InboxRef) -> BotClient:
        client = self._clients.get(inbox.id)
        if client is None:
            client = self._clients[inbox.id] = BotClient(inbox)
        return client

    async def send(self, inbox: InboxRef, out: Outbound) -> str | None:
        media = None
        stored = [a["media_id"] for a in out.attachments if a.get("media_id")]
        if stored:
            media = await self.host.read_media(stored[0])
            if media is None:
                raise ChannelSendError("the attached file is no longer stored", retryable=False)
        return await self.client(inbox).send(out, media)

    async def _greet(self, inbox: InboxRef, chat_id: str) -> None:
        """/start: what the service is and how tracking codes work (no case is opened)."""
        await self._say(inbox, chat_id, str(inbox.options.get("greeting") or GREETING))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def check(self, key: str, options: dict[str, Any]) -> list[str]:
        problems = []
        token = options.get("token")
        if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
            problems.append("token: expected the bot token from BotFather, like 123456:ABC-DEF…")
        secret = options.get("webhook_secret")
        if not isinstance(secret, str) or not SECRET_PATTERN.match(secret):
            problems.append("webhook_secret: expected 1-256 characters of A-Z a-z 0-9 _ -")
        if options.get("mode", "webhook") not in MODES:
            problems.append(f"mode = {options.get('mode')!r}: expected 'webhook' or 'polling'")
        return problems

    def routes(self) -> list[Route]:
        return [("POST", "/webhooks/telegram/{key}", self.webhook)]

    async def webhook(self, request: web.Request) -> web.Response:
        inbox = self.host.inbox(request.match_info["key"])
        if inbox is None or inbox.kind != self.kind:
            return _error(404, "unknown_inbox", "no Telegram inbox with this key")
        try:
            _check_secret(request.headers.get(SECRET_HEADER), inbox.options.get("webhook_secret"))
        except ChannelAuthError as exc:
            log.warning("telegram %s: refused a delivery: %s", inbox.key, exc)
            return _error(401, "unauthorized", str(exc))
        try:
            body = await read_limited(request.content, MAX_BODY)
        except BodyTooLarge as exc:
            return _error(413, "too_large", str(exc))
        try:
            await self._ingest(inbox, provider_json(body))
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _error(400, "bad_update", str(exc))
        except HubUnavailable as exc:
            return _error(503, "unavailable", str(exc))
        except RateLimited as exc:  # the inbox is over its limit: Telegram retries later
            log.warning("telegram %s: delivery refused (429): %s", inbox.key, exc)
            response = _error(429, "rate_limited", str(exc))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        return web.json_response({"ok": True})


def _files(item: Inbound) -> bool:
    return any("file_id" in a for a in item.attachments)


def _mime_type(found: dict[str, Any], path: str | None) -> str | None:
    if found.get("mime_type"):
        return str(found["mime_type"])
    if found["kind"] == "photo":  # Telegram re-encodes every photo as JPEG
        return "image/jpeg"
    return mimetypes.guess_type(path or "")[0]


def _file_name(found: dict[str, Any], path: str | None) -> str | None:
    if found.get("file_name"):
        return str(found["file_name"])
    return PurePosixPath(path).name if path else None


def _check_secret(given: str | None, expected: Any) -> None:
    if not isinstance(expected, str) or not expected:
        raise ChannelAuthError("this inbox has no webhook secret configured")
    if given is None:
        raise ChannelAuthError(f"missing {SECRET_HEADER} header")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ChannelAuthError(f"wrong {SECRET_HEADER} header")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
