"""Inboxes as the coordinator manages them: add one (its options checked by its channel),
rename or reroute it, rotate its secret; secrets are never answered in full but once.

Inboxes the config declares are upserted from it at every start: read-only here."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.admin import AdminError, Managed, active_opd, bounded, not_in_config
from hub.models import utcnow
from hub.store import schema as s
from hub.store.queries import new_id

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
ROTATED_SUFFIX = re.compile(r"-[0-9a-f]{6}$")
#: Kinds an admin may create from the console (an `api` inbox is made by integrators).
CREATABLE_KINDS = ("widget", "telegram", "whatsapp", "manual")
#: Options holding a secret, by a word in their name: never answered in full.
SECRET_WORDS = ("token", "secret", "password")
#: What "rotate" renews, by kind: an option, or (widget) the public key of the embed.
ROTATES = {"widget": "key", "telegram": "webhook_secret", "whatsapp": "verify_token"}
#: Secrets the hub makes up when a new inbox comes without them.
GENERATED = {"telegram": ("webhook_secret",), "whatsapp": ("verify_token",)}

#: A channel's check of an inbox's options (Channel.check): one line per problem.
Check = Callable[[str, dict[str, Any]], list[str]]


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # A-Z a-z 0-9 _ - : what Telegram's secret_token allows


def is_secret(option: str) -> bool:
    return any(word in option.lower() for word in SECRET_WORDS)


def mask(value: Any) -> str:
    """Enough of a secret to recognise it, never enough to use it."""
    text = str(value)
    return "••••" + text[-4:] if len(text) >= 16 else "••••"


def masked_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: mask(v) if is_secret(k) and v else v for k, v in options.items()}


@dataclass(frozen=True)
class Links:
    """Where the hub is reached from outside, for embed snippets and webhook URLs."""

    public_url: str
    webhook_paths: dict[str, str]  # kind -> path with {key}, e.g. /webhooks/telegram/{key}

    def embed(self, key: str) -> str:
        base = self.public_url.rstrip("/")
        return f'<script src="{base}/widget.js" data-inbox="{key}" async></script>'

    def webhook(self, kind: str, key: str) -> str | None:
        path = self.webhook_paths.get(kind)
        return self.public_url.rstrip("/") + path.replace("{key}", key) if path else None


def inbox_view(row: Any, managed: Managed, links: Links) -> dict[str, Any]:
    view = {
        "id": row.id,
        "key": row.key,
        "kind": row.kind,
        "name": row.name,
        "opd_id": row.opd_id,
        "active": bool(row.active),
        "managed": "config" if row.key in managed.inboxes else "console",
        "options": masked_options(dict(row.options or {})),
        "created_at": row.created_at.isoformat(),
    }
    if row.kind == "widget":
        view["embed"] = links.embed(row.key)
    webhook = links.webhook(row.kind, row.key)
    if webhook is not None:
        view["webhook_url"] = webhook
    return view


def _inbox_row(conn: Connection, inbox_id: int) -> Any:
    row = conn.execute(select(s.inbox).where(s.inbox.c.id == inbox_id)).first()
    if row is None:
        raise AdminError("not_found", "inbox not found")
    return row


def list_inboxes(conn: Connection, org_id: int) -> list[Any]:
    query = (
        select(s.inbox)
        .join(s.opd, s.opd.c.id == s.inbox.c.opd_id)
        .where(s.opd.c.organization_id == org_id)
        .order_by(s.inbox.c.kind, s.inbox.c.name)
    )
    return list(conn.execute(query))


def prepare_options(
    kind: str, key: str, options: dict[str, Any], check: Check | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The options with missing secrets generated, and those generated (to show once);
    AdminError with every problem the channel finds."""
    options = dict(options)
    generated = {}
    for name in GENERATED.get(kind, ()):
        if not options.get(name):
            options[name] = generated[name] = new_secret()
    problems = check(key, options) if check is not None else []
    if problems:
        raise AdminError("invalid_options", "; ".join(problems))
    return options, generated


def create_inbox(
    conn: Connection,
    org_id: int,
    *,
    key: str,
    kind: str,
    name: str,
    opd_id: int,
    options: dict[str, Any],
) -> Any:
    """Insert an inbox whose options were prepared (and checked) by prepare_options."""
    if not KEY.match(key):
        raise AdminError("bad_request", "key: A-Z a-z 0-9 _ -, at most 63, e.g. 'wa-dinsos'")
    if kind not in CREATABLE_KINDS:
        raise AdminError("bad_request", f"kind must be one of {', '.join(CREATABLE_KINDS)}")
    name = bounded(name, "name", 200)
    active_opd(conn, org_id, opd_id)
    if conn.execute(select(s.inbox.c.id).where(s.inbox.c.key == key)).first() is not None:
        raise AdminError("duplicate", f"an inbox with key {key!r} exists already")
    values = {"key": key, "kind": kind, "name": name, "opd_id": opd_id, "options": options}
    inbox_id = new_id(conn, insert(s.inbox).values(created_at=utcnow(), **values))
    return _inbox_row(conn, inbox_id)


def update_inbox(
    conn: Connection, org_id: int, managed: Managed, inbox_id: int, changes: dict[str, Any]
) -> Any:
    """Rename it, or route its new cases to another OPD."""
    row = _inbox_row(conn, inbox_id)
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = bounded(changes["name"], "name", 200)
    if "opd_id" in changes and changes["opd_id"] != row.opd_id:
        active_opd(conn, org_id, changes["opd_id"])
        values["opd_id"] = changes["opd_id"]
    if any(row._mapping[k] != v for k, v in values.items()):
        not_in_config(row.key in managed.inboxes, "this inbox")
        conn.execute(update(s.inbox).where(s.inbox.c.id == inbox_id).values(**values))
    return _inbox_row(conn, inbox_id)


@dataclass(frozen=True)
class Rotated:
    inbox: Any
    name: str  # "key" or the option renewed
    value: str  # shown once


def rotate(
    conn: Connection, managed: Managed, inbox_id: int, checks: Mapping[str, Check]
) -> Rotated:
    """A new secret (Telegram: webhook_secret, WhatsApp: verify_token) or, for a widget, a
    new public key: embeds with the old key stop working."""
    row = _inbox_row(conn, inbox_id)
    what = ROTATES.get(row.kind)
    if what is None:
        raise AdminError("bad_request", f"a {row.kind} inbox has nothing to rotate")
    not_in_config(row.key in managed.inboxes, "this inbox")
    if what == "key":
        value = _fresh_key(conn, row.key)
        conn.execute(update(s.inbox).where(s.inbox.c.id == inbox_id).values(key=value))
    else:
        value = new_secret()
        options = {**dict(row.options or {}), what: value}
        prepare_options(row.kind, row.key, options, checks.get(row.kind))
        conn.execute(update(s.inbox).where(s.inbox.c.id == inbox_id).values(options=options))
    return Rotated(_inbox_row(conn, inbox_id), what, value)


def _fresh_key(conn: Connection, key: str) -> str:
    stem = ROTATED_SUFFIX.sub("", key)[:56]
    while True:
        candidate = f"{stem}-{secrets.token_hex(3)}"
        if conn.execute(select(s.inbox.c.id).where(s.inbox.c.key == candidate)).first() is None:
            return candidate
