"""Composition root: create_app(settings) wires storage, services, sockets, channels, routes."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from redis import asyncio as aioredis
from sqlalchemy import Connection, update

from hub import api
from hub import web as pages
from hub.api.errors import error_middleware
from hub.api.track import THROTTLE
from hub.audit import AUDIT, AuditLog
from hub.auth import Auth, VisitorTokens, secret_key
from hub.channel import Channel
from hub.cluster import RedisManager, connection_pool
from hub.config import ConfigError, Settings
from hub.csat import Survey
from hub.csrf import csrf_middleware
from hub.directory import sync_settings
from hub.events import EventBus
from hub.headers import check_origins
from hub.headers import install as install_headers
from hub.keys import AUTH, REDIS, SERVICE, SETTINGS, STORE
from hub.lifecycle import Sweeper
from hub.limits import LOGINS, InboundLimits, Limits, LoginLimits, MakeLimiter
from hub.media import MediaStore
from hub.outbox import OutboxRelay
from hub.presence import RedisPresence
from hub.realtime import AgentNamespace, FanOut, create_socket_server, name_sessions
from hub.retention import Retention
from hub.revocations import RedisRevocations
from hub.service import HubService
from hub.store import schema as s
from hub.store.db import Store
from hub.store.migrate import upgrade
from hub.throttle import MemoryRateLimiter, RateLimiter, RedisRateLimiter, Throttle

log = logging.getLogger(__name__)

#: Channel packages the hub looks for (channels/<kind>), by inbox kind.
CHANNEL_KINDS = ("widget", "telegram", "whatsapp", "manual")
CHANNELS = web.AppKey("channels", list[Channel])
RELAY = web.AppKey("relay", OutboxRelay)
CLOSE_SOCKETS_SECONDS = 2.0
SWEEPER = web.AppKey("sweeper", Sweeper)
RETENTION = web.AppKey("retention", Retention)
SURVEY = web.AppKey("survey", Survey)


def channel_classes() -> dict[str, type[Channel]]:
    """Import channels/<kind> for every kind that is installed; the hub names none of them."""
    found: dict[str, type[Channel]] = {}
    for kind in CHANNEL_KINDS:
        try:
            module = importlib.import_module(f"channels.{kind}")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"channels.{kind}", "channels"):
                raise
            continue
        channel_class = getattr(module, "CHANNEL", None)
        if channel_class is not None:
            found[kind] = channel_class
    return found


def load_channels(service: HubService) -> list[Channel]:
    loaded: list[Channel] = []
    for channel_class in channel_classes().values():
        channel = channel_class(service)
        service.channels[channel.kind] = channel
        loaded.append(channel)
    return loaded


def check_inboxes(settings: Settings, service: HubService) -> None:
    """Each channel checks the settings of its declared inboxes before anything starts."""
    problems = []
    for n, inbox in enumerate(settings.inboxes):
        channel = service.channels.get(inbox.kind)
        if channel is not None:
            problems += [
                f"inboxes[{n}] ({inbox.key}): {p}" for p in channel.check(inbox.key, inbox.options)
            ]
        if inbox.kind == "widget":
            problems += [f"inboxes[{n}] ({inbox.key}): {p}" for p in check_origins(inbox.options)]
    if problems:
        raise ConfigError(problems)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, csrf_middleware], client_max_size=4 * 1024 * 1024
    )
    store = Store(settings.database)
    bus = EventBus()
    secret = secret_key(settings.server.secret_key, Path(settings.server.data_dir))
    media = MediaStore(
        settings.media_dir, store, settings.media.max_bytes, secret, settings.media.max_pixels
    )
    service = HubService(
        store,
        bus,
        VisitorTokens(secret),
        max_message_length=settings.messages.max_length,
        media=media,
        sla=settings.sla,
    )
    auth = Auth(store, settings.sessions.max_age_hours)
    app[SETTINGS], app[STORE], app[SERVICE], app[AUTH] = settings, store, service, auth
    store.on_error = service.metrics.db_error
    service.metrics.subscribe(bus)

    tracking = settings.tracking
    limits = [(tracking.per_minute, 60.0), (tracking.per_hour, 3600.0)]
    make: MakeLimiter = _in_memory
    if settings.redis.url:
        make = _share_through_redis(app, settings, service)
    limiter = make("track", limits)
    service.rates = InboundLimits(make, settings.limits, service.metrics.registry)
    app[LOGINS] = LoginLimits(make, settings.limits)
    sio = create_socket_server(manager=app.get(REDIS))
    name_sessions(sio, settings.server.node)
    sio.attach(app)
    service.sio = sio
    agents = AgentNamespace(service, auth)
    agents.audit = app[AUDIT] = AuditLog(store)
    sio.register_namespace(agents)
    FanOut(sio, service).subscribe(bus)
    service.desk.auto_assign = settings.assignment.auto
    service.desk.subscribe(bus)
    service.sla.subscribe(bus)
    service.public_url = settings.server.public_url
    app[SURVEY] = Survey(service)
    app[SURVEY].subscribe(bus)
    app[THROTTLE] = Throttle(limiter, settings.server.trusted_proxies)

    relay = OutboxRelay(service)
    service.on_outbound = relay.wake
    app[RELAY] = relay
    app[SWEEPER] = Sweeper(service, settings.cases.close_after_days)
    app[RETENTION] = Retention(store, settings.retention, settings.media_dir)

    channels = load_channels(service)
    check_inboxes(settings, service)
    service.metrics.know_channels(channel.kind for channel in channels)
    app[CHANNELS] = channels
    for channel in channels:
        for method, path, handler in channel.routes():
            app.router.add_route(method, path, handler)
    api.add_routes(app)
    pages.add_routes(app)
    install_headers(app)
    app.cleanup_ctx.append(_lifecycle)
    app.on_shutdown.append(_close_sockets)
    return app


def _in_memory(name: str, limits: Limits) -> RateLimiter:
    return MemoryRateLimiter(limits)


def _share_through_redis(
    app: web.Application, settings: Settings, service: HubService
) -> MakeLimiter:
    """Several processes: Socket.IO emits, presence, rate limits and revoked visitor tokens
    go through Redis, over
    one sized pool; what makes rate limiters is returned, the rest is set on the app and the
    desk."""
    pool, prefix = connection_pool(settings.redis), settings.redis.prefix
    redis, failed = aioredis.Redis(connection_pool=pool), service.metrics.redis_errors.inc
    app[REDIS] = RedisManager(pool, f"{prefix}:socketio", failed)
    service.desk.presence = RedisPresence(redis, prefix, failed)
    service.revocations = RedisRevocations(service.store, redis, prefix, failed)
    return lambda name, limits: RedisRateLimiter(redis, prefix, limits, on_error=failed)


async def _close_sockets(app: web.Application) -> None:
    """Drop every socket at shutdown so clients reconnect elsewhere at once, not after a timeout.

    A client that vanished unnoticed (a closed tab still owed live events) never takes its
    close packet, and engine.io would wait for it without end: give up after a moment."""
    engine = app[SERVICE].sio.eio
    if engine.sockets:
        try:
            await asyncio.wait_for(engine.disconnect(), CLOSE_SOCKETS_SECONDS)
        except TimeoutError:
            log.info("some sockets did not take their close packet; dropped them")
        except ValueError:
            # The last ones left while the disconnect was starting: engine.io's
            # asyncio.wait refuses an empty set. Nothing is left to close.
            pass


def _release_outbox_leases(conn: Connection) -> None:
    """Replies claimed by a process that died mid-send are due again now, not when their
    lease runs out (a provider id was not recorded for them, so they may go out twice)."""
    conn.execute(
        update(s.outbox).where(s.outbox.c.lease_until.is_not(None)).values(lease_until=None)
    )


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings, store, service = app[SETTINGS], app[STORE], app[SERVICE]
    # Both databases: PostgreSQL's migrations take a lock, so processes may start together.
    await asyncio.to_thread(upgrade, settings.database.url)
    await store.start()
    await store.write(lambda conn: sync_settings(conn, settings))
    if store.sqlite:  # one process per SQLite file: a lease still held is a killed run's
        await store.write(_release_outbox_leases)
    await service.start()
    await service.desk.presence.start()
    if REDIS in app:
        app[REDIS].start()
    for channel in app[CHANNELS]:
        await channel.start()
    await app[RELAY].start()
    await app[SWEEPER].start()
    await app[RETENTION].start()
    await app[AUDIT].start()
    await service.sla.start()
    log.info("kanal is ready on %s", settings.server.public_url)
    yield
    await service.sla.stop()
    await app[SWEEPER].stop()
    await app[RETENTION].stop()
    await app[AUDIT].stop()
    await app[RELAY].stop()
    await app[SURVEY].stop()
    channels: list[Channel] = app[CHANNELS]
    for channel in reversed(channels):
        await channel.stop()
    await service.stop()
    await service.desk.presence.stop()
    if REDIS in app:
        await app[REDIS].stop()
        await app[REDIS].pool.aclose()
    await store.stop()
