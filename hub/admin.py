"""What the coordinator (admin) manages: OPDs and agents (inboxes: hub/inboxes.py).

Each operation is a job of one transaction. Entries the config declares are upserted from
it at every start (directory.sync_settings), so the fields it writes are read-only here:
a change would be undone at the next restart.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update

from hub.config import Settings
from hub.directory import load_directory
from hub.models import OPEN_STATUSES, Role, utcnow
from hub.store import schema as s
from hub.store.queries import new_id

if TYPE_CHECKING:
    from hub.service import HubService

OPD_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing to misread (l/1, o/0)
MAX_CAPACITY = 1000


class AdminError(Exception):
    """A change the rules refuse; `code` is the API's answer (hub/api/errors.py)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Managed:
    """The OPD slugs and inbox keys the config declares."""

    opds: frozenset[str] = frozenset()
    inboxes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, settings: Settings) -> Managed:
        return cls(
            frozenset(o.slug for o in settings.opds), frozenset(i.key for i in settings.inboxes)
        )


_reloads: weakref.WeakKeyDictionary[HubService, asyncio.Lock] = weakref.WeakKeyDictionary()


async def reload_directory(service: HubService) -> None:
    """Read OPDs and inboxes again after a change, so webhooks, the widget and routing know
    them without a restart. One at a time: the last read is always the newest."""
    lock = _reloads.setdefault(service, asyncio.Lock())
    async with lock:
        fresh = await service.store.read(load_directory)
        fresh.reply_windows = service.directory.reply_windows  # set by the channels at start
        fresh.sla_warn = service.directory.sla_warn
        service.directory = fresh


def new_password() -> str:
    """An initial password to hand over once: 12 unambiguous characters in groups of 4."""
    chars = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def bounded(value: str, name: str, limit: int) -> str:
    value = value.strip()
    if not 1 <= len(value) <= limit:
        raise AdminError("bad_request", f"{name} must have 1 to {limit} characters")
    return value


# -- OPDs --------------------------------------------------------------------------------
def _opd_row(conn: Connection, org_id: int, opd_id: int) -> Any:
    row = conn.execute(
        select(s.opd).where(s.opd.c.id == opd_id, s.opd.c.organization_id == org_id)
    ).first()
    if row is None:
        raise AdminError("not_found", "OPD not found")
    return row


def active_opd(conn: Connection, org_id: int, opd_id: int) -> Any:
    """The OPD something new is given to: it must exist and be active."""
    row = _opd_row(conn, org_id, opd_id)
    if not row.active:
        raise AdminError("inactive", f"OPD {row.slug} is deactivated")
    return row


def _counts(conn: Connection, table: Any) -> dict[int, int]:
    query = (
        select(table.c.opd_id, func.count())
        .where(table.c.active.is_(True), table.c.opd_id.is_not(None))
        .group_by(table.c.opd_id)
    )
    return {row[0]: row[1] for row in conn.execute(query)}


def opd_view(row: Any, managed: Managed, agents: int = 0, inboxes: int = 0) -> dict[str, Any]:
    return {
        "id": row.id,
        "slug": row.slug,
        "name": row.name,
        "coordinator": bool(row.coordinator),
        "active": bool(row.active),
        "managed": "config" if row.slug in managed.opds else "console",
        "agents": agents,
        "inboxes": inboxes,
    }


def list_opds(conn: Connection, org_id: int, managed: Managed) -> list[dict[str, Any]]:
    agents, inboxes = _counts(conn, s.agent), _counts(conn, s.inbox)
    rows = conn.execute(
        select(s.opd).where(s.opd.c.organization_id == org_id).order_by(s.opd.c.name)
    )
    return [opd_view(r, managed, agents.get(r.id, 0), inboxes.get(r.id, 0)) for r in rows]


def create_opd(
    conn: Connection, org_id: int, managed: Managed, slug: str, name: str
) -> dict[str, Any]:
    slug = slug.strip().lower()
    if not OPD_SLUG.match(slug):
        raise AdminError("bad_request", "slug: a-z, 0-9 and '-', at most 63, e.g. 'dinsos'")
    name = bounded(name, "name", 200)
    if conn.execute(select(s.opd.c.id).where(s.opd.c.slug == slug)).first() is not None:
        raise AdminError("duplicate", f"an OPD with slug {slug!r} exists already")
    values = {"organization_id": org_id, "slug": slug, "name": name, "created_at": utcnow()}
    opd_id = new_id(conn, insert(s.opd).values(**values))
    return opd_view(_opd_row(conn, org_id, opd_id), managed)


def update_opd(
    conn: Connection, org_id: int, managed: Managed, opd_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Rename, (de)activate, or make it the coordinator (the one OPD that triages)."""
    row = _opd_row(conn, org_id, opd_id)
    in_config = row.slug in managed.opds
    values: dict[str, Any] = {}
    if "name" in changes:
        name = bounded(changes["name"], "name", 200)
        if name != row.name:
            not_in_config(in_config, "its name")
            values["name"] = name
    if "coordinator" in changes and changes["coordinator"] != bool(row.coordinator):
        _set_coordinator(conn, org_id, managed, row, changes["coordinator"])
    if "active" in changes and changes["active"] != bool(row.active):
        if not changes["active"]:
            _may_deactivate(conn, row)
        values["active"] = changes["active"]
    if values:
        conn.execute(update(s.opd).where(s.opd.c.id == opd_id).values(**values))
    agents, inboxes = _counts(conn, s.agent), _counts(conn, s.inbox)
    return opd_view(
        _opd_row(conn, org_id, opd_id), managed, agents.get(opd_id, 0), inboxes.get(opd_id, 0)
    )


def not_in_config(in_config: bool, what: str) -> None:
    if in_config:
        raise AdminError(
            "managed_by_config", f"{what} is set in the config file; change it there and restart"
        )


def _set_coordinator(
    conn: Connection, org_id: int, managed: Managed, row: Any, coordinator: bool
) -> None:
    """Exactly one coordinator: marking one unmarks the others."""
    c = s.opd.c
    touched = [row.slug]
    if coordinator:
        if not row.active:
            raise AdminError("inactive", f"OPD {row.slug} is deactivated")
        others = conn.execute(
            select(c.slug).where(c.organization_id == org_id, c.coordinator.is_(True))
        )
        touched += [r.slug for r in others]
    not_in_config(any(slug in managed.opds for slug in touched), "the coordinator OPD")
    if coordinator:
        conn.execute(update(s.opd).where(c.organization_id == org_id).values(coordinator=False))
    conn.execute(update(s.opd).where(c.id == row.id).values(coordinator=coordinator))


def _may_deactivate(conn: Connection, row: Any) -> None:
    """An OPD that still receives cases or has agents cannot go: move them first."""
    if row.coordinator:
        raise AdminError("in_use", "mark another OPD as the coordinator first")
    for table, what in ((s.inbox, "inbox(es)"), (s.agent, "agent(s)")):
        n = conn.execute(
            select(func.count())
            .select_from(table)
            .where(table.c.opd_id == row.id, table.c.active.is_(True))
        ).scalar_one()
        if n:
            raise AdminError("in_use", f"{n} active {what} still belong to {row.slug}")


# -- agents ------------------------------------------------------------------------------
def agent_view(row: Any, opds: dict[int, Any]) -> dict[str, Any]:
    opd = opds.get(row.opd_id) if row.opd_id is not None else None
    return {
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "opd": {"id": opd.id, "slug": opd.slug, "name": opd.name} if opd is not None else None,
        "active": bool(row.active),
        "capacity": row.capacity,
        "last_seen_at": row.last_seen_at.isoformat() if row.last_seen_at else None,
        "created_at": row.created_at.isoformat(),
    }


def _opds(conn: Connection, org_id: int) -> dict[int, Any]:
    return {r.id: r for r in conn.execute(select(s.opd).where(s.opd.c.organization_id == org_id))}


def _agent_row(conn: Connection, org_id: int, agent_id: int) -> Any:
    row = conn.execute(
        select(s.agent).where(s.agent.c.id == agent_id, s.agent.c.organization_id == org_id)
    ).first()
    if row is None:
        raise AdminError("not_found", "agent not found")
    return row


def list_agents(conn: Connection, org_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(s.agent)
        .where(s.agent.c.organization_id == org_id)
        .order_by(s.agent.c.active.desc(), s.agent.c.name)
    )
    opds = _opds(conn, org_id)
    return [agent_view(r, opds) for r in rows]


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AdminError("bad_request", "role must be admin, supervisor or agent") from None


def _check_placement(conn: Connection, org_id: int, role: Role, opd_id: int | None) -> None:
    if opd_id is None:
        if role != Role.ADMIN:
            raise AdminError("bad_request", f"the role {role} needs an OPD")
        return
    active_opd(conn, org_id, opd_id)


def _capacity(value: int) -> int:
    if not 0 <= value <= MAX_CAPACITY:
        raise AdminError("bad_request", f"capacity must be 0 to {MAX_CAPACITY}")
    return value


def create_agent(
    conn: Connection,
    org_id: int,
    *,
    email: str,
    name: str,
    role: str,
    opd_id: int | None,
    capacity: int | None,
    password_hash: str,
) -> dict[str, Any]:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise AdminError("bad_request", "email is not a valid address")
    name = bounded(name, "name", 200)
    checked = _role(role)
    _check_placement(conn, org_id, checked, opd_id)
    if conn.execute(select(s.agent.c.id).where(s.agent.c.email == email)).first() is not None:
        raise AdminError("duplicate", f"an agent with email {email} exists already")
    values: dict[str, Any] = {
        "organization_id": org_id,
        "opd_id": opd_id,
        "email": email,
        "name": name,
        "role": str(checked),
        "password_hash": password_hash,
        "active": True,
        "created_at": utcnow(),
    }
    if capacity is not None:
        values["capacity"] = _capacity(capacity)
    agent_id = new_id(conn, insert(s.agent).values(**values))
    return agent_view(_agent_row(conn, org_id, agent_id), _opds(conn, org_id))


@dataclass(frozen=True)
class AgentChange:
    agent: dict[str, Any]
    #: Their open console sockets must go: deactivated, or reconnect with a new role/OPD.
    disconnect: bool


def update_agent(
    conn: Connection, org_id: int, actor_id: int, agent_id: int, changes: dict[str, Any]
) -> AgentChange:
    row = _agent_row(conn, org_id, agent_id)
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = bounded(changes["name"], "name", 200)
    if "capacity" in changes:
        values["capacity"] = _capacity(changes["capacity"])
    role = _role(changes["role"]) if "role" in changes else Role(row.role)
    opd_id = changes.get("opd_id", row.opd_id)
    moved = role != row.role or opd_id != row.opd_id
    if moved:
        if agent_id == actor_id:
            raise AdminError("self", "you cannot change your own role or OPD")
        _check_placement(conn, org_id, role, opd_id)
        values.update(role=str(role), opd_id=opd_id)
    deactivated = "active" in changes and not changes["active"] and row.active
    if deactivated:
        if agent_id == actor_id:
            raise AdminError("self", "you cannot deactivate yourself")
        end_sessions(conn, agent_id, tokens=True)
    if deactivated or (moved and opd_id != row.opd_id):
        release_cases(conn, agent_id)
    if "active" in changes:
        values["active"] = changes["active"]
    if values:
        conn.execute(update(s.agent).where(s.agent.c.id == agent_id).values(**values))
    fresh = agent_view(_agent_row(conn, org_id, agent_id), _opds(conn, org_id))
    return AgentChange(fresh, bool(moved or deactivated))


def release_cases(conn: Connection, agent_id: int) -> None:
    """An agent who leaves (or leaves the OPD) gives their open cases back to the queue."""
    c = s.conversation.c
    conn.execute(
        update(s.conversation)
        .where(c.assignee_id == agent_id, c.status.in_(OPEN_STATUSES))
        .values(assignee_id=None, updated_at=utcnow())
    )


def end_sessions(conn: Connection, agent_id: int, *, tokens: bool) -> None:
    """Log the agent out everywhere; with `tokens`, revoke their API tokens too."""
    conn.execute(delete(s.agent_session).where(s.agent_session.c.agent_id == agent_id))
    if tokens:
        t = s.api_token.c
        conn.execute(
            update(s.api_token)
            .where(t.agent_id == agent_id, t.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def reset_password(
    conn: Connection, org_id: int, agent_id: int, password_hash: str
) -> dict[str, Any]:
    """A new password to hand over once; the agent's sessions end (API tokens stay)."""
    _agent_row(conn, org_id, agent_id)
    conn.execute(
        update(s.agent).where(s.agent.c.id == agent_id).values(password_hash=password_hash)
    )
    end_sessions(conn, agent_id, tokens=False)
    return agent_view(_agent_row(conn, org_id, agent_id), _opds(conn, org_id))
