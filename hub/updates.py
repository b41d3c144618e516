"""What providers report about messages already stored: a resident's edit, a delivery
receipt for our reply, a reaction. Each changes one message in place and answers with it
(Accepted), or answers a duplicate when it changes nothing.

Messages are found by their provider id within the inbox: a resident's message by its
inbound receipt, a reply of ours by the id the provider gave it when it was sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from hub import media
from hub.channel import Accepted
from hub.directory import Directory
from hub.models import (
    Delivery,
    Direction,
    Inbound,
    InboxRef,
    Reaction,
    StatusUpdate,
    advances,
    utcnow,
)
from hub.store import schema as s
from hub.store.queries import conversation_with_contact, message_by_id
from hub.views import conversation_view, message_view

NOTHING = Accepted(message=None, conversation=None, duplicate=True)


def find_message(conn: Connection, inbox: InboxRef, external_id: str) -> Any:
    """A message of this inbox by its provider id, in either direction; None if unknown."""
    found = conn.execute(_BY_RECEIPT, {"inbox": inbox.id, "external": external_id}).first()
    if found is not None and found.message_id:
        return conn.execute(select(s.message).where(s.message.c.id == found.message_id)).first()
    return conn.execute(
        _OURS, {"inbox": inbox.id, "external": external_id, "direction": Direction.OUT}
    ).first()


def apply_edit(
    conn: Connection, directory: Directory, inbox: InboxRef, item: Inbound
) -> Accepted | None:
    """New content for a stored message (the resident edited it): same message, same seq,
    marked edited. None when the original was never stored."""
    assert item.external_id is not None, "an edit names the message it edits"
    found = conn.execute(_BY_RECEIPT, {"inbox": inbox.id, "external": item.external_id}).first()
    if found is None or not found.message_id:
        return None
    conn.execute(
        update(s.message)
        .where(s.message.c.id == found.message_id)
        .values(
            text=item.text,
            kind=item.kind,
            attachments=list(item.attachments) or None,
            edited_at=utcnow(),
        )
    )
    row = conn.execute(select(s.message).where(s.message.c.id == found.message_id)).one()
    media.link(conn, row.conversation_id, item.attachments)
    return _changed(conn, directory, row)


def apply_status(
    conn: Connection, directory: Directory, inbox: InboxRef, item: StatusUpdate
) -> Accepted:
    """A delivery receipt moves a reply's status forward, never back. A receipt for a send
    not recorded yet (the provider was faster than our commit) waits in early_status."""
    row = conn.execute(
        _OURS, {"inbox": inbox.id, "external": item.external_id, "direction": Direction.OUT}
    ).first()
    if row is None:
        _keep_early(conn, inbox.id, item)
        return NOTHING
    if not advances(row.delivery_status, item.status):
        return NOTHING
    conn.execute(
        update(s.message)
        .where(s.message.c.id == row.id)
        .values(delivery_status=item.status, error=item.error)
    )
    return _changed(
        conn, directory, {**row._mapping, "delivery_status": str(item.status), "error": item.error}
    )


def early_status(conn: Connection, inbox_id: int, external_id: str) -> StatusUpdate | None:
    """The receipt that came before its send was recorded, taken out of waiting."""
    e = s.early_status.c
    where = and_(e.inbox_id == inbox_id, e.external_id == external_id)
    row = conn.execute(select(e.status, e.error).where(where)).first()
    if row is None:
        return None
    conn.execute(delete(s.early_status).where(where))
    return StatusUpdate(external_id, Delivery(row.status), row.error)


def _keep_early(conn: Connection, inbox_id: int, item: StatusUpdate) -> None:
    e = s.early_status.c
    where = and_(e.inbox_id == inbox_id, e.external_id == item.external_id)
    held = conn.execute(select(e.status).where(where)).scalar()
    if held is None:
        conn.execute(
            insert(s.early_status).values(
                inbox_id=inbox_id,
                external_id=item.external_id,
                status=item.status,
                error=item.error,
                created_at=utcnow(),
            )
        )
    elif advances(held, item.status):
        conn.execute(
            update(s.early_status).where(where).values(status=item.status, error=item.error)
        )


def apply_reaction(
    conn: Connection, directory: Directory, inbox: InboxRef, item: Reaction
) -> Accepted:
    """A resident's emoji on a message, kept per resident; no emoji takes theirs back."""
    row = find_message(conn, inbox, item.target)
    if row is None:
        return NOTHING
    reactions = dict(row.reactions or {})
    who = item.sender.external_id
    if item.emoji:
        reactions[who] = item.emoji
    else:
        reactions.pop(who, None)
    if reactions == (row.reactions or {}):
        return NOTHING
    conn.execute(
        update(s.message).where(s.message.c.id == row.id).values(reactions=reactions or None)
    )
    return _changed(conn, directory, {**row._mapping, "reactions": reactions or None})


def quoted_ids(conn: Connection, inbox: InboxRef, external_ids: set[str]) -> dict[str, int]:
    """The stored messages that replies quote, by provider id."""
    found: dict[str, int] = {}
    for external_id in sorted(external_ids):
        row = find_message(conn, inbox, external_id)
        if row is not None:
            found[external_id] = row.id
    return found


def _changed(conn: Connection, directory: Directory, row: Any) -> Accepted:
    """The message as it is now (with its agent's name), and its conversation."""
    m = message_by_id(conn, (row._mapping if hasattr(row, "_mapping") else row)["id"])
    conv = conversation_with_contact(conn, m.conversation_id)
    return Accepted(
        message=message_view(m),
        conversation=conversation_view(conv, directory),
        recipient=conv.reply_to,
    )


_BY_RECEIPT = select(s.inbound_receipt.c.message_id).where(
    s.inbound_receipt.c.inbox_id == bindparam("inbox"),
    s.inbound_receipt.c.external_id == bindparam("external"),
)
_OURS = (
    select(s.message)
    .join(s.conversation, s.conversation.c.id == s.message.c.conversation_id)
    .where(
        s.message.c.external_id == bindparam("external"),
        s.conversation.c.inbox_id == bindparam("inbox"),
        s.message.c.direction == bindparam("direction"),
    )
)
