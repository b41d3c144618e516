"""Residents: their cases across channels, and merging two records of one person."""

from __future__ import annotations

from aiohttp import web

from hub.api.deps import allow, db_int, json_body, principal_of
from hub.api.errors import api_error
from hub.auth import Action
from hub.keys import SERVICE


def _contact_id(request: web.Request) -> int:
    try:
        return db_int(request.match_info["contact_id"])
    except ValueError:
        raise api_error(404, "not_found", "contact not found") from None


@allow(Action.CASE_READ, contact="contact_id")
async def get_contact(request: web.Request) -> web.Response:
    """The resident and their cases the agent may see (rahasia cases hide who they are)."""
    found = await request.app[SERVICE].contact(principal_of(request), _contact_id(request))
    return web.json_response(found)


@allow(Action.ADMIN, contact="contact_id")
async def merge(request: web.Request) -> web.Response:
    """`{"into": other_contact_id}`: this contact's identities and cases move there."""
    data = await json_body(request)
    into = data.get("into")
    if not isinstance(into, int) or isinstance(into, bool):
        raise api_error(400, "bad_request", "into must be a contact id")
    done = await request.app[SERVICE].merge_contacts(
        principal_of(request), _contact_id(request), into
    )
    return web.json_response(done)
