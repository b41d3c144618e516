"""Conversations and their messages: list, read, reply, change status."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from hub.api.deps import allow, db_int, int_query, json_body, path_id, principal_of, text_field
from hub.api.errors import api_error
from hub.audit import AUDIT
from hub.auth import Action
from hub.keys import SERVICE
from hub.models import Status
from hub.resolve import FollowUp
from hub.service import PAGE_MAX
from hub.templates import TemplateChoice
from hub.views import seen_by

STATUSES = {str(s) for s in Status}


@allow(Action.CASE_READ)
async def list_conversations(request: web.Request) -> web.Response:
    principal = principal_of(request)
    status = request.query.get("status") or None
    if status is not None and status not in STATUSES:
        raise api_error(400, "bad_request", "status must be open, pending, resolved or closed")
    items, cursor = await request.app[SERVICE].conversations(
        principal,
        status=status,
        opd_slug=request.query.get("opd") or None,
        cursor=request.query.get("cursor") or None,
        limit=int_query(request, "limit", 50),
        triage={"true": True, "false": False}.get(request.query.get("triage", "")),
        assignee=_assignee(request.query.get("assignee")),
    )
    return web.json_response({"items": items, "next": cursor})


def _assignee(value: str | None) -> str | None:
    if value not in (None, "", "me", "none"):
        raise api_error(400, "bad_request", "assignee must be me or none")
    return value or None


@allow(Action.CASE_READ, case="id")
async def get_conversation(request: web.Request) -> web.Response:
    principal = principal_of(request)
    conversation = await request.app[SERVICE].conversation(principal, path_id(request))
    request.app[AUDIT].note(principal.id, "view", conversation_id=path_id(request))
    return web.json_response(conversation)


@allow(Action.CASE_READ, case="id")
async def list_messages(request: web.Request) -> web.Response:
    principal = principal_of(request)
    after = int_query(request, "cursor", 0)
    limit = int_query(request, "limit", 50)
    items, more = await request.app[SERVICE].messages(
        principal, path_id(request), after, min(max(limit, 1), PAGE_MAX)
    )
    cursor = str(items[-1]["seq"]) if more and items else None
    request.app[AUDIT].note(principal.id, "read", conversation_id=path_id(request))
    return web.json_response({"items": items, "next": cursor})


@allow(Action.CASE_WRITE, case="id")
async def post_message(request: web.Request) -> web.Response:
    principal = principal_of(request)
    conv_id = path_id(request)
    data = await json_body(request)
    text = text_field(data, "text", required=False) or ""
    private = data.get("private", False)
    if not isinstance(private, bool):
        raise api_error(400, "bad_request", "private must be true or false")
    client_id = text_field(data, "client_id", required=False)
    if client_id is not None and not 1 <= len(client_id) <= 64:
        raise api_error(400, "bad_request", "client_id must have 1 to 64 characters")
    result = await request.app[SERVICE].reply(
        principal,
        conv_id,
        text=text,
        private=private,
        client_id=client_id,
        media_ids=media_ids(data.get("attachments")),
        template=TemplateChoice.read(data.get("template")),
    )
    return web.json_response({"message": result.message}, status=200 if result.duplicate else 201)


def media_ids(value: object) -> list[str]:
    """`attachments: [{"media_id": ...}]`, each uploaded to the case first."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(a, dict) and isinstance(a.get("media_id"), str) for a in value
    ):
        raise api_error(400, "bad_request", 'attachments must be a list of {"media_id": "..."}')
    return [a["media_id"] for a in value]


@allow(Action.CASE_WRITE, case="id")
async def retry(request: web.Request) -> web.Response:
    """Send a failed reply again."""
    principal = principal_of(request)
    try:
        message_id = db_int(request.match_info["message_id"])
    except ValueError:
        raise api_error(404, "not_found", "message not found") from None
    result = await request.app[SERVICE].requeue(principal, path_id(request), message_id)
    return web.json_response({"message": result.message})


@allow(Action.CASE_WRITE, case="id")
async def post_status(request: web.Request) -> web.Response:
    principal = principal_of(request)
    conv_id = path_id(request)
    data = await json_body(request)
    raw = text_field(data, "status") or ""
    if raw not in STATUSES:
        raise api_error(400, "bad_request", "status must be open, pending, resolved or closed")
    follow_up = FollowUp(
        note=text_field(data, "note", required=False) or "",
        after_media_id=text_field(data, "after_media_id", required=False),
        before_media_id=text_field(data, "before_media_id", required=False),
    )
    service = request.app[SERVICE]
    conversation = await service.set_status(principal, conv_id, Status(raw), follow_up)
    return web.json_response({"conversation": seen_by(conversation, principal_of(request))})


@allow(Action.CASE_WRITE, case="id")
async def post_location(request: web.Request) -> web.Response:
    """Make the place a message shares the case's location."""
    principal = principal_of(request)
    data = await json_body(request)
    message_id = data.get("message_id")
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise api_error(400, "bad_request", "message_id must be an integer")
    conv = await request.app[SERVICE].set_location(principal, path_id(request), message_id)
    return web.json_response({"conversation": seen_by(conv, principal_of(request))})


@allow(Action.CASE_WRITE, case="id")
async def revoke_visitor(request: web.Request) -> web.Response:
    """Cut off the website chat that wrote this case: its device's token is refused from
    now on (on every process) and its open connections are hung up."""
    data = await json_body(request)
    reason = text_field(data, "reason", required=False) or ""
    if len(reason) > 200:
        raise api_error(400, "bad_request", "reason must be at most 200 characters")
    service = request.app[SERVICE]
    revoked = await service.revoke_case_visitor(principal_of(request), path_id(request), reason)
    return web.json_response({"revoked": revoked})


@allow(Action.CASE_WRITE, case="id")
async def patch_conversation(request: web.Request) -> web.Response:
    """Priority, labels, category, kelurahan, rahasia, anonim."""
    data = await json_body(request)
    service = request.app[SERVICE]
    conv = await service.update_details(principal_of(request), path_id(request), data)
    return web.json_response({"conversation": seen_by(conv, principal_of(request))})


@allow(Action.CASE_READ)
async def search(request: web.Request) -> web.Response:
    """Full-text search over case messages (and tracking codes), within what the agent sees."""
    q = request.query.get("q", "").strip()
    if not 1 <= len(q) <= 200:
        raise api_error(400, "bad_request", "q must have 1 to 200 characters")
    status = request.query.get("status") or None
    if status is not None and status not in STATUSES:
        raise api_error(400, "bad_request", "status must be open, pending, resolved or closed")
    since = None
    if request.query.get("since"):
        try:
            since = datetime.fromisoformat(request.query["since"])
        except ValueError:
            raise api_error(400, "bad_request", "since must be an ISO date") from None
    items = await request.app[SERVICE].search(
        principal_of(request),
        q,
        status=status,
        opd_slug=request.query.get("opd") or None,
        since=since,
        limit=int_query(request, "limit", 20),
    )
    return web.json_response({"items": items})
