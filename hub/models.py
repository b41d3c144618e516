"""Domain types shared by the hub and the channels. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"


class Status(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (Status.OPEN, Status.PENDING)


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class SenderType(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    SYSTEM = "system"
    BOT = "bot"


class Kind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    FILE = "file"
    LOCATION = "location"
    NOTE = "note"


class Source(StrEnum):
    """Where an offline entry came from (a case an agent records)."""

    PHONE = "phone"  # the call centre (112) or an OPD's phone
    WALK_IN = "walk_in"
    LETTER = "letter"
    MEDIA = "media"  # found while monitoring newspapers and social media


class Delivery(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


DELIVERY_RANK = {Delivery.PENDING: 0, Delivery.SENT: 1, Delivery.DELIVERED: 2, Delivery.READ: 3}


def advances(current: str, new: str) -> bool:
    """True when a delivery status may replace another: forward only, failed is terminal."""
    if current == Delivery.FAILED:
        return False
    if new == Delivery.FAILED:
        return True
    return DELIVERY_RANK[Delivery(new)] > DELIVERY_RANK[Delivery(current)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and a Z, as every API and event shows time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Sender:
    """Who a resident is on a channel: the channel's own id plus what it tells us."""

    external_id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One normalized message from a resident, whatever channel it came through."""

    sender: Sender
    text: str = ""
    kind: Kind = Kind.TEXT
    external_id: str | None = None
    client_id: str | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    sent_at: datetime | None = None
    edit: bool = False  # new content for the message with the same external_id
    reply_to: str | None = None  # the external id of the message this one quotes


@dataclass(frozen=True)
class Reaction:
    """A resident's emoji on a message (ours or theirs); emoji None takes it back."""

    sender: Sender
    target: str  # the external id of the message reacted to
    emoji: str | None
    external_id: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Rating:
    """A resident's satisfaction with a resolved case (CSAT): a score of 1 to 5, a comment,
    or both. `case` is its tracking code; None: the resident's latest case in the inbox."""

    sender: Sender
    score: int | None
    comment: str | None = None
    case: str | None = None
    external_id: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's delivery receipt for a message we sent."""

    external_id: str
    status: Delivery
    error: str | None = None


@dataclass(frozen=True)
class InboxRef:
    id: int
    key: str
    kind: str
    name: str
    opd_id: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaBytes:
    """A stored photo or document, read for sending."""

    data: bytes
    mime_type: str
    file_name: str | None


@dataclass(frozen=True)
class Outbound:
    """A message the hub asks a channel to deliver."""

    message_id: int
    conversation_id: int
    recipient: str
    text: str
    kind: Kind = Kind.TEXT
    attachments: tuple[dict[str, Any], ...] = ()
