"""Files: an agent uploads a photo or document into a case, and anyone who may see the
case downloads what it carries (the resident's photos, the agent's before/after)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from hub.api.deps import allow, path_id, principal_of
from hub.api.errors import api_error
from hub.audit import AUDIT
from hub.auth import Action
from hub.keys import SERVICE
from hub.media import MediaFile

CHUNK = 256 * 1024


@allow(Action.CASE_WRITE, case="id")
async def upload(request: web.Request) -> web.Response:
    """The body is the file itself; Content-Type says what it is, ?name= what it is called."""
    principal = principal_of(request)
    conv_id = path_id(request)
    service = request.app[SERVICE]
    limit = service.media.max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise api_error(413, "too_large", f"file over {limit} bytes")
    data = bytearray()
    async for chunk in request.content.iter_chunked(CHUNK):
        data += chunk
        if len(data) > limit:
            raise api_error(413, "too_large", f"file over {limit} bytes")
    if not data:
        raise api_error(400, "empty", "the body is empty: send the file as the body")
    found = await service.upload(
        principal,
        conv_id,
        bytes(data),
        mime_type=request.headers.get("Content-Type"),
        file_name=request.query.get("name"),
    )
    return web.json_response({"media": found}, status=201)


@allow(Action.CASE_READ, media="media_id")
async def download(request: web.Request) -> web.StreamResponse:
    principal = principal_of(request)
    found = await request.app[SERVICE].media_file(principal, request.match_info["media_id"])
    request.app[AUDIT].note(principal.id, "download", conversation_id=found.conversation_id)
    return file_response(found)


def file_response(found: MediaFile) -> web.FileResponse:
    """A stored file as a download (images inline), never able to run as a page of ours."""
    disposition = "inline" if found.inline else "attachment"
    name = found.file_name or found.id
    headers = {
        "Content-Type": found.mime_type,
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        # A stored file is someone else's bytes: it may never run as a page of ours.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=86400, immutable",
    }
    return web.FileResponse(found.path, headers=headers)
