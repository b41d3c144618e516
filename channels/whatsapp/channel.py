"""The WhatsApp channel: Meta's signed webhooks into the hub, replies out through the Graph API.

The signature (HMAC-SHA256 of the raw body with the app secret) is checked before
anything is parsed; the whole delivery — every entry, change, message, status and
reaction — is stored in one transaction, and only then does Meta get its 200. Residents'
files are fetched while their links are fresh (five minutes) and kept by the hub.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

import aiohttp
import orjson
from aiohttp import web
from yarl import URL

from channels.whatsapp.client import (
    GRAPH_BASE,
    IMAGE_MAX,
    IMAGE_TYPES,
    GraphClient,
    GraphError,
    MediaTooLarge,
    MediaUnavailable,
)
from channels.whatsapp.parse import parse_payload
from hub.channel import (
    Accepted,
    BodyTooLarge,
    Channel,
    ChannelHost,
    ChannelSendError,
    Command,
    FileFetcher,
    HubUnavailable,
    InboundRejected,
    KeyedLocks,
    RateLimited,
    Route,
    provider_json,
    read_limited,
)
from hub.models import Inbound, InboxRef, Outbound, Rating, Reaction, utcnow

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY = 3 * 1024 * 1024
WINDOW = 24 * 3600.0
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
VERSION = re.compile(r"^v\d+\.\d+$")
#: The rating question: reply buttons hold three at most, so a list of five rows.
RATING_QUESTION = (
    "Laporan Anda dengan kode {tracking_code} telah selesai ditangani. Seberapa puas Anda "
    "dengan pelayanan kami?"
)
RATING_ROWS = (
    (5, "5 – Sangat puas"),
    (4, "4 – Puas"),
    (3, "3 – Cukup"),
    (2, "2 – Kurang puas"),
    (1, "1 – Sangat tidak puas"),
)
RATED = "Terima kasih! Penilaian Anda untuk laporan {tracking_code}: {score} dari 5."
NOT_RATEABLE = "Maaf, laporan ini sudah tidak dapat dinilai."
#: Ask only while this much of the 24-hour window is left: the question must not bounce.
WINDOW_MARGIN = timedelta(minutes=1)


class WhatsAppChannel(Channel):
    kind: ClassVar[str] = "whatsapp"
    commands: ClassVar[Mapping[str, Command]] = {}
    reply_window: ClassVar[float | None] = WINDOW

    def __init__(self, host: ChannelHost) -> None:
        super().__init__(host)
        self._http: aiohttp.ClientSession | None = None
        self._files = FileFetcher(self._servers)
        self._clients: dict[int, GraphClient] = {}
        self._alone = KeyedLocks()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=30, connect=10)
        self._http = aiohttp.ClientSession(timeout=timeout)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None
        await self._files.close()
        self._clients.clear()

    def _servers(self) -> set[str]:
        """The configured Graph API hosts (a proxy, the tests' fake): trusted to be local."""
        inboxes = self.host.inboxes_of(self.kind)
        bases = (i.options.get("graph_base_url") or GRAPH_BASE for i in inboxes)
        return {str(URL(base).host or "") for base in bases}

    def client(self, inbox: InboxRef) -> GraphClient:
        found = self._clients.get(inbox.id)
        if found is None:
            if self._http is None:
                raise HubUnavailable("the WhatsApp channel is not started")
            found = self._clients[inbox.id] = GraphClient(inbox, self._http)
        return found

    # -- settings --------------------------------------------------------------------------
    def check(self, key: str, options: dict[str, Any]) -> list[str]:
        problems = []
        for name in ("phone_number_id", "access_token", "app_secret", "verify_token"):
            if not isinstance(options.get(name), str) or not options[name].strip():
                problems.append(f"{name}: required (see docs/channels/whatsapp.md)")
        number = options.get("phone_number_id")
        if isinstance(number, str) and number and not number.isdigit():
            problems.append("phone_number_id: expected the digits of Meta's phone number ID")
        version = options.get("api_version", "v21.0")
        if not isinstance(version, str) or not VERSION.match(version):
            problems.append(f"api_version = {version!r}: expected like 'v21.0'")
        base = options.get("graph_base_url", "https://graph.facebook.com")
        if not isinstance(base, str) or not base.startswith(("https://", "http://")):
            problems.append("graph_base_url: expected an http(s):// URL")
        templates = options.get("templates", [])
        if not isinstance(templates, list):
            problems.append("templates: expected a list of [[inboxes.templates]] tables")
            templates = []
        for n, template in enumerate(templates):
            problems += [f"templates[{n}]: {p}" for p in _template_problems(template)]
        return problems

    # -- inbound ---------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        return [
            ("GET", "/webhooks/whatsapp/{key}", self.verify),
            ("POST", "/webhooks/whatsapp/{key}", self.webhook),
        ]

    async def verify(self, request: web.Request) -> web.Response:
        """Meta's subscription handshake: echo hub.challenge when the verify token matches."""
        inbox = self._inbox(request)
        query = request.query
        expected = str(inbox.options.get("verify_token", "")) if inbox else ""
        given = query.get("hub.verify_token", "")
        if (
            inbox is None
            or query.get("hub.mode") != "subscribe"
            or not expected
            or not hmac.compare_digest(given.encode(), expected.encode())
        ):
            return web.Response(status=403, text="verification failed")
        return web.Response(text=query.get("hub.challenge", ""))

    async def webhook(self, request: web.Request) -> web.Response:
        inbox = self._inbox(request)
        if inbox is None:
            return _error(404, "unknown_inbox", "no WhatsApp inbox with this key")
        try:
            body = await read_limited(request.content, MAX_BODY)
        except BodyTooLarge as exc:
            return _error(413, "too_large", str(exc))
        if not _signed(body, request.headers.get(SIGNATURE_HEADER), inbox.options["app_secret"]):
            log.warning(
                "whatsapp %s: refused a delivery with a missing or wrong signature", inbox.key
            )
            return _error(401, "unauthorized", f"missing or wrong {SIGNATURE_HEADER}")
        try:
            parsed = parse_payload(provider_json(body), str(inbox.options["phone_number_id"]))
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _error(400, "bad_payload", str(exc))
        for reason in parsed.ignored:
            log.info("whatsapp %s: ignored: %s", inbox.key, reason)
        try:
            await self._store(inbox, await self._within_limits(inbox, parsed.items))
        except HubUnavailable as exc:
            return _error(503, "unavailable", str(exc))
        except RateLimited as exc:  # the inbox is over its limit: Meta retries later
            log.warning("whatsapp %s: delivery refused (429): %s", inbox.key, exc)
            response = _error(429, "rate_limited", str(exc))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except InboundRejected as exc:  # nothing Meta can fix by retrying: take it, say why
            log.error("whatsapp %s: delivery refused: %s", inbox.key, exc)
            return _error(422, exc.code, str(exc))
        return web.json_response({"ok": True})

    def _inbox(self, request: web.Request) -> InboxRef | None:
        inbox = self.host.inbox(request.match_info["key"])
        return inbox if inbox is not None and inbox.kind == self.kind else None

    async def _within_limits(self, inbox: InboxRef, items: list[Any]) -> list[Any]:
        """The items to store. Over the inbox's limit: RateLimited (429: Meta delivers the
        whole batch again later). A number over its own limit: its messages are dropped
        (logged and counted) and the rest stored, since a retried batch would hold up the
        other residents in it. Status receipts are ours, never limited."""
        kept = []
        for item in items:
            if isinstance(item, Inbound | Rating | Reaction):
                try:
                    await self.host.check_rate(inbox, item.sender.external_id)
                except RateLimited as exc:
                    if exc.scope != "sender":
                        raise
                    log.warning(
                        "whatsapp %s: message %s dropped: number …%s is over its rate limit",
                        inbox.key,
                        item.external_id,
                        item.sender.external_id[-4:],
                    )
                    continue
            kept.append(item)
        return kept

    async def _store(self, inbox: InboxRef, items: list[Any]) -> None:
        if not items:
            return
        wanted = [i for i in items if isinstance(i, Inbound) and _files(i)]
        if not wanted:
            self._after_ratings(inbox, items, await self.host.accept(inbox, items))
            return
        # Meta retries (and sometimes sends the same message at once): fetch each file once.
        async with self._alone.hold((inbox.id, wanted[0].external_id)):
            fetched = {}
            for item in wanted:
                if item.external_id and not await self.host.seen(inbox, item.external_id):
                    fetched[id(item)] = await self._with_files(inbox, item)
            stored = await self.host.accept(inbox, [fetched.get(id(i), i) for i in items])
        self._after_ratings(inbox, items, stored)

    async def _with_files(self, inbox: InboxRef, item: Inbound) -> Inbound:
        kept = [await self._keep(inbox, a) if "wa_media_id" in a else a for a in item.attachments]
        return replace(item, attachments=tuple(kept))

    async def _keep(self, inbox: InboxRef, found: dict[str, Any]) -> dict[str, Any]:
        try:
            data, mime_type = await self.client(inbox).download(
                found["wa_media_id"], self.host.max_media_bytes, self._files
            )
        except MediaTooLarge:
            return {**found, "error": "too_large"}
        except MediaUnavailable as exc:
            log.warning(
                "whatsapp %s: media %s unavailable: %s", inbox.key, found["wa_media_id"], exc
            )
            return {**found, "error": "unavailable"}
        except GraphError as exc:
            raise HubUnavailable(f"WhatsApp did not hand over a file: {exc}") from exc
        try:
            saved = await self.host.save_media(
                inbox,
                data,
                mime_type=found.get("mime_type") or mime_type,
                file_name=found.get("file_name"),
            )
        except InboundRejected:  # an image with more pixels than a browser should decode
            return {**found, "error": "too_large"}
        return {**found, **saved}

    # -- CSAT ------------------------------------------------------------------------------
    async def ask_rating(
        self, inbox: InboxRef, recipient: str, conversation: dict[str, Any]
    ) -> bool:
        """An interactive list of five rows (reply buttons hold three at most), sent only
        inside the 24-hour window: outside it only a template may go, and none is asked."""
        closes = conversation.get("reply_window_closes_at")
        if not closes or datetime.fromisoformat(closes) - WINDOW_MARGIN <= utcnow():
            log.info(
                "whatsapp %s: %s not asked for a rating: the 24-hour window is closed",
                inbox.key,
                conversation["tracking_code"],
            )
            return False
        try:
            await self.client(inbox).send(recipient, _rating_list(conversation["tracking_code"]))
        except ChannelSendError as exc:
            log.warning("whatsapp %s: could not ask for a rating: %s", inbox.key, exc)
            return False
        return True

    def _after_ratings(
        self, inbox: InboxRef, items: Sequence[Any], answers: Sequence[Accepted]
    ) -> None:
        """Tell a resident who picked a rating that it was kept (or why not)."""
        for item, answer in zip(items, answers, strict=False):
            if not isinstance(item, Rating) or answer.duplicate:
                continue
            if answer.conversation is None:
                text = NOT_RATEABLE
            else:
                code = answer.conversation["tracking_code"]
                text = RATED.format(tracking_code=code, score=item.score)
            self._spawn(self._say(inbox, item.sender.external_id, text))

    async def _say(self, inbox: InboxRef, to: str, text: str) -> None:
        try:
            await self.client(inbox).send(to, {"type": "text", "text": {"body": text}})
        except (ChannelSendError, HubUnavailable) as exc:
            log.warning("whatsapp %s: a notice to %s failed: %s", inbox.key, to, exc)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- outbound --------------------------------------------------------------------------
    async def send(self, inbox: InboxRef, out: Outbound) -> str | None:
        client = self.client(inbox)
        template = next((a for a in out.attachments if a.get("kind") == "template"), None)
        if template is not None:
            return await client.send(out.recipient, _template_body(template))
        stored = [a for a in out.attachments if a.get("media_id")]
        if not stored:
            return await client.send(out.recipient, {"type": "text", "text": {"body": out.text}})
        media = await self.host.read_media(stored[0]["media_id"])
        if media is None:
            raise ChannelSendError("the attached file is no longer stored", retryable=False)
        name = media.file_name or "berkas"
        kind = (
            "image"
            if media.mime_type in IMAGE_TYPES and len(media.data) <= IMAGE_MAX
            else "document"
        )
        part: dict[str, Any] = {"id": await client.upload(media, name)}
        if out.text:
            part["caption"] = out.text
        if kind == "document":
            part["filename"] = name
        return await client.send(out.recipient, {"type": kind, kind: part})


def _signed(body: bytes, header: str | None, secret: str) -> bool:
    """X-Hub-Signature-256 is "sha256=" + the hex HMAC-SHA256 of the exact bytes received."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256=") :].encode(), expected.encode())


def _rating_list(tracking_code: str) -> dict[str, Any]:
    rows = [{"id": f"csat:{tracking_code}:{score}", "title": title} for score, title in RATING_ROWS]
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": RATING_QUESTION.format(tracking_code=tracking_code)},
            "footer": {"text": "Pilih satu nilai"},
            "action": {
                "button": "Beri nilai",
                "sections": [{"title": "Penilaian layanan", "rows": rows}],
            },
        },
    }


def _files(item: Inbound) -> bool:
    return any("wa_media_id" in a for a in item.attachments)


def _template_body(template: dict[str, Any]) -> dict[str, Any]:
    parameters = [{"type": "text", "text": p} for p in template.get("parameters") or []]
    body: dict[str, Any] = {
        "name": template["name"],
        "language": {"code": template.get("language") or "id"},
    }
    if parameters:
        body["components"] = [{"type": "body", "parameters": parameters}]
    return {"type": "template", "template": body}


def _template_problems(template: Any) -> list[str]:
    if not isinstance(template, dict):
        return ["expected a table with name, language and body"]
    problems = []
    if not isinstance(template.get("name"), str) or not TEMPLATE_NAME.match(template["name"]):
        problems.append("name: expected the approved template's name (a-z, 0-9, _)")
    if not isinstance(template.get("language"), str) or not template["language"]:
        problems.append("language: expected its language code, like 'id' or 'en_US'")
    if not isinstance(template.get("body"), str) or not template["body"].strip():
        problems.append("body: expected its text, with {{1}}, {{2}}... where parameters go")
    return problems


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
