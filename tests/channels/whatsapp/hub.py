"""A hub with the city's WhatsApp number `kota-wa`, talking to the fake Graph API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from hub.app import RELAY, create_app
from hub.outbox import RetryPolicy
from tests.channels.whatsapp.conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, sign
from tests.conftest import RunningHub, make_settings

VERIFY_TOKEN = "kanal-verify-7c1e"
TEMPLATES = """
[[inboxes.templates]]
name = "tindak_lanjut"
language = "id"
body = "Halo {{1}}, laporan {{2}} masih kami tindak lanjuti. Balas pesan ini bila ada kabar baru."
"""


def wa_inbox(base_url: str, **options: Any) -> str:
    lines = [
        "[[inboxes]]",
        'key = "kota-wa"',
        'kind = "whatsapp"',
        'opd = "diskominfo"',
        f'phone_number_id = "{PHONE_NUMBER_ID}"',
        f'access_token = "{ACCESS_TOKEN}"',
        f'app_secret = "{APP_SECRET}"',
        f'verify_token = "{VERIFY_TOKEN}"',
        f'graph_base_url = "{base_url}"',
        'api_version = "v21.0"',
    ]
    lines += [f"{name} = {json.dumps(value)}" for name, value in options.items()]
    return "\n" + "\n".join(lines) + "\n" + TEMPLATES


async def start_hub(tmp_path: Path, inbox: str, **env: str) -> AsyncIterator[RunningHub]:
    app = create_app(make_settings(tmp_path, inbox, **env))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    app[RELAY].policy = RetryPolicy(base=0.05, cap=0.2, max_attempts=5)
    app[RELAY].idle = 0.02
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def deliver(
    hub: Any, body: bytes, signature: str | None = "valid", key: str = "kota-wa"
) -> aiohttp.ClientResponse:
    """POST a webhook as Meta does: the raw bytes, signed with the app secret."""
    headers = {"Content-Type": "application/json"}
    if signature == "valid":
        headers["X-Hub-Signature-256"] = sign(body, APP_SECRET)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{hub.url}/webhooks/whatsapp/{key}", data=body, headers=headers)
        await response.read()
        return response
