"""Inbound pipeline: dedupe -> contact -> conversation -> message, in one transaction.

Reads like a recipe on purpose. Everything here runs inside the writer's transaction
(jobs are functions of a Connection); the caller acknowledges the provider only after
the commit, and publishes events only then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.channel import Accepted, InboundRejected
from hub.directory import Directory
from hub.models import (
    OPEN_STATUSES,
    Delivery,
    Direction,
    Inbound,
    InboxRef,
    SenderType,
    StatusUpdate,
    advances,
    utcnow,
)
from hub.store import schema as s
from hub.store.queries import advance, conversation_with_contact, insert_message, new_id
from hub.tracking import new_code
from hub.views import conversation_view, message_view, preview


@dataclass(frozen=True)
class Limits:
    max_length: int = 4000


def validate(item: Inbound, limits: Limits) -> None:
    if len(item.text) > limits.max_length:
        raise InboundRejected(
            "too_long", f"message has {len(item.text)} characters; the limit is {limits.max_length}"
        )
    if not item.text.strip() and not item.attachments and item.kind == "text":
        raise InboundRejected("empty", "message is empty")


def accept_inbound(
    conn: Connection, directory: Directory, inbox: InboxRef, item: Inbound
) -> Accepted:
    """Store one resident message exactly once; a duplicate returns the stored one."""
    if item.external_id is not None:
        stored = _receipt(conn, inbox.id, item.external_id)
        if stored is not None:
            return _duplicate(conn, directory, stored)
    now = utcnow()
    contact = _contact(conn, inbox, item, now)
    conv = _open_conversation(conn, inbox.id, contact["id"])
    if conv is not None and item.client_id is not None:
        stored = _by_client_id(conn, conv.id, item.client_id)
        if stored is not None:
            return _duplicate(conn, directory, stored)
    new = conv is None
    conv_id = (
        _new_conversation(conn, inbox, contact["id"], item.sender.external_id, now)
        if new
        else conv.id
    )
    conv_row = advance(conn, conv_id, now, preview(item.text), inbound=True)
    message_row = insert_message(
        conn,
        conv_row,
        direction=Direction.IN,
        sender_type=SenderType.CONTACT,
        kind=item.kind,
        text=item.text,
        attachments=list(item.attachments) or None,
        external_id=item.external_id,
        client_id=item.client_id,
        delivery_status=Delivery.DELIVERED,
        created_at=now,
    )
    if item.external_id is not None:
        conn.execute(
            insert(s.inbound_receipt).values(
                inbox_id=inbox.id,
                external_id=item.external_id,
                message_id=message_row["id"],
                created_at=now,
            )
        )
    return Accepted(
        message=message_view(message_row),
        conversation=conversation_view(conv_row, directory, contact["name"]),
        new_conversation=new,
        recipient=conv_row.reply_to,
    )


def apply_status(
    conn: Connection, directory: Directory, inbox: InboxRef, item: StatusUpdate
) -> Accepted:
    """A delivery receipt moves an outbound message's status forward, never back."""
    row = conn.execute(
        select(s.message)
        .join(s.conversation, s.conversation.c.id == s.message.c.conversation_id)
        .where(
            s.message.c.external_id == item.external_id,
            s.conversation.c.inbox_id == inbox.id,
            s.message.c.direction == Direction.OUT,
        )
    ).first()
    if row is None or not advances(row.delivery_status, item.status):
        return Accepted(message=None, conversation=None, duplicate=True)
    conn.execute(
        update(s.message)
        .where(s.message.c.id == row.id)
        .values(delivery_status=item.status, error=item.error)
    )
    updated = {**row._mapping, "delivery_status": str(item.status), "error": item.error}
    conv = conversation_with_contact(conn, row.conversation_id)
    return Accepted(
        message=message_view(updated),
        conversation=conversation_view(conv, directory),
        recipient=conv.reply_to,
    )


def _receipt(conn: Connection, inbox_id: int, external_id: str) -> int | None:
    row = conn.execute(
        select(s.inbound_receipt.c.message_id).where(
            s.inbound_receipt.c.inbox_id == inbox_id, s.inbound_receipt.c.external_id == external_id
        )
    ).first()
    return None if row is None else int(row.message_id or 0)


def _by_client_id(conn: Connection, conv_id: int, client_id: str) -> int | None:
    row = conn.execute(
        select(s.message.c.id).where(
            s.message.c.conversation_id == conv_id, s.message.c.client_id == client_id
        )
    ).first()
    return None if row is None else int(row.id)


def _duplicate(conn: Connection, directory: Directory, message_id: int) -> Accepted:
    row = conn.execute(select(s.message).where(s.message.c.id == message_id)).first()
    if row is None:  # the message was deleted since; the delivery is still a duplicate
        return Accepted(message=None, conversation=None, duplicate=True)
    conv = conversation_with_contact(conn, row.conversation_id)
    return Accepted(
        message=message_view(row),
        conversation=conversation_view(conv, directory),
        duplicate=True,
        recipient=conv.reply_to,
    )


def _contact(conn: Connection, inbox: InboxRef, item: Inbound, now: datetime) -> dict[str, Any]:
    sender = item.sender
    row = conn.execute(
        select(s.contact)
        .join(s.contact_identity, s.contact_identity.c.contact_id == s.contact.c.id)
        .where(
            s.contact_identity.c.channel == inbox.kind,
            s.contact_identity.c.external_id == sender.external_id,
        )
    ).first()
    if row is not None:
        found = dict(row._mapping)
        fresh = {
            k: v for k, v in (("name", sender.name), ("phone", sender.phone)) if v and not found[k]
        }
        if fresh:
            conn.execute(update(s.contact).where(s.contact.c.id == row.id).values(**fresh))
            found.update(fresh)
        return found
    values = {"name": sender.name, "phone": sender.phone, "email": sender.email, "created_at": now}
    contact_id = new_id(conn, insert(s.contact).values(**values))
    conn.execute(
        insert(s.contact_identity).values(
            contact_id=contact_id,
            channel=inbox.kind,
            external_id=sender.external_id,
            created_at=now,
        )
    )
    return {"id": contact_id, **values}


def _open_conversation(conn: Connection, inbox_id: int, contact_id: int) -> Any:
    return conn.execute(
        select(s.conversation.c.id).where(
            s.conversation.c.contact_id == contact_id,
            s.conversation.c.inbox_id == inbox_id,
            s.conversation.c.status.in_(OPEN_STATUSES),
        )
    ).first()


def _new_conversation(
    conn: Connection, inbox: InboxRef, contact_id: int, reply_to: str, now: datetime
) -> int:
    code = _unused_tracking_code(conn)
    return new_id(
        conn,
        insert(s.conversation).values(
            tracking_code=code,
            inbox_id=inbox.id,
            contact_id=contact_id,
            reply_to=reply_to,
            opd_id=inbox.opd_id,
            status="open",
            created_at=now,
            updated_at=now,
            last_message_at=now,
        ),
    )


def _unused_tracking_code(conn: Connection) -> str:
    while True:
        code = new_code()
        taken = conn.execute(
            select(s.conversation.c.id).where(s.conversation.c.tracking_code == code)
        ).first()
        if taken is None:
            return code
