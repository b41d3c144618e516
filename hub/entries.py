"""Offline entries: an agent records a complaint received by phone, in person, by letter,
or found in the media. It gets a tracking code and follows the same lifecycle as any case.

It is recorded in a manual inbox (replies are recorded, and given by phone or in person);
in a WhatsApp inbox when the resident gave a phone number, so that replies reach them there
(as approved templates unless they wrote on WhatsApp in the last 24 hours); or, naming a
resident the hub already knows, in any WhatsApp or Telegram inbox where they have an
identity, which is then where replies go.

An entry is a new complaint, so it starts a new case. A resident whose case in that inbox
is still open is refused, naming that case, so the officer adds to it instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from hub import contacts, ingest
from hub.auth import Principal
from hub.cases import CaseError, listed
from hub.directory import Directory
from hub.models import OPEN_STATUSES, Direction, Inbound, InboxRef, Sender, Source, utcnow
from hub.store import schema as s
from hub.store.queries import audit, contact_by_identity, conversation_by_id, message_by_id
from hub.views import conversation_view, message_view

#: Inbox kinds an entry may be recorded in.
KINDS = ("manual", "whatsapp", "telegram")

#: Why a named resident cannot be answered in an inbox of this kind.
NO_IDENTITY = {
    "whatsapp": "this resident has never written on WhatsApp: record the entry in a manual inbox",
    "telegram": "this resident has no Telegram chat with the bot",
}


@dataclass(frozen=True)
class Entry:
    source: Source
    text: str
    inbox_key: str | None = None  # default: the organisation's (first) manual inbox
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    opd_slug: str | None = None  # coordinators choose; others record for their own OPD
    category: str | None = None
    kelurahan: str | None = None
    client_id: str | None = None  # makes recording idempotent
    contact_id: int | None = None  # a resident the hub knows: answered where they are


@dataclass(frozen=True)
class Recorded:
    conversation: dict[str, Any]
    message: dict[str, Any]
    recipient: str
    duplicate: bool


def record(conn: Connection, directory: Directory, principal: Principal, entry: Entry) -> Recorded:
    inbox = _inbox(directory, entry.inbox_key)
    opd_id = _opd(directory, principal, entry.opd_slug)
    phone = _phone(entry.phone)
    if not entry.text.strip():
        raise CaseError("empty", "an entry needs the complaint's text")
    contact_id, external = _resident(conn, principal, inbox, entry, phone)
    last_wrote = None
    if contact_id is not None:  # someone the hub knows: checked before anything is written
        before = _recorded_before(conn, directory, principal, inbox, contact_id, entry.client_id)
        if before is not None:
            return before
        _refuse_open_case(conn, principal, inbox, contact_id)
        if inbox.kind == "whatsapp":
            last_wrote = _last_wrote(conn, inbox, contact_id)
        if entry.contact_id is not None:
            _claim(conn, contact_id, inbox.kind, external)
    item = Inbound(
        Sender(external, name=entry.name, phone=phone, email=entry.email),
        text=entry.text,
        client_id=entry.client_id,
    )
    job = ingest.IngestJob(directory, inbox, [item], new_case=True)
    [accepted] = ingest.accept_many(conn, directory, [job])[0]
    assert accepted.conversation is not None and accepted.message is not None
    assert not accepted.duplicate  # a repeat was answered above; this is a new case
    conv_id = accepted.conversation["id"]
    values: dict[str, Any] = {"source": entry.source, "opd_id": opd_id, "triage": False}
    for name in ("category", "kelurahan"):
        if getattr(entry, name) is not None:
            values[name] = listed(conn, name, getattr(entry, name))
    if inbox.kind == "whatsapp":  # templates only, unless they wrote there within 24 hours
        values["last_inbound_at"] = last_wrote
    conn.execute(update(s.conversation).where(s.conversation.c.id == conv_id).values(**values))
    audit(
        conn,
        "entry",
        {"source": str(entry.source), "inbox": inbox.key},
        conversation_id=conv_id,
        agent_id=principal.id,
    )
    row = conversation_by_id(conn, conv_id)
    return Recorded(conversation_view(row, directory), accepted.message, row.reply_to, False)


def _inbox(directory: Directory, key: str | None) -> InboxRef:
    candidates = [i for i in directory.inboxes.values() if i.kind in KINDS]
    if key is not None:
        found = next((i for i in candidates if i.key == key), None)
    else:
        found = next((i for i in candidates if i.kind == "manual"), None)
    if found is None:
        raise CaseError(
            "unknown_inbox",
            "no such manual, WhatsApp or Telegram inbox" if key else "declare a manual inbox first",
        )
    return found


def _opd(directory: Directory, principal: Principal, slug: str | None) -> int:
    if slug is None:
        if principal.opd_id is None:
            raise CaseError("bad_request", "choose the OPD the entry is for")
        return principal.opd_id
    opd = directory.opd_by_slug(slug)
    if opd is None or not principal.can_see(opd.id):
        raise CaseError("unknown_opd", f"no OPD {slug!r} you may record for")
    return opd.id


def _phone(raw: str | None) -> str | None:
    """An Indonesian number in E.164: 0812... and 62812... both become +62812..."""
    if raw is None or not raw.strip():
        return None
    digits = "".join(ch for ch in raw if ch.isdigit())
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not 8 <= len(digits) <= 15:
        raise CaseError("bad_request", "the phone number does not look right")
    return "+" + digits


def _resident(
    conn: Connection, principal: Principal, inbox: InboxRef, entry: Entry, phone: str | None
) -> tuple[int | None, str]:
    """The resident's contact (None: a new one) and their address on the inbox's channel."""
    if entry.contact_id is not None:
        return entry.contact_id, _address_of(conn, principal, inbox, entry.contact_id)
    external = _address(inbox, phone, principal, entry.client_id)
    known = contact_by_identity(conn, inbox.kind, external)
    return (known.id if known is not None else None), external


def _address(
    inbox: InboxRef, phone: str | None, principal: Principal, client_id: str | None
) -> str:
    """A resident given by their details, on the inbox's channel: their wa_id on WhatsApp;
    on the manual inbox their phone (so their entries share one contact), or without one
    this entry's own id (so that sending it again finds it)."""
    if inbox.kind == "telegram":
        raise CaseError("bad_request", "a Telegram entry names the resident's contact")
    if inbox.kind == "whatsapp":
        if phone is None:
            raise CaseError(
                "bad_request", "a WhatsApp reply needs the resident's phone number or contact"
            )
        return phone.lstrip("+")
    if phone:
        return f"phone:{phone}"
    if client_id:
        return f"entry:{principal.id}:{client_id}"
    return f"entry:{secrets.token_hex(8)}"


def _address_of(conn: Connection, principal: Principal, inbox: InboxRef, contact_id: int) -> str:
    """A named resident's identity on the inbox's channel; on the manual inbox one is made
    for them if they have none (see _claim)."""
    contacts.check_recordable(conn, principal, contact_id)
    i = s.contact_identity.c
    found = conn.execute(
        select(i.external_id)
        .where(i.contact_id == contact_id, i.channel == inbox.kind)
        .order_by(i.id.desc())
        .limit(1)
    ).scalar()
    if found is not None:
        return str(found)
    if inbox.kind == "manual":
        return f"contact:{contact_id}"
    raise CaseError("no_identity", NO_IDENTITY[inbox.kind])


def _recorded_before(
    conn: Connection,
    directory: Directory,
    principal: Principal,
    inbox: InboxRef,
    contact_id: int,
    client_id: str | None,
) -> Recorded | None:
    """The same entry sent again (its client_id): answered with the case it made."""
    if client_id is None:
        return None
    m, c = s.message.c, s.conversation.c
    found = conn.execute(
        select(m.id, m.conversation_id, c.opd_id)
        .join(s.conversation, c.id == m.conversation_id)
        .where(
            m.client_id == client_id,
            m.direction == Direction.IN,
            c.contact_id == contact_id,
            c.inbox_id == inbox.id,
        )
    ).first()
    if found is None or not principal.can_see(found.opd_id):
        return None
    row = conversation_by_id(conn, found.conversation_id)
    message = message_view(message_by_id(conn, found.id))
    return Recorded(conversation_view(row, directory), message, row.reply_to, True)


def _refuse_open_case(
    conn: Connection, principal: Principal, inbox: InboxRef, contact_id: int
) -> None:
    """One open case per resident and inbox: a new complaint of someone whose case is
    still open there is added to that case (the agent sees which) rather than recorded."""
    c = s.conversation.c
    case = conn.execute(
        select(c.id, c.tracking_code, c.opd_id).where(
            c.contact_id == contact_id, c.inbox_id == inbox.id, c.status.in_(OPEN_STATUSES)
        )
    ).first()
    if case is None:
        return
    if not principal.can_see(case.opd_id):
        raise CaseError(
            "conflict",
            "this resident has an open case in this inbox with another OPD: "
            "ask the coordinator to add the complaint to it",
        )
    raise CaseError(
        "conflict",
        f"this resident already has an open case in this inbox, {case.tracking_code}: "
        "add the complaint to that case",
        tracking_code=case.tracking_code,
        conversation_id=case.id,
    )


def _last_wrote(conn: Connection, inbox: InboxRef, contact_id: int) -> datetime | None:
    """When the resident last wrote to this inbox (None: never, as far as the hub knows)."""
    c = s.conversation.c
    query = select(func.max(c.last_inbound_at)).where(
        c.contact_id == contact_id, c.inbox_id == inbox.id
    )
    found: datetime | None = conn.execute(query).scalar()
    return found


def _claim(conn: Connection, contact_id: int, channel: str, external_id: str) -> None:
    """The identity ingest finds the named resident by (made for the manual inbox)."""
    if contact_by_identity(conn, channel, external_id) is None:
        conn.execute(
            insert(s.contact_identity).values(
                contact_id=contact_id, channel=channel, external_id=external_id, created_at=utcnow()
            )
        )
