"""The Telegram channel: webhook deliveries from a city's bot into the hub.

The secret header is checked before anything else, the body is parsed by parse.py (pure),
the hub stores the delivery in one transaction, and only then does Telegram get its 200;
anything else makes Telegram deliver the update again, which the hub then deduplicates.
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any, ClassVar

import orjson
from aiohttp import web

from channels.telegram.client import BotClient
from channels.telegram.parse import parse_update
from hub.channel import Channel, ChannelAuthError, ChannelHost, HubUnavailable, Route
from hub.models import InboxRef, Outbound

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
MAX_BODY = 1024 * 1024
MODES = ("webhook", "polling")


class TelegramChannel(Channel):
    kind: ClassVar[str] = "telegram"

    def __init__(self, host: ChannelHost) -> None:
        super().__init__(host)
        self._clients: dict[int, BotClient] = {}

    async def stop(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

    async def send(self, inbox: InboxRef, out: Outbound) -> str | None:
        client = self._clients.get(inbox.id)
        if client is None:
            client = self._clients[inbox.id] = BotClient(inbox)
        return await client.send(out)

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
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _error(413, "too_large", f"body over {MAX_BODY} bytes")
        try:
            data = orjson.loads(body)
            parsed = parse_update(data, allow_groups=bool(inbox.options.get("allow_groups")))
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _error(400, "bad_update", str(exc))
        if parsed.ignored:
            log.info(
                "telegram %s: update %s ignored: %s", inbox.key, parsed.update_id, parsed.ignored
            )
            return web.json_response({"ok": True})
        if parsed.items and parsed.edit_of is None:
            try:
                await self.host.accept(inbox, parsed.items)
            except HubUnavailable as exc:
                return _error(503, "unavailable", str(exc))
        return web.json_response({"ok": True})


def _check_secret(given: str | None, expected: Any) -> None:
    if not isinstance(expected, str) or not expected:
        raise ChannelAuthError("this inbox has no webhook secret configured")
    if given is None:
        raise ChannelAuthError(f"missing {SECRET_HEADER} header")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ChannelAuthError(f"wrong {SECRET_HEADER} header")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
