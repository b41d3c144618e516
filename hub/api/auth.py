"""POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/me."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.deps import allow, check_origin, json_body, principal_of, public, text_field
from hub.api.errors import api_error
from hub.auth import SESSION_COOKIE, Action, Principal
from hub.keys import AUTH, SERVICE, SETTINGS


def agent_view(request: web.Request, principal: Principal) -> dict[str, Any]:
    opd = request.app[SERVICE].directory.opds.get(principal.opd_id or 0)
    return {
        "id": principal.id,
        "name": principal.name,
        "email": principal.email,
        "role": str(principal.role),
        "opd": opd.view() if opd else None,
    }


@public
async def login(request: web.Request) -> web.Response:
    check_origin(request)
    data = await json_body(request)
    email = text_field(data, "email") or ""
    password = text_field(data, "password") or ""
    result = await request.app[AUTH].login(email, password)
    if result is None:
        raise api_error(401, "invalid_credentials", "email or password is wrong")
    principal, token = result
    response = web.json_response({"agent": agent_view(request, principal)})
    settings = request.app[SETTINGS]
    secure = settings.server.cookie_secure
    if secure is None:
        secure = settings.server.public_url.startswith("https://")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.sessions.max_age_hours * 3600,
        httponly=True,
        secure=secure,
        samesite="Lax",
        path="/",
    )
    return response


@public
async def logout(request: web.Request) -> web.Response:
    check_origin(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await request.app[AUTH].logout(token)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@allow(Action.SELF)
async def me(request: web.Request) -> web.Response:
    principal = principal_of(request)
    return web.json_response({"agent": agent_view(request, principal)})
