"""GET /metrics: what a scraper sees after messages, replies, sockets, alerts and database
failures; and who may scrape at all."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from hub.app import RELAY, create_app
from hub.config import Settings
from hub.metrics import Metrics
from hub.models import utcnow
from hub.outbox import RetryPolicy
from hub.store.db import StorageUnavailable
from tests.conftest import RunningHub, make_settings
from tests.fakes import FakeChannel, permanent
from tests.hub.test_outbox import API_INBOX, _principal, open_case
from tests.hub.test_sla import WIB, remake, timeline

WIDGET = "/widget"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[RunningHub]:
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def get(hub: RunningHub, **headers: str) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as http:
        answer = await http.get(f"{hub.url}/metrics", headers=headers)
        await answer.read()
        return answer


async def scrape(hub: RunningHub) -> Samples:
    answer = await get(hub)
    assert answer.status == 200
    assert answer.content_type == "text/plain"
    samples: Samples = {}
    for family in text_string_to_metric_families(await answer.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def until(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


# -- what is counted ---------------------------------------------------------------------
async def test_a_widget_message_is_counted_once_and_timed(hub: RunningHub, sockets: Any) -> None:
    client = await sockets(hub.url, WIDGET, auth={"inbox": "web-pupr", "token": None})
    send = {"client_id": "c1", "text": "Lampu jalan mati"}
    assert (await client.call("send", send, namespace=WIDGET))["ok"] is True
    samples = await scrape(hub)
    assert value(samples, "kanal_inbound_messages_total", channel="widget", result="accepted") == 1
    assert value(samples, "kanal_inbound_seconds_count", channel="widget") == 1
    assert value(samples, "kanal_inbound_seconds_sum", channel="widget") > 0
    assert ("kanal_inbound_messages_total", (("channel", "telegram"), ("result", "accepted"))) in (
        samples
    ), "every loaded channel is shown from the start"

    assert (await client.call("send", send, namespace=WIDGET))["ok"] is True  # a resend
    samples = await scrape(hub)
    assert value(samples, "kanal_inbound_messages_total", channel="widget", result="accepted") == 1
    assert value(samples, "kanal_inbound_messages_total", channel="widget", result="duplicate") == 1


async def test_outbox_depth_and_delivery_follow_a_queued_reply(tmp_path: Path) -> None:
    async with running(make_settings(tmp_path, API_INBOX)) as hub:
        fake = FakeChannel(hub.service)
        hub.service.channels["api"] = fake
        relay = hub.app[RELAY]
        relay.policy, relay.idle = RetryPolicy(base=0.01, cap=0.05, max_attempts=4), 0.02
        await relay.stop()
        agent = await _principal(hub)
        conv_id = await open_case(hub)
        await hub.service.reply(agent, conv_id, text="Sedang kami tangani")
        await asyncio.sleep(0.05)
        samples = await scrape(hub)
        assert value(samples, "kanal_outbox_depth") == 1
        assert 0.05 <= value(samples, "kanal_outbox_oldest_age_seconds") < 60

        fake.fail_next(permanent())  # the first reply is dead-lettered, the second is sent
        await hub.service.reply(agent, conv_id, text="Balasan kedua")
        await relay.start()

        async def drained() -> bool:
            return value(await scrape(hub), "kanal_outbox_depth") == 0

        await until(drained)
        samples = await scrape(hub)
        assert value(samples, "kanal_outbox_oldest_age_seconds") == 0
        assert value(samples, "kanal_delivery_seconds_count", channel="api") == 1
        assert value(samples, "kanal_delivery_seconds_sum", channel="api") > 0
        assert value(samples, "kanal_delivery_failures_total", channel="api", kind="dead") == 1
        assert value(samples, "kanal_delivery_failures_total", channel="api", kind="retry") == 0


async def test_socket_gauge_follows_connects_and_disconnects(hub: RunningHub, sockets: Any) -> None:
    assert value(await scrape(hub), "kanal_socket_connections", namespace=WIDGET) == 0
    first = await sockets(hub.url, WIDGET, auth={"inbox": "web-pupr", "token": None})
    await sockets(hub.url, WIDGET, auth={"inbox": "web-pupr", "token": None})
    samples = await scrape(hub)
    assert value(samples, "kanal_socket_connections", namespace=WIDGET) == 2
    assert value(samples, "kanal_socket_connections", namespace="/agent") == 0
    await first.disconnect()

    async def one_left() -> bool:
        samples = await scrape(hub)
        return value(samples, "kanal_socket_connections", namespace=WIDGET) == 1

    await until(one_left)


async def test_sla_alerts_are_counted_by_kind_and_level(hub: RunningHub) -> None:
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        answer = await http.put(
            f"{hub.url}/api/v1/admin/sla-policies",
            json={"opd": "pupr", "preset": "1x24"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert answer.status == 200
    arrived = (utcnow() - timedelta(hours=20)).astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")
    await remake(hub, [await timeline(hub, "pupr", [("in", arrived)])])
    assert await hub.service.sla.check() == 2  # 20 of 24 hours used: past 80%
    await hub.service.drain()
    samples = await scrape(hub)
    assert value(samples, "kanal_sla_alerts_total", kind="response", level="warning") == 1
    assert value(samples, "kanal_sla_alerts_total", kind="resolution", level="warning") == 1
    assert value(samples, "kanal_sla_alerts_total", kind="response", level="breach") == 0


async def test_database_failures_are_counted_and_redis_starts_at_zero(hub: RunningHub) -> None:
    def broken(conn: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    for call in (hub.store.read, hub.store.read, hub.store.write):
        with contextlib.suppress(StorageUnavailable):
            await call(broken)
    samples = await scrape(hub)
    assert value(samples, "kanal_db_errors_total", op="read") == 2
    assert value(samples, "kanal_db_errors_total", op="write") == 1
    assert ("kanal_redis_errors_total", ()) in samples
    assert value(samples, "kanal_redis_errors_total") == 0
    assert value(samples, "process_cpu_seconds_total") > 0


def test_each_hub_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.db_error("read")
    assert first.registry.get_sample_value("kanal_db_errors_total", {"op": "read"}) == 1
    assert second.registry.get_sample_value("kanal_db_errors_total", {"op": "read"}) == 0


# -- who may scrape ----------------------------------------------------------------------
async def test_without_a_token_loopback_may_scrape(hub: RunningHub) -> None:
    answer = await get(hub)
    assert answer.status == 200
    assert "kanal_outbox_depth" in await answer.text()


async def test_without_a_token_other_addresses_find_nothing(tmp_path: Path) -> None:
    async with running(make_settings(tmp_path, KANAL_METRICS__ALLOW="10.0.0.0/8")) as hub:
        assert (await get(hub)).status == 404


async def test_a_request_relayed_by_an_untrusted_proxy_is_not_loopback(hub: RunningHub) -> None:
    # nginx on the same host, not listed in trusted_proxies: its peer address is 127.0.0.1.
    assert (await get(hub, **{"X-Forwarded-For": "198.51.100.7"})).status == 404


async def test_behind_a_trusted_proxy_the_forwarded_client_is_checked(tmp_path: Path) -> None:
    env = {"KANAL_SERVER__TRUSTED_PROXIES": "127.0.0.1", "KANAL_METRICS__ALLOW": "10.1.0.0/16"}
    async with running(make_settings(tmp_path, **env)) as hub:
        assert (await get(hub, **{"X-Forwarded-For": "10.1.2.3"})).status == 200
        assert (await get(hub, **{"X-Forwarded-For": "198.51.100.7"})).status == 404
        assert (await get(hub)).status == 404  # the proxy itself is not an allowed scraper


async def test_a_token_is_required_when_configured(tmp_path: Path) -> None:
    async with running(make_settings(tmp_path, KANAL_METRICS__TOKEN="rahasia-prom")) as hub:
        refused = await get(hub)  # loopback is not enough
        assert refused.status == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await get(hub, Authorization="Bearer salah")).status == 401
        assert (await get(hub, Authorization="Basic rahasia-prom")).status == 401
        answer = await get(hub, Authorization="Bearer rahasia-prom")
        assert answer.status == 200
        assert "kanal_inbound_messages_total" in await answer.text()
