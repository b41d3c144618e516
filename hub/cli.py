"""The `kanal` command: serve | migrate | demo | agent add | token create."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from hub import demo, logmask
from hub.auth import add_agent, create_api_token
from hub.config import ConfigError, Settings, load_settings
from hub.directory import load_directory, sync_settings
from hub.models import Role
from hub.store import schema as s
from hub.store.db import Store
from hub.store.migrate import upgrade

T = TypeVar("T")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logmask.install()  # phone numbers and NIK never reach the logs whole (UU PDP)
    try:
        settings = load_settings(args.config or os.environ.get("KANAL_CONFIG"))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config: {problem}", file=sys.stderr)
        return 2
    result: int = args.run(settings, args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kanal", description="Kanal omnichannel complaint hub")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="TOML settings file (default: none)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    cmd = sub.add_parser("serve", parents=[common], help="run the hub")
    cmd.set_defaults(run=_serve)
    cmd = sub.add_parser("migrate", parents=[common], help="bring the database schema up to date")
    cmd.set_defaults(run=_migrate)
    cmd = sub.add_parser("demo", parents=[common], help="load the demo city, its OPDs and logins")
    cmd.add_argument("--if-empty", action="store_true", help="only when the database is empty")
    cmd.set_defaults(run=_demo)

    agent = sub.add_parser("agent", help="manage agents").add_subparsers(
        required=True, metavar="ACTION"
    )
    cmd = agent.add_parser("add", parents=[common], help="create or update an agent")
    cmd.add_argument("--email", required=True)
    cmd.add_argument("--name", required=True)
    cmd.add_argument("--opd", required=True, metavar="SLUG")
    cmd.add_argument("--role", required=True, choices=[r.value for r in Role])
    cmd.add_argument("--password", required=True)
    cmd.set_defaults(run=_agent_add)

    _channel_commands(sub, common)

    token = sub.add_parser("token", help="manage API tokens").add_subparsers(
        required=True, metavar="ACTION"
    )
    cmd = token.add_parser("create", parents=[common], help="print a new API token for an agent")
    cmd.add_argument("email")
    cmd.add_argument("--label")
    cmd.set_defaults(run=_token_create)
    return parser


def _channel_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """`kanal <kind> <command> KEY` for each channel that offers commands."""
    from hub.app import channel_classes

    for kind, channel_class in channel_classes().items():
        if not channel_class.commands:
            continue
        actions = sub.add_parser(kind, help=f"{kind} inboxes").add_subparsers(
            required=True, metavar="ACTION"
        )
        for name, command in channel_class.commands.items():
            cmd = actions.add_parser(
                name, parents=[common], help=(command.__doc__ or "").split("\n")[0]
            )
            cmd.add_argument("key", metavar="KEY", help="the inbox key")
            cmd.set_defaults(run=_channel_command, kind=kind, command=command)


def _channel_command(settings: Settings, args: Any) -> int:
    def job(conn: Connection) -> Any:
        return load_directory(conn).inbox_by_key(args.key)

    inbox = _with_store(settings, job)
    if inbox is None or inbox.kind != args.kind:
        print(f"no {args.kind} inbox with key {args.key!r}", file=sys.stderr)
        return 1
    try:
        print(asyncio.run(args.command(inbox, settings.server.public_url)))
    except Exception as exc:  # the provider's answer is the operator's best clue
        print(f"{args.kind} {args.key}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def _serve(settings: Settings, args: Any) -> int:
    from aiohttp import web
    from aiohttp.log import access_logger

    from hub.app import create_app

    try:
        app = create_app(settings)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"config: {problem}", file=sys.stderr)
        return 2
    print(f"Kanal listening on http://{settings.server.host}:{settings.server.port}", flush=True)
    web.run_app(
        app,
        host=settings.server.host,
        port=settings.server.port,
        print=None,
        access_log=access_logger if settings.server.access_log else None,
        # Requests still running at a stop get this long (sockets are told to go first).
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    return 0


#: Within systemd's TimeoutStopSec (deploy/systemd: 15 s).
SHUTDOWN_SECONDS = 10.0


def _migrate(settings: Settings, args: Any) -> int:
    upgrade(settings.database.url)
    print("database is up to date")
    return 0


def _with_store(settings: Settings, job: Callable[[Connection], T]) -> T:
    """Run job on an up-to-date database that knows the OPDs and inboxes the config declares."""
    upgrade(settings.database.url)

    def synced(conn: Connection) -> T:
        if settings.opds or settings.inboxes:
            sync_settings(conn, settings)
        return job(conn)

    async def run() -> T:
        store = Store(settings.database)
        await store.start()
        try:
            return await store.write(synced)
        finally:
            await store.stop()

    return asyncio.run(run())


def _demo(settings: Settings, args: Any) -> int:
    def job(conn: Connection) -> bool:
        if args.if_empty and not demo.is_empty(conn):
            return False
        demo.seed(conn)
        return True

    seeded = _with_store(settings, job)
    if not seeded:
        print("the database already has data; demo not loaded")
        return 0
    print(f"demo loaded: {demo.ORGANIZATION}")
    print(f"demo logins (password: {demo.PASSWORD}):")
    for login in demo.LOGINS:
        print(f"  {login.email:28} {login.role:10} {login.opd}")
    return 0


def _agent_add(settings: Settings, args: Any) -> int:
    def job(conn: Connection) -> int | None:
        opd = conn.execute(select(s.opd).where(s.opd.c.slug == args.opd)).first()
        if opd is None:
            return None
        return add_agent(
            conn,
            organization_id=opd.organization_id,
            opd_id=opd.id,
            email=args.email,
            name=args.name,
            role=Role(args.role),
            password=args.password,
        )

    agent_id = _with_store(settings, job)
    if agent_id is None:
        print(f"no OPD with slug {args.opd!r}", file=sys.stderr)
        return 1
    print(f"agent {args.email} saved (id {agent_id})")
    return 0


def _token_create(settings: Settings, args: Any) -> int:
    token = _with_store(settings, lambda conn: create_api_token(conn, args.email, args.label))
    if token is None:
        print(f"no active agent with email {args.email!r}", file=sys.stderr)
        return 1
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
