"""GET /healthz: 200 when storage answers, 503 otherwise."""

from __future__ import annotations

from aiohttp import web

from hub.api.deps import public
from hub.keys import STORE


@public
async def healthz(request: web.Request) -> web.Response:
    ok = await request.app[STORE].ping()
    body = {"status": "ok" if ok else "degraded", "storage": "ok" if ok else "unavailable"}
    return web.json_response(body, status=200 if ok else 503)
