"""A fake Telegram Bot API on 127.0.0.1: answers the methods the hub calls, records every
call (inline keyboards and button answers too), and fails on demand (429 with
retry_after, 5xx, 403, 400) like the real one."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class FakeBotApi:
    calls: list[Call] = field(default_factory=list)
    failures: deque[tuple[str, int, str, dict[str, Any]]] = field(default_factory=deque)
    server: TestServer | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)  # what getUpdates can return
    webhook: dict[str, Any] = field(default_factory=dict)  # the last setWebhook
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> path, bytes
    downloads: list[str] = field(default_factory=list)  # file paths fetched
    _message_id: int = 1000

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/bot"))

    @property
    def file_base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/file/bot"))

    def add_file(self, file_id: str, data: bytes, file_path: str) -> None:
        """A file residents' messages can name: getFile finds it, the file URL serves it."""
        self.files[file_id] = (file_path, data)

    def fail_next(
        self, status: int, description: str, method: str = "sendMessage", **parameters: Any
    ) -> None:
        """The next call of `method` answers this error, as the Bot API does."""
        self.failures.append((method, status, description, parameters))

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def keyboards(self) -> list[list[list[dict[str, Any]]]]:
        """The inline keyboards of the messages sent, in order (rows of buttons)."""
        return [
            p["reply_markup"]["inline_keyboard"]
            for p in self.sent()
            if isinstance(p.get("reply_markup"), dict) and "inline_keyboard" in p["reply_markup"]
        ]

    def answered(self) -> list[dict[str, Any]]:
        """The answerCallbackQuery calls: which tap, and the notice shown."""
        return self.sent("answerCallbackQuery")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _handle(self, request: web.Request) -> web.Response:
        params = await _params(request)
        method = request.match_info["method"]
        self.calls.append(Call(request.match_info["token"], method, params, time.monotonic()))
        if self.failures and self.failures[0][0] == method:
            _, status, description, extra = self.failures.popleft()
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
            if extra:
                body["parameters"] = extra
            return web.json_response(body, status=status)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        try:
            result = handler(params)
        except BotApiError as exc:
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            return web.json_response(body, status=exc.status)
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Updates from offset on, like Telegram; a short long-poll when there are none."""
        offset = int(params.get("offset") or 0)
        for _ in range(25):
            found = [u for u in self.updates if u["update_id"] >= offset]
            if found:
                return found[:100]
            await asyncio.sleep(0.02)
        return []

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for file_path, data in self.files.values():
            if file_path == path:
                self.downloads.append(path)
                return web.Response(body=data)
        return web.Response(status=404)

    def _getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise BotApiError(400, "Bad Request: invalid file_id")
        file_path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(data),
            "file_path": file_path,
        }

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._sendMessage(params)
        sent.pop("text")
        sent["caption"] = params.get("caption", "")
        sent["photo"] = [{"file_id": "p1", "file_unique_id": "up1", "width": 1, "height": 1}]
        return sent

    def _sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._sendMessage(params)
        sent.pop("text")
        sent["caption"] = params.get("caption", "")
        sent["document"] = {"file_id": "d1", "file_unique_id": "ud1"}
        return sent

    def _deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def _getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
            "last_error_date": 1767225600,
            "last_error_message": "Wrong response from the webhook: 503 Service Unavailable",
            "allowed_updates": self.webhook.get("allowed_updates", []),
        }

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": 123456,
            "is_bot": True,
            "first_name": "Lapor Kota",
            "username": "LaporKotaBot",
        }

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._message_id += 1
        chat_id = int(params["chat_id"])
        sent = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": 123456, "is_bot": True, "first_name": "Lapor Kota"},
            "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    if len(button.get("callback_data", "").encode()) > 64:
                        raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            sent["reply_markup"] = markup  # Telegram shows only an inline keyboard back
        return sent

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise BotApiError(400, "Bad Request: query is too old and response timeout expired")
        return True

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": {"id": 123456, "is_bot": True, "first_name": "Lapor Kota"},
            "text": "",
        }


class BotApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass(frozen=True)
class Upload:
    """A file the hub uploaded (multipart), as the fake received it."""

    filename: str | None
    content_type: str
    data: bytes


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data)
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        else:  # a FileField: keep what arrived
            params[key] = Upload(value.filename, value.content_type, value.file.read())
    return params
