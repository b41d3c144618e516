"""The admin console's API: OPDs, agents and inboxes, as the coordinator manages them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from sqlalchemy import select

from hub import admin
from hub.keys import SETTINGS
from hub.store import schema as s
from tests.channels.telegram.conftest import TOKEN
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.whatsapp.conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID
from tests.conftest import PASSWORD
from tests.hub.api.test_conversations import bearer
from tests.waiting import wait_for

TELEGRAM_UPDATE = Path(__file__).parents[2] / "channels/telegram/fixtures/message__text.json"


class Admin:
    """An admin's API client (bearer token)."""

    def __init__(self, hub: Any, http: aiohttp.ClientSession, token: str) -> None:
        self.hub, self.http, self.headers = hub, http, bearer(token)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url = f"{self.hub.url}/api/v1{path}"
        async with self.http.request(method, url, json=body, headers=self.headers) as r:
            return r.status, (await r.json() if r.status != 204 else None)

    async def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        got, data = await self.call(method, path, body)
        assert got == status, data
        return data

    async def error(self, method: str, path: str, body: Any, status: int, code: str) -> str:
        got, data = await self.call(method, path, body)
        assert (got, data["error"]["code"]) == (status, code), data
        return str(data["error"]["message"])


@pytest.fixture
async def boss(hub: Any) -> AsyncIterator[Admin]:
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        yield Admin(hub, http, token)


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()


def opd_id(hub: Any, slug: str) -> int:
    found = hub.service.directory.opd_by_slug(slug)
    assert found is not None
    return int(found.id)


# -- OPDs --------------------------------------------------------------------------------
async def test_an_opd_is_added_renamed_and_deactivated(hub: Any, boss: Admin) -> None:
    body = {"slug": "dinsos", "name": "Dinas Sosial"}
    opd = (await boss.ok("POST", "/admin/opds", body, 201))["opd"]
    assert opd | {"id": 0} == {
        "id": 0,
        "slug": "dinsos",
        "name": "Dinas Sosial",
        "coordinator": False,
        "active": True,
        "managed": "console",
        "agents": 0,
        "inboxes": 0,
    }
    assert hub.service.directory.opd_by_slug("dinsos") is not None  # known without a restart
    await boss.error("POST", "/admin/opds", body, 409, "duplicate")
    await boss.error(
        "POST", "/admin/opds", {"slug": "Dinas Sosial!", "name": "x"}, 400, "bad_request"
    )
    await boss.error("POST", "/admin/opds", {"slug": "x"}, 400, "bad_request")

    path = f"/admin/opds/{opd['id']}"
    renamed = await boss.ok("PATCH", path, {"name": "Dinas Sosial dan P3A"})
    assert renamed["opd"]["name"] == "Dinas Sosial dan P3A"
    assert hub.service.directory.opds[opd["id"]].name == "Dinas Sosial dan P3A"
    gone = await boss.ok("PATCH", path, {"active": False})
    assert gone["opd"]["active"] is False
    await boss.error(
        "POST",
        "/admin/agents",
        {"email": "a@dinsos.go.id", "name": "A", "role": "agent", "opd_id": opd["id"]},
        409,
        "inactive",
    )
    listed = (await boss.ok("GET", "/admin/opds"))["items"]
    assert {o["slug"]: o["active"] for o in listed} == {
        "diskominfo": True,
        "pupr": True,
        "dinsos": False,
    }


async def test_an_opd_with_inboxes_or_agents_stays_active(hub: Any, boss: Admin) -> None:
    pupr = opd_id(hub, "pupr")
    message = await boss.error("PATCH", f"/admin/opds/{pupr}", {"active": False}, 409, "in_use")
    assert "inbox" in message


async def test_what_the_config_declares_is_read_only(hub: Any, boss: Admin) -> None:
    pupr = opd_id(hub, "pupr")
    await boss.error("PATCH", f"/admin/opds/{pupr}", {"name": "PU"}, 409, "managed_by_config")
    new = (await boss.ok("POST", "/admin/opds", {"slug": "bpbd", "name": "BPBD"}, 201))["opd"]
    # Diskominfo is the coordinator by the config: moving it would be undone at restart.
    await boss.error(
        "PATCH", f"/admin/opds/{new['id']}", {"coordinator": True}, 409, "managed_by_config"
    )
    assert (await boss.ok("PATCH", f"/admin/opds/{pupr}", {"name": "Dinas PUPR"}))["opd"]


async def test_marking_the_coordinator_unmarks_the_previous_one(hub: Any) -> None:
    org = hub.service.directory.organization_id

    def job(conn: Any) -> list[str]:
        a = admin.create_opd(conn, org, admin.Managed(), "bpbd", "BPBD")
        b = admin.create_opd(conn, org, admin.Managed(), "dinsos", "Dinas Sosial")
        admin.update_opd(conn, org, admin.Managed(), a["id"], {"coordinator": True})
        admin.update_opd(conn, org, admin.Managed(), b["id"], {"coordinator": True})
        rows = conn.execute(select(s.opd.c.slug).where(s.opd.c.coordinator.is_(True)))
        return [r.slug for r in rows]

    assert await hub.store.write(job) == ["dinsos"]


# -- agents ------------------------------------------------------------------------------
async def test_a_new_agent_gets_a_password_shown_once_that_logs_in(hub: Any, boss: Admin) -> None:
    body = {
        "email": "Wati@PUPR.go.id",
        "name": "Wati",
        "role": "agent",
        "opd_id": opd_id(hub, "pupr"),
    }
    created = await boss.ok("POST", "/admin/agents", body, 201)
    agent, password = created["agent"], created["password"]
    assert agent["email"] == "wati@pupr.go.id" and agent["opd"]["slug"] == "pupr"
    assert agent["active"] is True and agent["capacity"] == 10 and agent["role"] == "agent"
    assert len(password) == 14 and password.count("-") == 2
    async with aiohttp.ClientSession() as http:
        login = {"email": "wati@pupr.go.id", "password": password}
        r = await http.post(f"{hub.url}/api/v1/auth/login", json=login)
        assert r.status == 200
    listed = (await boss.ok("GET", "/admin/agents"))["items"]
    assert [a["email"] for a in listed] == ["admin@kota.go.id", "wati@pupr.go.id"]
    assert all("password" not in json.dumps(a) for a in listed)
    await boss.error("POST", "/admin/agents", body, 409, "duplicate")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "x", "name": "X", "role": "agent", "opd_id": 1}, 400, "bad_request"),
        ({"email": "x@y.id", "name": "X", "role": "boss", "opd_id": 1}, 400, "bad_request"),
        ({"email": "x@y.id", "name": "X", "role": "agent"}, 400, "bad_request"),
        ({"email": "x@y.id", "name": "X", "role": "agent", "opd_id": 999}, 404, "not_found"),
        ({"email": "x@y.id", "name": "", "role": "agent", "opd_id": 1}, 400, "bad_request"),
        ({"email": "x@y.id", "name": "X", "role": "agent", "opd_id": "1"}, 400, "bad_request"),
        ({"email": "x@y.id", "name": "X", "role": "agent", "opd_id": 1, "capacity": -1}, 400,
         "bad_request"),
    ],
)  # fmt: skip
async def test_a_bad_agent_is_refused(
    boss: Admin, body: dict[str, Any], status: int, code: str
) -> None:
    await boss.error("POST", "/admin/agents", body, status, code)


async def test_role_opd_and_capacity_change(hub: Any, boss: Admin) -> None:
    agent_id = await hub.add_agent("budi@pupr.go.id", "pupr")
    changes = {"role": "supervisor", "opd_id": opd_id(hub, "diskominfo"), "capacity": 4}
    agent = (await boss.ok("PATCH", f"/admin/agents/{agent_id}", changes))["agent"]
    assert (agent["role"], agent["opd"]["slug"], agent["capacity"]) == (
        "supervisor",
        "diskominfo",
        4,
    )
    # An admin may work without an OPD; an agent may not.
    await boss.error(
        "PATCH", f"/admin/agents/{agent_id}", {"role": "agent", "opd_id": None}, 400, "bad_request"
    )
    me = (await boss.ok("GET", "/admin/agents"))["items"][0]
    assert me["email"] == "admin@kota.go.id"
    await boss.error("PATCH", f"/admin/agents/{me['id']}", {"active": False}, 409, "self")
    await boss.error("PATCH", f"/admin/agents/{me['id']}", {"role": "agent"}, 409, "self")
    await boss.error("PATCH", "/admin/agents/999", {"name": "X"}, 404, "not_found")


async def login(hub: Any, email: str, password: str = PASSWORD) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    r = await http.post(f"{hub.url}/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status == 200
    return http


async def test_deactivation_ends_sessions_and_api_tokens_at_once(hub: Any, boss: Admin) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    agent_id = (await boss.ok("GET", "/admin/agents"))["items"][1]["id"]
    http = await login(hub, "budi@pupr.go.id")
    try:
        assert (await http.get(f"{hub.url}/api/v1/me")).status == 200
        await boss.ok("PATCH", f"/admin/agents/{agent_id}", {"active": False})
        assert (await http.get(f"{hub.url}/api/v1/me")).status == 401
        me = await http.get(f"{hub.url}/api/v1/me", headers=bearer(token))
        assert me.status == 401
        again = {"email": "budi@pupr.go.id", "password": PASSWORD}
        assert (await http.post(f"{hub.url}/api/v1/auth/login", json=again)).status == 401
    finally:
        await http.close()
    sessions = await hub.store.read(
        lambda c: c.execute(
            select(s.agent_session).where(s.agent_session.c.agent_id == agent_id)
        ).all()
    )
    assert sessions == []
    # Back at work: a password works again, the revoked token never does.
    await boss.ok("PATCH", f"/admin/agents/{agent_id}", {"active": True})
    async with aiohttp.ClientSession() as fresh:
        me = await fresh.get(f"{hub.url}/api/v1/me", headers=bearer(token))
        assert me.status == 401
    await (await login(hub, "budi@pupr.go.id")).close()


async def test_a_deactivated_agents_console_socket_is_hung_up_at_once(
    hub: Any, boss: Admin, sockets: Any
) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    other = await hub.token("sari@pupr.go.id", "pupr")
    budi = await sockets(hub.url, "/agent", auth={"token": token})
    sari = await sockets(hub.url, "/agent", auth={"token": other})
    hello = await wait_for(budi, "hello")
    await boss.ok("PATCH", f"/admin/agents/{hello['agent']['id']}", {"active": False})
    for _ in range(100):
        if not budi.connected:
            break
        await asyncio.sleep(0.01)
    assert not budi.connected
    assert sari.connected  # only that agent's sockets
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sockets(hub.url, "/agent", auth={"token": token})


async def test_a_new_role_reconnects_the_console_with_it(
    hub: Any, boss: Admin, sockets: Any
) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    budi = await sockets(hub.url, "/agent", auth={"token": token})
    hello = await wait_for(budi, "hello")
    await boss.ok("PATCH", f"/admin/agents/{hello['agent']['id']}", {"role": "supervisor"})
    for _ in range(100):
        if not budi.connected:
            break
        await asyncio.sleep(0.01)
    assert not budi.connected
    again = await sockets(hub.url, "/agent", auth={"token": token})
    assert (await wait_for(again, "hello"))["agent"]["role"] == "supervisor"


async def test_a_reset_password_replaces_the_old_one_and_ends_sessions(
    hub: Any, boss: Admin
) -> None:
    agent_id = await hub.add_agent("budi@pupr.go.id", "pupr")
    http = await login(hub, "budi@pupr.go.id")
    try:
        reset = await boss.ok("POST", f"/admin/agents/{agent_id}/password")
        assert (await http.get(f"{hub.url}/api/v1/me")).status == 401
        old = {"email": "budi@pupr.go.id", "password": PASSWORD}
        assert (await http.post(f"{hub.url}/api/v1/auth/login", json=old)).status == 401
    finally:
        await http.close()
    await (await login(hub, "budi@pupr.go.id", reset["password"])).close()


# -- inboxes -----------------------------------------------------------------------------
async def test_a_new_widget_inbox_works_at_once_and_shows_its_embed(
    hub: Any, boss: Admin, sockets: Any
) -> None:
    body = {"key": "web-dinsos", "kind": "widget", "name": "Situs Dinsos", "opd_id": 1}
    created = await boss.ok("POST", "/admin/inboxes", body, 201)
    inbox = created["inbox"]
    assert inbox["embed"] == (
        f'<script src="{hub.app[SETTINGS].server.public_url.rstrip("/")}/widget.js" '
        'data-inbox="web-dinsos" async></script>'
    )
    assert inbox["managed"] == "console" and created["secrets"] == {}
    async with aiohttp.ClientSession() as http:
        frame = await http.get(f"{hub.url}/widget/frame?inbox=web-dinsos")
        assert frame.status == 200
    resident = await sockets(hub.url, "/widget", auth={"inbox": "web-dinsos", "token": None})
    assert await wait_for(resident, "session")
    await boss.error("POST", "/admin/inboxes", body, 409, "duplicate")
    await boss.error("POST", "/admin/inboxes", {**body, "key": "web dinsos"}, 400, "bad_request")
    await boss.error(
        "POST", "/admin/inboxes", {**body, "kind": "api", "key": "x"}, 400, "bad_request"
    )


async def test_a_telegram_inbox_is_checked_masked_and_its_webhook_set(
    hub: Any, boss: Admin, telegram_api: FakeBotApi
) -> None:
    body = {
        "key": "bot-dinsos",
        "kind": "telegram",
        "name": "Bot Dinsos",
        "opd_id": 1,
        "options": {"token": "not-a-token"},
    }
    message = await boss.error("POST", "/admin/inboxes", body, 422, "invalid_options")
    assert "token" in message
    body["options"] = {"token": TOKEN, "api_base_url": telegram_api.base_url}
    created = await boss.ok("POST", "/admin/inboxes", body, 201)
    secret = created["secrets"]["webhook_secret"]
    assert created["webhook"]["ok"] is True
    assert telegram_api.webhook["secret_token"] == secret
    assert telegram_api.webhook["url"].endswith("/webhooks/telegram/bot-dinsos")
    assert created["inbox"]["webhook_url"].endswith("/webhooks/telegram/bot-dinsos")

    listed = json.dumps((await boss.ok("GET", "/admin/inboxes"))["items"])
    assert TOKEN not in listed and secret not in listed
    options = created["inbox"]["options"]
    assert (
        options["token"] == "••••" + TOKEN[-4:]
        and options["webhook_secret"] == "••••" + secret[-4:]
    )

    delivered = await post_update(hub, "bot-dinsos", secret)
    assert delivered == 200  # the channel knows the new inbox without a restart


async def post_update(hub: Any, key: str, secret: str) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{hub.url}/webhooks/telegram/{key}", data=TELEGRAM_UPDATE.read_bytes(), headers=headers
        )
        return r.status


async def test_rotating_a_telegram_secret_answers_it_once_and_sets_the_webhook(
    hub: Any, boss: Admin, telegram_api: FakeBotApi
) -> None:
    options = {"token": TOKEN, "api_base_url": telegram_api.base_url}
    body = {"key": "bot", "kind": "telegram", "name": "Bot", "opd_id": 1, "options": options}
    created = await boss.ok("POST", "/admin/inboxes", body, 201)
    old = created["secrets"]["webhook_secret"]
    rotated = await boss.ok("POST", f"/admin/inboxes/{created['inbox']['id']}/rotate")
    new = rotated["rotated"]["value"]
    assert rotated["rotated"]["name"] == "webhook_secret" and new != old
    assert rotated["webhook"]["ok"] is True and telegram_api.webhook["secret_token"] == new
    assert new not in json.dumps(await boss.ok("GET", "/admin/inboxes"))
    assert await post_update(hub, "bot", old) == 401
    assert await post_update(hub, "bot", new) == 200


async def test_rotating_a_widget_key_retires_the_old_embed(hub: Any, boss: Admin) -> None:
    body = {"key": "web-dinsos", "kind": "widget", "name": "Situs Dinsos", "opd_id": 1}
    inbox = (await boss.ok("POST", "/admin/inboxes", body, 201))["inbox"]
    rotated = await boss.ok("POST", f"/admin/inboxes/{inbox['id']}/rotate")
    key = rotated["rotated"]["value"]
    assert rotated["rotated"]["name"] == "key" and key.startswith("web-dinsos-")
    assert f'data-inbox="{key}"' in rotated["inbox"]["embed"]
    again = await boss.ok("POST", f"/admin/inboxes/{inbox['id']}/rotate")
    assert again["rotated"]["value"].startswith("web-dinsos-")
    assert len(again["rotated"]["value"]) == len(key)  # the suffix is replaced, not stacked
    async with aiohttp.ClientSession() as http:
        assert (await http.get(f"{hub.url}/widget/frame?inbox=web-dinsos")).status == 404
        new = again["rotated"]["value"]
        assert (await http.get(f"{hub.url}/widget/frame?inbox={new}")).status == 200


async def test_a_whatsapp_verify_token_is_made_up_shown_once_and_rotated(
    hub: Any, boss: Admin
) -> None:
    options = {
        "phone_number_id": PHONE_NUMBER_ID,
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
    }
    body = {"key": "wa-kota", "kind": "whatsapp", "name": "WA", "opd_id": 1, "options": options}
    created = await boss.ok("POST", "/admin/inboxes", body, 201)
    first = created["secrets"]["verify_token"]
    shown = json.dumps(created["inbox"])
    assert ACCESS_TOKEN not in shown and APP_SECRET not in shown and first not in shown
    assert created["inbox"]["options"]["phone_number_id"] == PHONE_NUMBER_ID  # not a secret
    assert "webhook" not in created  # nothing to register: Meta is told in its dashboard
    assert await handshake(hub, first) == 200
    rotated = await boss.ok("POST", f"/admin/inboxes/{created['inbox']['id']}/rotate")
    assert rotated["rotated"]["name"] == "verify_token"
    assert await handshake(hub, first) == 403
    assert await handshake(hub, rotated["rotated"]["value"]) == 200


async def handshake(hub: Any, verify_token: str) -> int:
    query = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": "42"}
    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{hub.url}/webhooks/whatsapp/wa-kota", params=query)
        return r.status


async def test_an_inbox_is_renamed_and_rerouted_unless_the_config_declares_it(
    hub: Any, boss: Admin
) -> None:
    body = {"key": "loket", "kind": "manual", "name": "Loket", "opd_id": opd_id(hub, "pupr")}
    inbox = (await boss.ok("POST", "/admin/inboxes", body, 201))["inbox"]
    changes = {"name": "Loket Pengaduan", "opd_id": opd_id(hub, "diskominfo")}
    changed = (await boss.ok("PATCH", f"/admin/inboxes/{inbox['id']}", changes))["inbox"]
    assert (changed["name"], changed["opd_id"]) == ("Loket Pengaduan", changes["opd_id"])
    ref = hub.service.directory.inbox_by_key("loket")
    assert (ref.name, ref.opd_id) == ("Loket Pengaduan", changes["opd_id"])
    await boss.error("POST", f"/admin/inboxes/{inbox['id']}/rotate", None, 400, "bad_request")

    configured = hub.service.directory.inbox_by_key("web-pupr").id
    await boss.error(
        "PATCH", f"/admin/inboxes/{configured}", {"name": "X"}, 409, "managed_by_config"
    )
    await boss.error("POST", f"/admin/inboxes/{configured}/rotate", None, 409, "managed_by_config")


async def test_only_an_admin_manages(hub: Any) -> None:
    token = await hub.token("kabid@pupr.go.id", "pupr", "supervisor")
    async with aiohttp.ClientSession() as http:
        for method, path in [("GET", "/admin/agents"), ("POST", "/admin/opds")]:
            r = await http.request(
                method, f"{hub.url}/api/v1{path}", json={}, headers=bearer(token)
            )
            assert r.status == 403


async def test_a_deactivated_agents_open_cases_go_back_to_the_queue(hub: Any, boss: Admin) -> None:
    from tests.hub.api.test_conversations import seed_cases

    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        taken = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/take", headers=bearer(token)
        )
        assert (await taken.json())["conversation"]["assignee"]["name"] == "Budi"
    budi = next(a for a in (await boss.ok("GET", "/admin/agents"))["items"] if a["name"] == "Budi")
    await boss.ok("PATCH", f"/admin/agents/{budi['id']}", {"active": False})
    assignee = await hub.store.read(
        lambda c: c.execute(
            select(s.conversation.c.assignee_id).where(s.conversation.c.id == conv_id)
        ).scalar()
    )
    assert assignee is None
