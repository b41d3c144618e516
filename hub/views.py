"""API shapes of messages and conversations (docs/protocol.md), built from rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hub.auth import Principal
from hub.deadlines import warn_at
from hub.directory import Directory
from hub.models import iso


def message_view(row: Any, sender_name: str | None = None) -> dict[str, Any]:
    m = row._mapping if hasattr(row, "_mapping") else row
    return {
        "id": m["id"],
        "conversation_id": m["conversation_id"],
        "seq": m["seq"],
        "direction": m["direction"],
        "sender_type": m["sender_type"],
        "sender_name": sender_name if sender_name is not None else m.get("sender_name"),
        "kind": m["kind"],
        "text": m["text"],
        "private": bool(m["private"]),
        "attachments": m["attachments"] or [],
        "client_id": m["client_id"],
        "delivery_status": m["delivery_status"],
        "error": m["error"],
        "created_at": iso(m["created_at"]),
        "edited_at": iso(m.get("edited_at")),
        "reply_to_id": m.get("reply_to_id"),
        "reactions": m.get("reactions") or {},
    }


def conversation_view(
    row: Any, directory: Directory, contact_name: str | None = None
) -> dict[str, Any]:
    c = row._mapping if hasattr(row, "_mapping") else row
    name = contact_name if contact_name is not None else c.get("contact_name")
    assignee = c.get("assignee_name")
    return {
        "id": c["id"],
        "tracking_code": c["tracking_code"],
        "status": c["status"],
        "inbox": directory.inbox_view(c["inbox_id"]),
        "opd": directory.opd_view(c["opd_id"]),
        "contact": {"id": c["contact_id"], "name": name},
        "assignee": {"id": c["assignee_id"], "name": assignee} if c["assignee_id"] else None,
        "priority": c["priority"],
        "rahasia": bool(c.get("rahasia")),
        "anonim": bool(c.get("anonim")),
        "last_seq": c["last_seq"],
        "unread_count": c["unread_count"],
        "last_message_preview": c["last_message_preview"],
        "last_message_at": iso(c["last_message_at"]),
        "created_at": iso(c["created_at"]),
        "first_response_at": iso(c["first_response_at"]),
        "resolved_at": iso(c["resolved_at"]),
        "location": c.get("location"),
        "triage": bool(c.get("triage")),
        "pending_transfer_id": c.get("pending_transfer_id"),
        "category": c.get("category"),
        "kelurahan": c.get("kelurahan"),
        "labels": c.get("labels") or [],
        "source": c.get("source"),
        "last_inbound_at": iso(c.get("last_inbound_at")),
        "reply_window_closes_at": iso(window_closes(c, directory)),
        "csat": c.get("csat"),
        "csat_comment": c.get("csat_comment"),
        "csat_at": iso(c.get("csat_at")),
        "sla": sla_view(c, directory),
    }


def sla_view(c: Any, directory: Directory) -> dict[str, Any] | None:
    """The case's deadlines and when to warn of them (hub/sla.py sets them)."""
    response, resolution = c.get("response_due_at"), c.get("due_at")
    if response is None or resolution is None:
        return None
    created, warn = c["created_at"], directory.sla_warn
    return {
        "response_due_at": iso(response),
        "response_warn_at": iso(warn_at(created, response, warn)),
        "resolution_due_at": iso(resolution),
        "resolution_warn_at": iso(warn_at(created, resolution, warn)),
    }


def window_closes(c: Any, directory: Directory) -> datetime | None:
    """When free-form replies stop being allowed (a windowed channel), else None."""
    inbox = directory.inboxes.get(c["inbox_id"])
    window = directory.reply_windows.get(inbox.kind) if inbox is not None else None
    last = c.get("last_inbound_at")
    if window is None or last is None:
        return None
    return last + timedelta(seconds=window)


HIDDEN_REPORTER = {"id": None, "name": "Pelapor dirahasiakan"}


def hides_reporter(conv: dict[str, Any]) -> bool:
    return bool(conv.get("rahasia") or conv.get("anonim"))


def for_opd(conv: dict[str, Any]) -> dict[str, Any]:
    """A rahasia/anonim case as an OPD's agents see it: without who reported it (only
    coordinators see the reporter)."""
    return {**conv, "contact": HIDDEN_REPORTER} if hides_reporter(conv) else conv


def seen_by(conv: dict[str, Any], principal: Principal) -> dict[str, Any]:
    return conv if principal.sees_all_opds else for_opd(conv)


def public_conversation_view(row: Any) -> dict[str, Any]:
    """What a resident may see of their own case."""
    c = row._mapping if hasattr(row, "_mapping") else row
    return {
        "id": c["id"],
        "tracking_code": c["tracking_code"],
        "status": c["status"],
        "last_seq": c["last_seq"],
        "csat": c.get("csat"),  # the resident's own rating (1-5) of a resolved case
    }


def preview(text: str) -> str:
    return text[:120]
