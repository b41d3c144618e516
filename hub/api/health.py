"""GET /healthz: 200 when storage answers, 503 otherwise. With Redis, its link and the
Socket.IO subscription are shown too; a Redis outage is "degraded" but still 200, for
the process goes on serving its own sockets and a balancer should keep sending them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.deps import public
from hub.keys import REDIS, STORE


@public
async def healthz(request: web.Request) -> web.Response:
    ok = await request.app[STORE].ping()
    body: dict[str, Any] = {"status": "ok", "storage": "ok" if ok else "unavailable"}
    manager = request.app.get(REDIS)
    if manager is not None:
        linked = await manager.ping()
        body["redis"] = {"ok": linked, "subscriber": manager.subscriber}
        if not linked or manager.subscriber != "listening":
            body["status"] = "degraded"
    if not ok:
        body["status"] = "degraded"
    return web.json_response(body, status=200 if ok else 503)
