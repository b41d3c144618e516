"""A real hub process and Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_services

UNDELIVERABLE_RESIDENT = "Pak Darto"
MAX_MEDIA_BYTES = 64 * 1024
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    wanted = os.environ.get("KANAL_CHROMIUM", "/usr/bin/chromium")
    return wanted if Path(wanted).exists() else shutil.which("chromium")


def missing(reason: str) -> None:
    if require_services():
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def login(page: Any, url: str, email: str) -> None:
    """Sign in to the console as a demo agent."""
    from playwright.async_api import expect

    await page.goto(f"{url}/console")
    await page.locator("[data-testid=login-email]").fill(email)
    await page.locator("[data-testid=login-password]").fill("kanal-demo")
    await page.locator("[data-testid=login-submit]").click()
    await expect(page.locator("[data-testid=agent-name]")).to_be_visible()


def seed_undeliverable_case(database: Path) -> None:
    """A Dishub case in an `api` inbox, a kind no installed channel serves: every reply to
    it is dead-lettered, so the console has failed replies to send again. The resident's
    messages carry what a Telegram resident's can: a place, and a photo too large to keep."""
    from sqlalchemy import create_engine, insert, select

    from hub.directory import load_directory
    from hub.ingest import accept_inbound
    from hub.models import Inbound, Kind, Sender, utcnow
    from hub.store import schema as s

    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        opd_id = conn.execute(select(s.opd.c.id).where(s.opd.c.slug == "dishub")).scalar_one()
        conn.execute(
            insert(s.inbox).values(
                key="api-dishub",
                kind="api",
                name="API Dishub",
                opd_id=opd_id,
                options={},
                created_at=utcnow(),
            )
        )
        directory = load_directory(conn)
        inbox = directory.inbox_by_key("api-dishub")
        assert inbox is not None
        resident = Sender("darto-1", name=UNDELIVERABLE_RESIDENT)
        place = {
            "source": "telegram",
            "kind": "location",
            "latitude": -6.2,
            "longitude": 106.816667,
            "title": "Halte Sarinah",
            "address": "Jl. M.H. Thamrin",
        }
        photo = {
            "source": "telegram",
            "kind": "photo",
            "file_id": "AgAD-too-large",
            "mime_type": "image/jpeg",
            "file_name": None,
            "size": 30 * 1024 * 1024,
            "error": "too_large",
        }
        for item in (
            Inbound(resident, "Lokasi: -6.2, 106.816667", Kind.LOCATION, attachments=(place,)),
            Inbound(resident, "Halte rusak, ini fotonya", Kind.IMAGE, attachments=(photo,)),
        ):
            accept_inbound(conn, directory, inbox, item)
    engine.dispose()


@contextmanager
def demo_hub(
    folder: Path, seed: Callable[[Path], None], config: Path | None = None, **env: str
) -> Iterator[str]:
    """`kanal demo` then `kanal serve`, as `make run` does, in `folder`; `seed` gets the
    database file in between, before the hub reads it. Yields the hub's URL."""
    for bundle in ("widget/dist/loader.js", "widget/dist/app.js", "agent_console/dist/app.js"):
        if not (ROOT / bundle).exists():
            missing(f"{bundle} is not built: run `make setup`")
    port = free_port()
    environ = {
        **os.environ,
        "KANAL_SERVER__PORT": str(port),
        "KANAL_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        **env,
    }
    kanal = [sys.executable, "-m", "hub.cli"]
    subprocess.run([*kanal, "demo"], cwd=folder, env=environ, check=True, capture_output=True)
    seed(folder / "data" / "kanal.db")
    serve = [*kanal, "serve", *(["--config", str(config)] if config else [])]
    log = open(folder / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(serve, cwd=folder, env=environ, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"hub did not start: {(folder / 'serve.log').read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo city, plus one case whose replies cannot be delivered."""
    folder = tmp_path_factory.mktemp("hub")
    with demo_hub(
        folder, seed_undeliverable_case, KANAL_MEDIA__MAX_BYTES=str(MAX_MEDIA_BYTES)
    ) as url:
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    path = chromium_path()
    if path is None:
        missing("Chromium is not installed: apt-get install chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()
