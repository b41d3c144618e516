"""A fake Meta Graph API (WhatsApp Cloud API) on 127.0.0.1: sends messages, serves and takes
media, records every call, and fails on demand with Meta's error shape.

Endpoints, as the real API has them under https://graph.facebook.com::

    POST   /{version}/{phone_number_id}/messages    send (or mark read); answers the wamid
    POST   /{version}/{phone_number_id}/media       upload (multipart); answers {"id"}
    GET    /{version}/{media_id}                    a media's short-lived download URL
    DELETE /{version}/{media_id}
    GET    /whatsapp_business/attachments/?mid=..   the download URL itself

Every call needs `Authorization: Bearer <token>`, the download included; a missing or wrong
token is Meta's 401 (code 190). An interactive message is held to Meta's limits (at most
three reply buttons; a list of at most ten rows with short titles), refused like Meta does.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

ACCESS_TOKEN = "EAAKanalFakeToken0123456789abcdefZDZD"
PHONE_NUMBER_ID = "109876543210987"
#: What fail_next can target: the endpoint names Call.endpoint records.
ENDPOINTS = ("messages", "upload", "media", "delete", "download")


@dataclass
class Call:
    endpoint: str  # one of ENDPOINTS
    method: str
    path: str
    token: str | None  # the bearer token sent, if any
    body: Any  # the JSON sent to messages; the form fields (without the bytes) of an upload
    at: float  # time.monotonic() when the call arrived


@dataclass
class Media:
    data: bytes
    mime_type: str
    file_name: str | None = None
    url: str | None = None  # where the lookup says to fetch it (default: this fake)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Failure:
    endpoint: str
    status: int
    code: int
    title: str
    details: str | None
    subcode: int | None
    headers: dict[str, str]


@dataclass
class FakeGraphApi:
    token: str = ACCESS_TOKEN
    phone_number_id: str = PHONE_NUMBER_ID
    calls: list[Call] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    failures: deque[Failure] = field(default_factory=deque)
    server: TestServer | None = None
    _download_hashes: dict[str, str] = field(default_factory=dict)  # hash -> media id
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        """Where https://graph.facebook.com would be: the adapter's configurable base URL."""
        assert self.server is not None
        return str(self.server.make_url("/")).rstrip("/")

    def add_media(
        self,
        media_id: str,
        data: bytes,
        mime_type: str,
        file_name: str | None = None,
        url: str | None = None,
    ) -> None:
        """A file a resident sent, as WhatsApp keeps it for us to download (from `url`, a
        hostile or broken lookup's answer, when given)."""
        self.media[media_id] = Media(data, mime_type, file_name, url)

    def fail_next(
        self,
        status: int,
        code: int,
        title: str,
        method: str = "messages",
        details: str | None = None,
        subcode: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next call of endpoint `method` answers this error, in Meta's shape."""
        if method not in ENDPOINTS:
            raise ValueError(f"method must be one of {ENDPOINTS}, not {method!r}")
        self.failures.append(Failure(method, status, code, title, details, subcode, headers or {}))

    def sent(self) -> list[dict[str, Any]]:
        """The JSON bodies of the messages calls, in order."""
        return [c.body for c in self.calls if c.endpoint == "messages"]

    def of(self, endpoint: str) -> list[Call]:
        return [c for c in self.calls if c.endpoint == endpoint]

    async def start(self) -> None:
        app = web.Application(client_max_size=100 * 1024 * 1024)
        version = "{version:v[0-9]+[.][0-9]+}"
        app.router.add_get("/whatsapp_business/attachments/", self._download)
        app.router.add_post(f"/{version}/{{number}}/messages", self._messages)
        app.router.add_post(f"/{version}/{{number}}/media", self._upload)
        app.router.add_get(f"/{version}/{{media_id}}", self._media)
        app.router.add_delete(f"/{version}/{{media_id}}", self._delete)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    # -- endpoints ------------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            sent = await request.json()
        except ValueError:
            sent = None
        refused = self._refused(request, "messages", sent)
        if refused is not None:
            return refused
        if not isinstance(sent, dict) or sent.get("messaging_product") != "whatsapp":
            return _param_error("messaging_product")
        if "status" in sent:  # mark as read (and typing indicator): no new message
            return web.json_response({"success": True})
        to = sent.get("to")
        if not isinstance(to, str) or not to:
            return _param_error("to")
        if sent.get("type") == "interactive":
            problem = _interactive_problem(sent.get("interactive"))
            if problem is not None:
                return _param_error(problem)
        message: dict[str, Any] = {"id": self._wamid(to)}
        if sent.get("type") == "template":
            message["message_status"] = "accepted"
        wa_id = "".join(ch for ch in to if ch.isdigit())
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [message],
            }
        )

    async def _upload(self, request: web.Request) -> web.Response:
        upload: Any = None
        fields: dict[str, str] = {}
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = form.get("file")
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if isinstance(upload, web.FileField):
            fields["file_name"] = upload.filename
        refused = self._refused(request, "upload", fields)
        if refused is not None:
            return refused
        if fields.get("messaging_product") != "whatsapp":
            return _param_error("messaging_product")
        if not isinstance(upload, web.FileField):
            return _param_error("file")
        if not fields.get("type"):
            return _param_error("type")
        media_id = str(1_000_000_000_000_000 + next(self._counter))
        self.media[media_id] = Media(upload.file.read(), fields["type"], upload.filename)
        return web.json_response({"id": media_id})

    async def _media(self, request: web.Request) -> web.Response:
        refused = self._refused(request, "media")
        if refused is not None:
            return refused
        media_id = request.match_info["media_id"]
        media = self.media.get(media_id)
        if media is None:
            return _no_object(media_id, "get")
        digest = secrets.token_urlsafe(18)
        self._download_hashes[digest] = media_id
        # Like lookaside.fbsbx.com: short-lived (ext), and only as issued (hash).
        query = f"?mid={media_id}&ext={int(time.time()) + 300}&hash={digest}"
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": media.url or f"{self.base_url}/whatsapp_business/attachments/{query}",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.data),
                "id": media_id,
            }
        )

    async def _delete(self, request: web.Request) -> web.Response:
        refused = self._refused(request, "delete")
        if refused is not None:
            return refused
        media_id = request.match_info["media_id"]
        if self.media.pop(media_id, None) is None:
            return _no_object(media_id, "delete")
        return web.json_response({"success": True})

    async def _download(self, request: web.Request) -> web.Response:
        refused = self._refused(request, "download")
        if refused is not None:
            return refused
        media_id = self._download_hashes.get(request.query.get("hash", ""))
        media = self.media.get(media_id or "")
        if media_id is None or media_id != request.query.get("mid") or media is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=media.data, content_type=media.mime_type)

    # -- helpers --------------------------------------------------------------------------

    def _refused(
        self, request: web.Request, endpoint: str, body: Any = None
    ) -> web.Response | None:
        """Record the call; then Meta's answer when it must fail: bad token, wrong number,
        or an injected failure."""
        token = _bearer(request)
        self.calls.append(
            Call(endpoint, request.method, request.path, token, body, time.monotonic())
        )
        if token is None or not secrets.compare_digest(token, self.token):
            return _error(
                401, 190, "Invalid OAuth access token - Cannot parse access token", None, None
            )
        number = request.match_info.get("number")
        if number is not None and number != self.phone_number_id:
            return _no_object(number, "post")
        for failure in self.failures:
            if failure.endpoint == endpoint:
                self.failures.remove(failure)
                return _error(
                    failure.status,
                    failure.code,
                    f"(#{failure.code}) {failure.title}",
                    failure.details or failure.title,
                    failure.subcode,
                    failure.headers,
                )
        return None

    def _wamid(self, to: str) -> str:
        n = next(self._counter)
        raw = (
            b"\x1c\x18\x0d" + to.encode() + b"\x15\x02\x00\x11\x18\x12" + f"KANAL{n:013d}".encode()
        )
        return "wamid." + base64.b64encode(raw).decode()


def _interactive_problem(body: Any) -> str | None:
    """The first parameter that breaks Meta's limits for reply buttons and lists, if any."""
    if not isinstance(body, dict) or not (body.get("body") or {}).get("text"):
        return "interactive.body.text"
    action = body.get("action") or {}
    if body.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            return "interactive.action.buttons"
        return None
    if body.get("type") != "list":
        return "interactive.type"
    if not 1 <= len(action.get("button") or "") <= 20:
        return "interactive.action.button"
    rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
    if not 1 <= len(rows) <= 10:
        return "interactive.action.sections.rows"
    for row in rows:
        if not 1 <= len(row.get("title") or "") <= 24 or not 1 <= len(row.get("id") or "") <= 200:
            return "interactive.action.sections.rows.title"
    return None


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _error(
    status: int,
    code: int,
    message: str,
    details: str | None,
    subcode: int | None,
    headers: dict[str, str] | None = None,
    kind: str = "OAuthException",
) -> web.Response:
    """Meta's error body: {"error": {"message", "type", "code", "error_data", ...}}."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
    return web.json_response({"error": error}, status=status, headers=headers)


def _param_error(name: str) -> web.Response:
    return _error(400, 100, "(#100) Invalid parameter", f"The parameter {name} is required.", None)


def _no_object(object_id: str, verb: str) -> web.Response:
    return _error(
        400,
        100,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        None,
        33,
        kind="GraphMethodException",
    )
