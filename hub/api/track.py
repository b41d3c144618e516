"""GET /api/v1/track/{code}: the public view of a case by its tracking code (no login).

The /lacak page shows the same answer: both count against one limit per client address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from hub import progress
from hub.api.deps import public
from hub.api.errors import api_error
from hub.keys import SERVICE, SETTINGS
from hub.throttle import Throttle
from hub.tracking import normalize

THROTTLE = web.AppKey("track_throttle", Throttle)
#: Nobody keeps or passes on a case's public view: it changes, and the code is a secret.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class Lookup:
    case: dict[str, Any] | None
    retry_after: int = 0  # > 0: refused by the rate limit


async def look_up(request: web.Request, typed: str) -> Lookup:
    """A tracking code as a resident typed it -> its public view (None: no such case)."""
    wait = await request.app[THROTTLE].check(request, "track")
    if wait:
        return Lookup(None, wait)
    service = request.app[SERVICE]
    names = request.app[SETTINGS].tracking.show_agent_names
    code = normalize(typed) or ""  # a malformed code is looked up too: same cost, no case
    case = await service.store.read(
        lambda c: progress.public_case(c, service.directory, code, agent_names=names)
    )
    return Lookup(case)


@public
async def track(request: web.Request) -> web.Response:
    found = await look_up(request, request.match_info["code"])
    if found.retry_after:
        error = api_error(429, "rate_limited", "too many lookups; try again later")
        error.headers.update(HEADERS)
        error.headers["Retry-After"] = str(found.retry_after)
        raise error
    if found.case is None:
        error = api_error(404, "not_found", "no case with this tracking code")
        error.headers.update(HEADERS)
        raise error
    return web.json_response(found.case, headers=HEADERS)
