"""Files in a case: an agent uploads a photo, replies with it, and only agents who may see
the case can download it."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.hub.api.test_conversations import bearer, seed_cases

JPEG = b"\xff\xd8\xff\xe0" + b"foto-sesudah-perbaikan" * 100


async def upload(
    http: aiohttp.ClientSession, hub: Any, token: str, conv_id: int, data: bytes, **kw: Any
) -> aiohttp.ClientResponse:
    headers = {**bearer(token), "Content-Type": kw.pop("content_type", "image/jpeg")}
    return await http.post(
        f"{hub.url}/api/v1/conversations/{conv_id}/media",
        data=data,
        headers=headers,
        params=kw,
    )


async def test_an_uploaded_photo_is_sent_in_a_reply_and_downloadable(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        r = await upload(http, hub, token, conv_id, JPEG, name="../sesudah.jpg")
        assert r.status == 201
        media = (await r.json())["media"]
        assert media["mime_type"] == "image/jpeg"
        assert media["file_name"] == "sesudah.jpg"  # no path survives
        assert media["size"] == len(JPEG)

        sent = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/messages",
            json={"text": "Sudah diperbaiki", "attachments": [{"media_id": media["media_id"]}]},
            headers=bearer(token),
        )
        assert sent.status == 201
        message = (await sent.json())["message"]
        assert message["kind"] == "image"
        assert message["attachments"] == [media]

        got = await http.get(f"{hub.url}/api/v1/media/{media['media_id']}", headers=bearer(token))
        assert got.status == 200
        assert await got.read() == JPEG
        assert got.headers["Content-Type"] == "image/jpeg"
        assert got.headers["Content-Disposition"].startswith("inline")
        assert got.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_reply_may_be_only_a_file(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        r = await upload(
            http, hub, token, conv_id, b"%PDF-1.4 surat", content_type="application/pdf",
            name="surat tugas.pdf",
        )  # fmt: skip
        media = (await r.json())["media"]
        sent = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/messages",
            json={"text": "", "attachments": [{"media_id": media["media_id"]}]},
            headers=bearer(token),
        )
        message = (await sent.json())["message"]
        assert message["kind"] == "file"
        conv = await (
            await http.get(f"{hub.url}/api/v1/conversations/{conv_id}", headers=bearer(token))
        ).json()
        assert conv["last_message_preview"] == "[surat tugas.pdf]"
        got = await http.get(f"{hub.url}/api/v1/media/{media['media_id']}", headers=bearer(token))
        assert got.headers["Content-Disposition"].startswith("attachment")


async def test_another_opd_cannot_download_or_reuse_a_file(hub: Any) -> None:
    [pupr_case] = await seed_cases(hub, "web-pupr", 1)
    [own_case] = await seed_cases(hub, "web-diskominfo", 1)
    pupr = await hub.token("budi@pupr.go.id", "pupr")
    kominfo = await hub.token("sari@kominfo.go.id", "diskominfo")
    async with aiohttp.ClientSession() as http:
        media = (await (await upload(http, hub, pupr, pupr_case, JPEG)).json())["media"]
        url = f"{hub.url}/api/v1/media/{media['media_id']}"
        assert (await http.get(url, headers=bearer(kominfo))).status == 404
        assert (await http.get(url)).status == 401
        assert (await upload(http, hub, kominfo, pupr_case, JPEG)).status == 404
        reuse = await http.post(
            f"{hub.url}/api/v1/conversations/{own_case}/messages",
            json={"text": "x", "attachments": [{"media_id": media["media_id"]}]},
            headers=bearer(kominfo),
        )
        assert reuse.status == 422
        assert (await reuse.json())["error"]["code"] == "unknown_media"


async def test_a_file_over_the_limit_is_refused_and_not_kept(hub: Any) -> None:
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    token = await hub.token("budi@pupr.go.id", "pupr")
    limit = hub.service.media.max_bytes
    async with aiohttp.ClientSession() as http:
        r = await upload(http, hub, token, conv_id, b"x" * (limit + 1))
        assert r.status == 413
        assert (await r.json())["error"]["code"] == "too_large"
        empty = await upload(http, hub, token, conv_id, b"")
        assert empty.status == 400
    root = hub.service.media.root
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


async def test_identical_files_are_kept_once_on_disk(hub: Any) -> None:
    [a, b] = await seed_cases(hub, "web-pupr", 2)
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        first = (await (await upload(http, hub, token, a, JPEG)).json())["media"]
        second = (await (await upload(http, hub, token, b, JPEG)).json())["media"]
    assert first["media_id"] != second["media_id"]
    files = [p for p in hub.service.media.root.rglob("*") if p.is_file()]
    assert len(files) == 1


async def test_a_resident_on_the_widget_gets_a_link_to_the_agents_photo(
    hub: Any, sockets: Any
) -> None:
    from tests.hub.test_realtime import W, resident
    from tests.waiting import wait_for

    warga = await resident(hub, sockets)
    sent = await warga.call("send", {"client_id": "w1", "text": "Jalan rusak"}, namespace=W)
    conv_id = sent["conversation"]["id"]
    token = await hub.token("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession() as http:
        media = (await (await upload(http, hub, token, conv_id, JPEG)).json())["media"]
        await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/messages",
            json={"text": "Sesudah", "attachments": [{"media_id": media["media_id"]}]},
            headers=bearer(token),
        )
        shown = await wait_for(warga, "message", lambda m: m.get("attachments"))
        url = shown["attachments"][0]["url"]
        got = await http.get(f"{hub.url}{url}")
        assert got.status == 200 and await got.read() == JPEG
        forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
        assert (await http.get(f"{hub.url}{forged}")).status == 404
    synced = await warga.call("sync", {"after_seq": 0}, namespace=W)
    assert any(a.get("url") == url for m in synced["messages"] for a in m["attachments"])
