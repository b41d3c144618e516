"""CSRF defence: what an agent's session cookie does must come from our own pages.

The cookie is SameSite=Lax, which keeps other sites' forms and scripts from sending it,
but not pages of the same site (an OPD website on another subdomain of kota.go.id is
"same-site" with kanal.kota.go.id). So every state-changing request (POST, PUT, PATCH,
DELETE) that carries the cookie must name an allowed origin in `Origin` (or, when a
browser left that out, `Referer`), and so must a Socket.IO handshake that carries it (a
console socket opened by another page could act as the agent). Allowed: the origin of
server.public_url, of server.allowed_origins, and the one the request was addressed to
(the console's own pages, wherever the hub is reached).

Exempt: requests with `Authorization` (API tokens are not sent by browsers on their own),
provider webhooks (signed, never cookie-authenticated), and requests without the cookie
(except the login itself: a foreign page must not log a browser in as someone else).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from hub.api.deps import Handler
from hub.api.errors import api_error
from hub.api.track import THROTTLE
from hub.auth import SESSION_COOKIE
from hub.keys import SETTINGS

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN = "/api/v1/auth/login"
EXEMPT = ("/webhooks/",)
SOCKETS = "/socket.io/"


def origin(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower case; None when it has none."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def sent_origin(request: web.Request) -> str | None:
    """Where the request comes from, as the browser says: Origin ("null" from a sandboxed
    or privacy-redirected page stays "null", which no list allows), else Referer's."""
    given = request.headers.get("Origin")
    if given is not None:
        return given.strip().lower()
    referer = request.headers.get("Referer")
    return origin(referer) if referer else None


def allowed(request: web.Request) -> set[str]:
    server = request.app[SETTINGS].server
    found = {origin(server.public_url)} | {origin(o) for o in server.allowed_origins}
    found.add(f"{request.app[THROTTLE].scheme(request)}://{request.host}".lower())
    return {o for o in found if o is not None}


def refusal(request: web.Request) -> str | None:
    """Why this request is refused, or None when it may go on."""
    if request.path.startswith(EXEMPT) or "Authorization" in request.headers:
        return None
    cookie = SESSION_COOKIE in request.cookies
    if request.method in UNSAFE:
        if not cookie and request.path != LOGIN:
            return None
    elif not (cookie and request.path.startswith(SOCKETS)):
        return None
    sent = sent_origin(request)
    if sent is None:
        # A browser always names the origin of a POST; only a cross-site one would hide it.
        needed = cookie and request.method in UNSAFE and request.path != LOGIN
        return "an Origin header is required with a session cookie" if needed else None
    if sent not in allowed(request):
        return f"cross-site request from {sent} refused"
    return None


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    reason = refusal(request)
    if reason is not None:
        raise api_error(403, "bad_origin", reason)
    return await handler(request)
