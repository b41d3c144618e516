"""Pages and bundles: the widget loader and frame, the console shell, the demo site.

Bundles are build output of widget/ and agent_console/ (`make setup` builds them); the
hub serves them from those folders.
"""

from __future__ import annotations

import json
import math
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from markupsafe import Markup

from hub import recap as recaps
from hub.api import exports, track
from hub.api.deps import allow, public
from hub.api.media import file_response
from hub.auth import Action
from hub.headers import frame_ancestors, page_policy
from hub.keys import SERVICE, SETTINGS
from hub.progress import STATUS_TEXT
from hub.tracking import normalize

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "templates"
WIDGET = ROOT / "widget"
CONSOLE = ROOT / "agent_console"
TEMPLATES = web.AppKey("templates", jinja2.Environment)

BUNDLES = {
    "/widget.js": WIDGET / "dist" / "loader.js",
    "/widget/app.js": WIDGET / "dist" / "app.js",
    "/widget/app.css": WIDGET / "dist" / "app.css",
    "/console/app.js": CONSOLE / "dist" / "app.js",
    "/console/app.css": CONSOLE / "dist" / "app.css",
    "/static/demo.css": WIDGET / "static" / "demo.css",
    "/static/lacak.css": WIDGET / "static" / "lacak.css",
}


def templates() -> jinja2.Environment:
    folders = [WIDGET / "templates", CONSOLE / "templates", PAGES]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folders), autoescape=True)
    env.filters.update(recaps.filters(MONTHS["id"]))
    return env


def render(request: web.Request, name: str, **context: Any) -> web.Response:
    html = request.app[TEMPLATES].get_template(name).render(**context)
    return web.Response(text=html, content_type="text/html")


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no way to close the element early."""
    text = json.dumps(data)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@public
async def bundle(request: web.Request) -> web.StreamResponse:
    path = BUNDLES[request.match_info.route.resource.canonical]  # type: ignore[union-attr]
    if not path.exists():
        raise web.HTTPServiceUnavailable(text=f"{path.name} is not built: run `make setup`")
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return web.FileResponse(path, headers=headers)


@public
async def widget_frame(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    inbox = service.inbox(request.query.get("inbox", ""))
    if inbox is None or inbox.kind != "widget":
        raise web.HTTPNotFound(text="unknown widget inbox")
    lang = request.query.get("lang")
    config = {
        "inbox": inbox.key,
        "inboxName": inbox.name,
        "opdName": service.directory.opd_view(inbox.opd_id)["name"],
        "lang": lang if lang in ("id", "en") else None,
    }
    response = render(
        request,
        "frame.html",
        config_json=Markup(script_json(config)),
        app_js_url="/widget/app.js",
        app_css_url="/widget/app.css",
        lang=config["lang"] or "id",
    )
    # Framed only by the inbox's own sites (and the hub: the demo page embeds it).
    ancestors = frame_ancestors(inbox.options, request.app[SETTINGS].server.public_url)
    response.headers["Content-Security-Policy"] = page_policy(ancestors)
    return response


@public
async def console(request: web.Request) -> web.Response:
    return render(
        request, "console.html", app_js_url="/console/app.js", app_css_url="/console/app.css"
    )


@public
async def demo(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    opds = []
    for inbox in service.directory.inboxes.values():
        if inbox.kind == "widget":
            opd = service.directory.opd_view(inbox.opd_id)
            opds.append({"slug": opd["slug"], "name": opd["name"], "inbox_key": inbox.key})
    if not opds:
        raise web.HTTPNotFound(text="no widget inbox is configured; run `kanal demo`")
    wanted = request.query.get("opd")
    current = next((o for o in opds if o["slug"] == wanted), opds[0])
    return render(request, "demo.html", opds=opds, current=current, widget_src="/widget.js")


#: The tracking page runs no script and is shown in no frame; nothing leaves it.
LACAK_HEADERS = {
    **track.HEADERS,
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
}
MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip


@public
async def lacak(request: web.Request) -> web.Response:
    """Public tracking: a resident types their kode lacak (or follows a ?kode= link)."""
    lang = "en" if request.query.get("lang") == "en" else "id"
    typed = request.query.get("kode", "").strip()[:40]
    status, headers = 200, dict(LACAK_HEADERS)
    context: dict[str, Any] = {"case": None, "problem": None, "wait_minutes": 0}
    if typed:
        found = await track.look_up(request, typed)
        if found.retry_after:
            status, headers["Retry-After"] = 429, str(found.retry_after)
            context.update(problem="rate_limited", wait_minutes=math.ceil(found.retry_after / 60))
        elif found.case is None:
            status = 404
            context["problem"] = "not_found" if normalize(typed) else "invalid"
        else:
            zone = ZoneInfo(request.app[SETTINGS].tracking.timezone)
            context["case"] = _case_page(found.case, lang, zone)
    other = {"kode": typed} if typed else {}
    response = render(
        request,
        "lacak.html",
        lang=lang,
        kode=typed,
        organization=request.app[SERVICE].directory.organization_name,
        switch_query=urlencode({**other, "lang": "id" if lang == "en" else "en"}),
        **context,
    )
    response.set_status(status)
    response.headers.update(headers)
    return response


def _case_page(case: dict[str, Any], lang: str, zone: ZoneInfo) -> dict[str, Any]:
    """The API's answer with words and local times for the page."""
    timeline = [
        {
            **entry,
            "when": _when(entry["at"], lang, zone),
            "status_label": STATUS_TEXT[entry["status"]][lang] if "status" in entry else None,
        }
        for entry in case["timeline"]
    ]
    return {
        **case,
        "status_label": case["status_text"][lang],
        "created": _when(case["created_at"], lang, zone),
        "updated": _when(case["updated_at"], lang, zone),
        "timeline": timeline,
    }


def _when(at: str, lang: str, zone: ZoneInfo) -> str:
    """The city's own time, as its residents write it: 23 November 2026, 15.15 WIB."""
    local = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(zone)
    clock = f"{local:%H}{'.' if lang == 'id' else ':'}{local:%M}"
    return f"{local.day} {MONTHS[lang][local.month - 1]} {local.year}, {clock} {local.tzname()}"


@allow(Action.REPORTS)
async def recap(request: web.Request) -> web.Response:
    """The monthly recap per OPD (?month=YYYY-MM[&opd=slug]), printable on A4: the
    browser's Print to PDF makes the PDF. Supervisors: their OPD; admins: every OPD."""
    nonce = secrets.token_urlsafe(16)
    response = render(request, "recap.html", nonce=nonce, **await exports.recap_page(request))
    response.headers.update(
        {
            "Cache-Control": "no-store",
            "X-Robots-Tag": "noindex",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": f"default-src 'none'; style-src 'nonce-{nonce}'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        }
    )
    return response


@public
async def resident_file(request: web.Request) -> web.StreamResponse:
    """A file sent to a resident (the widget's before/after photos), by its signed link."""
    media = request.app[SERVICE].media
    media_id, signature = request.match_info["media_id"], request.match_info["signature"]
    found = await media.get(media_id) if media.signed(media_id, signature) else None
    if found is None:
        raise web.HTTPNotFound()
    return file_response(found)


def add_routes(app: web.Application) -> None:
    app[TEMPLATES] = templates()
    app.router.add_get("/media/{media_id}/{signature}", resident_file)
    for path in BUNDLES:
        app.router.add_get(path, bundle)
    app.router.add_get("/widget/frame", widget_frame)
    app.router.add_get("/console", console)
    app.router.add_get("/console/recap", recap)
    app.router.add_get("/console/{tail:.*}", console)
    app.router.add_get("/lacak", lacak)
    app.router.add_get("/", demo)
