"""Offline entries: an agent records a complaint received by phone, in person, by letter,
or found in the media. It gets a tracking code and follows the same lifecycle as any case.

It is recorded in a manual inbox (replies are recorded, and given by phone or in person),
or — when the resident gave a phone number — in a WhatsApp inbox, so that replies reach
them there (as approved templates: the resident has not written on WhatsApp yet).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, update

from hub import ingest
from hub.auth import Principal
from hub.cases import CaseError, listed
from hub.directory import Directory
from hub.models import Inbound, InboxRef, Sender, Source
from hub.store import schema as s
from hub.store.queries import audit, conversation_by_id
from hub.views import conversation_view

#: Inbox kinds an entry may be recorded in.
KINDS = ("manual", "whatsapp")


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
    if inbox.kind == "whatsapp" and phone is None:
        raise CaseError("bad_request", "a WhatsApp reply needs the resident's phone number")
    if not entry.text.strip():
        raise CaseError("empty", "an entry needs the complaint's text")
    external = _address(inbox, phone)
    item = Inbound(
        Sender(external, name=entry.name, phone=phone, email=entry.email),
        text=entry.text,
        client_id=entry.client_id,
    )
    [accepted] = ingest.accept_many(conn, directory, [ingest.IngestJob(directory, inbox, [item])])[
        0
    ]
    assert accepted.conversation is not None and accepted.message is not None
    conv_id = accepted.conversation["id"]
    if accepted.duplicate:
        row = conversation_by_id(conn, conv_id)
        return Recorded(conversation_view(row, directory), accepted.message, row.reply_to, True)
    values: dict[str, Any] = {"source": entry.source, "opd_id": opd_id, "triage": False}
    for name in ("category", "kelurahan"):
        if getattr(entry, name) is not None:
            values[name] = listed(conn, name, getattr(entry, name))
    if inbox.kind == "whatsapp":
        values["last_inbound_at"] = None  # they never wrote on WhatsApp: templates only
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
            "no such manual or WhatsApp inbox" if key else "declare a manual inbox first",
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


def _address(inbox: InboxRef, phone: str | None) -> str:
    """The resident on the inbox's channel: their wa_id on WhatsApp; on the manual inbox
    their phone (so their entries share one contact), or a fresh id without one."""
    if inbox.kind == "whatsapp":
        assert phone is not None
        return phone.lstrip("+")
    return f"phone:{phone}" if phone else f"entry:{secrets.token_hex(8)}"
