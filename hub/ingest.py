"""Inbound pipeline: dedupe -> contact -> conversation -> message, in one transaction.

Reads like a recipe on purpose. It takes many deliveries at once: the SQLite writer
hands it every delivery queued while the previous transaction committed, so each step
is one statement for the whole batch, not one per message. The caller acknowledges the
provider only after the commit, and events are published only then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, bindparam, insert, select, update

from hub import csat, media, places, updates
from hub.channel import Accepted, InboundRejected
from hub.directory import Directory
from hub.models import (
    Delivery,
    Direction,
    Inbound,
    InboxRef,
    Kind,
    Rating,
    Reaction,
    SenderType,
    StatusUpdate,
    utcnow,
)
from hub.residents import Arrival, attach_cases, attach_contacts
from hub.store import schema as s
from hub.store.queries import conversation_with_contact
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


def accept_many(
    conn: Connection, directory: Directory, jobs: Sequence[IngestJob]
) -> list[list[Accepted]]:
    now = utcnow()
    results: list[list[Accepted | None]] = [[None] * len(job.items) for job in jobs]
    repeated = _repeated_deliveries(conn, jobs, now)
    entries: list[Arrival] = []
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
                entries.append(Arrival(j, i, job.inbox, replace(item, edit=False), job.new_case))
    if entries:
        fresh = _drop_provider_duplicates(conn, entries)
        attach_contacts(conn, fresh, now)
        attach_cases(conn, directory, fresh, now)
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


def _drop_provider_duplicates(conn: Connection, entries: list[Arrival]) -> list[Arrival]:
    """Same (inbox, provider id) as a stored receipt or an earlier entry: not stored again."""
    ids = sorted({e.item.external_id for e in entries if e.item.external_id is not None})
    stored: dict[tuple[Any, str], int] = {}
    if ids:
        inboxes = sorted({e.inbox.id for e in entries})
        for row in conn.execute(_RECEIPTS, {"inboxes": inboxes, "ids": ids}):
            stored[(row.inbox_id, row.external_id)] = row.message_id or 0
    return _keep_firsts(entries, stored, lambda e: (e.inbox.id, e.item.external_id))


def _keep_firsts(
    entries: list[Arrival],
    stored: dict[tuple[Any, str], int],
    key_of: Callable[[Arrival], tuple[Any, str | None]],
) -> list[Arrival]:
    """Entries whose key is neither stored nor taken by an earlier entry; marks the others."""
    first: dict[tuple[Any, str], Arrival] = {}
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


def _drop_client_duplicates(conn: Connection, entries: list[Arrival]) -> list[Arrival]:
    """Same (conversation, client_id) as a stored message or an earlier entry: not stored."""
    keyed = [e for e in entries if e.item.client_id is not None]
    stored: dict[tuple[Any, str], int] = {}
    if keyed:
        clients = sorted({e.item.client_id or "" for e in keyed})
        for row in conn.execute(_CLIENT_IDS, {"clients": clients}):
            stored[(row.conversation_id, row.client_id)] = row.id
    return _keep_firsts(entries, stored, lambda e: (e.conversation["id"], e.item.client_id))


def _store_messages(
    conn: Connection, directory: Directory, entries: list[Arrival], now: datetime
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


def _link_quotes(conn: Connection, entries: list[Arrival], rows: list[dict[str, Any]]) -> None:
    """A reply that quotes a stored message points at it."""
    for inbox_id in {e.inbox.id for e in entries if e.item.reply_to}:
        quoting = [(e, r) for e, r in zip(entries, rows, strict=True) if e.inbox.id == inbox_id]
        inbox = quoting[0][0].inbox
        wanted = {e.item.reply_to for e, _ in quoting if e.item.reply_to}
        found = updates.quoted_ids(conn, inbox, wanted)
        for entry, row in quoting:
            row["reply_to_id"] = found.get(entry.item.reply_to or "")


def _message_row(entry: Arrival, seq: int, now: datetime) -> dict[str, Any]:
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


def _resolve_duplicates(conn: Connection, directory: Directory, entries: list[Arrival]) -> None:
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
