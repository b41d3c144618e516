"""Who wrote, and which case their message joins: the contact and conversation steps of
the inbound pipeline (hub/ingest.py), one statement per step for a whole batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from hub.channel import Accepted
from hub.directory import Directory
from hub.models import OPEN_STATUSES, Inbound, InboxRef, Status
from hub.store import schema as s
from hub.store.queries import audit
from hub.tracking import new_code


@dataclass(eq=False)
class Arrival:
    """One inbound message on its way through the pipeline (hub/ingest.py)."""

    job: int
    index: int
    inbox: InboxRef
    item: Inbound
    new_case: bool = False
    contact: dict[str, Any] = field(default_factory=dict)
    conversation: dict[str, Any] = field(default_factory=dict)
    stored_id: int | None = None  # a duplicate of this stored message
    same_as: Arrival | None = None  # a duplicate of an earlier entry of this batch
    result: Accepted | None = None

    @property
    def channel_key(self) -> tuple[str, str]:
        return self.inbox.kind, self.item.sender.external_id


def attach_contacts(conn: Connection, entries: list[Arrival], now: datetime) -> None:
    """Find each sender's contact by channel identity; create the missing ones."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    by_channel: dict[str, set[str]] = {}
    for entry in entries:
        by_channel.setdefault(entry.inbox.kind, set()).add(entry.item.sender.external_id)
    for channel, external_ids in by_channel.items():
        rows = conn.execute(_IDENTITIES, {"channel": channel, "ids": sorted(external_ids)})
        for row in rows:
            found[(channel, row.external_id)] = {
                "id": row.id,
                "name": row.name,
                "phone": row.phone,
                "email": row.email,
            }
    missing: dict[tuple[str, str], Arrival] = {}
    for entry in entries:
        if entry.channel_key not in found:
            missing.setdefault(entry.channel_key, entry)
    if missing:
        senders = [e.item.sender for e in missing.values()]
        values = [
            {"name": p.name, "phone": p.phone, "email": p.email, "created_at": now} for p in senders
        ]
        ids = conn.execute(_INSERT_CONTACT, values).scalars().all()
        identities = []
        for key, contact_id, value in zip(missing, ids, values, strict=True):
            found[key] = {"id": contact_id, **value}
            identities.append(
                {
                    "contact_id": contact_id,
                    "channel": key[0],
                    "external_id": key[1],
                    "created_at": now,
                }
            )
        conn.execute(insert(s.contact_identity), identities)
    learned = _learn_contact_details(entries, found)
    if learned:
        conn.execute(_UPDATE_CONTACT, learned)
    for entry in entries:
        entry.contact = found[entry.channel_key]


def _learn_contact_details(
    entries: list[Arrival], found: dict[tuple[str, str], dict[str, Any]]
) -> list[dict[str, Any]]:
    """A name or phone the channel tells us fills a blank on the contact (never overwrites)."""
    changes: dict[int, dict[str, Any]] = {}
    for entry in entries:
        contact = found[entry.channel_key]
        sender = entry.item.sender
        for name, value in (("name", sender.name), ("phone", sender.phone)):
            if value and not contact.get(name):
                contact[name] = value
                changes[contact["id"]] = contact
    return [
        {"b_id": c["id"], "b_name": c.get("name"), "b_phone": c.get("phone")}
        for c in changes.values()
    ]


def attach_cases(
    conn: Connection, directory: Directory, entries: list[Arrival], now: datetime
) -> None:
    """The resident's open case in this inbox, or a new one with a fresh tracking code."""
    contact_ids = sorted({e.contact["id"] for e in entries})
    open_cases: dict[tuple[int, int], dict[str, Any]] = {}
    if contact_ids:
        for row in conn.execute(_OPEN_CONVERSATIONS, {"contacts": contact_ids}):
            key = (row.contact_id, row.inbox_id)
            if _better(row._mapping, open_cases.get(key)):
                open_cases[key] = dict(row._mapping)
        for key in {(e.contact["id"], e.inbox.id) for e in entries if e.new_case}:
            if key in open_cases and open_cases[key]["status"] == Status.RESOLVED:
                del open_cases[key]  # a new complaint, not the resident writing again
        _reopen(conn, [c for c in open_cases.values() if c["status"] != Status.OPEN], now)
    needed: dict[tuple[int, int], Arrival] = {}
    for entry in entries:
        key = (entry.contact["id"], entry.inbox.id)
        if key not in open_cases:
            needed.setdefault(key, entry)
    if needed:
        codes = _unused_tracking_codes(conn, len(needed))
        rows = [
            {
                "tracking_code": code,
                "inbox_id": e.inbox.id,
                "contact_id": e.contact["id"],
                "reply_to": e.item.sender.external_id,
                "opd_id": e.inbox.opd_id,
                "triage": _city_wide(directory, e.inbox),
                "status": "open",
                "created_at": now,
                "updated_at": now,
                "last_message_at": now,
            }
            for code, e in zip(codes, needed.values(), strict=True)
        ]
        for row in conn.execute(_INSERT_CONVERSATION, rows):
            open_cases[(row.contact_id, row.inbox_id)] = {**dict(row._mapping), "_new": True}
    for entry in entries:
        entry.conversation = open_cases[(entry.contact["id"], entry.inbox.id)]


def _better(case: Any, than: dict[str, Any] | None) -> bool:
    """The case a resident's message joins: their open (or pending) one, else the latest
    resolved one (writing again reopens it; a closed case is never reopened)."""
    if than is None:
        return True
    live, other = case["status"] != Status.RESOLVED, than["status"] != Status.RESOLVED
    return (live, case["id"]) > (other, than["id"])


def _reopen(conn: Connection, cases: list[dict[str, Any]], now: datetime) -> None:
    """The resident wrote: a pending case (waiting on them) or a resolved one is open again."""
    for case in cases:
        conn.execute(
            update(s.conversation)
            .where(s.conversation.c.id == case["id"])
            .values(status=Status.OPEN, resolved_at=None)
        )
        audit(
            conn,
            "status",
            {"from": str(case["status"]), "to": "open", "by": "resident"},
            conversation_id=case["id"],
            at=now,
        )
        case.update(status=Status.OPEN, resolved_at=None)


def _city_wide(directory: Directory, inbox: InboxRef) -> bool:
    """A new case of the coordinator's inboxes (the city's bot, its WhatsApp number) waits
    in the coordinator's triage queue until it is sent to an OPD or taken."""
    opd = directory.opds.get(inbox.opd_id)
    return bool(opd is not None and opd.coordinator)


def _unused_tracking_codes(conn: Connection, count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        batch = {new_code() for _ in range(count - len(codes))} - codes
        taken = set(conn.execute(_CODES_TAKEN, {"codes": sorted(batch)}).scalars())
        codes |= batch - taken
    return sorted(codes)


_IDENTITIES = (
    select(s.contact, s.contact_identity.c.external_id)
    .join(s.contact_identity, s.contact_identity.c.contact_id == s.contact.c.id)
    .where(
        s.contact_identity.c.channel == bindparam("channel"),
        s.contact_identity.c.external_id.in_(bindparam("ids", expanding=True)),
    )
)

_INSERT_CONTACT = insert(s.contact).returning(s.contact.c.id, sort_by_parameter_order=True)

_UPDATE_CONTACT = (
    update(s.contact)
    .where(s.contact.c.id == bindparam("b_id"))
    .values(name=bindparam("b_name"), phone=bindparam("b_phone"))
)

# What a message changes or shows of its case; the other times are not read back.
_CASE = [
    s.conversation.c[name]
    for name in (
        "id", "tracking_code", "status", "inbox_id", "opd_id", "contact_id", "assignee_id",
        "priority", "last_seq", "unread_count", "reply_to", "created_at", "first_response_at",
        "resolved_at", "location", "triage", "pending_transfer_id",
    )
]  # fmt: skip

# FOR UPDATE locks the cases on PostgreSQL (SQLite's writer holds the database lock).
_OPEN_CONVERSATIONS = (
    select(*_CASE)
    .where(
        s.conversation.c.contact_id.in_(bindparam("contacts", expanding=True)),
        s.conversation.c.status.in_((*OPEN_STATUSES, Status.RESOLVED)),
    )
    .with_for_update()
)

_CODES_TAKEN = select(s.conversation.c.tracking_code).where(
    s.conversation.c.tracking_code.in_(bindparam("codes", expanding=True))
)

_INSERT_CONVERSATION = insert(s.conversation).returning(*_CASE)
