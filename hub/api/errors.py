"""One JSON error shape for the whole API, and the one place exceptions become statuses."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from hub.admin import AdminError
from hub.cases import CaseError
from hub.channel import ChannelError, InboundRejected
from hub.reads import BadCursor
from hub.store.db import StorageUnavailable
from hub.templates import BadTemplate

log = logging.getLogger(__name__)

CASE_STATUS = {
    "not_found": 404,
    "closed": 409,
    "conflict": 409,
    "bad_transition": 409,
    "window_closed": 409,
    "forbidden": 403,
    "bad_request": 400,
}
ADMIN_STATUS = {
    "bad_request": 400,
    "invalid_options": 422,
    "not_found": 404,
    "duplicate": 409,
    "in_use": 409,
    "inactive": 409,
    "managed_by_config": 409,
    "self": 409,
}


def api_error(status: int, code: str, message: str, **details: Any) -> web.HTTPException:
    """`details`: what a client acts on besides the code (say the case a conflict is with)."""
    body = json.dumps({"error": {"code": code, "message": message, **details}})
    exc = web.HTTPException(text=body, content_type="application/json")
    exc.set_status(status)
    return exc


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except CaseError as exc:
        status = CASE_STATUS.get(exc.code, 422)
        raise api_error(status, exc.code, str(exc), **exc.details) from None
    except AdminError as exc:
        raise api_error(ADMIN_STATUS.get(exc.code, 400), exc.code, str(exc)) from None
    except BadTemplate as exc:
        raise api_error(422, "bad_template", str(exc)) from None
    except InboundRejected as exc:
        raise api_error(exc.status, exc.code, str(exc)) from None
    except ChannelError as exc:
        raise api_error(exc.status, type(exc).__name__, str(exc)) from None
    except BadCursor:
        raise api_error(400, "bad_cursor", "the cursor is not valid") from None
    except StorageUnavailable:
        raise api_error(503, "unavailable", "storage is unavailable; try again shortly") from None
    except web.HTTPException as exc:
        if request.path.startswith("/api/") and exc.content_type != "application/json":
            raise api_error(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason) from None
        raise
