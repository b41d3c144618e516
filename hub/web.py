"""Pages and bundles: the widget loader and frame, the console shell, the demo site.

Bundles are build output of widget/ and agent_console/ (`make setup` builds them); the
hub serves them from those folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup

from hub.api.deps import public
from hub.keys import SERVICE

ROOT = Path(__file__).resolve().parents[1]
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
}


def templates() -> jinja2.Environment:
    loader = jinja2.FileSystemLoader([str(WIDGET / "templates"), str(CONSOLE / "templates")])
    return jinja2.Environment(loader=loader, autoescape=True)


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
    return render(
        request,
        "frame.html",
        config_json=Markup(script_json(config)),
        app_js_url="/widget/app.js",
        app_css_url="/widget/app.css",
        lang=config["lang"] or "id",
    )


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


def add_routes(app: web.Application) -> None:
    app[TEMPLATES] = templates()
    for path in BUNDLES:
        app.router.add_get(path, bundle)
    app.router.add_get("/widget/frame", widget_frame)
    app.router.add_get("/console", console)
    app.router.add_get("/console/{tail:.*}", console)
    app.router.add_get("/", demo)
