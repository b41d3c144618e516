"""One authorisation decides for every route and socket event: each declares what it does,
and each role gets exactly what its rules allow — a case of another OPD is "not found"."""

from __future__ import annotations

import inspect
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from hub import catalog, deadlines
from hub.api import ROUTES
from hub.auth import RULES, Action
from hub.models import Role
from hub.realtime import AgentNamespace
from hub.store import schema as s
from tests.hub.api.test_conversations import bearer, seed_cases
from tests.hub.test_realtime import A, agent

#: Routes a channel authenticates itself (a provider's signature or secret).
CHANNEL_ROUTES = ("/webhooks/",)
SOCKET_EVENTS = {
    name[3:]: member
    for name, member in inspect.getmembers(AgentNamespace, inspect.isfunction)
    if name.startswith("on_") and name not in ("on_connect", "on_disconnect")
}


def app_routes(hub: Any) -> list[tuple[str, str, Any]]:
    found = []
    for route in hub.app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith(("/socket.io", *CHANNEL_ROUTES)) or route.method == "HEAD":
            continue
        found.append((route.method, path, route.handler))
    return found


def test_every_route_and_event_declares_its_rule(hub: Any) -> None:
    undeclared = [f"{m} {p}" for m, p, h in app_routes(hub) if not hasattr(h, "permission")]
    assert undeclared == [], "routes without @allow or @public"
    silent = [name for name, handler in SOCKET_EVENTS.items() if not hasattr(handler, "permission")]
    assert silent == [], "socket events without @guarded(action)"


async def fixtures(hub: Any) -> dict[str, Any]:
    """A PUPR case with a message and a file, and one agent of each role and OPD."""
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    tokens = {
        "pupr_agent": await hub.token("budi@pupr.go.id", "pupr", "agent"),
        "pupr_supervisor": await hub.token("kabid@pupr.go.id", "pupr", "supervisor"),
        "kominfo_agent": await hub.token("sari@kominfo.go.id", "diskominfo", "agent"),
        "kominfo_supervisor": await hub.token("kabid@kominfo.go.id", "diskominfo", "supervisor"),
        "admin": await hub.token("admin@kota.go.id", "diskominfo", "admin"),
    }
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/media",
            data=b"\xff\xd8\xff foto",
            headers={**bearer(tokens["pupr_agent"]), "Content-Type": "image/jpeg"},
        )
        media_id = (await r.json())["media"]["media_id"]
    contact = await hub.store.read(
        lambda c: c.execute(
            select(s.conversation.c.contact_id).where(s.conversation.c.id == conv_id)
        ).scalar()
    )
    return {
        "contact": contact,
        "conv": conv_id,
        "media": media_id,
        "message": 1,
        "tokens": tokens,
        "admin": await admin_fixtures(hub),
    }


async def admin_fixtures(hub: Any) -> dict[str, str]:
    """One of each thing the admin routes name; the agent is one nobody logs in as."""
    org = hub.service.directory.organization_id
    pupr = hub.service.directory.opd_by_slug("pupr").id
    inbox = hub.service.directory.inbox_by_key("web-pupr").id
    spare = await hub.add_agent("cadangan@pupr.go.id", "pupr")

    def job(conn: Any) -> dict[str, str]:
        return {
            "{opd_id}": str(pupr),
            "{agent_id}": str(spare),
            "{inbox_id}": str(inbox),
            "{category_id}": str(
                catalog.create_category(conn, org, "Jalan rusak", pupr, True)["id"]
            ),
            "{canned_id}": str(
                catalog.create_canned(conn, org, "salam", "Halo {nama}", None)["id"]
            ),
            "{area_id}": str(catalog.add_area(conn, org, "Sirimau", "Batu Merah")["id"]),
            "{policy_id}": str(deadlines.save(conn, org, pupr, None, {"preset": "1x24"})),
        }

    return await hub.store.write(job)


def fill(path: str, seeded: dict[str, Any]) -> str:
    path = (
        path.replace("{id}", str(seeded["conv"]))
        .replace("{message_id}", str(seeded["message"]))
        .replace("{media_id}", seeded["media"])
        .replace("{contact_id}", str(seeded["contact"]))
    )
    for name, value in seeded["admin"].items():
        path = path.replace(name, value)
    return path


ROLE_OF = {
    "pupr_agent": Role.AGENT,
    "pupr_supervisor": Role.SUPERVISOR,
    "kominfo_agent": Role.AGENT,
    "kominfo_supervisor": Role.SUPERVISOR,
    "admin": Role.ADMIN,
}


async def test_each_role_gets_exactly_what_its_rules_allow(hub: Any) -> None:
    seeded = await fixtures(hub)
    problems = []
    async with aiohttp.ClientSession() as http:
        for method, path, handler in ROUTES:
            action: Action | None = handler.permission
            url = f"{hub.url}{fill(path, seeded)}"
            if action is None:
                continue
            anonymous = await http.request(method, url, json={})
            if anonymous.status != 401:
                problems.append(f"{method} {path} anonymous: {anonymous.status}")
            for who, token in seeded["tokens"].items():
                answer = await http.request(method, url, json={}, headers=bearer(token))
                outsider = handler.scope is not None and who.startswith("kominfo")
                allowed = action in RULES[ROLE_OF[who]]
                expected = {404} if outsider else set() if allowed else {403}
                ok = answer.status in expected if expected else answer.status not in (401, 403, 404)
                if not ok:
                    problems.append(f"{method} {path} as {who}: {answer.status}")
    assert problems == []


@pytest.mark.parametrize("event", sorted(n for n, h in SOCKET_EVENTS.items() if h.scope))
async def test_no_socket_event_reaches_another_opds_case(
    hub: Any, sockets: Any, event: str
) -> None:
    seeded = await fixtures(hub)
    outsider = await agent(hub, sockets, "sari2@kominfo.go.id", "diskominfo")
    insider = await agent(hub, sockets, "budi2@pupr.go.id", "pupr")
    payload = {"conversation_id": seeded["conv"]}
    denied = await outsider.call(event, payload, namespace=A)
    assert denied["ok"] is False and denied["error"]["code"] == "not_found"
    answered = await insider.call(event, payload, namespace=A)
    assert answered.get("error", {}).get("code") not in ("not_found", "forbidden")
