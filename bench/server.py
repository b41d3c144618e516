"""Server processes the benchmarks talk to, each pinned to one core.

    python -m bench.server hub     --config kanal.toml     --core 0 [--profile out.prof]
    python -m bench.server bare    --port 9000             --core 0 [--profile out.prof]
    python -m bench.server webhook --port 9001 --secret S  --core 0 [--profile out.prof]
    python -m bench.server whatsapp-webhook --port 9002 --secret S --core 0 [--profile ...]
    python -m bench.server provider --port 9003 --core 1

`hub` is what `kanal serve` runs (create_app + web.run_app). `bare` is the relay baseline:
a python-socketio AsyncServer on aiohttp, with the hub's server options, whose /widget
`send` handler emits the payload to the agents' room and acks: no storage, no checks
(its `sync` acks an empty page).
`webhook` is the Telegram ingest baseline: a bare aiohttp app whose one handler,
POST /webhooks/telegram/{key}, checks the secret header (hmac.compare_digest), parses
the body with orjson and answers 200 {"ok": true}, with no access log (a bare app logs
none unless logging is configured; the hub logs each request only with
`server.access_log = true`, as `kanal serve` decides). `whatsapp-webhook` is the
WhatsApp ingest baseline (bench.whatsapp.bare_app): the same, with X-Hub-Signature-256
(HMAC-SHA256 of the raw body) as the check and no access log either. `provider` is the
fake Bot API + Graph API that enforces the providers' sending limits (bench.fake_provider).
SIGINT stops any of
them gracefully; with --profile the main thread (and for the hub the writer thread, as
<out>.writer) is profiled with cProfile and dumped on the way out.
"""

from __future__ import annotations

import argparse
import cProfile
import hmac
import logging
import os
from pathlib import Path
from typing import Any

import orjson
import socketio
from aiohttp import web
from aiohttp.log import access_logger

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def bare_app() -> web.Application:
    # Same options as hub.realtime.create_socket_server, so only the work differs.
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins=[],
        max_http_buffer_size=256 * 1024,
        ping_interval=20,
        ping_timeout=20,
    )
    app = web.Application()
    sio.attach(app)

    @sio.on("connect", namespace="/agent")
    async def agent_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await sio.enter_room(sid, "agents", namespace="/agent")

    @sio.on("connect", namespace="/widget")
    async def widget_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        return None

    @sio.on("send", namespace="/widget")
    async def widget_send(sid: str, data: Any = None) -> dict[str, Any]:
        await sio.emit("message", data, to="agents", namespace="/agent")
        return {"ok": True}

    @sio.on("sync", namespace="/widget")
    async def widget_sync(sid: str, data: Any = None) -> dict[str, Any]:
        # The catch-up round trip with nothing behind it (bench/storm.py's baseline).
        return {"ok": True, "conversation": None, "messages": [], "more": False}

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", healthz)
    return app


def webhook_app(secret: str) -> web.Application:
    """The Telegram webhook with nothing behind it: secret check, JSON parse, 200."""
    expected = secret.encode()
    app = web.Application()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), expected):
            return web.json_response({"ok": False}, status=401)
        try:
            orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return web.json_response({"ok": False}, status=400)
        return web.json_response({"ok": True})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_post("/webhooks/telegram/{key}", webhook)
    app.router.add_get("/healthz", healthz)
    return app


def hub_app(config: str) -> tuple[web.Application, str, int, bool]:
    from hub.app import create_app
    from hub.config import load_settings

    settings = load_settings(config)
    server = settings.server
    return create_app(settings), server.host, server.port, server.access_log


def profile_writer_thread(path: str) -> None:
    """Profile the group-commit writer's thread too (cProfile sees one thread only)."""
    from hub.store.writer import GroupCommitWriter

    original = GroupCommitWriter._run

    def run(self: GroupCommitWriter) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()
            profiler.dump_stats(path + ".writer")

    GroupCommitWriter._run = run  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("kind", choices=["hub", "bare", "webhook", "whatsapp-webhook", "provider"])
    parser.add_argument("--config", help="hub: TOML settings file")
    parser.add_argument("--port", type=int, help="bare, webhook: port on 127.0.0.1")
    parser.add_argument(
        "--secret", help="webhook: the expected secret header; whatsapp-webhook: the app secret"
    )
    parser.add_argument("--core", type=int, default=None, help="pin the process to this core")
    parser.add_argument("--profile", metavar="PATH", help="cProfile dump written on exit")
    args = parser.parse_args()

    if args.core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    # As `kanal serve` does (hub.cli.main); the hot path logs nothing at INFO.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    access_log: logging.Logger | None = access_logger  # run_app's default
    if args.kind == "hub":
        if not args.config:
            parser.error("hub needs --config")
        if args.profile:
            profile_writer_thread(args.profile)
        app, host, port, logs = hub_app(args.config)
        access_log = access_logger if logs else None  # as `kanal serve` decides
    elif args.kind == "webhook":
        if not args.port or not args.secret:
            parser.error("webhook needs --port and --secret")
        app, host, port = webhook_app(args.secret), "127.0.0.1", args.port
        access_log = None
    elif args.kind == "whatsapp-webhook":
        if not args.port or not args.secret:
            parser.error("whatsapp-webhook needs --port and --secret")
        from bench.whatsapp import bare_app as whatsapp_app

        app, host, port = whatsapp_app(args.secret), "127.0.0.1", args.port
        access_log = None
    elif args.kind == "provider":
        if not args.port:
            parser.error("provider needs --port")
        from bench.fake_provider import create_app as provider_app

        app, host, port = provider_app(), "127.0.0.1", args.port
        access_log = None
    else:
        if not args.port:
            parser.error("bare needs --port")
        app, host, port = bare_app(), "127.0.0.1", args.port

    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    try:
        web.run_app(app, host=host, port=port, print=None, access_log=access_log)
    finally:
        if profiler is not None:
            profiler.disable()
            Path(args.profile).parent.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
