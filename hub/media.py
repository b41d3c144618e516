"""Photos and documents: bytes on disk under their sha256, a row per use in the database.

A resident's photo is fetched by its channel and saved here before the message that
carries it is stored; an agent's before/after photo is uploaded into its conversation.
Either way the message's attachment names the media row by its id, and whoever may see
the conversation may fetch the file. The file is written (and synced) before its row, so
a row never points at nothing; identical bytes are kept once.

What a file is, is read from its bytes (the name and the sender's Content-Type are only
words): a page, a script or an SVG claiming to be a photo is kept as an opaque download,
and an image whose header promises more pixels than `max_pixels` is refused before any
browser decodes it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import os
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from PIL import Image
from sqlalchemy import Connection, insert, select, update

from hub.models import utcnow
from hub.store import schema as s
from hub.store.db import Store

#: Types a browser may show inline; anything else is served as a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
FALLBACK_TYPE = "application/octet-stream"
#: Types no signature identifies, kept as the sender named them when the bytes are text.
PLAIN_TYPES = frozenset({"text/plain", "text/csv"})
#: What Pillow reads the header of, by type: the formats whose pixels we count.
PILLOW_FORMATS = {
    "image/jpeg": "JPEG", "image/png": "PNG", "image/apng": "PNG", "image/gif": "GIF",
    "image/webp": "WEBP", "image/bmp": "BMP", "image/tiff": "TIFF", "image/x-icon": "ICO",
}  # fmt: skip
# We count pixels ourselves (max_pixels); Pillow's own warning would only repeat it.
warnings.simplefilter("ignore", Image.DecompressionBombWarning)


class MediaTooLarge(Exception):
    def __init__(self, size: int, limit: int, unit: str = "bytes") -> None:
        super().__init__(f"file has {size} {unit}; the limit is {limit}")
        self.size = size
        self.limit = limit


class TooManyPixels(MediaTooLarge):
    """An image whose header promises more pixels than a browser should decode."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size, limit, "pixels")


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
    def __init__(
        self,
        root: Path,
        store: Store,
        max_bytes: int,
        secret: str = "",
        max_pixels: int = 64_000_000,
    ) -> None:
        self.root = root
        self.store = store
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
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
        """Keep data; returns the attachment fields that name it. The type is read from
        the bytes (`mime_type` counts only for plain text); MediaTooLarge past the limits."""
        if len(data) > self.max_bytes:
            raise MediaTooLarge(len(data), self.max_bytes)
        kind = await asyncio.to_thread(self._check, data, mime_type)
        digest = await asyncio.to_thread(self._write, data)
        row = {
            "id": secrets.token_urlsafe(18),
            "sha256": digest,
            "size": len(data),
            "mime_type": kind,
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

    def _check(self, data: bytes, declared: str | None) -> str:
        kind = content_type(data, declared)
        pixels = pixel_count(data, kind)
        if pixels is not None and pixels > self.max_pixels:
            raise TooManyPixels(pixels, self.max_pixels)
        return kind

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


def content_type(data: bytes, declared: str | None) -> str:
    """What the bytes are, by their signature; the declared type only for plain text (which
    has none). Never a type a browser would run: HTML, SVG or script have no signature we
    accept, so they are kept as an opaque download."""
    found = filetype.guess_mime(data)
    if found:
        return str(found)
    wanted = clean_type(declared)
    if wanted in PLAIN_TYPES and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return FALLBACK_TYPE
        return wanted
    return FALLBACK_TYPE


def pixel_count(data: bytes, kind: str) -> int | None:
    """Width x height from an image's header (nothing is decoded); None when it is no
    image Pillow reads. Pillow's own bomb check, for absurd sizes, counts as too many."""
    fmt = PILLOW_FORMATS.get(kind)
    if fmt is None:
        return None
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            width, height = image.size
    except Image.DecompressionBombError:  # over twice Pillow's own limit: at least that
        return 2 * (Image.MAX_IMAGE_PIXELS or 0) + 1
    except Exception:  # unreadable header: no browser can show it either
        return None
    return width * height


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
