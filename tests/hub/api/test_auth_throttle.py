"""Login throttling (hub/limits.py LoginLimits): strict per (account, address), looser per
account with backoff, generous per address; 429 with Retry-After, whatever the password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from hub.app import create_app
from hub.config import LimitSettings
from hub.limits import DAY, HOUR, LOGIN_WINDOW, LoginLimits, LoginThrottled
from hub.throttle import MemoryRateLimiter
from tests.conftest import PASSWORD, RunningHub, make_settings

LIMITS = """
[limits]
login_failures_per_account_and_address = 3
login_failures_per_account = 5
login_failures_per_address = 8
"""


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    settings = make_settings(tmp_path, LIMITS, KANAL_SERVER__TRUSTED_PROXIES="127.0.0.1")
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def login(hub: Any, email: str, password: str, address: str) -> tuple[int, Any, Any]:
    """A login from `address` (behind the trusted proxy, as nginx forwards it)."""
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{hub.url}/api/v1/auth/login",
            json={"email": email, "password": password},
            headers={"X-Forwarded-For": address},
        )
        return r.status, await r.json(), r.headers


async def test_a_guesser_is_stopped_with_429_and_retry_after_even_with_the_right_password(
    hub: Any,
) -> None:
    await hub.add_agent("budi@pupr.go.id", "pupr")
    for _ in range(3):
        assert (await login(hub, "budi@pupr.go.id", "salah", "203.0.113.7"))[0] == 401
    status, body, headers = await login(hub, "budi@pupr.go.id", PASSWORD, "203.0.113.7")
    assert status == 429
    assert body["error"]["code"] == "too_many_attempts"
    assert "try again in" in body["error"]["message"]
    retry = int(headers["Retry-After"])
    assert 0 < retry <= LOGIN_WINDOW and body["error"]["retry_after"] == retry
    # The owner, from another address, still gets in.
    assert (await login(hub, "budi@pupr.go.id", PASSWORD, "198.51.100.20"))[0] == 200


async def test_a_guesser_spread_over_addresses_is_stopped_per_account(hub: Any) -> None:
    await hub.add_agent("budi@pupr.go.id", "pupr")
    for n in range(5):
        assert (await login(hub, "budi@pupr.go.id", "salah", f"203.0.113.{n}"))[0] == 401
    assert (await login(hub, "budi@pupr.go.id", PASSWORD, "198.51.100.20"))[0] == 429
    # Other accounts are not touched.
    await hub.add_agent("sari@pupr.go.id", "pupr")
    assert (await login(hub, "sari@pupr.go.id", PASSWORD, "203.0.113.1"))[0] == 200


async def test_one_address_shared_by_many_residents_is_not_locked_out_by_a_few_typos(
    hub: Any,
) -> None:
    """Carrier-grade NAT: officers behind one address each mistype once or twice; the
    address limit is far above the pair's, and a success clears the pair's count."""
    nat = "100.64.0.1"
    for n in range(4):
        email = f"petugas{n}@pupr.go.id"
        await hub.add_agent(email, "pupr")
        assert (await login(hub, email, "salah", nat))[0] == 401
        assert (await login(hub, email, PASSWORD, nat))[0] == 200
    # The pair's failures were forgotten at the success: two more typos do not block.
    for _ in range(2):
        assert (await login(hub, "petugas0@pupr.go.id", "salah", nat))[0] == 401
    assert (await login(hub, "petugas0@pupr.go.id", PASSWORD, nat))[0] == 200
    # A flood of failures from the address does stop it, for every account.
    for n in range(8):
        await login(hub, f"nobody{n}@x.id", "salah", nat)
    assert (await login(hub, "petugas1@pupr.go.id", PASSWORD, nat))[0] == 429
    assert (await login(hub, "petugas1@pupr.go.id", PASSWORD, "198.51.100.9"))[0] == 200


async def test_a_password_change_counts_wrong_current_passwords_as_failed_logins(
    hub: Any,
) -> None:
    await hub.add_agent("budi@pupr.go.id", "pupr")
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Origin": hub.url}
    ) as http:
        body = {"email": "budi@pupr.go.id", "password": PASSWORD}
        assert (await http.post(f"{hub.url}/api/v1/auth/login", json=body)).status == 200
        change = {"current_password": "tebakan", "new_password": "kata-sandi-baru-2025"}
        statuses = [
            (await http.post(f"{hub.url}/api/v1/auth/password", json=change)).status
            for _ in range(4)
        ]
    assert statuses == [403, 403, 403, 429]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_an_accounts_wait_grows_with_its_failures() -> None:
    """Backoff: 15 minutes after n failures, an hour after 2n, a day after 5n."""
    clock = Clock()
    limits = LoginLimits(
        lambda _name, windows: MemoryRateLimiter(windows, clock),
        LimitSettings(
            login_failures_per_account=2,
            login_failures_per_account_and_address=100,
            login_failures_per_address=100,
        ),
    )

    async def fail_until_blocked() -> int:
        for n in range(100):
            try:
                await limits.check("budi@pupr.go.id", f"203.0.113.{n}")
            except LoginThrottled as exc:
                return exc.retry_after
            await limits.failed("budi@pupr.go.id", f"203.0.113.{n}")
        raise AssertionError("never throttled")

    waits: list[int] = []
    while not waits or waits[-1] <= HOUR:  # a guesser who waits each time, and goes on
        waits.append(await fail_until_blocked())
        clock.now += waits[-1] + 1
        assert len(waits) <= 5, waits
    assert waits[0] <= LOGIN_WINDOW < waits[1] <= HOUR < waits[-1] <= DAY
