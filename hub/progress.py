"""What anyone holding a tracking code may see of its case: the /lacak page and its API.

Public data only: the status, the OPD that has the case now (never where it was before,
or why it moved), the officers' replies (with their names only when the organisation
shows them), and when the resident wrote — never what the resident wrote, who they are,
a private note, or any step of internal routing (disposisi, triage, assignment).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from hub.directory import Directory
from hub.models import Delivery, SenderType, Status, iso
from hub.store import schema as s

MAX_MESSAGES = 100  # the latest ones; the page says when older ones are left out

STATUS_TEXT = {
    "received": {"id": "Diterima, menunggu tanggapan petugas", "en": "Received, awaiting a reply"},
    Status.OPEN: {"id": "Sedang ditangani", "en": "In progress"},
    Status.PENDING: {"id": "Menunggu tindak lanjut", "en": "Awaiting follow-up"},
    Status.RESOLVED: {"id": "Selesai", "en": "Resolved"},
    Status.CLOSED: {"id": "Ditutup", "en": "Closed"},
}


def public_case(
    conn: Connection, directory: Directory, code: str, *, agent_names: bool
) -> dict[str, Any] | None:
    """The public view of the case with this (canonical) tracking code, or None.

    An unknown code runs the same queries as a known one, so that the answer's timing
    tells no more than its status does."""
    c = s.conversation.c
    row = conn.execute(
        select(c.id, c.tracking_code, c.status, c.opd_id, c.created_at, c.resolved_at)
        .where(c.tracking_code == code)
        .limit(1)
    ).first()
    conv_id = row.id if row is not None else -1
    messages = _messages(conn, conv_id)
    changes = _status_changes(conn, conv_id)
    if row is None:
        return None
    shown = messages[:MAX_MESSAGES][::-1]
    replied = any(m.sender_type == SenderType.AGENT for m in messages)
    timeline: list[dict[str, Any]] = [{"type": "created", "at": iso(row.created_at)}]
    timeline += _entries(shown, agent_names)
    timeline += [{"type": "status", "at": iso(at), "status": to} for at, to in changes]
    # Stable: "created" stays first, and a reply written with a status change precedes it.
    timeline.sort(key=lambda entry: entry["at"])
    opd = directory.opds.get(row.opd_id)
    status = "received" if row.status == Status.OPEN and not replied else row.status
    return {
        "tracking_code": row.tracking_code,
        "status": row.status,
        "status_text": STATUS_TEXT[status],
        "opd": {"name": opd.name if opd is not None else None},
        "created_at": iso(row.created_at),
        "resolved_at": iso(row.resolved_at),
        "updated_at": timeline[-1]["at"],
        "timeline": timeline,
        "truncated": len(messages) > MAX_MESSAGES,
    }


def _messages(conn: Connection, conv_id: int) -> list[Any]:
    """The newest public messages first: officers' replies that were not lost, and the
    resident's own."""
    m, agent = s.message.c, s.agent.c
    query = (
        select(m.sender_type, m.kind, m.text, m.attachments, m.created_at, agent.name)
        .outerjoin(s.agent, agent.id == m.sender_agent_id)
        .where(
            m.conversation_id == conv_id,
            m.private.is_(False),
            m.sender_type.in_((SenderType.AGENT, SenderType.CONTACT)),
            m.delivery_status != Delivery.FAILED,
        )
        .order_by(m.seq.desc())
        .limit(MAX_MESSAGES + 1)
    )
    return list(conn.execute(query))


def _status_changes(conn: Connection, conv_id: int) -> list[tuple[Any, str]]:
    e = s.event.c
    query = (
        select(e.created_at, e.data)
        .where(e.conversation_id == conv_id, e.action == "status")
        .order_by(e.id)
    )
    return [
        (row.created_at, str(row.data["to"]))
        for row in conn.execute(query)
        if isinstance(row.data, dict) and row.data.get("to") in STATUS_TEXT
    ]


def _entries(messages: list[Any], agent_names: bool) -> list[dict[str, Any]]:
    """Replies with their text; the resident's messages only as when, several in a row as
    one entry."""
    entries: list[dict[str, Any]] = []
    for m in messages:
        if m.sender_type == SenderType.CONTACT:
            last = entries[-1] if entries else None
            if last is not None and last["type"] == "resident":
                last.update(at=iso(m.created_at), count=last["count"] + 1)
            else:
                entries.append({"type": "resident", "at": iso(m.created_at), "count": 1})
            continue
        entries.append(
            {
                "type": "reply",
                "at": iso(m.created_at),
                "text": m.text,
                "attachment": any("media_id" in a for a in m.attachments or ()),
                "officer": m.name if agent_names else None,
            }
        )
    return entries
