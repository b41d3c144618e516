"""Agents' replies reach WhatsApp through the outbox: receipts move their status forward
only, the 24-hour window is kept (templates after it), Meta's limits are respected, and
permanent errors dead-letter the message with a reason an agent can act on."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update

from hub.cases import CaseError
from hub.keys import AUTH
from hub.models import utcnow
from hub.store import schema as s
from hub.templates import TemplateChoice
from tests.channels.whatsapp.conftest import load, raw
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi
from tests.channels.whatsapp.hub import deliver, start_hub, wa_inbox
from tests.conftest import RunningHub

RESIDENT = "6281234567890"


@pytest.fixture
async def hub(tmp_path: Path, graph_api: FakeGraphApi) -> AsyncIterator[RunningHub]:
    inbox = wa_inbox(graph_api.base_url, recipient_gap_seconds=0.0)
    async for running in start_hub(tmp_path, inbox):
        yield running


async def row(hub: Any, message_id: int) -> Any:
    return await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.id == message_id)).one()
    )


async def settled(hub: Any, message_id: int, within: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = await row(hub, message_id)
        if found.delivery_status in ("sent", "failed"):
            return found
        assert asyncio.get_running_loop().time() < deadline, f"still {found.delivery_status}"
        await asyncio.sleep(0.02)


async def case_and_agent(hub: Any, graph_api: FakeGraphApi) -> tuple[int, Any]:
    """A resident's first message, once its acknowledgement has gone out."""
    assert (await deliver(hub, raw("messages__text"))).status == 200
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    ack = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.sender_type == "bot")).one()
    )
    await settled(hub, ack.id)
    graph_api.calls.clear()
    token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    return conv.id, await hub.app[AUTH].from_api_token(token)


def status_payload(wamid: str, status: str, **extra: Any) -> bytes:
    data = load(f"statuses__{status}")
    found = data["entry"][0]["changes"][0]["value"]["statuses"][0]
    found["id"] = wamid
    found.update(extra)
    return json.dumps(data).encode()


async def test_a_new_case_is_acknowledged_with_its_tracking_code(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    assert (await deliver(hub, raw("messages__text"))).status == 200
    conv = await hub.store.read(lambda c: c.execute(select(s.conversation)).one())
    ack = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.sender_type == "bot")).one()
    )
    assert (await settled(hub, ack.id)).delivery_status == "sent"
    [sent] = graph_api.sent()
    assert sent["to"] == RESIDENT and sent["type"] == "text"
    assert conv.tracking_code in sent["text"]["body"]


async def test_a_reply_gets_its_wamid_and_receipts_only_move_it_forward(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    reply = await hub.service.reply(agent, conv_id, text="Petugas PLN sudah kami hubungi.")
    sent = await settled(hub, reply.message["id"])
    assert sent.external_id.startswith("wamid.")
    assert graph_api.sent()[0]["text"] == {"body": "Petugas PLN sudah kami hubungi."}
    for status in ("read", "delivered", "sent", "read"):  # late and repeated receipts
        assert (await deliver(hub, status_payload(sent.external_id, status))).status == 200
    assert (await row(hub, sent.id)).delivery_status == "read"


async def test_a_failed_receipt_shows_the_code_and_title(hub: Any, graph_api: FakeGraphApi) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    reply = await hub.service.reply(agent, conv_id, text="Mohon kirim foto lokasinya.")
    sent = await settled(hub, reply.message["id"])
    assert (await deliver(hub, status_payload(sent.external_id, "failed"))).status == 200
    failed = await row(hub, sent.id)
    assert failed.delivery_status == "failed"
    assert failed.error.startswith("131047: Re-engagement message")


async def test_after_24_hours_a_reply_is_refused_and_a_template_is_offered_and_sent(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    long_ago = utcnow() - timedelta(hours=25)
    await hub.store.write(
        lambda c: c.execute(
            update(s.conversation)
            .where(s.conversation.c.id == conv_id)
            .values(last_inbound_at=long_ago)
        )
    )
    with pytest.raises(CaseError) as refused:
        await hub.service.reply(agent, conv_id, text="Apakah lampunya sudah menyala?")
    assert refused.value.code == "window_closed"

    token = await hub.token("sari@kota.go.id", "diskominfo", "admin")
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http:
        url = f"{hub.url}/api/v1/conversations/{conv_id}"
        conv = await (await http.get(url, headers=headers)).json()
        assert conv["reply_window_closes_at"] is not None
        [template] = conv["inbox"]["templates"]
        assert (template["name"], template["parameters"]) == ("tindak_lanjut", 2)
        free = await http.post(f"{url}/messages", json={"text": "Halo"}, headers=headers)
        assert free.status == 409
        assert (await free.json())["error"]["code"] == "window_closed"
        choice = {"name": "tindak_lanjut", "parameters": ["Siti", conv["tracking_code"]]}
        posted = await http.post(f"{url}/messages", json={"template": choice}, headers=headers)
        assert posted.status == 201
        message = (await posted.json())["message"]
    assert message["text"].startswith(f"Halo Siti, laporan {conv['tracking_code']} masih")
    assert (await settled(hub, message["id"])).delivery_status == "sent"
    [sent] = graph_api.sent()
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "tindak_lanjut"
    assert sent["template"]["language"] == {"code": "id"}
    parameters = sent["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["Siti", conv["tracking_code"]]


async def test_a_template_needs_its_parameters(hub: Any, graph_api: FakeGraphApi) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    with pytest.raises(CaseError) as wrong:
        await hub.service.reply(
            agent, conv_id, text="", template=TemplateChoice("tindak_lanjut", ["Siti"])
        )
    assert wrong.value.code == "bad_template"
    with pytest.raises(CaseError):
        await hub.service.reply(agent, conv_id, text="", template=TemplateChoice("tidak_ada", []))


async def test_the_window_reopens_when_the_resident_writes_again(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    await hub.store.write(
        lambda c: c.execute(
            update(s.conversation).values(last_inbound_at=utcnow() - timedelta(hours=30))
        )
    )
    data = load("messages__text")
    data["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.again"
    assert (await deliver(hub, json.dumps(data).encode())).status == 200
    reply = await hub.service.reply(agent, conv_id, text="Baik, kami cek hari ini.")
    assert (await settled(hub, reply.message["id"])).delivery_status == "sent"


@pytest.mark.parametrize(
    ("code", "title", "explained"),
    [
        (131047, "Re-engagement message", "24 hours"),
        (131026, "Message undeliverable", "cannot receive"),
        (100, "Invalid parameter", "100: "),
    ],
)
async def test_permanent_errors_dead_letter_with_an_explanation(
    hub: Any, graph_api: FakeGraphApi, code: int, title: str, explained: str
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    graph_api.fail_next(400, code, title)
    reply = await hub.service.reply(agent, conv_id, text="Halo")
    failed = await settled(hub, reply.message["id"])
    assert failed.delivery_status == "failed"
    assert explained in failed.error
    await asyncio.sleep(0.3)
    assert len(graph_api.sent()) == 1


@pytest.mark.parametrize(
    ("status", "code"), [(400, 130429), (400, 131056), (500, 131000), (503, 1)]
)
async def test_rate_limits_and_server_errors_are_retried(
    hub: Any, graph_api: FakeGraphApi, status: int, code: int
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    graph_api.fail_next(status, code, "try later")
    reply = await hub.service.reply(agent, conv_id, text="Sedang diproses")
    assert (await settled(hub, reply.message["id"])).delivery_status == "sent"
    assert len(graph_api.sent()) == 2


async def test_replies_keep_their_order_through_retries(hub: Any, graph_api: FakeGraphApi) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    graph_api.fail_next(400, 130429, "Rate limit hit")
    graph_api.fail_next(500, 131000, "Something went wrong")
    ids = [
        (await hub.service.reply(agent, conv_id, text=f"balasan {n}")).message["id"]
        for n in range(4)
    ]
    for message_id in ids:
        assert (await settled(hub, message_id)).delivery_status == "sent"
    delivered = [c.body["text"]["body"] for c in graph_api.of("messages") if c.body]
    firsts = list(dict.fromkeys(delivered))
    assert firsts == [f"balasan {n}" for n in range(4)]


async def test_throughput_per_number_and_per_recipient_is_respected(
    tmp_path: Path, graph_api: FakeGraphApi
) -> None:
    inbox = wa_inbox(
        graph_api.base_url, max_per_second=20, recipient_gap_seconds=0.3, recipient_burst=1
    )
    async for hub in start_hub(tmp_path, inbox):
        conv_id, agent = await case_and_agent(hub, graph_api)
        ids = [
            (await hub.service.reply(agent, conv_id, text=f"pesan {n}")).message["id"]
            for n in range(3)
        ]
        for message_id in ids:
            await settled(hub, message_id)
        times = [c.at for c in graph_api.of("messages")]
        assert all(b - a >= 0.28 for a, b in itertools.pairwise(times)), times


async def test_an_agents_photo_is_uploaded_and_sent_with_its_caption(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    photo = b"\xff\xd8\xff\xe0 sesudah"
    saved = await hub.service.upload(
        agent, conv_id, photo, mime_type="image/jpeg", file_name="sesudah.jpg"
    )
    reply = await hub.service.reply(
        agent, conv_id, text="Lampu sudah menyala", media_ids=[saved["media_id"]]
    )
    assert (await settled(hub, reply.message["id"])).delivery_status == "sent"
    [upload] = graph_api.of("upload")
    [sent] = graph_api.sent()
    assert sent["type"] == "image"
    assert sent["image"]["caption"] == "Lampu sudah menyala"
    assert graph_api.media[sent["image"]["id"]].data == photo
    assert upload.body["type"] == "image/jpeg"


async def test_a_reaction_is_kept_on_the_message_and_can_be_taken_back(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    reply = await hub.service.reply(agent, conv_id, text="Sudah diperbaiki, terima kasih.")
    sent = await settled(hub, reply.message["id"])
    data = load("messages__reaction")
    data["entry"][0]["changes"][0]["value"]["messages"][0]["reaction"]["message_id"] = (
        sent.external_id
    )
    assert (await deliver(hub, json.dumps(data).encode())).status == 200
    assert (await row(hub, sent.id)).reactions == {RESIDENT: "🙏"}
    removed = load("messages__reaction_removed")
    removed["entry"][0]["changes"][0]["value"]["messages"][0]["reaction"]["message_id"] = (
        sent.external_id
    )
    assert (await deliver(hub, json.dumps(removed).encode())).status == 200
    assert (await row(hub, sent.id)).reactions is None


async def test_a_reply_that_quotes_our_message_points_at_it(
    hub: Any, graph_api: FakeGraphApi
) -> None:
    conv_id, agent = await case_and_agent(hub, graph_api)
    reply = await hub.service.reply(agent, conv_id, text="Tiang nomor berapa?")
    sent = await settled(hub, reply.message["id"])
    data = load("messages__context_reply")
    data["entry"][0]["changes"][0]["value"]["messages"][0]["context"]["id"] = sent.external_id
    assert (await deliver(hub, json.dumps(data).encode())).status == 200
    quoting = await hub.store.read(
        lambda c: c.execute(select(s.message).where(s.message.c.reply_to_id.is_not(None))).one()
    )
    assert quoting.reply_to_id == sent.id
