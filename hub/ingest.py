"""Inbound pipeline: dedupe -> contact -> conversation -> message, in one transaction.

Reads like a recipe on purpose. It takes many deliveries at once: the SQLite writer
hands it every delivery queued while the previous transaction committed, so each step
is one statement for the whole batch, not one per message. The caller acknowledges the
provider only after the commit, and events are published only then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, bindparam, insert, select, update

from hub import csat, media, places, updates
from hub.channel import Accepted, InboundRejected
from hub.directory import Directory
from hub.models import (
    OPEN_STATUSES,
    Delivery,
    Direction,
    Inbound,
    InboxRef,
    Kind,
    Rating,
    Reaction,
    SenderType,
    Status,
    StatusUpdate,
    utcnow,
)
from hub.store import schema as s
from hub.store.queries import audit, conversation_with_contact
from hub.tracking import new_code
from hub.views import conversation_view, message_view, preview


@dataclass(frozen=True)
class Limits:
    max_length: int = 4000


#: What a provider channel's message may be: the stored text has room for any of theirs.
PROVIDER_LIMITS = Limits(max_length=65536)


def validate(item: Inbound, limits: Limits) -> None:
    if len(item.text) > limits.max_length:
        raise InboundRejected(
            "too_long", f"message has {len(item.text)} characters; the limit is {limits.max_length}"
        )
    if not item.text.strip() and not item.attachments and item.kind == "text":
        raise InboundRejected("empty", "message is empty")


class IngestJob:
    """One provider delivery (or one widget send) as a store job.

    Called alone it runs in its own transaction; the SQLite writer merges the jobs of one
    batch into a single run_batch call.
    """

    batch_key: ClassVar[str] = "ingest"

    def __init__(
        self,
        directory: Directory,
        inbox: InboxRef,
        items: Sequence[Inbound | StatusUpdate | Reaction | Rating],
        delivery: str | None = None,
        *,
        new_case: bool = False,
    ) -> None:
        self.directory = directory
        self.inbox = inbox
        self.items = tuple(items)
        self.delivery = delivery  # the provider's id of the whole delivery, e.g. an update_id
        self.new_case = new_case  # an agent's offline entry: never reopens a resolved case

    def __call__(self, conn: Connection) -> list[Accepted]:
        return accept_many(conn, self.directory, [self])[0]

    @staticmethod
    def run_batch(conn: Connection, jobs: Sequence[IngestJob]) -> list[list[Accepted]]:
        return accept_many(conn, jobs[0].directory, jobs)


def accept_inbound(
    conn: Connection, directory: Directory, inbox: InboxRef, item: Inbound
) -> Accepted:
    """Store one resident message exactly once; a duplicate returns the stored one."""
    return accept_many(conn, directory, [IngestJob(directory, inbox, [item])])[0][0]


@dataclass(eq=False)
class _Entry:
    """One inbound message on its way through the recipe."""

    job: int
    index: int
    inbox: InboxRef
    item: Inbound
    new_case: bool = False
    contact: dict[str, Any] = field(default_factory=dict)
    conversation: dict[str, Any] = field(default_factory=dict)
    stored_id: int | None = None  # a duplicate of this stored message
    same_as: _Entry | None = None  # a duplicate of an earlier entry of this batch
    result: Accepted | None = None

    @property
    def channel_key(self) -> tuple[str, str]:
        return self.inbox.kind, self.item.sender.external_id


def accept_many(
    conn: Connection, directory: Directory, jobs: Sequence[IngestJob]
) -> list[list[Accepted]]:
    now = utcnow()
    results: list[list[Accepted | None]] = [[None] * len(job.items) for job in jobs]
    repeated = _repeated_deliveries(conn, jobs, now)
    entries: list[_Entry] = []
    for j, job in enumerate(jobs):
        if j in repeated:
            results[j] = [REPEATED] * max(1, len(job.items))
            continue
        for i, item in enumerate(job.items):
            if isinstance(item, StatusUpdate):
                results[j][i] = updates.apply_status(conn, directory, job.inbox, item)
            elif isinstance(item, Reaction):
                results[j][i] = updates.apply_reaction(conn, directory, job.inbox, item)
            elif isinstance(item, Rating):
                results[j][i] = csat.apply_rating(conn, directory, job.inbox, item)
            elif item.edit and (edited := updates.apply_edit(conn, directory, job.inbox, item)):
                results[j][i] = edited
            else:  # new, or an edit of a message we never had: stored as it is now
                entries.append(_Entry(j, i, job.inbox, replace(item, edit=False), job.new_case))
    if entries:
        fresh = _drop_provider_duplicates(conn, entries)
        _attach_contacts(conn, fresh, now)
        _attach_open_conversations(conn, directory, fresh, now)
        new = _drop_client_duplicates(conn, fresh)
        _store_messages(conn, directory, new, now)
        _resolve_duplicates(conn, directory, entries)
        for entry in entries:
            results[entry.job][entry.index] = entry.result
    return [[r for r in row if r is not None] for row in results]


#: What a delivery that was stored before answers, for each of its items.
REPEATED = Accepted(message=None, conversation=None, duplicate=True)


def _repeated_deliveries(conn: Connection, jobs: Sequence[IngestJob], now: datetime) -> set[int]:
    """Jobs whose delivery id was stored before (or earlier in this batch); the others'
    delivery ids are recorded now, in the same transaction as what they carry."""
    keyed = [(j, job) for j, job in enumerate(jobs) if job.delivery is not None]
    if not keyed:
        return set()
    params = {
        "inboxes": sorted({job.inbox.id for _, job in keyed}),
        "ids": sorted({job.delivery or "" for _, job in keyed}),
    }
    seen = {(r.inbox_id, r.external_id) for r in conn.execute(_RECEIPTS, params)}
    repeated, fresh = set(), []
    for j, job in keyed:
        key = (job.inbox.id, job.delivery or "")
        if key in seen:
            repeated.add(j)
            continue
        seen.add(key)
        fresh.append(
            {"inbox_id": key[0], "external_id": key[1], "message_id": None, "created_at": now}
        )
    if fresh:
        conn.execute(insert(s.inbound_receipt), fresh)
    return repeated


def _drop_provider_duplicates(conn: Connection, entries: list[_Entry]) -> list[_Entry]:
    """Same (inbox, provider id) as a stored receipt or an earlier entry: not stored again."""
    ids = sorted({e.item.external_id for e in entries if e.item.external_id is not None})
    stored: dict[tuple[Any, str], int] = {}
    if ids:
        inboxes = sorted({e.inbox.id for e in entries})
        for row in conn.execute(_RECEIPTS, {"inboxes": inboxes, "ids": ids}):
            stored[(row.inbox_id, row.external_id)] = row.message_id or 0
    return _keep_firsts(entries, stored, lambda e: (e.inbox.id, e.item.external_id))


def _keep_firsts(
    entries: list[_Entry],
    stored: dict[tuple[Any, str], int],
    key_of: Callable[[_Entry], tuple[Any, str | None]],
) -> list[_Entry]:
    """Entries whose key is neither stored nor taken by an earlier entry; marks the others."""
    first: dict[tuple[Any, str], _Entry] = {}
    kept = []
    for entry in entries:
        key = key_of(entry)
        if key[1] is not None:
            found = (key[0], key[1])
            if found in stored:
                entry.stored_id = stored[found]
                continue
            if found in first:
                entry.same_as = first[found]
                continue
            first[found] = entry
        kept.append(entry)
    return kept


def _attach_contacts(conn: Connection, entries: list[_Entry], now: datetime) -> None:
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
    missing: dict[tuple[str, str], _Entry] = {}
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
    entries: list[_Entry], found: dict[tuple[str, str], dict[str, Any]]
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


def _attach_open_conversations(
    conn: Connection, directory: Directory, entries: list[_Entry], now: datetime
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
    needed: dict[tuple[int, int], _Entry] = {}
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


def _drop_client_duplicates(conn: Connection, entries: list[_Entry]) -> list[_Entry]:
    """Same (conversation, client_id) as a stored message or an earlier entry: not stored."""
    keyed = [e for e in entries if e.item.client_id is not None]
    stored: dict[tuple[Any, str], int] = {}
    if keyed:
        clients = sorted({e.item.client_id or "" for e in keyed})
        for row in conn.execute(_CLIENT_IDS, {"clients": clients}):
            stored[(row.conversation_id, row.client_id)] = row.id
    return _keep_firsts(entries, stored, lambda e: (e.conversation["id"], e.item.client_id))


def _store_messages(
    conn: Connection, directory: Directory, entries: list[_Entry], now: datetime
) -> None:
    """Give each message the next seq of its conversation; insert them and the counters."""
    touched: dict[int, dict[str, Any]] = {}
    rows = []
    for entry in entries:
        conv = entry.conversation
        conv["last_seq"] += 1
        conv["unread_count"] += 1
        conv.update(
            last_message_at=now,
            last_inbound_at=now,
            updated_at=now,
            last_message_preview=preview(entry.item.text),
        )
        touched[conv["id"]] = conv
        rows.append(_message_row(entry, conv["last_seq"], now))
    if not rows:
        return
    _link_quotes(conn, entries, rows)
    # RETURNING order is not guaranteed for a multi-row INSERT: map back by (conversation, seq).
    by_seq = {(r.conversation_id, r.seq): r.id for r in conn.execute(_INSERT_MESSAGE, rows)}
    ids = [by_seq[(row["conversation_id"], row["seq"])] for row in rows]
    conn.execute(_UPDATE_CONVERSATION, [_counters(conv) for conv in touched.values()])
    receipts = [
        {
            "inbox_id": e.inbox.id,
            "external_id": e.item.external_id,
            "message_id": message_id,
            "created_at": now,
        }
        for e, message_id in zip(entries, ids, strict=True)
        if e.item.external_id is not None
    ]
    if receipts:
        conn.execute(insert(s.inbound_receipt), receipts)
    for entry, message_id in zip(entries, ids, strict=True):
        if entry.item.attachments:
            media.link(conn, entry.conversation["id"], entry.item.attachments)
        if entry.item.kind == Kind.LOCATION and not entry.conversation.get("location"):
            places.locate(conn, entry.conversation, entry.item, message_id)
    seen: set[int] = set()
    for entry, message_id, row in zip(entries, ids, rows, strict=True):
        conv = entry.conversation
        snapshot = {**conv, "last_seq": row["seq"]}
        entry.result = Accepted(
            message=message_view({**row, "id": message_id}),
            conversation=conversation_view(snapshot, directory, entry.contact.get("name")),
            new_conversation=bool(conv.get("_new")) and conv["id"] not in seen,
            recipient=conv["reply_to"],
        )
        seen.add(conv["id"])


def _link_quotes(conn: Connection, entries: list[_Entry], rows: list[dict[str, Any]]) -> None:
    """A reply that quotes a stored message points at it."""
    for inbox_id in {e.inbox.id for e in entries if e.item.reply_to}:
        quoting = [(e, r) for e, r in zip(entries, rows, strict=True) if e.inbox.id == inbox_id]
        inbox = quoting[0][0].inbox
        wanted = {e.item.reply_to for e, _ in quoting if e.item.reply_to}
        found = updates.quoted_ids(conn, inbox, wanted)
        for entry, row in quoting:
            row["reply_to_id"] = found.get(entry.item.reply_to or "")


def _message_row(entry: _Entry, seq: int, now: datetime) -> dict[str, Any]:
    item = entry.item
    return {
        "conversation_id": entry.conversation["id"],
        "seq": seq,
        "direction": Direction.IN,
        "sender_type": SenderType.CONTACT,
        "sender_agent_id": None,
        "kind": item.kind,
        "private": False,
        "text": item.text,
        "attachments": list(item.attachments) or None,
        "external_id": item.external_id,
        "client_id": item.client_id,
        "delivery_status": Delivery.DELIVERED,
        "error": None,
        "created_at": now,
        "reply_to_id": None,
    }


def _counters(conv: dict[str, Any]) -> dict[str, Any]:
    return {
        "b_id": conv["id"],
        "b_last_seq": conv["last_seq"],
        "b_unread": conv["unread_count"],
        "b_at": conv["last_message_at"],
        "b_preview": conv["last_message_preview"],
    }


def _resolve_duplicates(conn: Connection, directory: Directory, entries: list[_Entry]) -> None:
    """A duplicate answers with what was stored the first time, and changes nothing."""
    stored_ids = sorted({e.stored_id for e in entries if e.stored_id})
    stored: dict[int, Accepted] = {}
    for message_id in stored_ids:
        row = conn.execute(select(s.message).where(s.message.c.id == message_id)).first()
        if row is None:
            continue
        conv = conversation_with_contact(conn, row.conversation_id)
        stored[message_id] = Accepted(
            message=message_view(row),
            conversation=conversation_view(conv, directory),
            duplicate=True,
            recipient=conv.reply_to,
        )
    gone = Accepted(message=None, conversation=None, duplicate=True)
    for entry in entries:
        if entry.same_as is not None:
            original = entry.same_as.result or gone
            entry.result = replace(original, duplicate=True, new_conversation=False)
        elif entry.stored_id is not None:
            entry.result = stored.get(entry.stored_id, gone)


# Statements built once: building and hashing a SQLAlchemy statement costs more than
# running it, and these run for every batch.
# Both columns of the unique key, so that SQLite searches it instead of scanning.
_RECEIPTS = select(
    s.inbound_receipt.c.inbox_id, s.inbound_receipt.c.external_id, s.inbound_receipt.c.message_id
).where(
    s.inbound_receipt.c.inbox_id.in_(bindparam("inboxes", expanding=True)),
    s.inbound_receipt.c.external_id.in_(bindparam("ids", expanding=True)),
)

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

_CLIENT_IDS = select(s.message.c.id, s.message.c.conversation_id, s.message.c.client_id).where(
    s.message.c.client_id.in_(bindparam("clients", expanding=True))
)

_INSERT_MESSAGE = insert(s.message).returning(
    s.message.c.id, s.message.c.conversation_id, s.message.c.seq
)

_UPDATE_CONVERSATION = (
    update(s.conversation)
    .where(s.conversation.c.id == bindparam("b_id"))
    .values(
        last_seq=bindparam("b_last_seq"),
        unread_count=bindparam("b_unread"),
        last_message_at=bindparam("b_at"),
        last_inbound_at=bindparam("b_at"),
        updated_at=bindparam("b_at"),
        last_message_preview=bindparam("b_preview"),
    )
)
