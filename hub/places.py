"""Where a case is: the place a resident shares (Telegram, WhatsApp) becomes the case's
location, shown to agents with a map link."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, update

from hub.models import Inbound
from hub.store import schema as s


def locate(conn: Connection, conv: dict[str, Any], item: Inbound, message_id: int) -> None:
    """The first place a resident shares becomes the case's location (an agent may pick
    another later)."""
    found = case_location(item.attachments, message_id)
    if found is not None:
        conv["location"] = found
        conn.execute(
            update(s.conversation)
            .where(s.conversation.c.id == conv["id"], s.conversation.c.location.is_(None))
            .values(location=found)
        )


def case_location(attachments: Any, message_id: int) -> dict[str, Any] | None:
    """A location attachment as a case's location: where, what it is called, which message."""
    for a in attachments or ():
        if isinstance(a, dict) and a.get("kind") == "location" and "latitude" in a:
            place = {"latitude": a["latitude"], "longitude": a["longitude"]}
            for name in ("title", "name", "address"):
                if a.get(name):
                    place["title" if name == "name" else name] = a[name]
            return {**place, "message_id": message_id}
    return None
