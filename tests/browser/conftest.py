"""A real hub process and Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import require_services

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


@pytest.fixture(scope="session")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kanal demo` then `kanal serve`, as `make run` does, in a fresh folder."""
    for bundle in ("widget/dist/loader.js", "widget/dist/app.js", "agent_console/dist/app.js"):
        if not (ROOT / bundle).exists():
            missing(f"{bundle} is not built: run `make setup`")
    folder = tmp_path_factory.mktemp("hub")
    port = free_port()
    env = {
        **os.environ,
        "KANAL_SERVER__PORT": str(port),
        "KANAL_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    kanal = [sys.executable, "-m", "hub.cli"]
    subprocess.run([*kanal, "demo"], cwd=folder, env=env, check=True, capture_output=True)
    log = open(folder / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen([*kanal, "serve"], cwd=folder, env=env, stdout=log, stderr=log)
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
