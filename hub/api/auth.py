"""POST /api/v1/auth/login, POST /api/v1/auth/logout, POST /api/v1/auth/password,
GET /api/v1/me. (Cross-site requests are refused before these run: hub/csrf.py.)"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.deps import allow, json_body, principal_of, public, text_field
from hub.api.errors import api_error
from hub.api.track import THROTTLE
from hub.auth import SESSION_COOKIE, Action, BadPassword, Principal, session_room
from hub.channel import end_sessions
from hub.keys import AUTH, SERVICE, SETTINGS
from hub.limits import LOGINS, LoginThrottled
from hub.realtime import AGENT_NS, disconnect_agent


def agent_view(request: web.Request, principal: Principal) -> dict[str, Any]:
    opd = request.app[SERVICE].directory.opds.get(principal.opd_id or 0)
    return {
        "id": principal.id,
        "name": principal.name,
        "email": principal.email,
        "role": str(principal.role),
        "opd": opd.view() if opd else None,
    }


def throttled(exc: LoginThrottled) -> web.HTTPException:
    minutes = max(1, round(exc.retry_after / 60))
    error = api_error(
        429,
        "too_many_attempts",
        f"too many failed logins; try again in {minutes} minute(s)",
        retry_after=exc.retry_after,
    )
    error.headers["Retry-After"] = str(exc.retry_after)
    return error


@public
async def login(request: web.Request) -> web.Response:
    data = await json_body(request)
    email = text_field(data, "email") or ""
    password = text_field(data, "password") or ""
    logins, address = request.app[LOGINS], request.app[THROTTLE].client(request)
    try:
        await logins.check(email, address)
    except LoginThrottled as exc:
        raise throttled(exc) from None
    result = await request.app[AUTH].login(email, password)
    if result is None:
        await logins.failed(email, address)
        raise api_error(401, "invalid_credentials", "email or password is wrong")
    await logins.succeeded(email, address)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # one browser, one session: the one it had ends
        await end_session(request, previous)
    principal, token = result
    response = web.json_response({"agent": agent_view(request, principal)})
    set_session_cookie(request, response, token)
    return response


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """HttpOnly, SameSite=Lax, and Secure when the console is reached over TLS (public_url
    is https, or a trusted proxy says so), unless server.cookie_secure decides."""
    settings = request.app[SETTINGS]
    secure = settings.server.cookie_secure
    if secure is None:
        over_tls = request.app[THROTTLE].scheme(request) == "https"
        secure = settings.server.public_url.startswith("https://") or over_tls
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.sessions.max_age_hours * 3600,
        httponly=True,
        secure=secure,
        samesite="Lax",
        path="/",
    )


async def end_session(request: web.Request, token: str) -> None:
    """The session ends, and the console sockets opened with it hang up (every process)."""
    await request.app[AUTH].logout(token)
    sio = request.app[SERVICE].sio
    await end_sessions(sio, AGENT_NS, session_room(token), "signed_out")


@public
async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await end_session(request, token)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@allow(Action.SELF)
async def change_password(request: web.Request) -> web.Response:
    """The agent's own password. Every session of theirs ends and every console of theirs
    hangs up; the browser that asked gets a new session (it need not log in again)."""
    principal = principal_of(request)
    data = await json_body(request)
    current = text_field(data, "current_password") or ""
    new = text_field(data, "new_password") or ""
    logins, address = request.app[LOGINS], request.app[THROTTLE].client(request)
    try:
        await logins.check(principal.email, address)
    except LoginThrottled as exc:
        raise throttled(exc) from None
    try:
        changed = await request.app[AUTH].change_password(principal.id, current, new)
    except BadPassword as exc:
        raise api_error(400, "bad_password", str(exc)) from None
    if not changed:
        await logins.failed(principal.email, address)
        raise api_error(403, "wrong_password", "the current password is wrong")
    await disconnect_agent(request.app[SERVICE].sio, principal.id)
    response = web.json_response({"agent": agent_view(request, principal)})
    if request.cookies.get(SESSION_COOKIE):
        set_session_cookie(request, response, await request.app[AUTH].open_session(principal.id))
    return response


@allow(Action.SELF)
async def me(request: web.Request) -> web.Response:
    principal = principal_of(request)
    return web.json_response({"agent": agent_view(request, principal)})
