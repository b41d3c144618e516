"""What API handlers need from a request: the agent, a JSON body, query numbers."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from hub.api.errors import api_error
from hub.auth import SESSION_COOKIE, Action, Denied, Principal, authorize
from hub.channel import BodyTooLarge, read_limited
from hub.keys import AUTH, SERVICE

MAX_JSON = 64 * 1024
MAX_DEPTH = 32
BIGINT = 2**63 - 1
PRINCIPAL = web.RequestKey("principal", Principal)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def allow(
    action: Action,
    *,
    case: str | None = None,
    media: str | None = None,
    contact: str | None = None,
) -> Callable[[Handler], Handler]:
    """Every API handler says what it does: the agent is authenticated and authorised
    (auth.authorize, against the OPD of the case the path names) before the handler runs."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            principal = await require_agent(request)
            if contact is not None:
                await _check_contact(request, principal, contact)
            opd_id = await _opd_of(request, case, media)
            try:
                authorize(principal, action, opd_id)
            except Denied as exc:
                if exc.code == "not_found":
                    raise api_error(404, "not_found", f"{_noun(case)} not found") from None
                raise api_error(403, exc.code, str(exc)) from None
            request[PRINCIPAL] = principal
            return await handler(request)

        checked.permission = action  # type: ignore[attr-defined]
        scope = "case" if case else "media" if media else "contact" if contact else None
        checked.scope = scope  # type: ignore[attr-defined]
        return checked

    return wrap


def public(handler: Handler) -> Handler:
    """A route anyone may call (log in, health, the API document)."""
    handler.permission = None  # type: ignore[attr-defined]
    handler.scope = None  # type: ignore[attr-defined]
    return handler


def principal_of(request: web.Request) -> Principal:
    return request[PRINCIPAL]


async def _opd_of(request: web.Request, case: str | None, media: str | None) -> int | None:
    """The OPD that owns the case (or the file's case) the path names; 404 when none."""
    if case is not None:
        try:
            conv_id = db_int(request.match_info[case])
        except ValueError:
            raise api_error(404, "not_found", "conversation not found") from None
    elif media is not None:
        found = await request.app[SERVICE].media.get(request.match_info[media])
        if found is None or found.conversation_id is None:
            raise api_error(404, "not_found", "file not found")
        conv_id = found.conversation_id
    else:
        return None
    opd_id = await request.app[SERVICE].case_opd(conv_id)
    if opd_id is None:
        raise api_error(404, "not_found", f"{_noun(case)} not found")
    return opd_id


async def _check_contact(request: web.Request, principal: Principal, name: str) -> None:
    """A resident is visible to an agent who may see one of their cases; otherwise 404."""
    try:
        contact_id = db_int(request.match_info[name])
    except ValueError:
        raise api_error(404, "not_found", "contact not found") from None
    if not await request.app[SERVICE].sees_contact(principal, contact_id):
        raise api_error(404, "not_found", "contact not found")


def _noun(case: str | None) -> str:
    return "conversation" if case is not None else "file"


async def require_agent(request: web.Request) -> Principal:
    cookie = request.cookies.get(SESSION_COOKIE)
    authorization = request.headers.get("Authorization")
    # A cookie's cross-site use was refused before (hub/csrf.py).
    principal = await request.app[AUTH].authenticate(cookie, authorization)
    if principal is None:
        raise api_error(401, "unauthorized", "log in or send a valid API token")
    return principal


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise api_error(413, "too_large", f"body over {MAX_JSON} bytes")
    try:
        raw = await read_limited(request.content, MAX_JSON)
    except BodyTooLarge:
        raise api_error(413, "too_large", f"body over {MAX_JSON} bytes") from None
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: too deep
        raise api_error(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise api_error(400, "bad_json", "the body must be a JSON object")
    if not _clean(data, MAX_DEPTH):
        raise api_error(
            400, "bad_json", f"NUL characters, huge numbers or nesting over {MAX_DEPTH} levels"
        )
    return data


def db_int(raw: str) -> int:
    """A number from a path or query, within what a database integer holds (ValueError)."""
    value = int(raw)
    if not -BIGINT <= value <= BIGINT:
        raise ValueError(f"{raw[:20]}... is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json accepts NaN and Infinity


def _clean(value: Any, depth: int) -> bool:
    """No NUL character in any string or key (PostgreSQL refuses them in text), and no
    nesting deeper than `depth`: what handlers and the database can take."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, int):
        return -BIGINT <= value <= BIGINT  # what a database integer holds
    if isinstance(value, dict):
        return depth > 0 and all("\x00" not in k and _clean(v, depth - 1) for k, v in value.items())
    if isinstance(value, list):
        return depth > 0 and all(_clean(v, depth - 1) for v in value)
    return True


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
        return db_int(raw)
    except ValueError:
        raise api_error(400, "bad_request", f"{name} must be an integer") from None


def path_id(request: web.Request) -> int:
    try:
        return db_int(request.match_info["id"])
    except ValueError:
        raise api_error(404, "not_found", "conversation not found") from None


#: Kinds of JSON fields `fields` checks, and how an error names them.
FIELD_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "str": ((str,), "a string"),
    "bool": ((bool,), "true or false"),
    "int": ((int,), "an integer"),
    "int?": ((int, type(None)), "an integer or null"),
    "list": ((list,), "a list"),
    "dict": ((dict,), "an object"),
}


def fields(data: dict[str, Any], **kinds: str) -> dict[str, Any]:
    """The named fields present in the body, each of its kind (400 otherwise): a change
    names only what it changes."""
    found = {}
    for name, kind in kinds.items():
        if name not in data:
            continue
        value = data[name]
        types, what = FIELD_KINDS[kind]
        if (isinstance(value, bool) and kind != "bool") or not isinstance(value, types):
            raise api_error(400, "bad_request", f"{name} must be {what}")
        found[name] = value
    return found


def required(found: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if n not in found]
    if missing:
        raise api_error(400, "bad_request", f"{', '.join(missing)} required")


def path_int(request: web.Request, name: str, what: str) -> int:
    try:
        return db_int(request.match_info[name])
    except ValueError:
        raise api_error(404, "not_found", f"{what} not found") from None
