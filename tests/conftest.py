"""Shared fixtures: a real hub on a real port over a real SQLite file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.app import create_app
from hub.auth import add_agent, create_api_token
from hub.config import Settings, load_settings
from hub.keys import SERVICE, STORE
from hub.models import Role
from hub.service import HubService
from hub.store.db import Store

CONFIG = """
[organization]
name = "Pemerintah Kota Uji"
[[opds]]
slug = "diskominfo"
name = "Dinas Komunikasi dan Informatika"
coordinator = true
[[opds]]
slug = "pupr"
name = "Dinas PUPR"
[[inboxes]]
key = "web-diskominfo"
kind = "widget"
opd = "diskominfo"
name = "Situs Diskominfo"
[[inboxes]]
key = "web-pupr"
kind = "widget"
opd = "pupr"
name = "Situs PUPR"
"""

PASSWORD = "rahasia-uji-123"


def require_services() -> bool:
    return os.environ.get("KANAL_REQUIRE_SERVICES") == "1"


def make_settings(tmp_path: Path, extra: str = "", **env: str) -> Settings:
    path = tmp_path / "kanal.toml"
    path.write_text(CONFIG + extra)
    environ = {
        "KANAL_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'kanal.db'}",
        "KANAL_SERVER__DATA_DIR": str(tmp_path / "data"),
        "KANAL_SERVER__SECRET_KEY": "test-secret-key",
        **env,
    }
    return load_settings(path, env=environ)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@dataclass
class RunningHub:
    server: TestServer
    app: web.Application

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def service(self) -> HubService:
        return self.app[SERVICE]

    @property
    def store(self) -> Store:
        return self.app[STORE]

    async def add_agent(self, email: str, opd: str, role: str = "agent") -> int:
        directory = self.service.directory
        opd_row = directory.opd_by_slug(opd)
        assert opd_row is not None
        return await self.store.write(
            lambda c: add_agent(
                c,
                organization_id=directory.organization_id,
                opd_id=opd_row.id,
                email=email,
                name=email.split("@")[0].title(),
                role=Role(role),
                password=PASSWORD,
            )
        )

    async def token(self, email: str, opd: str, role: str = "agent") -> str:
        await self.add_agent(email, opd, role)
        token = await self.store.write(lambda c: create_api_token(c, email))
        assert token is not None
        return token


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[RunningHub]:
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


@pytest.fixture
async def sockets() -> AsyncIterator[Callable[..., Any]]:
    """Connect Socket.IO clients; all are disconnected at the end of the test."""
    clients: list[socketio.AsyncClient] = []

    async def connect(url: str, namespace: str, auth: Any = None, **kwargs: Any) -> Any:
        client = socketio.AsyncClient(reconnection=False)
        client.received = []  # type: ignore[attr-defined]

        @client.on("*", namespace=namespace)
        async def catch_all(event: str, data: Any = None) -> None:
            client.received.append((event, data))  # type: ignore[attr-defined]

        await client.connect(
            url, namespaces=[namespace], auth=auth, transports=["websocket"], **kwargs
        )
        clients.append(client)
        return client

    yield connect
    for client in clients:
        if client.connected:
            await client.disconnect()
