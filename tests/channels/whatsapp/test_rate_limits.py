"""[limits] on WhatsApp webhooks: a batch keeps every other resident's messages when one
number floods (its excess dropped, logged, counted; 200); an inbox over its limit is
answered 429 with Retry-After so Meta delivers the batch again."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.channels.whatsapp.conftest import load
from tests.channels.whatsapp.fake_graph_api import FakeGraphApi
from tests.channels.whatsapp.hub import deliver, start_hub, wa_inbox
from tests.channels.whatsapp.test_webhook import inbound
from tests.conftest import RunningHub


def message(n: int, number: str) -> dict[str, Any]:
    return {
        "from": number,
        "id": f"wamid.uji-{number[-1]}-{n}",
        "timestamp": "1773044045",
        "type": "text",
        "text": {"body": f"Pesan ke-{n}"},
    }


def batch(*messages: dict[str, Any]) -> bytes:
    data = copy.deepcopy(load("messages__text"))
    value = data["entry"][0]["changes"][0]["value"]
    value["messages"] = list(messages)
    value["contacts"] = [
        {"profile": {"name": "Warga"}, "wa_id": n} for n in sorted({m["from"] for m in messages})
    ]
    return json.dumps(data).encode()


@pytest.fixture
async def hub(tmp_path: Path, graph_api: FakeGraphApi) -> AsyncIterator[RunningHub]:
    limits = "\n[limits]\nsender_messages_per_minute = 2\ninbox_messages_per_minute = 6\n"
    async for running in start_hub(tmp_path, wa_inbox(graph_api.base_url) + limits):
        yield running


async def test_a_flooding_number_loses_its_excess_and_the_batch_keeps_the_others(
    hub: Any, caplog: Any
) -> None:
    flood = [message(n, "6281200000001") for n in range(4)]
    body = batch(*flood, message(0, "6281200000002"))
    assert (await deliver(hub, body)).status == 200
    texts = sorted((row.text, row.external_id.split("-")[1]) for row in await inbound(hub))
    assert texts == [("Pesan ke-0", "1"), ("Pesan ke-0", "2"), ("Pesan ke-1", "1")]
    assert "over its rate limit" in caplog.text
    assert "6281200000001" not in caplog.text  # the number is not logged whole


async def test_an_inbox_over_its_limit_answers_429_with_retry_after(hub: Any) -> None:
    numbers = [f"62812000001{n:02d}" for n in range(7)]
    answers = [(await deliver(hub, batch(message(0, n)))) for n in numbers]
    assert [a.status for a in answers] == [200] * 6 + [429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    assert len(await inbound(hub)) == 6
