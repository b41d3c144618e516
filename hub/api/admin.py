"""Admin routes (coordinator only): OPDs, agents and inboxes under /api/v1/admin."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from hub import admin, audit, inboxes, outbox, privacy
from hub.api.deps import allow, db_int, fields, json_body, path_int, principal_of, required
from hub.api.errors import api_error
from hub.audit import AUDIT
from hub.auth import Action, hash_password
from hub.keys import SERVICE, SETTINGS
from hub.models import utcnow
from hub.realtime import disconnect_agent

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = 30.0


def _org(request: web.Request) -> int:
    return principal_of(request).organization_id


def _managed(request: web.Request) -> admin.Managed:
    return admin.Managed.of(request.app[SETTINGS])


async def _write(request: web.Request, job: Any) -> Any:
    return await request.app[SERVICE].store.write(job)


async def _read(request: web.Request, job: Any) -> Any:
    return await request.app[SERVICE].store.read(job)


# -- OPDs --------------------------------------------------------------------------------
@allow(Action.ADMIN)
async def list_opds(request: web.Request) -> web.Response:
    org, managed = _org(request), _managed(request)
    items = await _read(request, lambda c: admin.list_opds(c, org, managed))
    return web.json_response({"items": items})


@allow(Action.ADMIN)
async def create_opd(request: web.Request) -> web.Response:
    data = fields(await json_body(request), slug="str", name="str")
    required(data, "slug", "name")
    org, managed = _org(request), _managed(request)
    opd = await _write(
        request, lambda c: admin.create_opd(c, org, managed, data["slug"], data["name"])
    )
    await admin.reload_directory(request.app[SERVICE])
    return web.json_response({"opd": opd}, status=201)


@allow(Action.ADMIN)
async def update_opd(request: web.Request) -> web.Response:
    changes = fields(await json_body(request), name="str", active="bool", coordinator="bool")
    opd_id = path_int(request, "opd_id", "OPD")
    org, managed = _org(request), _managed(request)
    opd = await _write(request, lambda c: admin.update_opd(c, org, managed, opd_id, changes))
    await admin.reload_directory(request.app[SERVICE])
    return web.json_response({"opd": opd})


# -- agents ------------------------------------------------------------------------------
@allow(Action.ADMIN)
async def list_agents(request: web.Request) -> web.Response:
    org = _org(request)
    return web.json_response({"items": await _read(request, lambda c: admin.list_agents(c, org))})


@allow(Action.ADMIN)
async def create_agent(request: web.Request) -> web.Response:
    """A new agent with a generated password, answered this once for the admin to hand over."""
    data = fields(
        await json_body(request), email="str", name="str", role="str", opd_id="int?", capacity="int"
    )
    required(data, "email", "name", "role")
    org = _org(request)
    password = admin.new_password()
    hashed = await asyncio.to_thread(hash_password, password)
    agent = await _write(
        request,
        lambda c: admin.create_agent(
            c,
            org,
            email=data["email"],
            name=data["name"],
            role=data["role"],
            opd_id=data.get("opd_id"),
            capacity=data.get("capacity"),
            password_hash=hashed,
        ),
    )
    return web.json_response({"agent": agent, "password": password}, status=201)


@allow(Action.ADMIN)
async def update_agent(request: web.Request) -> web.Response:
    """Change name, role, OPD, capacity, or (de)activate. Deactivating ends the agent's
    sessions and API tokens, and hangs up their open consoles, at once."""
    changes = fields(
        await json_body(request),
        name="str",
        role="str",
        opd_id="int?",
        capacity="int",
        active="bool",
    )
    agent_id = path_int(request, "agent_id", "agent")
    org, actor = _org(request), principal_of(request).id
    changed = await _write(request, lambda c: admin.update_agent(c, org, actor, agent_id, changes))
    if changed.disconnect:
        await disconnect_agent(request.app[SERVICE].sio, agent_id)
    return web.json_response({"agent": changed.agent})


@allow(Action.ADMIN)
async def reset_password(request: web.Request) -> web.Response:
    """A new generated password, answered once; the agent is logged out everywhere."""
    agent_id = path_int(request, "agent_id", "agent")
    org = _org(request)
    password = admin.new_password()
    hashed = await asyncio.to_thread(hash_password, password)
    agent = await _write(request, lambda c: admin.reset_password(c, org, agent_id, hashed))
    await disconnect_agent(request.app[SERVICE].sio, agent_id)
    return web.json_response({"agent": agent, "password": password})


# -- inboxes -----------------------------------------------------------------------------
def _links(request: web.Request) -> inboxes.Links:
    """The public URL, and each channel's webhook path (the route that names {key})."""
    paths: dict[str, str] = {}
    for kind, channel in request.app[SERVICE].channels.items():
        for method, path, _ in channel.routes():
            if method == "POST" and "{key}" in path:
                paths.setdefault(kind, path)
    return inboxes.Links(request.app[SETTINGS].server.public_url, paths)


def _checks(request: web.Request) -> dict[str, inboxes.Check]:
    """Each installed channel's check of an inbox's options, by kind."""
    return {kind: channel.check for kind, channel in request.app[SERVICE].channels.items()}


def _inbox_view(request: web.Request, row: Any) -> dict[str, Any]:
    return inboxes.inbox_view(row, _managed(request), _links(request))


@allow(Action.ADMIN)
async def list_inboxes(request: web.Request) -> web.Response:
    org = _org(request)
    rows = await _read(request, lambda c: inboxes.list_inboxes(c, org))
    return web.json_response({"items": [_inbox_view(request, r) for r in rows]})


@allow(Action.ADMIN)
async def create_inbox(request: web.Request) -> web.Response:
    """A widget, Telegram, WhatsApp or manual inbox, its options checked by its channel.
    Secrets the hub generated are answered this once; a Telegram bot's webhook is set."""
    data = fields(
        await json_body(request), key="str", kind="str", name="str", opd_id="int", options="dict"
    )
    required(data, "key", "kind", "name", "opd_id")
    kind, key = data["kind"], data["key"].strip()
    check = _checks(request).get(kind)
    options, generated = inboxes.prepare_options(kind, key, data.get("options", {}), check)
    org = _org(request)
    row = await _write(
        request,
        lambda c: inboxes.create_inbox(
            c, org, key=key, kind=kind, name=data["name"], opd_id=data["opd_id"], options=options
        ),
    )
    await admin.reload_directory(request.app[SERVICE])
    answer: dict[str, Any] = {"inbox": _inbox_view(request, row), "secrets": generated}
    webhook = await _register_webhook(request, row)
    if webhook is not None:
        answer["webhook"] = webhook
    return web.json_response(answer, status=201)


@allow(Action.ADMIN)
async def update_inbox(request: web.Request) -> web.Response:
    changes = fields(await json_body(request), name="str", opd_id="int")
    inbox_id = path_int(request, "inbox_id", "inbox")
    org, managed = _org(request), _managed(request)
    row = await _write(request, lambda c: inboxes.update_inbox(c, org, managed, inbox_id, changes))
    await admin.reload_directory(request.app[SERVICE])
    return web.json_response({"inbox": _inbox_view(request, row)})


@allow(Action.ADMIN)
async def rotate_inbox(request: web.Request) -> web.Response:
    """A new widget key, Telegram webhook_secret or WhatsApp verify_token, answered once.
    The Telegram webhook is registered again with the new secret."""
    inbox_id = path_int(request, "inbox_id", "inbox")
    managed, checks = _managed(request), _checks(request)
    rotated = await _write(request, lambda c: inboxes.rotate(c, managed, inbox_id, checks))
    await admin.reload_directory(request.app[SERVICE])
    answer: dict[str, Any] = {
        "inbox": _inbox_view(request, rotated.inbox),
        "rotated": {"name": rotated.name, "value": rotated.value},
    }
    webhook = await _register_webhook(request, rotated.inbox)
    if webhook is not None:
        answer["webhook"] = webhook
    return web.json_response(answer)


async def _register_webhook(request: web.Request, row: Any) -> dict[str, Any] | None:
    """Tell the provider where (and with which secret) to deliver, when the channel offers
    `set-webhook` (Telegram) and the inbox takes webhooks; the outcome, or None."""
    service = request.app[SERVICE]
    channel = service.channels.get(row.kind)
    command = channel.commands.get("set-webhook") if channel is not None else None
    inbox = service.directory.inboxes.get(row.id)
    if command is None or inbox is None or inbox.options.get("mode", "webhook") != "webhook":
        return None
    public_url = request.app[SETTINGS].server.public_url
    try:
        detail = await asyncio.wait_for(command(inbox, public_url), WEBHOOK_TIMEOUT)
    except Exception as exc:  # the provider's answer is the admin's best clue
        log.warning("%s %s: set-webhook failed: %s", row.kind, row.key, exc)
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "detail": detail}


# -- personal data (UU PDP) ----------------------------------------------------------------
@allow(Action.ADMIN)
async def audit_log(request: web.Request) -> web.Response:
    """Who viewed, downloaded or exported which case: ?conversation=&agent=&since=&before=."""
    where = audit.Filter(
        conversation_id=_int_query(request, "conversation"),
        agent_id=_int_query(request, "agent"),
        since=_since(request),
        before_id=_int_query(request, "before"),
        limit=min(max(_int_query(request, "limit") or 100, 1), audit.PAGE_MAX),
    )
    await request.app[AUDIT].flush()  # what was noted a moment ago is in the answer
    items = await _read(request, lambda c: audit.events(c, where))
    cursor = str(items[-1]["id"]) if len(items) == where.limit else None
    return web.json_response({"items": items, "next": cursor})


def _int_query(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return db_int(raw)
    except ValueError:
        raise api_error(400, "bad_request", f"{name} must be an integer") from None


def _since(request: web.Request) -> datetime | None:
    raw = request.query.get("since")
    if not raw:
        return None
    try:
        since = datetime.fromisoformat(raw)
    except ValueError:
        raise api_error(400, "bad_request", "since must be an ISO date or time") from None
    return since if since.tzinfo is not None else since.replace(tzinfo=UTC)


@allow(Action.ADMIN)
async def dead_letters(request: web.Request) -> web.Response:
    """Replies that could not be delivered, newest first (each can be sent again with
    POST /api/v1/conversations/{id}/messages/{message_id}/retry)."""
    org = _org(request)
    return web.json_response({"items": await _read(request, lambda c: outbox.dead_letters(c, org))})


@allow(Action.ADMIN, contact="contact_id")
async def export_contact(request: web.Request) -> web.Response:
    """A resident's data on their request: contact, identities, cases, messages, files."""
    contact_id = path_int(request, "contact_id", "contact")
    actor = principal_of(request).id

    def job(conn: Any) -> dict[str, Any]:
        data = privacy.export_contact(conn, contact_id)
        audit.write(conn, actor, "contact_export", contact_id=contact_id)
        return data

    try:
        data = await _write(request, job)
    except privacy.PrivacyError:
        raise api_error(404, "not_found", "contact not found") from None
    name = f"kanal-warga-{contact_id}.json"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return web.json_response(data, headers=headers)


@allow(Action.ADMIN, contact="contact_id")
async def erase_contact(request: web.Request) -> web.Response:
    """Erase a resident's personal data; their cases stay, anonymised, for the statistics."""
    contact_id = path_int(request, "contact_id", "contact")
    actor, now = principal_of(request).id, utcnow()

    def job(conn: Any) -> privacy.Erased:
        erased = privacy.erase_contact(conn, contact_id, now)
        audit.write(conn, actor, "contact_erase", contact_id=contact_id, data=erased.summary())
        return erased

    try:
        erased = await _write(request, job)
    except privacy.PrivacyError:
        raise api_error(404, "not_found", "contact not found") from None
    orphans = await _read(request, lambda c: privacy.orphans(c, erased.digests))
    await privacy.delete_files(request.app[SETTINGS].media_dir, orphans)
    return web.json_response({"erased": erased.summary()})
