"""REST API v1 against a real hub: auth, listing with keyset pages, messages, replies, status."""

from __future__ import annotations

from typing import Any

import aiohttp
from sqlalchemy import Connection

from hub.ingest import accept_inbound
from hub.models import Inbound, Sender
from tests.conftest import PASSWORD


async def seed_cases(hub: Any, inbox_key: str, n: int) -> list[int]:
    directory = hub.service.directory
    inbox = directory.inbox_by_key(inbox_key)

    def job(conn: Connection) -> list[int]:
        ids = []
        for i in range(n):
            item = Inbound(
                Sender(f"resident-{inbox_key}-{i}", name=f"Warga {i}"), text=f"laporan {i}"
            )
            accepted = accept_inbound(conn, directory, inbox, item)
            ids.append(accepted.conversation["id"])
        return ids

    return await hub.store.write(job)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_login_sets_a_session_cookie_and_me_answers(hub: Any) -> None:
    await hub.add_agent("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        r = await http.post(
            f"{hub.url}/api/v1/auth/login", json={"email": "Budi@pupr.go.id", "password": PASSWORD}
        )
        assert r.status == 200
        cookie = r.cookies["kanal_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        me = await http.get(f"{hub.url}/api/v1/me")
        assert (await me.json())["agent"]["email"] == "budi@pupr.go.id"
        # A browser names its origin (hub/csrf.py refuses a cookie's POST without one).
        out = await http.post(f"{hub.url}/api/v1/auth/logout", headers={"Origin": hub.url})
        assert out.status == 204
        assert (await http.get(f"{hub.url}/api/v1/me")).status == 401


async def test_bad_credentials_get_one_generic_error(hub: Any) -> None:
    await hub.add_agent("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        answers = []
        for email, password in [("budi@pupr.go.id", "wrong"), ("nobody@x.id", PASSWORD), ("", "")]:
            r = await http.post(
                f"{hub.url}/api/v1/auth/login", json={"email": email, "password": password}
            )
            answers.append((r.status, await r.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401 and answers[0][1]["error"]["code"] == "invalid_credentials"


async def test_cross_site_login_is_refused(hub: Any) -> None:
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{hub.url}/api/v1/auth/login",
            json={"email": "a@b.c", "password": "x"},
            headers={"Origin": "https://evil.example"},
        )
    assert r.status == 403


async def test_conversations_page_by_keyset_without_gaps_or_repeats(hub: Any) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    created = await seed_cases(hub, "web-pupr", 7)
    await seed_cases(hub, "web-diskominfo", 3)
    seen: list[int] = []
    url = f"{hub.url}/api/v1/conversations?limit=3"
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        while url:
            page = await (await http.get(url)).json()
            assert len(page["items"]) <= 3
            seen += [c["id"] for c in page["items"]]
            assert all(c["opd"]["slug"] == "pupr" for c in page["items"])
            url = (
                f"{hub.url}/api/v1/conversations?limit=3&cursor={page['next']}"
                if page["next"]
                else ""
            )
    assert seen == sorted(created, reverse=True)


async def test_filters_by_status_and_opd(hub: Any) -> None:
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    ids = await seed_cases(hub, "web-pupr", 2)
    await seed_cases(hub, "web-diskominfo", 1)
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        r = await http.post(
            f"{hub.url}/api/v1/conversations/{ids[0]}/status",
            json={"status": "resolved", "note": "Sudah diperbaiki"},
        )
        assert r.status == 200
        everything = await (await http.get(f"{hub.url}/api/v1/conversations")).json()
        assert len(everything["items"]) == 3
        pupr = await (await http.get(f"{hub.url}/api/v1/conversations?opd=pupr")).json()
        assert {c["id"] for c in pupr["items"]} == set(ids)
        resolved = await (await http.get(f"{hub.url}/api/v1/conversations?status=resolved")).json()
        assert [c["id"] for c in resolved["items"]] == [ids[0]]
        bad = await http.get(f"{hub.url}/api/v1/conversations?status=done")
        assert bad.status == 400
        bad_cursor = await http.get(f"{hub.url}/api/v1/conversations?cursor=@@@")
        assert bad_cursor.status == 400


async def test_reply_then_read_messages(hub: Any) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        r = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/messages", json={"text": "Sudah kami terima"}
        )
        assert r.status == 201
        reply = (await r.json())["message"]
        assert reply["direction"] == "out" and reply["seq"] == 2
        note = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/messages",
            json={"text": "catatan", "private": True},
        )
        assert (await note.json())["message"]["private"] is True
        page = await (
            await http.get(f"{hub.url}/api/v1/conversations/{conv_id}/messages?limit=2")
        ).json()
        assert [m["seq"] for m in page["items"]] == [1, 2]
        assert page["next"] == "2"
        rest = await (
            await http.get(f"{hub.url}/api/v1/conversations/{conv_id}/messages?cursor=2")
        ).json()
        assert [m["seq"] for m in rest["items"]] == [3] and rest["next"] is None
        m = page["items"][0]
        assert set(m) >= {
            "id",
            "seq",
            "direction",
            "sender_type",
            "kind",
            "text",
            "delivery_status",
            "created_at",
        }
        conv = await (await http.get(f"{hub.url}/api/v1/conversations/{conv_id}")).json()
        assert conv["first_response_at"] is not None and conv["unread_count"] == 0


async def test_reply_with_the_same_client_id_is_stored_once(hub: Any) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    body = {"text": "sekali saja", "client_id": "k-1"}
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        first = await http.post(f"{hub.url}/api/v1/conversations/{conv_id}/messages", json=body)
        second = await http.post(f"{hub.url}/api/v1/conversations/{conv_id}/messages", json=body)
        assert (first.status, second.status) == (201, 200)
        page = await (await http.get(f"{hub.url}/api/v1/conversations/{conv_id}/messages")).json()
    assert [m["text"] for m in page["items"]].count("sekali saja") == 1


async def test_another_opds_case_is_404_everywhere(hub: Any) -> None:
    token = await hub.token("ani@kominfo.go.id", "diskominfo")
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        for method, path, body in [
            ("GET", f"/api/v1/conversations/{conv_id}", None),
            ("GET", f"/api/v1/conversations/{conv_id}/messages", None),
            ("POST", f"/api/v1/conversations/{conv_id}/messages", {"text": "hai"}),
            ("POST", f"/api/v1/conversations/{conv_id}/status", {"status": "resolved"}),
            ("GET", "/api/v1/conversations/999999", None),
        ]:
            r = await http.request(method, f"{hub.url}{path}", json=body)
            assert r.status == 404, path
            assert (await r.json())["error"]["code"] == "not_found"
        listing = await (await http.get(f"{hub.url}/api/v1/conversations?opd=pupr")).json()
        assert listing["items"] == []


async def test_bad_bodies_get_4xx_with_the_error_shape(hub: Any) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    url = f"{hub.url}/api/v1/conversations/{conv_id}/messages"
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        for data, status, code in [
            (b"{not json", 400, "bad_json"),
            (b"[1,2]", 400, "bad_json"),
            (b'{"text": 5}', 400, "bad_request"),
            (b'{"text": ""}', 422, "empty"),
            (b'{"text": "' + b"x" * 4001 + b'"}', 422, "too_long"),
            (b"\xff\xfe", 400, "bad_json"),
        ]:
            r = await http.post(url, data=data, headers={"Content-Type": "application/json"})
            assert r.status == status, data[:20]
            assert (await r.json())["error"]["code"] == code


async def test_status_transitions_are_checked(hub: Any) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    url = f"{hub.url}/api/v1/conversations/{conv_id}/status"
    async with aiohttp.ClientSession(headers=bearer(token)) as http:
        assert (await http.post(url, json={"status": "closed"})).status == 200
        reopen = await http.post(url, json={"status": "open"})
        assert reopen.status == 409
        reply = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/messages", json={"text": "hai"}
        )
        assert reply.status == 409 and (await reply.json())["error"]["code"] == "closed"


async def test_unauthenticated_requests_get_401(hub: Any) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ["/api/v1/conversations", "/api/v1/me", "/api/v1/conversations/1/messages"]:
            r = await http.get(f"{hub.url}{path}")
            assert r.status == 401
        r = await http.get(f"{hub.url}/api/v1/conversations", headers=bearer("knl_not-a-token"))
        assert r.status == 401
