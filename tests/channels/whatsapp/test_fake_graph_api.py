"""The fake Graph API answers like Meta's: the adapter tests rely on these shapes."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.channels.whatsapp.conftest import ACCESS_TOKEN, PHONE_NUMBER_ID
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi

VERSION = "v21.0"
AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
PHOTO = b"\xff\xd8\xff\xe0" + b"foto lampu jalan" * 64


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def text_to(to: str, body: str = "Laporan Anda sudah kami terima.") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
    }


async def send(
    http: aiohttp.ClientSession,
    api: FakeGraphApi,
    body: Any,
    headers: dict[str, str] = AUTH,
    number: str = PHONE_NUMBER_ID,
) -> tuple[int, dict[str, Any]]:
    url = f"{api.base_url}/{VERSION}/{number}/messages"
    async with http.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


async def test_a_send_answers_a_new_wamid_and_is_recorded(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    first = await send(http, graph_api, text_to("6281234567890"))
    second = await send(http, graph_api, text_to("+62 813-5566-7788"))
    assert first[0] == second[0] == 200
    assert first[1]["messaging_product"] == "whatsapp"
    assert first[1]["contacts"] == [{"input": "6281234567890", "wa_id": "6281234567890"}]
    assert second[1]["contacts"] == [{"input": "+62 813-5566-7788", "wa_id": "6281355667788"}]
    ids = [answer[1]["messages"][0]["id"] for answer in (first, second)]
    assert all(i.startswith("wamid.") for i in ids) and ids[0] != ids[1]
    assert graph_api.sent() == [text_to("6281234567890"), text_to("+62 813-5566-7788")]
    calls = graph_api.of("messages")
    assert [c.token for c in calls] == [ACCESS_TOKEN, ACCESS_TOKEN]
    assert calls[0].path == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    assert calls[0].at <= calls[1].at


async def test_a_template_send_is_accepted(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    template = {
        "messaging_product": "whatsapp",
        "to": "6281234567890",
        "type": "template",
        "template": {"name": "laporan_diterima", "language": {"code": "id"}},
    }
    status, answer = await send(http, graph_api, template)
    assert status == 200
    assert answer["messages"][0]["message_status"] == "accepted"


async def test_marking_read_answers_success_without_a_message(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.HBgN"}
    assert await send(http, graph_api, read) == (200, {"success": True})


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer EAAwrong"}, {"Authorization": ACCESS_TOKEN}]
)
async def test_a_missing_or_wrong_token_is_metas_401(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi, headers: dict[str, str]
) -> None:
    status, answer = await send(http, graph_api, text_to("6281234567890"), headers=headers)
    assert status == 401
    assert answer["error"]["code"] == 190
    assert answer["error"]["type"] == "OAuthException"
    assert answer["error"]["fbtrace_id"]
    assert len(graph_api.calls) == 1  # refused calls are recorded too


async def test_another_phone_number_id_does_not_exist(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    status, answer = await send(http, graph_api, text_to("6281234567890"), number="1234")
    assert status == 400
    assert (answer["error"]["code"], answer["error"]["error_subcode"]) == (100, 33)
    assert "'1234'" in answer["error"]["message"]


@pytest.mark.parametrize("missing", ["messaging_product", "to"])
async def test_a_send_without_a_required_parameter_is_refused(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi, missing: str
) -> None:
    body = text_to("6281234567890")
    del body[missing]
    status, answer = await send(http, graph_api, body)
    assert status == 400
    assert answer["error"]["code"] == 100
    assert answer["error"]["error_data"]["details"] == f"The parameter {missing} is required."


async def test_fail_next_answers_metas_error_shape_once(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    graph_api.fail_next(
        400,
        131047,
        "Re-engagement message",
        details="Message failed to send because more than 24 hours have passed.",
    )
    status, answer = await send(http, graph_api, text_to("6281234567890"))
    assert status == 400
    error = answer["error"]
    assert error["message"] == "(#131047) Re-engagement message"
    assert error["code"] == 131047
    assert error["type"] == "OAuthException"
    assert error["error_data"] == {
        "messaging_product": "whatsapp",
        "details": "Message failed to send because more than 24 hours have passed.",
    }
    assert "error_subcode" not in error
    assert error["fbtrace_id"]
    assert (await send(http, graph_api, text_to("6281234567890")))[0] == 200


async def test_fail_next_can_carry_a_subcode_and_headers(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    graph_api.fail_next(
        429, 130429, "Rate limit hit", subcode=2494055, headers={"Retry-After": "2"}
    )
    url = f"{graph_api.base_url}/{VERSION}/{PHONE_NUMBER_ID}/messages"
    async with http.post(url, json=text_to("6281234567890"), headers=AUTH) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
        error = (await response.json())["error"]
    assert (error["code"], error["error_subcode"]) == (130429, 2494055)
    assert error["error_data"]["details"] == "Rate limit hit"


async def test_fail_next_waits_for_the_endpoint_it_names(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    graph_api.fail_next(500, 1, "An unknown error occurred", method="media")
    assert (await send(http, graph_api, text_to("6281234567890")))[0] == 200
    graph_api.add_media("1083274915526710", PHOTO, "image/jpeg")
    async with http.get(f"{graph_api.base_url}/{VERSION}/1083274915526710", headers=AUTH) as r:
        assert r.status == 500
    with pytest.raises(ValueError):
        graph_api.fail_next(500, 1, "x", method="sendMessage")


async def test_a_residents_media_is_found_by_id_then_downloaded_with_the_token(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    graph_api.add_media("1083274915526710", PHOTO, "image/jpeg")
    async with http.get(f"{graph_api.base_url}/{VERSION}/1083274915526710", headers=AUTH) as r:
        assert r.status == 200
        info = await r.json()
    assert info["messaging_product"] == "whatsapp"
    assert info["id"] == "1083274915526710"
    assert info["mime_type"] == "image/jpeg"
    assert info["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert info["file_size"] == len(PHOTO)
    assert info["url"].startswith(f"{graph_api.base_url}/whatsapp_business/attachments/?mid=")
    async with http.get(info["url"], headers=AUTH) as r:
        assert r.status == 200
        assert r.content_type == "image/jpeg"
        assert await r.read() == PHOTO
    async with http.get(info["url"]) as r:
        assert r.status == 401
    assert [c.endpoint for c in graph_api.calls] == ["media", "download", "download"]


async def test_only_a_url_the_api_gave_downloads(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    graph_api.add_media("1083274915526710", PHOTO, "image/jpeg")
    url = f"{graph_api.base_url}/whatsapp_business/attachments/?mid=1083274915526710&hash=x"
    async with http.get(url, headers=AUTH) as r:
        assert r.status == 404


async def test_unknown_media_does_not_exist(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    async with http.get(f"{graph_api.base_url}/{VERSION}/999", headers=AUTH) as r:
        assert r.status == 400
        error = (await r.json())["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)


async def test_an_upload_answers_an_id_that_serves_the_same_bytes(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("type", "image/jpeg")
    form.add_field("file", PHOTO, filename="sesudah.jpg", content_type="image/jpeg")
    url = f"{graph_api.base_url}/{VERSION}/{PHONE_NUMBER_ID}/media"
    async with http.post(url, data=form, headers=AUTH) as r:
        assert r.status == 200
        media_id = (await r.json())["id"]
    assert graph_api.media[media_id].data == PHOTO
    [upload] = graph_api.of("upload")
    assert upload.body == {
        "messaging_product": "whatsapp",
        "type": "image/jpeg",
        "file_name": "sesudah.jpg",
    }
    async with http.delete(f"{graph_api.base_url}/{VERSION}/{media_id}", headers=AUTH) as r:
        assert await r.json() == {"success": True}
    assert media_id not in graph_api.media


async def test_an_upload_without_its_type_is_refused(
    http: aiohttp.ClientSession, graph_api: FakeGraphApi
) -> None:
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("file", PHOTO, filename="sesudah.jpg", content_type="image/jpeg")
    url = f"{graph_api.base_url}/{VERSION}/{PHONE_NUMBER_ID}/media"
    async with http.post(url, data=form, headers=AUTH) as r:
        assert r.status == 400
        assert (await r.json())["error"]["error_data"]["details"] == (
            "The parameter type is required."
        )
