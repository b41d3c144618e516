"""Queries shared by the hub's jobs: reads for the API and the write steps every message takes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Insert, and_, insert, select, update

from hub.store import schema as s


def audit(
    conn: Connection,
    action: str,
    data: Any = None,
    *,
    conversation_id: int | None = None,
    agent_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """One row of the audit trail: who did what to which case (None: the hub itself)."""
    conn.execute(
        insert(s.event).values(
            conversation_id=conversation_id,
            agent_id=agent_id,
            action=action,
            data=data,
            created_at=at or datetime.now(UTC),
        )
    )


def advance(
    conn: Connection, conv_id: int, now: datetime, text: str | None, *, inbound: bool
) -> Any:
    """Take the next seq and update the counters in one statement (atomic on both databases)."""
    c = s.conversation.c
    values: dict[str, Any] = {
        "last_seq": c.last_seq + 1,
        "updated_at": now,
        "last_message_at": now,
        "last_message_preview": text,
    }
    if inbound:
        values.update(unread_count=c.unread_count + 1, last_inbound_at=now)
    row = conn.execute(
        update(s.conversation).where(c.id == conv_id).values(**values).returning(*s.conversation.c)
    ).first()
    assert row is not None
    return row


def insert_message(conn: Connection, conv_row: Any, **values: Any) -> dict[str, Any]:
    values = {"conversation_id": conv_row.id, "seq": conv_row.last_seq, "private": False, **values}
    values.setdefault("sender_agent_id", None)
    values.setdefault("attachments", None)
    values.setdefault("external_id", None)
    values.setdefault("client_id", None)
    values.setdefault("error", None)
    message_id = new_id(conn, insert(s.message).values(**values))
    return {"id": message_id, **values}


def conversation_with_contact(conn: Connection, conv_id: int) -> Any:
    return conn.execute(
        select(*s.conversation.c, s.contact.c.name.label("contact_name"))
        .join(s.contact, s.contact.c.id == s.conversation.c.contact_id)
        .where(and_(s.conversation.c.id == conv_id))
    ).first()


def conversation_select() -> Any:
    """Conversations with the names the views show (contact, assignee)."""
    return (
        select(
            *s.conversation.c,
            s.contact.c.name.label("contact_name"),
            s.agent.c.name.label("assignee_name"),
        )
        .join(s.contact, s.contact.c.id == s.conversation.c.contact_id)
        .outerjoin(s.agent, s.agent.c.id == s.conversation.c.assignee_id)
    )


def conversation_page(
    conn: Connection,
    *,
    opd_ids: list[int] | None,
    status: str | None,
    after: tuple[datetime, int] | None,
    limit: int,
    triage: bool | None = None,
    assignee: int | str | None = "any",
) -> list[Any]:
    """Newest activity first; keyset on (last_message_at, id): any page costs the same.
    `assignee`: an agent id, None for unassigned cases, "any" for all."""
    c = s.conversation.c
    query = conversation_select()
    if opd_ids is not None:
        query = query.where(c.opd_id.in_(opd_ids))
    if status is not None:
        query = query.where(c.status == status)
    if triage is not None:
        query = query.where(c.triage.is_(triage))
    if assignee is None:
        query = query.where(c.assignee_id.is_(None))
    elif assignee != "any":
        query = query.where(c.assignee_id == assignee)
    if after is not None:
        at, last_id = after
        query = query.where(
            (c.last_message_at < at) | (and_(c.last_message_at == at, c.id < last_id))
        )
    query = query.order_by(c.last_message_at.desc(), c.id.desc()).limit(limit)
    return list(conn.execute(query))


def conversation_by_id(conn: Connection, conv_id: int) -> Any:
    return conn.execute(conversation_select().where(s.conversation.c.id == conv_id)).first()


def message_by_id(conn: Connection, message_id: int) -> Any:
    """One message with its agent's name, as the views show it."""
    return conn.execute(
        select(*s.message.c, s.agent.c.name.label("sender_name"))
        .outerjoin(s.agent, s.agent.c.id == s.message.c.sender_agent_id)
        .where(s.message.c.id == message_id)
    ).first()


def message_page(
    conn: Connection, conv_id: int, after_seq: int, limit: int, *, include_private: bool
) -> list[Any]:
    m = s.message.c
    query = (
        select(*s.message.c, s.agent.c.name.label("sender_name"))
        .outerjoin(s.agent, s.agent.c.id == m.sender_agent_id)
        .where(m.conversation_id == conv_id, m.seq > after_seq)
        .order_by(m.seq)
        .limit(limit)
    )
    if not include_private:
        query = query.where(m.private.is_(False))
    return list(conn.execute(query))


def latest_conversation_of(conn: Connection, inbox_id: int, channel: str, external_id: str) -> Any:
    """The resident's most recent case in this inbox (open, or the last one they had)."""
    return conn.execute(
        select(*s.conversation.c)
        .join(s.contact_identity, s.contact_identity.c.contact_id == s.conversation.c.contact_id)
        .where(
            s.contact_identity.c.channel == channel,
            s.contact_identity.c.external_id == external_id,
            s.conversation.c.inbox_id == inbox_id,
        )
        .order_by(s.conversation.c.id.desc())
        .limit(1)
    ).first()


def contact_by_identity(conn: Connection, channel: str, external_id: str) -> Any:
    return conn.execute(
        select(s.contact)
        .join(s.contact_identity, s.contact_identity.c.contact_id == s.contact.c.id)
        .where(
            s.contact_identity.c.channel == channel,
            s.contact_identity.c.external_id == external_id,
        )
    ).first()


def new_id(conn: Connection, statement: Insert) -> int:
    """Run an INSERT and return the new row's id (RETURNING works on SQLite and PostgreSQL)."""
    table = statement.table
    return int(conn.execute(statement.returning(table.c.id)).scalar_one())
