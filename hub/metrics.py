"""Prometheus metrics: every metric the hub exposes, on a registry of its own per app
(several hubs in one process, as in the tests, never share a series).

The hot path only increments and observes children looked up once per channel; what
is cheaper to read than to keep (outbox backlog, open sockets) is read at scrape time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import Connection, func, select

from hub.channel import Accepted
from hub.events import EventBus, SlaAlert
from hub.models import Inbound, utcnow
from hub.store import schema as s
from hub.store.db import StorageUnavailable, Store

#: An inbound message is committed in milliseconds; a slow disk or a storm takes longer.
INBOUND_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: A reply reaches its provider in a second or so; retries stretch that to minutes or hours.
DELIVERY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.inbound_messages = Counter(
            "kanal_inbound_messages",
            "Resident messages a channel handed to the hub; result: accepted or duplicate.",
            ["channel", "result"],
            registry=r,
        )
        self.inbound_seconds = Histogram(
            "kanal_inbound_seconds",
            "From a channel's accept call to the commit of the messages it carried.",
            ["channel"],
            buckets=INBOUND_BUCKETS,
            registry=r,
        )
        self.outbox_depth = Gauge(
            "kanal_outbox_depth", "Replies queued for delivery (read at scrape).", registry=r
        )
        self.outbox_oldest_age = Gauge(
            "kanal_outbox_oldest_age_seconds",
            "Age of the oldest queued reply, 0 when none (read at scrape).",
            registry=r,
        )
        self.delivery_seconds = Histogram(
            "kanal_delivery_seconds",
            "From a reply's creation to its provider accepting it.",
            ["channel"],
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self.delivery_failures = Counter(
            "kanal_delivery_failures",
            "Failed delivery attempts; kind: retry (tried again later) or dead (given up).",
            ["channel", "kind"],
            registry=r,
        )
        self.socket_connections = Gauge(
            "kanal_socket_connections",
            "Socket.IO connections open on this process, per namespace (read at scrape).",
            ["namespace"],
            registry=r,
        )
        self.sla_alerts = Counter(
            "kanal_sla_alerts",
            "Deadline alerts pushed; kind: response or resolution, level: warning or breach.",
            ["kind", "level"],
            registry=r,
        )
        self.db_errors = Counter(
            "kanal_db_errors",
            "Database calls that failed as unavailable; op: read or write.",
            ["op"],
            registry=r,
        )
        self.redis_errors = Counter(
            "kanal_redis_errors",
            "Redis calls that failed: publishes, the subscription, presence, rate limits, pings.",
            registry=r,
        )
        for op in ("read", "write"):
            self.db_errors.labels(op)
        self._inbound: dict[str, tuple[Any, Any, Any]] = {}
        self._delivery: dict[str, Any] = {}

    def know_channels(self, kinds: Iterable[str]) -> None:
        """Show every loaded channel's series from the start (at 0), not from its first message."""
        for kind in kinds:
            self._inbound_series(kind)
            self._delivery_series(kind)

    # -- the hot path ------------------------------------------------------------------
    def accepted(
        self,
        channel: str,
        items: Sequence[object],
        results: Sequence[Accepted],
        seconds: float,
    ) -> None:
        """One accept call: its messages counted, its time observed (calls that carried no
        message, such as delivery receipts, are not timed)."""
        new = duplicates = 0
        for item, result in zip(items, results, strict=False):
            if isinstance(item, Inbound):
                if result.duplicate:
                    duplicates += 1
                else:
                    new += 1
        if not new and not duplicates:
            return
        accepted, duplicate, latency = self._inbound.get(channel) or self._inbound_series(channel)
        if new:
            accepted.inc(new)
        if duplicates:
            duplicate.inc(duplicates)
        latency.observe(seconds)

    def delivered(self, channel: str, created_at: datetime | None) -> None:
        if created_at is not None:
            latency = self._delivery.get(channel) or self._delivery_series(channel)
            latency.observe(max(0.0, (utcnow() - created_at).total_seconds()))

    def delivery_failed(self, channel: str, kind: str) -> None:
        self.delivery_failures.labels(channel, kind).inc()

    def db_error(self, op: str) -> None:
        self.db_errors.labels(op).inc()

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(SlaAlert, self.on_sla_alert)

    async def on_sla_alert(self, event: SlaAlert) -> None:
        """Each alert SlaKeeper.check pushes (counted as it is published)."""
        self.sla_alerts.labels(event.kind, event.level).inc()

    def _inbound_series(self, channel: str) -> tuple[Any, Any, Any]:
        series = (
            self.inbound_messages.labels(channel, "accepted"),
            self.inbound_messages.labels(channel, "duplicate"),
            self.inbound_seconds.labels(channel),
        )
        self._inbound[channel] = series
        return series

    def _delivery_series(self, channel: str) -> Any:
        for kind in ("retry", "dead"):
            self.delivery_failures.labels(channel, kind)
        latency = self._delivery[channel] = self.delivery_seconds.labels(channel)
        return latency

    # -- the scrape --------------------------------------------------------------------
    async def render(self, store: Store, sio: Any) -> bytes:
        """The text exposition, with the scrape-time gauges read first."""
        depth: float
        try:
            depth, oldest = await store.read(outbox_backlog)
        except StorageUnavailable:
            depth, oldest = float("nan"), float("nan")  # counted in kanal_db_errors_total
        self.outbox_depth.set(depth)
        self.outbox_oldest_age.set(oldest)
        if sio is not None:
            self.count_sockets(sio)
        return generate_latest(self.registry)

    def count_sockets(self, sio: Any) -> None:
        manager = sio.manager
        for namespace in {*sio.namespace_handlers, *manager.get_namespaces()}:
            open_now = sum(1 for _ in manager.get_participants(namespace, None))
            self.socket_connections.labels(namespace).set(open_now)


# One index range (ix_outbox_due: state, next_attempt_at, and the rowid SQLite keeps in
# every index) gives the count and the oldest id; its created_at is one primary-key hit.
_QUEUED = select(func.count(), func.min(s.outbox.c.id)).where(s.outbox.c.state == "queued")


def outbox_backlog(conn: Connection) -> tuple[int, float]:
    """How many replies are queued, and how long the oldest of them has waited."""
    depth, oldest_id = conn.execute(_QUEUED).one()
    if oldest_id is None:
        return 0, 0.0
    query = select(s.outbox.c.created_at).where(s.outbox.c.id == oldest_id)
    created = conn.execute(query).scalar()
    age = (utcnow() - created).total_seconds() if created is not None else 0.0
    return int(depth), max(0.0, age)
