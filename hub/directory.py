"""The organisation, its OPDs and inboxes: declared in config, synced at start, kept in memory.

They change rarely and are read on every message, so the hub keeps them here instead of
joining them into every query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.config import Settings
from hub.models import InboxRef, utcnow
from hub.store import schema as s
from hub.store.queries import new_id
from hub.templates import template_view, templates_of


@dataclass(frozen=True)
class Opd:
    id: int
    slug: str
    name: str
    coordinator: bool = False  # Diskominfo: city-wide inboxes' new cases wait in its triage
    active: bool = True  # a deactivated OPD keeps its history but receives nothing new

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "slug": self.slug, "name": self.name}


@dataclass
class Directory:
    organization_id: int = 0
    organization_name: str = ""
    opds: dict[int, Opd] = field(default_factory=dict)
    inboxes: dict[int, InboxRef] = field(default_factory=dict)
    #: Seconds of free-form replies after a resident's message, by channel kind (WhatsApp).
    reply_windows: dict[str, float] = field(default_factory=dict)
    #: Warn of a deadline when this fraction of its time is used ([sla] warn_at_pct).
    sla_warn: float = 0.8
    _by_key: dict[str, InboxRef] = field(default_factory=dict, repr=False)

    def opd_by_slug(self, slug: str) -> Opd | None:
        return next((o for o in self.opds.values() if o.slug == slug), None)

    def inbox_by_key(self, key: str) -> InboxRef | None:
        if len(self._by_key) != len(self.inboxes):
            self._by_key = {i.key: i for i in self.inboxes.values()}
        return self._by_key.get(key)

    def inbox_view(self, inbox_id: int) -> dict[str, Any]:
        inbox = self.inboxes[inbox_id]
        view: dict[str, Any] = {"key": inbox.key, "kind": inbox.kind, "name": inbox.name}
        window = self.reply_windows.get(inbox.kind)
        if window is not None:
            view["reply_window_seconds"] = window
            view["templates"] = [template_view(t) for t in templates_of(inbox)]
        return view

    def opd_view(self, opd_id: int) -> dict[str, Any]:
        opd = self.opds.get(opd_id)
        return opd.view() if opd else {"id": opd_id, "slug": None, "name": None}


def load_directory(conn: Connection) -> Directory:
    directory = Directory()
    org = conn.execute(select(s.organization).order_by(s.organization.c.id)).first()
    if org is not None:
        directory.organization_id, directory.organization_name = org.id, org.name
    for row in conn.execute(select(s.opd)):
        directory.opds[row.id] = Opd(
            row.id, row.slug, row.name, bool(row.coordinator), bool(row.active)
        )
    for row in conn.execute(select(s.inbox).where(s.inbox.c.active.is_(True))):
        directory.inboxes[row.id] = InboxRef(
            row.id, row.key, row.kind, row.name, row.opd_id, dict(row.options or {})
        )
    return directory


def sync_settings(conn: Connection, settings: Settings) -> None:
    """Upsert the organisation, OPDs and inboxes the config declares (never deletes)."""
    now = utcnow()
    org_id = ensure_organization(conn, settings.organization.name)
    for opd in settings.opds:
        ensure_opd(conn, org_id, opd.slug, opd.name, coordinator=opd.coordinator)
    slugs = {row.slug: row.id for row in conn.execute(select(s.opd.c.slug, s.opd.c.id))}
    for inbox in settings.inboxes:
        values = {
            "kind": inbox.kind,
            "name": inbox.name or inbox.key,
            "opd_id": slugs[inbox.opd],
            "options": inbox.options,
            "active": True,
        }
        existing = conn.execute(select(s.inbox.c.id).where(s.inbox.c.key == inbox.key)).first()
        if existing is None:
            conn.execute(insert(s.inbox).values(key=inbox.key, created_at=now, **values))
        else:
            conn.execute(update(s.inbox).where(s.inbox.c.id == existing.id).values(**values))


def ensure_organization(conn: Connection, name: str) -> int:
    row = conn.execute(select(s.organization.c.id).order_by(s.organization.c.id)).first()
    if row is None:
        return new_id(conn, insert(s.organization).values(name=name, created_at=utcnow()))
    conn.execute(update(s.organization).where(s.organization.c.id == row.id).values(name=name))
    return int(row.id)


def ensure_opd(
    conn: Connection, org_id: int, slug: str, name: str, *, coordinator: bool = False
) -> int:
    row = conn.execute(select(s.opd.c.id).where(s.opd.c.slug == slug)).first()
    values = {"name": name, "coordinator": coordinator}
    if row is not None:
        conn.execute(update(s.opd).where(s.opd.c.id == row.id).values(**values))
        return int(row.id)
    return new_id(
        conn,
        insert(s.opd).values(organization_id=org_id, slug=slug, created_at=utcnow(), **values),
    )
