"""A resident's rights under UU PDP (Law 27/2022): a copy of their data, and its erasure.

Erasure keeps the cases (the city's accountability record: when, which OPD, how fast)
but not who wrote them or what they wrote: the contact's name, phone, e-mail and channel
identities go, the resident's messages become a tombstone, their files are deleted, and
the cases' channel addresses are cleared so nothing can be sent to them again. The same
anonymisation serves retention (hub/retention.py) for old closed cases, where agents'
replies go too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from hub.models import Status
from hub.store import schema as s

log = logging.getLogger(__name__)
TOMBSTONE = "[dihapus atas permintaan warga]"  # erased at the resident's request
EXPIRED = "[dihapus: masa simpan berakhir]"  # erased when the retention period ended
ERASED_ADDRESS = ""  # a case's reply_to once anonymised: nothing is sent there again


class PrivacyError(Exception):
    pass


@dataclass
class Erased:
    """What an erasure or anonymisation touched; `digests` are files that may be orphans."""

    cases: int = 0
    messages: int = 0
    files: int = 0
    identities: int = 0
    digests: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, int]:
        return {
            "cases": self.cases,
            "messages": self.messages,
            "files": self.files,
            "identities": self.identities,
        }


# -- export ------------------------------------------------------------------------------
def export_contact(conn: Connection, contact_id: int) -> dict[str, Any]:
    """Everything the hub holds about one resident, as JSON."""
    contact = conn.execute(select(s.contact).where(s.contact.c.id == contact_id)).first()
    if contact is None:
        raise PrivacyError("contact not found")
    identities = conn.execute(
        select(s.contact_identity).where(s.contact_identity.c.contact_id == contact_id)
    ).all()
    cases = conn.execute(
        select(s.conversation)
        .where(s.conversation.c.contact_id == contact_id)
        .order_by(s.conversation.c.id)
    ).all()
    return {
        "contact": _plain(contact, "id", "name", "phone", "email", "created_at"),
        "identities": [_plain(i, "channel", "external_id", "created_at") for i in identities],
        "cases": [_case(conn, case) for case in cases],
    }


def _case(conn: Connection, case: Any) -> dict[str, Any]:
    m = s.message.c
    messages = conn.execute(
        select(s.message).where(m.conversation_id == case.id, m.private.is_(False)).order_by(m.seq)
    ).all()
    files = conn.execute(select(s.media).where(s.media.c.conversation_id == case.id)).all()
    fields = (
        "id",
        "tracking_code",
        "status",
        "category",
        "kelurahan",
        "location",
        "created_at",
        "resolved_at",
        "csat",
        "csat_comment",
    )
    return {
        **_plain(case, *fields),
        "messages": [
            _plain(row, "seq", "direction", "sender_type", "kind", "text", "created_at")
            | {"attachments": row.attachments or []}
            for row in messages
        ],
        "media": [
            _plain(f, "id", "mime_type", "file_name", "size", "sha256", "created_at") for f in files
        ],
    }


def _plain(row: Any, *names: str) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


# -- erasure -----------------------------------------------------------------------------
def erase_contact(conn: Connection, contact_id: int, now: datetime) -> Erased:
    """Erase a resident's personal data; their cases stay, anonymised and closed."""
    if conn.execute(select(s.contact.c.id).where(s.contact.c.id == contact_id)).first() is None:
        raise PrivacyError("contact not found")
    case_ids = list(
        conn.execute(select(s.conversation.c.id).where(s.conversation.c.contact_id == contact_id))
        .scalars()
        .all()
    )
    erased = anonymise_cases(conn, case_ids, now, TOMBSTONE, everyone=False)
    forget_contact(conn, contact_id, erased)
    return erased


def forget_contact(conn: Connection, contact_id: int, erased: Erased) -> None:
    erased.identities += conn.execute(
        delete(s.contact_identity).where(s.contact_identity.c.contact_id == contact_id)
    ).rowcount
    conn.execute(
        update(s.contact)
        .where(s.contact.c.id == contact_id)
        .values(name=None, phone=None, email=None)
    )


def anonymise_cases(
    conn: Connection, case_ids: Iterable[int], now: datetime, tombstone: str, *, everyone: bool
) -> Erased:
    """Strip cases of what identifies or was said by the resident (`everyone`: every
    message, agents' replies and notes too); open ones are closed, queued replies dropped."""
    erased = Erased()
    c, m = s.conversation.c, s.message.c
    for case_id in case_ids:
        erased.cases += 1
        conn.execute(
            update(s.outbox)
            .where(s.outbox.c.conversation_id == case_id, s.outbox.c.state == "queued")
            .values(state="dead", last_error="erased")
        )
        status = conn.execute(select(c.status).where(c.id == case_id)).scalar_one()
        values: dict[str, Any] = {
            "reply_to": ERASED_ADDRESS,
            "location": None,
            "csat_comment": None,
            "last_message_preview": tombstone[:120],
        }
        if status in (Status.OPEN, Status.PENDING):
            values.update(status=Status.CLOSED, updated_at=now)
        conn.execute(update(s.conversation).where(c.id == case_id).values(**values))
        whose = m.conversation_id == case_id
        if not everyone:
            whose = whose & (m.sender_type == "contact")
        erased.messages += conn.execute(
            update(s.message)
            .where(whose)
            .values(text=tombstone, attachments=None, reactions=None, edited_at=now)
        ).rowcount
        files = s.media.c
        rows = conn.execute(select(files.id, files.sha256).where(files.conversation_id == case_id))
        agents = set() if everyone else _agents_files(conn, case_id)
        doomed = [(r.id, r.sha256) for r in rows if r.id not in agents]
        if doomed:
            conn.execute(delete(s.media).where(files.id.in_([i for i, _ in doomed])))
            erased.files += len(doomed)
            erased.digests.update(d for _, d in doomed)
    return erased


def _agents_files(conn: Connection, case_id: int) -> set[str]:
    """The files of a case that agents sent (before/after photos): not the resident's."""
    m = s.message.c
    rows = conn.execute(
        select(m.attachments).where(
            m.conversation_id == case_id, m.sender_type != "contact", m.attachments.is_not(None)
        )
    )
    return {
        a["media_id"]
        for row in rows
        for a in row.attachments or ()
        if isinstance(a, dict) and a.get("media_id")
    }


def orphans(conn: Connection, digests: set[str]) -> list[str]:
    """Of these file digests, the ones no stored file row names any more."""
    if not digests:
        return []
    kept = set(
        conn.execute(
            select(s.media.c.sha256)
            .where(s.media.c.sha256.in_(digests))
            .group_by(s.media.c.sha256)
            .having(func.count() > 0)
        )
        .scalars()
        .all()
    )
    return sorted(digests - kept)


async def delete_files(root: Path, digests: list[str]) -> int:
    """Delete files from disk (content-addressed: <root>/<ab>/<abcdef...>)."""

    def unlink() -> int:
        gone = 0
        for digest in digests:
            path = root / digest[:2] / digest
            try:
                path.unlink()
                gone += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.error("could not delete an erased file %s: %s", digest[:12], exc)
        return gone

    return await asyncio.to_thread(unlink)
