"""What agents read: their cases (keyset pages), a case and its messages, search, a
resident's profile — always within the OPDs they may see. HubService inherits these."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub import cases, contacts, search
from hub.auth import Principal
from hub.directory import Directory
from hub.store import queries
from hub.store import schema as s
from hub.store.db import Store
from hub.views import conversation_view, message_view, seen_by

PAGE_MAX = 200


class AgentReads:
    store: Store
    directory: Directory

    async def search(
        self,
        principal: Principal,
        q: str,
        *,
        status: str | None = None,
        opd_slug: str | None = None,
        since: datetime | None = None,
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """Cases whose messages match, best first, within the agent's visibility."""
        opd_ids = principal.visible_opds()
        if opd_slug is not None:
            opd = self.directory.opd_by_slug(opd_slug)
            wanted = opd.id if opd is not None else -1
            opd_ids = [wanted] if opd_ids is None or wanted in opd_ids else []
        limit = max(1, min(limit, 50))
        found = await self.store.read(
            lambda c: search.search(c, q, opd_ids=opd_ids, status=status, since=since, limit=limit)
        )
        return [
            {
                "conversation": seen_by(conversation_view(row, self.directory), principal),
                "snippet": snippet,
                "message_id": message_id or None,
            }
            for row, snippet, message_id in found
        ]

    async def sees_contact(self, principal: Principal, contact_id: int) -> bool:
        c = s.conversation.c
        query = select(c.id).where(c.contact_id == contact_id).limit(1)
        opds = principal.visible_opds()
        if opds is not None:
            query = query.where(c.opd_id.in_(opds))
        return await self.store.read(lambda conn: conn.execute(query).first()) is not None

    async def contact(self, principal: Principal, contact_id: int) -> dict[str, Any]:
        directory = self.directory
        return await self.store.read(
            lambda c: contacts.profile(c, directory, principal, contact_id)
        )

    async def merge_contacts(
        self, principal: Principal, source_id: int, target_id: int
    ) -> dict[str, Any]:
        return await self.store.write(lambda c: contacts.merge(c, principal, source_id, target_id))

    async def case_opd(self, conv_id: int) -> int | None:
        """The OPD that owns a case (None: no such case), for authorisation."""
        query = select(s.conversation.c.opd_id).where(s.conversation.c.id == conv_id)
        found = await self.store.read(lambda c: c.execute(query).scalar())
        return None if found is None else int(found)

    async def conversation(self, principal: Principal, conv_id: int) -> dict[str, Any]:
        row = await self.store.read(lambda c: cases.visible_conversation(c, principal, conv_id))
        return seen_by(conversation_view(row, self.directory), principal)

    async def conversations(
        self,
        principal: Principal,
        *,
        status: str | None = None,
        opd_slug: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        triage: bool | None = None,
        assignee: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """`assignee`: "me", "none" (the queue) or None (everyone's)."""
        opd_ids = principal.visible_opds()
        whose: int | str | None = {"me": principal.id, "none": None}.get(assignee or "", "any")
        if opd_slug is not None:
            opd = self.directory.opd_by_slug(opd_slug)
            wanted = opd.id if opd is not None else -1
            opd_ids = [wanted] if opd_ids is None or wanted in opd_ids else []
        after = decode_cursor(cursor) if cursor else None
        limit = max(1, min(limit, PAGE_MAX))
        rows = await self.store.read(
            lambda c: queries.conversation_page(
                c,
                opd_ids=opd_ids,
                status=status,
                after=after,
                limit=limit + 1,
                triage=triage,
                assignee=whose,
            )
        )
        items = [seen_by(conversation_view(r, self.directory), principal) for r in rows[:limit]]
        more = len(rows) > limit
        last = rows[limit - 1] if more else None
        return items, encode_cursor(last.last_message_at, last.id) if last is not None else None

    async def messages(
        self, principal: Principal, conv_id: int, after_seq: int = 0, limit: int = PAGE_MAX
    ) -> tuple[list[dict[str, Any]], bool]:
        limit = max(1, min(limit, PAGE_MAX))

        def job(conn: Connection) -> list[Any]:
            cases.visible_conversation(conn, principal, conv_id)
            return queries.message_page(conn, conv_id, after_seq, limit + 1, include_private=True)

        rows = await self.store.read(job)
        return [message_view(r) for r in rows[:limit]], len(rows) > limit


class BadCursor(ValueError):
    pass


def encode_cursor(at: datetime, row_id: int) -> str:
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        return datetime.fromisoformat(at), int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("invalid cursor") from exc
