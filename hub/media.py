"""Photos and documents: bytes on disk under their sha256, a row per use in the database.

A resident's photo is fetched by its channel and saved here before the message that
carries it is stored; an agent's before/after photo is uploaded into its conversation.
Either way the message's attachment names the media row by its id, and whoever may see
the conversation may fetch the file. The file is written (and synced) before its row, so
a row never points at nothing; identical bytes are kept once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.models import utcnow
from hub.store import schema as s
from hub.store.db import Store

#: Types a browser may show inline; anything else is served as a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
FALLBACK_TYPE = "application/octet-stream"


class MediaTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file has {size} bytes; the limit is {limit}")
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class MediaFile:
    """One stored file as a channel or the API reads it."""

    id: str
    path: Path
    mime_type: str
    file_name: str | None
    size: int
    conversation_id: int | None

    @property
    def inline(self) -> bool:
        return self.mime_type in INLINE_TYPES


class MediaStore:
    def __init__(self, root: Path, store: Store, max_bytes: int, secret: str = "") -> None:
        self.root = root
        self.store = store
        self.max_bytes = max_bytes
        self._secret = (secret or secrets.token_hex(32)).encode()

    # -- residents' links -------------------------------------------------------------------
    def resident_url(self, media_id: str) -> str:
        """A link a resident's browser can open (the widget shows our before/after photos):
        the file's id and a signature only the hub can make."""
        return f"/media/{media_id}/{self._sign(media_id)}"

    def signed(self, media_id: str, signature: str) -> bool:
        return hmac.compare_digest(signature, self._sign(media_id))

    def with_links(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message as a resident receives it: each stored file with its link."""
        files = message.get("attachments") or []
        if not any(isinstance(a, dict) and a.get("media_id") for a in files):
            return message
        linked = [
            {**a, "url": self.resident_url(a["media_id"])}
            if isinstance(a, dict) and a.get("media_id")
            else a
            for a in files
        ]
        return {**message, "attachments": linked}

    def _sign(self, media_id: str) -> str:
        digest = hmac.new(self._secret, b"resident-media:" + media_id.encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    async def save(
        self,
        data: bytes,
        *,
        mime_type: str | None,
        file_name: str | None = None,
        inbox_id: int | None = None,
        conversation_id: int | None = None,
    ) -> dict[str, Any]:
        """Keep data; returns the attachment fields that name it."""
        if len(data) > self.max_bytes:
            raise MediaTooLarge(len(data), self.max_bytes)
        digest = await asyncio.to_thread(self._write, data)
        row = {
            "id": secrets.token_urlsafe(18),
            "sha256": digest,
            "size": len(data),
            "mime_type": clean_type(mime_type),
            "file_name": clean_name(file_name),
            "inbox_id": inbox_id,
            "conversation_id": conversation_id,
            "created_at": utcnow(),
        }
        await self.store.write(lambda conn: conn.execute(insert(s.media).values(**row)))
        return attachment(row)

    async def get(self, media_id: str) -> MediaFile | None:
        query = select(s.media).where(s.media.c.id == media_id)
        row = await self.store.read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        return MediaFile(
            id=row.id,
            path=self.path_of(row.sha256),
            mime_type=row.mime_type,
            file_name=row.file_name,
            size=row.size,
            conversation_id=row.conversation_id,
        )

    async def read(self, media_id: str) -> tuple[MediaFile, bytes] | None:
        found = await self.get(media_id)
        if found is None:
            return None
        return found, await asyncio.to_thread(found.path.read_bytes)

    def path_of(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def _write(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path_of(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return digest


def attachment(row: dict[str, Any]) -> dict[str, Any]:
    """How a message names a stored file."""
    return {
        "media_id": row["id"],
        "mime_type": row["mime_type"],
        "file_name": row["file_name"],
        "size": row["size"],
    }


def link(conn: Connection, conversation_id: int, attachments: Any) -> None:
    """The files a stored message carries become visible with its conversation."""
    ids = [a["media_id"] for a in attachments or () if isinstance(a, dict) and a.get("media_id")]
    if ids:
        conn.execute(
            update(s.media)
            .where(s.media.c.id.in_(ids), s.media.c.conversation_id.is_(None))
            .values(conversation_id=conversation_id)
        )


def owned(conn: Connection, conversation_id: int, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Of ids, the files uploaded into this conversation, as attachments."""
    c = s.media.c
    rows = conn.execute(
        select(c.id, c.mime_type, c.file_name, c.size).where(
            c.id.in_(ids), c.conversation_id == conversation_id
        )
    ).all()
    return {row.id: attachment(dict(row._mapping)) for row in rows}


def clean_type(mime_type: str | None) -> str:
    value = (mime_type or "").split(";", 1)[0].strip().lower()
    if "/" not in value or len(value) > 127 or not value.isascii() or " " in value:
        return FALLBACK_TYPE
    return value


def clean_name(file_name: str | None) -> str | None:
    """A file name as a resident sent it, without any path or control characters."""
    if not file_name:
        return None
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or None
