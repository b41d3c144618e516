"""GET /healthz: 200 when storage answers, 503 otherwise. Storage that answers reads but
refuses writes (the disk full, the file read-only, the database locked by another process)
is "writes_failing": 503 too, for the process cannot take a message then, and a balancer
or an operator should see it. With Redis, its link and the Socket.IO subscription are
shown too; a Redis outage is "degraded" but still 200, for the process goes on serving its
own sockets and a balancer should keep sending them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.deps import public
from hub.keys import REDIS, STORE


@public
async def healthz(request: web.Request) -> web.Response:
    store = request.app[STORE]
    ok = await store.ping()
    body: dict[str, Any] = {"status": "ok", "storage": "ok" if ok else "unavailable"}
    if ok and store.write_failure is not None:
        ok = False
        body["storage"] = "writes_failing"
        body["storage_error"] = store.write_failure
    manager = request.app.get(REDIS)
    if manager is not None:
        linked = await manager.ping()
        body["redis"] = {"ok": linked, "subscriber": manager.subscriber}
        if not linked or manager.subscriber != "listening":
            body["status"] = "degraded"
    if not ok:
        body["status"] = "degraded"
    return web.json_response(body, status=200 if ok else 503)
