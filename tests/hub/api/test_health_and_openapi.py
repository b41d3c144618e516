"""GET /healthz and the OpenAPI document, which must describe every API route."""

from __future__ import annotations

from typing import Any

import aiohttp

from hub.api import ROUTES
from hub.api.openapi import DOCUMENT


async def test_healthz_is_200_when_storage_answers(hub: Any) -> None:
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}/healthz")
        assert r.status == 200
        assert (await r.json())["storage"] == "ok"


async def test_healthz_is_503_when_storage_is_gone(hub: Any) -> None:
    await hub.store.stop()
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}/healthz")
    assert r.status == 503
    assert (await r.json())["storage"] == "unavailable"
    await hub.store.start()


async def test_openapi_lists_every_route_of_the_router(hub: Any) -> None:
    async with aiohttp.ClientSession() as http:
        doc = await (await http.get(f"{hub.url}/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    for method, path, _ in ROUTES:
        assert method.lower() in doc["paths"][path], f"{method} {path} is missing from OpenAPI"
    documented = {(m.upper(), p) for p, ops in DOCUMENT["paths"].items() for m in ops}
    assert documented == {(m, p) for m, p, _ in ROUTES}
