"""Shared by the WhatsApp tests: the fixtures' payloads, Meta's webhook signature, and a fake
Graph API."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.channels.whatsapp.fake_graph_api import ACCESS_TOKEN, PHONE_NUMBER_ID, FakeGraphApi

FIXTURES = Path(__file__).parent / "fixtures"
APP_SECRET = "4f1c0a9d7e2b48c6a3d5e8f1b2c4d6e8"

__all__ = ["ACCESS_TOKEN", "APP_SECRET", "PHONE_NUMBER_ID", "load", "raw", "sign"]


def raw(name: str) -> bytes:
    """A fixture's bytes as Meta would POST them (what the signature covers)."""
    return (FIXTURES / f"{name}.json").read_bytes()


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw(name))
    return data


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header Meta sends with a webhook: HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
async def graph_api() -> AsyncIterator[FakeGraphApi]:
    api = FakeGraphApi()
    await api.start()
    yield api
    await api.close()
