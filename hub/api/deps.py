"""What API handlers need from a request: the agent, a JSON body, query numbers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from hub.api.errors import api_error
from hub.auth import SESSION_COOKIE, Principal
from hub.channel import BodyTooLarge, read_limited
from hub.keys import AUTH

MAX_JSON = 64 * 1024


async def require_agent(request: web.Request) -> Principal:
    cookie = request.cookies.get(SESSION_COOKIE)
    authorization = request.headers.get("Authorization")
    if cookie and not authorization and request.method not in ("GET", "HEAD", "OPTIONS"):
        check_origin(request)
    principal = await request.app[AUTH].authenticate(cookie, authorization)
    if principal is None:
        raise api_error(401, "unauthorized", "log in or send a valid API token")
    return principal


def check_origin(request: web.Request) -> None:
    """A cookie-authenticated change must come from our own pages (CSRF)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if urlsplit(origin).netloc != request.host:
        raise api_error(403, "bad_origin", "cross-site request refused")


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise api_error(413, "too_large", f"body over {MAX_JSON} bytes")
    try:
        raw = await read_limited(request.content, MAX_JSON)
    except BodyTooLarge:
        raise api_error(413, "too_large", f"body over {MAX_JSON} bytes") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise api_error(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise api_error(400, "bad_json", "the body must be a JSON object")
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise api_error(400, "bad_request", f"{name} must be a string")
    return value


def int_query(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise api_error(400, "bad_request", f"{name} must be an integer") from None


def path_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise api_error(404, "not_found", "conversation not found") from None
