"""Resolving a case: the resident hears how it was followed up, with the evidence.

A case is resolved with a follow-up note for the resident and, for categories that need
it, an "after" photo (the "before" may be the resident's own photo or one the agent adds).
Both go to the resident as replies, then the case is resolved — all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from hub import cases
from hub.auth import Principal
from hub.directory import Directory
from hub.models import Status
from hub.store import schema as s

BEFORE_TEXT = "Foto sebelum penanganan"
NOT_SENT = "[Tidak terkirim ke warga: {reason}] "


@dataclass(frozen=True)
class FollowUp:
    """What an agent resolves a case with."""

    note: str
    after_media_id: str | None = None
    before_media_id: str | None = None


@dataclass(frozen=True)
class Resolved:
    change: cases.Change
    replies: list[cases.Reply] = field(default_factory=list)


def resolve(
    conn: Connection,
    directory: Directory,
    principal: Principal,
    conv_id: int,
    follow_up: FollowUp,
    *,
    live: bool,
    window: float | None,
) -> Resolved:
    conv = cases.visible_conversation(conn, principal, conv_id)
    if conv.status == Status.RESOLVED:
        return Resolved(cases.set_status(conn, directory, principal, conv_id, Status.RESOLVED))
    if not follow_up.note.strip():
        raise cases.CaseError(
            "needs_follow_up", "resolving needs a follow-up note telling the resident what was done"
        )
    if follow_up.after_media_id is None and _needs_after_photo(conn, conv.category):
        raise cases.CaseError(
            "needs_after_photo", f"cases of category {conv.category!r} need an after photo"
        )
    replies = []
    if follow_up.before_media_id is not None:
        replies.append(_tell(conn, directory, principal, conv_id, BEFORE_TEXT,
                             follow_up.before_media_id, live, window))  # fmt: skip
    replies.append(_tell(conn, directory, principal, conv_id, follow_up.note,
                         follow_up.after_media_id, live, window))  # fmt: skip
    change = cases.set_status(conn, directory, principal, conv_id, Status.RESOLVED)
    return Resolved(change, replies)


def _tell(
    conn: Connection,
    directory: Directory,
    principal: Principal,
    conv_id: int,
    text: str,
    media_id: str | None,
    live: bool,
    window: float | None,
) -> cases.Reply:
    """A reply to the resident; outside a channel's reply window it is kept as a note (the
    agent can still send an approved template)."""
    media = (media_id,) if media_id else ()
    common: dict[str, Any] = {"client_id": None, "live": live, "media_ids": media}
    try:
        return cases.reply(
            conn, directory, principal, conv_id, text=text, private=False, window=window, **common
        )
    except cases.CaseError as exc:
        if exc.code != "window_closed":
            raise
        kept = NOT_SENT.format(reason="di luar jendela balasan") + text
        return cases.reply(conn, directory, principal, conv_id, text=kept, private=True, **common)


def _needs_after_photo(conn: Connection, category: str | None) -> bool:
    if not category:
        return False
    c = s.category.c
    found = conn.execute(
        select(c.needs_after_photo).where(c.name == category, c.active.is_(True))
    ).first()
    return bool(found and found.needs_after_photo)
