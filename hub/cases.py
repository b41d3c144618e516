"""What agents do to a case: reply, write a note, change its status, read it.

Each operation is a job run in one transaction; the caller publishes the events after
the commit. Visibility is checked inside the job, against the row it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub import media
from hub.auth import Principal
from hub.directory import Directory
from hub.models import Delivery, Direction, Kind, SenderType, Status, utcnow
from hub.places import case_location
from hub.store import schema as s
from hub.store.queries import advance, audit, conversation_by_id, insert_message, message_by_id
from hub.views import conversation_view, message_view, preview


class CaseError(Exception):
    """An operation the rules refuse; code is the API's error code, details go with it."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Change:
    conversation: dict[str, Any]
    changed: bool
    recipient: str


@dataclass(frozen=True)
class Reply:
    message: dict[str, Any]
    conversation: dict[str, Any]
    duplicate: bool
    outbound: bool  # queued for a provider (non-live channel, not a note)
    recipient: str


def visible_conversation(conn: Connection, principal: Principal, conv_id: int) -> Any:
    """The conversation if this agent may see it; otherwise the same answer as no such case."""
    row = conversation_by_id(conn, conv_id)
    if row is None or not principal.can_see(row.opd_id):
        raise CaseError("not_found", "conversation not found")
    return row


def reply(
    conn: Connection,
    directory: Directory,
    principal: Principal,
    conv_id: int,
    *,
    text: str,
    private: bool,
    client_id: str | None,
    live: bool,
    media_ids: tuple[str, ...] = (),
    window: float | None = None,
    template: dict[str, Any] | None = None,
) -> Reply:
    conv = visible_conversation(conn, principal, conv_id)
    if client_id is not None:
        stored = conn.execute(
            select(s.message).where(
                s.message.c.conversation_id == conv_id, s.message.c.client_id == client_id
            )
        ).first()
        if stored is not None:
            view = message_view(stored, principal.name)
            return Reply(view, conversation_view(conv, directory), True, False, conv.reply_to)
    if conv.status == Status.CLOSED:
        raise CaseError("closed", "this case is closed")
    now = utcnow()
    if not private and template is None and window is not None:
        _check_window(conv, window, now)
    attachments = [template] if template else _uploaded(conn, conv_id, media_ids)
    kind = Kind.NOTE if private else _kind_of(attachments)
    shown = preview(text or _describe(attachments))
    row = advance(
        conn, conv_id, now, conv.last_message_preview if private else shown, inbound=False
    )
    extra: dict[str, Any] = {}
    if not private:
        extra["unread_count"] = 0
        if conv.first_response_at is None:
            extra["first_response_at"] = now
    if extra:
        conn.execute(update(s.conversation).where(s.conversation.c.id == conv_id).values(**extra))
    outbound = not private and not live
    message = insert_message(
        conn,
        row,
        direction=Direction.OUT,
        sender_type=SenderType.AGENT,
        sender_agent_id=principal.id,
        kind=kind,
        private=private,
        text=text,
        attachments=attachments or None,
        client_id=client_id,
        delivery_status=Delivery.PENDING if outbound else Delivery.SENT,
        created_at=now,
    )
    if outbound:
        _queue(conn, message["id"], conv, now)
    fresh = {**conv._mapping, **row._mapping, **extra}
    view = message_view(message, principal.name)
    return Reply(view, conversation_view(fresh, directory), False, outbound, conv.reply_to)


def _uploaded(conn: Connection, conv_id: int, media_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """The files an agent attaches, each uploaded into this very conversation."""
    if not media_ids:
        return []
    found = media.owned(conn, conv_id, list(media_ids))
    missing = [m for m in media_ids if m not in found]
    if missing:
        raise CaseError("unknown_media", f"no file {missing[0]} was uploaded to this case")
    return [found[m] for m in media_ids]


def _check_window(conv: Any, window: float, now: datetime) -> None:
    last = conv.last_inbound_at
    if last is None or now - last > timedelta(seconds=window):
        hours = window / 3600
        raise CaseError(
            "window_closed",
            f"the resident last wrote more than {hours:g} hours ago: the channel allows only "
            "an approved template until they write again",
        )


def _kind_of(attachments: list[dict[str, Any]]) -> Kind:
    if not attachments or "media_id" not in attachments[0]:
        return Kind.TEXT
    return Kind.IMAGE if attachments[0]["mime_type"].startswith("image/") else Kind.FILE


def _describe(attachments: list[dict[str, Any]]) -> str:
    """A preview for a message without text."""
    if not attachments or "media_id" not in attachments[0]:
        return ""
    first = attachments[0]
    return (
        "[Foto]"
        if first["mime_type"].startswith("image/")
        else f"[{first['file_name'] or 'Dokumen'}]"
    )


def acknowledge(
    conn: Connection, directory: Directory, conv_id: int, *, text: str, live: bool
) -> Reply:
    """The automatic reply to a new case (its tracking code). Not a response by the OPD:
    it leaves first_response_at and the unread count alone."""
    conv = conversation_by_id(conn, conv_id)
    now = utcnow()
    row = advance(conn, conv_id, now, preview(text), inbound=False)
    message = insert_message(
        conn,
        row,
        direction=Direction.OUT,
        sender_type=SenderType.BOT,
        kind=Kind.TEXT,
        text=text,
        delivery_status=Delivery.SENT if live else Delivery.PENDING,
        created_at=now,
    )
    if not live:
        _queue(conn, message["id"], conv, now)
    fresh = {**conv._mapping, **row._mapping}
    return Reply(
        message_view(message), conversation_view(fresh, directory), False, not live, conv.reply_to
    )


def _queue(conn: Connection, message_id: int, conv: Any, now: Any) -> None:
    """An outbox row: the relay delivers the message through the inbox's channel."""
    conn.execute(
        insert(s.outbox).values(
            message_id=message_id,
            inbox_id=conv.inbox_id,
            conversation_id=conv.id,
            next_attempt_at=now,
            created_at=now,
        )
    )


ALLOWED = {
    Status.OPEN: {Status.PENDING, Status.RESOLVED, Status.CLOSED},
    Status.PENDING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


def set_status(
    conn: Connection, directory: Directory, principal: Principal, conv_id: int, status: Status
) -> Change:
    """Move a case along its lifecycle."""
    conv = visible_conversation(conn, principal, conv_id)
    current = Status(conv.status)
    if status == current:
        return Change(conversation_view(conv, directory), False, conv.reply_to)
    if status not in ALLOWED[current]:
        raise CaseError("bad_transition", f"a {current} case cannot become {status}")
    if status == Status.OPEN and _has_other_open(conn, conv):
        raise CaseError("conflict", "the resident already has another open case in this inbox")
    now = utcnow()
    values: dict[str, Any] = {"status": str(status), "updated_at": now}
    if status == Status.RESOLVED:
        values["resolved_at"] = now
    elif status == Status.OPEN:
        values["resolved_at"] = None
    conn.execute(update(s.conversation).where(s.conversation.c.id == conv_id).values(**values))
    audit(
        conn,
        "status",
        {"from": str(current), "to": str(status)},
        conversation_id=conv_id,
        agent_id=principal.id,
        at=now,
    )
    return Change(conversation_view({**conv._mapping, **values}, directory), True, conv.reply_to)


def _has_other_open(conn: Connection, conv: Any) -> bool:
    c = s.conversation.c
    row = conn.execute(
        select(c.id).where(
            c.contact_id == conv.contact_id,
            c.inbox_id == conv.inbox_id,
            c.id != conv.id,
            c.status.in_((Status.OPEN, Status.PENDING)),
        )
    ).first()
    return row is not None


def mark_read(conn: Connection, directory: Directory, principal: Principal, conv_id: int) -> Change:
    conv = visible_conversation(conn, principal, conv_id)
    if conv.unread_count == 0:
        return Change(conversation_view(conv, directory), False, conv.reply_to)
    conn.execute(
        update(s.conversation).where(s.conversation.c.id == conv_id).values(unread_count=0)
    )
    return Change(
        conversation_view({**conv._mapping, "unread_count": 0}, directory), True, conv.reply_to
    )


def requeue(
    conn: Connection, directory: Directory, principal: Principal, conv_id: int, message_id: int
) -> Reply:
    """Send a dead-lettered reply again (the resident unblocked the bot, the number works
    again): the same message, back in the outbox as if new."""
    conv = visible_conversation(conn, principal, conv_id)
    m = s.message.c
    row = conn.execute(
        select(s.message).where(m.id == message_id, m.conversation_id == conv_id)
    ).first()
    if row is None:
        raise CaseError("not_found", "message not found")
    if row.delivery_status != Delivery.FAILED or row.direction != Direction.OUT:
        raise CaseError("conflict", "only a reply that failed can be sent again")
    if conv.status == Status.CLOSED:
        raise CaseError("closed", "this case is closed")
    now = utcnow()
    requeued = conn.execute(
        update(s.outbox)
        .where(s.outbox.c.message_id == message_id, s.outbox.c.state == "dead")
        .values(state="queued", attempts=0, next_attempt_at=now, lease_until=None, last_error=None)
    ).rowcount
    if not requeued:
        raise CaseError("conflict", "this reply is not waiting to be sent again")
    conn.execute(
        update(s.message)
        .where(m.id == message_id)
        .values(delivery_status=Delivery.PENDING, error=None)
    )
    fresh = message_by_id(conn, message_id)
    return Reply(
        message_view(fresh), conversation_view(conv, directory), False, True, conv.reply_to
    )


def set_location(
    conn: Connection, directory: Directory, principal: Principal, conv_id: int, message_id: int
) -> Change:
    """Make the place one of the case's messages shares the case's location."""
    conv = visible_conversation(conn, principal, conv_id)
    m = s.message.c
    row = conn.execute(
        select(m.attachments).where(m.id == message_id, m.conversation_id == conv_id)
    ).first()
    found = case_location(row.attachments, message_id) if row is not None else None
    if found is None:
        raise CaseError("not_found", "no location message with this id in the case")
    if found == conv.location:
        return Change(conversation_view(conv, directory), False, conv.reply_to)
    now = utcnow()
    conn.execute(
        update(s.conversation)
        .where(s.conversation.c.id == conv_id)
        .values(location=found, updated_at=now)
    )
    audit(
        conn,
        "location",
        {"message_id": message_id},
        conversation_id=conv_id,
        agent_id=principal.id,
        at=now,
    )
    fresh = {**conv._mapping, "location": found, "updated_at": now}
    return Change(conversation_view(fresh, directory), True, conv.reply_to)


PRIORITIES = ("low", "normal", "high", "urgent")
DETAILS = ("priority", "labels", "category", "kelurahan", "rahasia", "anonim")


def update_details(
    conn: Connection,
    directory: Directory,
    principal: Principal,
    conv_id: int,
    changes: dict[str, Any],
) -> Change:
    """Priority, labels, category, kelurahan and the rahasia/anonim flags of a case."""
    conv = visible_conversation(conn, principal, conv_id)
    values = {name: _detail(conn, principal, conv, name, changes[name]) for name in changes}
    values = {k: v for k, v in values.items() if v != getattr(conv, k)}
    if not values:
        return Change(conversation_view(conv, directory), False, conv.reply_to)
    now = utcnow()
    conn.execute(
        update(s.conversation)
        .where(s.conversation.c.id == conv_id)
        .values(updated_at=now, **values)
    )
    audit(conn, "details", values, conversation_id=conv_id, agent_id=principal.id, at=now)
    return Change(
        conversation_view(conversation_by_id(conn, conv_id), directory), True, conv.reply_to
    )


def _detail(conn: Connection, principal: Principal, conv: Any, name: str, value: Any) -> Any:
    if name not in DETAILS:
        raise CaseError("bad_request", f"{name} cannot be changed here")
    if name == "priority":
        if value not in PRIORITIES:
            raise CaseError("bad_request", f"priority must be one of {', '.join(PRIORITIES)}")
        return value
    if name == "labels":
        if (
            not isinstance(value, list)
            or len(value) > 10
            or not all(isinstance(v, str) and 0 < len(v.strip()) <= 40 for v in value)
        ):
            raise CaseError("bad_request", "labels must be up to 10 texts of 1-40 characters")
        return sorted({v.strip() for v in value}) or None
    if name in ("rahasia", "anonim"):
        if not isinstance(value, bool):
            raise CaseError("bad_request", f"{name} must be true or false")
        if not value and getattr(conv, name) and not principal.sees_all_opds:
            raise CaseError("forbidden", f"only a coordinator may lift {name}")
        return value
    return listed(conn, name, value)


def listed(conn: Connection, name: str, value: Any) -> str | None:
    """A category or kelurahan: one of the organisation's list when it has one."""
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value.strip()) <= 100:
        raise CaseError("bad_request", f"{name} must be a text of 1-100 characters")
    column = s.category.c.name if name == "category" else s.area.c.kelurahan
    known = conn.execute(select(column).where(column == value.strip())).first()
    any_listed = conn.execute(select(column).limit(1)).first()
    if any_listed is not None and known is None:
        raise CaseError("unknown_" + name, f"{value!r} is not in the list of {name}")
    return value.strip()
