"""GET /metrics: the Prometheus text format, for a scraper with the token or, when no token
is configured, for the allowed addresses only (to anyone else the route does not exist)."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from hub.api.deps import public
from hub.api.track import THROTTLE
from hub.keys import SERVICE, SETTINGS, STORE

#: Headers a reverse proxy adds: a request that carries one came through a proxy.
FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


@public
async def metrics(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS].metrics
    if settings.token:
        if not has_token(request, settings.token):
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    elif not from_allowed_address(request):
        raise web.HTTPNotFound()
    service = request.app[SERVICE]
    body = await service.metrics.render(request.app[STORE], service.sio)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def has_token(request: web.Request, token: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def from_allowed_address(request: web.Request) -> bool:
    """The client's address (behind a trusted proxy, the one it forwarded) is allowed.

    A request relayed by a proxy we do not trust is refused whatever its peer: nginx on the
    same host would otherwise make every outside scrape look like one from 127.0.0.1."""
    settings = request.app[SETTINGS]
    proxied = any(name in request.headers for name in FORWARDED)
    if proxied and not within(request.remote or "", settings.server.trusted_proxies):
        return False
    return within(request.app[THROTTLE].client(request), settings.metrics.allow)


def within(address: str, networks: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)
