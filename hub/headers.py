"""Security headers on every answer, and the Content-Security-Policy of the hub's pages.

Every answer: `X-Content-Type-Options: nosniff` and `Referrer-Policy:
strict-origin-when-cross-origin` (a handler's own wins: the tracking page and its API send
`no-referrer`, their URLs carry a tracking code). Over TLS (public_url https, a TLS
connection, or `X-Forwarded-Proto: https` from a trusted proxy): `Strict-Transport-Security`.
An HTML page without a policy of its own (the console, the demo site) gets PAGE_POLICY:
scripts and styles from the hub's own files only — no 'unsafe-inline', no eval — and no
framing. The widget frame is framed by the sites its inbox lists (`allowed_origins`).
Headers are added as a response is prepared, so streamed answers and errors get them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from yarl import URL

from hub.api.track import THROTTLE
from hub.keys import SETTINGS

HSTS = "max-age=31536000"
REFERRER = "strict-origin-when-cross-origin"
#: An origin a widget inbox may be framed by: https://pupr.kota.go.id, https://*.kota.go.id,
#: http://localhost:8000.
ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$")


def page_policy(frame_ancestors: str = "'none'") -> str:
    """The CSP of an HTML page of ours: nothing inline runs, nothing from elsewhere loads.
    (blob: images are the console's previews of a file before it is uploaded.)"""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


PAGE_POLICY = page_policy()


def check_origins(options: dict[str, Any]) -> list[str]:
    """Problems with a widget inbox's `allowed_origins`, one line each."""
    value = options.get("allowed_origins", [])
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        return ['allowed_origins: expected a list of origins like ["https://pupr.kota.go.id"]']
    return [
        f"allowed_origins: {o!r} is not an origin like https://pupr.kota.go.id (no path)"
        for o in value
        if not ORIGIN.match(o)
    ]


def frame_ancestors(options: dict[str, Any], public_url: str) -> str:
    """Who may frame a widget inbox's frame: the hub itself and the inbox's sites."""
    listed = options.get("allowed_origins", [])
    sites: Iterable[str] = listed if isinstance(listed, list) else []
    found = ["'self'", origin(public_url)]
    found += [o.rstrip("/") for o in sites if isinstance(o, str) and ORIGIN.match(o)]
    return " ".join(dict.fromkeys(found))


def origin(url: str) -> str:
    parts = URL(url)
    return str(parts.origin()) if parts.absolute else "'self'"


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the headers every answer carries (a handler's own win)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER)
    if over_tls(request):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if response.content_type == "text/html" and "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = PAGE_POLICY
        headers.setdefault("X-Frame-Options", "DENY")


def over_tls(request: web.Request) -> bool:
    if request.app[SETTINGS].server.public_url.startswith("https://"):
        return True
    throttle = request.app.get(THROTTLE)
    scheme = throttle.scheme(request) if throttle is not None else request.scheme
    return scheme == "https"


def install(app: web.Application) -> None:
    app.on_response_prepare.append(add_headers)
