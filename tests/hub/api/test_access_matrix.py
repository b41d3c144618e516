"""The authorisation matrix: who may call what, in ONE table.

Every route of the router and every socket event of /agent and /widget has a row in
ROUTE_RULES or SOCKET_RULES: which roles may (and whether another OPD's case, file or
resident is "not found" to them), or why it is public. A route or event without a row
fails `test_every_route_is_ruled` / `test_every_socket_event_is_ruled`: a new route is
ruled here before it ships. The table is the expectation; the hub's own declarations
(@allow, @guarded, hub.auth.RULES) are checked against it, and every row is probed over
real HTTP and Socket.IO with each kind of caller: a coordinator (admin), a supervisor and
an agent of the case's OPD (PUPR), a supervisor and an agent of another OPD (Diskominfo),
an agent signed in by session cookie, nobody, a deactivated agent, a revoked API token.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from channels.widget.namespace import WidgetNamespace
from hub import catalog, deadlines
from hub.app import create_app
from hub.auth import RULES, Action
from hub.models import Role, utcnow
from hub.realtime import AgentNamespace
from hub.store import schema as s
from tests.conftest import PASSWORD, RunningHub, make_settings
from tests.hub.api.test_conversations import bearer, seed_cases
from tests.hub.test_sla import remake
from tests.waiting import wait_for

EVERYONE = frozenset(Role)
LEADS = frozenset({Role.ADMIN, Role.SUPERVISOR})
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Agents:
    """Signed-in agents of `roles` (others: 403, nobody: 401). With `scope` ("case",
    "media", "contact") the path names something of one OPD: an agent of another OPD gets
    404, exactly as for something that does not exist."""

    action: Action
    roles: frozenset[Role]
    scope: str | None = None


@dataclass(frozen=True)
class Public:
    """Open to anyone, on purpose: `why`. `anonymous` is what a caller without credentials
    gets from the probe below (None: not probed here, `why` says where it is tested)."""

    why: str
    anonymous: frozenset[int] | None


@dataclass(frozen=True)
class Visitor:
    """A /widget event: only the visitor the server issued the token to, in its inbox."""

    does: str


BUNDLE = Public("build output (widget, console, demo and tracking CSS): no data", None)
SHELL = Public(
    "the console's HTML shell: every datum it shows comes over the API", frozenset({200})
)
SIGNED_WEBHOOK = Public(
    "the provider authenticates: Telegram's secret header, Meta's X-Hub-Signature-256",
    frozenset({401, 403}),
)

#: "METHOD path" -> who may call it. HEAD follows GET.
ROUTE_RULES: dict[str, Agents | Public] = {
    # -- sockets and providers
    "GET /socket.io/": Public(
        "the Socket.IO transport: /agent authenticates at connect, /widget by its visitor "
        "token, and every event is ruled in SOCKET_RULES",
        None,
    ),
    "POST /socket.io/": Public("Socket.IO long-polling, as GET", None),
    "OPTIONS /socket.io/": Public("Socket.IO CORS preflight, as GET", None),
    "POST /webhooks/telegram/{key}": SIGNED_WEBHOOK,
    "GET /webhooks/whatsapp/{key}": Public(
        "Meta's subscription check, answered only with the inbox's verify_token",
        frozenset({403}),
    ),
    "POST /webhooks/whatsapp/{key}": SIGNED_WEBHOOK,
    # -- the agent's own session
    "POST /api/v1/auth/login": Public(
        "logging in (Origin-checked, throttled)", frozenset({400, 401})
    ),
    "POST /api/v1/auth/logout": Public("ends the caller's own session, if any", frozenset({204})),
    "GET /api/v1/me": Agents(Action.SELF, EVERYONE),
    "POST /api/v1/auth/password": Agents(Action.SELF, EVERYONE),
    # -- cases
    "GET /api/v1/conversations": Agents(Action.CASE_READ, EVERYONE),
    "GET /api/v1/search": Agents(Action.CASE_READ, EVERYONE),
    "GET /api/v1/conversations/{id}": Agents(Action.CASE_READ, EVERYONE, "case"),
    "PATCH /api/v1/conversations/{id}": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "GET /api/v1/conversations/{id}/messages": Agents(Action.CASE_READ, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/messages": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/messages/{message_id}/retry": Agents(
        Action.CASE_WRITE, EVERYONE, "case"
    ),
    "POST /api/v1/conversations/{id}/status": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/location": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/revoke-visitor": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/transfer": Agents(Action.CASE_TRANSFER, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/transfer/accept": Agents(
        Action.CASE_TRANSFER, EVERYONE, "case"
    ),
    "POST /api/v1/conversations/{id}/transfer/return": Agents(
        Action.CASE_TRANSFER, EVERYONE, "case"
    ),
    "GET /api/v1/conversations/{id}/transfers": Agents(Action.CASE_READ, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/take": Agents(Action.CASE_TAKE, EVERYONE, "case"),
    "POST /api/v1/conversations/{id}/assign": Agents(Action.CASE_ASSIGN, LEADS, "case"),
    "POST /api/v1/entries": Agents(Action.CASE_WRITE, EVERYONE),
    # -- residents and files
    "GET /api/v1/contacts/{contact_id}": Agents(Action.CASE_READ, EVERYONE, "contact"),
    "POST /api/v1/contacts/{contact_id}/merge": Agents(Action.ADMIN, ADMINS, "contact"),
    "POST /api/v1/conversations/{id}/media": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "GET /api/v1/media/{media_id}": Agents(Action.CASE_READ, EVERYONE, "media"),
    "GET /media/{media_id}/{signature}": Public(
        "a file sent to a resident, by an HMAC-signed link only the resident's thread carries "
        "(test_a_residents_file_link_opens_only_its_own_file)",
        frozenset({404}),
    ),
    # -- what every agent picks from
    "GET /api/v1/opds": Agents(Action.CASE_READ, EVERYONE),
    "GET /api/v1/inboxes": Agents(Action.CASE_READ, EVERYONE),
    "GET /api/v1/agents": Agents(Action.CASE_ASSIGN, LEADS),
    "GET /api/v1/categories": Agents(Action.CASE_READ, EVERYONE),
    "GET /api/v1/canned-responses": Agents(Action.CASE_READ, EVERYONE),
    "GET /api/v1/areas": Agents(Action.CASE_READ, EVERYONE),
    # -- reports and exports
    "GET /api/v1/reports/response-times": Agents(Action.REPORTS, LEADS),
    "GET /api/v1/reports/backlog": Agents(Action.REPORTS, LEADS),
    "GET /api/v1/exports/cases.csv": Agents(Action.REPORTS, LEADS),
    "GET /api/v1/exports/cases.xlsx": Agents(Action.REPORTS, LEADS),
    "GET /console/recap": Agents(Action.REPORTS, LEADS),
    # -- administration
    "GET /api/v1/admin/opds": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/admin/opds": Agents(Action.ADMIN, ADMINS),
    "PATCH /api/v1/admin/opds/{opd_id}": Agents(Action.ADMIN, ADMINS),
    "GET /api/v1/admin/agents": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/admin/agents": Agents(Action.ADMIN, ADMINS),
    "PATCH /api/v1/admin/agents/{agent_id}": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/admin/agents/{agent_id}/password": Agents(Action.ADMIN, ADMINS),
    "GET /api/v1/admin/inboxes": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/admin/inboxes": Agents(Action.ADMIN, ADMINS),
    "PATCH /api/v1/admin/inboxes/{inbox_id}": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/admin/inboxes/{inbox_id}/rotate": Agents(Action.ADMIN, ADMINS),
    "GET /api/v1/admin/sla-policies": Agents(Action.ADMIN, ADMINS),
    "PUT /api/v1/admin/sla-policies": Agents(Action.ADMIN, ADMINS),
    "DELETE /api/v1/admin/sla-policies/{policy_id}": Agents(Action.ADMIN, ADMINS),
    "GET /api/v1/admin/business-hours": Agents(Action.ADMIN, ADMINS),
    "PUT /api/v1/admin/business-hours": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/categories": Agents(Action.ADMIN, ADMINS),
    "PATCH /api/v1/categories/{category_id}": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/canned-responses": Agents(Action.ADMIN, ADMINS),
    "PATCH /api/v1/canned-responses/{canned_id}": Agents(Action.ADMIN, ADMINS),
    "DELETE /api/v1/canned-responses/{canned_id}": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/areas": Agents(Action.ADMIN, ADMINS),
    "POST /api/v1/areas/import": Agents(Action.ADMIN, ADMINS),
    "DELETE /api/v1/areas/{area_id}": Agents(Action.ADMIN, ADMINS),
    # -- public on purpose
    "GET /api/v1/track/{code}": Public(
        "a case's public view by its kode lacak (rate-limited; no reporter, no notes: "
        "test_tracking_shows_only_public_fields)",
        frozenset({200}),
    ),
    "GET /lacak": Public("the tracking page, as /api/v1/track", frozenset({200})),
    "GET /api/v1/openapi.json": Public("the API's description", frozenset({200})),
    "GET /healthz": Public("for the load balancer: ok/degraded, no data", frozenset({200})),
    "GET /metrics": Public(
        "Prometheus, with its own bearer token (or the allowed addresses when none is set)",
        frozenset({401}),
    ),
    "GET /": Public("the demo OPD site that embeds the widget", frozenset({200})),
    "GET /widget/frame": Public(
        "the widget's frame for a known widget inbox (else 404); the visitor token is "
        "issued over /widget",
        frozenset({404}),
    ),
    "GET /console": SHELL,
    "GET /console/{tail}": SHELL,
    "GET /widget.js": BUNDLE,
    "GET /widget/app.js": BUNDLE,
    "GET /widget/app.css": BUNDLE,
    "GET /console/app.js": BUNDLE,
    "GET /console/app.css": BUNDLE,
    "GET /static/demo.css": BUNDLE,
    "GET /static/lacak.css": BUNDLE,
    # -- personal data and dead letters; last, for the admin's erasure is probed for real
    "GET /api/v1/admin/audit": Agents(Action.ADMIN, ADMINS),
    "GET /api/v1/admin/dead-letters": Agents(Action.ADMIN, ADMINS),
    "GET /api/v1/admin/contacts/{contact_id}/export": Agents(Action.ADMIN, ADMINS, "contact"),
    "DELETE /api/v1/admin/contacts/{contact_id}": Agents(Action.ADMIN, ADMINS, "contact"),
}

#: "/namespace event" -> who may send it.
SOCKET_RULES: dict[str, Agents | Visitor] = {
    "/agent join": Agents(Action.CASE_READ, EVERYONE, "case"),
    "/agent sync": Agents(Action.CASE_READ, EVERYONE, "case"),
    "/agent leave": Agents(Action.SELF, EVERYONE),
    "/agent send": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "/agent typing": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "/agent read": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "/agent status": Agents(Action.CASE_WRITE, EVERYONE, "case"),
    "/widget send": Visitor("writes into the visitor's own case in the token's inbox"),
    "/widget sync": Visitor("replays the visitor's own latest case, without private notes"),
    "/widget typing": Visitor("typing on the visitor's own open case"),
    "/widget identify": Visitor("sets the visitor's own name, email, phone"),
    "/widget rate": Visitor("rates the visitor's own resolved case (a code of another's: refused)"),
    "/widget forget": Visitor("revokes the visitor's own token and hangs up its own sockets"),
}

#: The callers of the matrix: role and OPD (the case and its file belong to PUPR).
CALLERS = {
    "admin": (Role.ADMIN, "diskominfo"),
    "pupr_supervisor": (Role.SUPERVISOR, "pupr"),
    "pupr_agent": (Role.AGENT, "pupr"),
    "kominfo_supervisor": (Role.SUPERVISOR, "diskominfo"),
    "kominfo_agent": (Role.AGENT, "diskominfo"),
}
CASE_OPD = "pupr"
METRICS_TOKEN = "metrics-scraper-token-123"
EXTRA = f"""
[metrics]
token = "{METRICS_TOKEN}"
[[inboxes]]
key = "kota-bot"
kind = "telegram"
opd = "diskominfo"
token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
webhook_secret = "rahasia_kota-123"
api_base_url = "http://127.0.0.1:9"
[[inboxes]]
key = "kota-wa"
kind = "whatsapp"
opd = "diskominfo"
phone_number_id = "1098765"
access_token = "wa-token"
app_secret = "wa-app-secret"
verify_token = "wa-verify"
graph_base_url = "http://127.0.0.1:9"
api_version = "v21.0"
"""


def expected(rule: Agents, role: Role, opd: str) -> int | None:
    """The status this caller must get; None: let in (anything but 401, 403, 404)."""
    if rule.scope is not None and role != Role.ADMIN and opd != CASE_OPD:
        return 404
    return None if role in rule.roles else 403


def socket_events() -> dict[str, Any]:
    found = {}
    for namespace, cls in (("/agent", AgentNamespace), ("/widget", WidgetNamespace)):
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("on_") and name not in ("on_connect", "on_disconnect"):
                found[f"{namespace} {name[3:]}"] = member
    return found


def router_routes(app: Any) -> dict[str, Any]:
    """Every route the app serves, as "METHOD path" -> handler (HEAD folded into GET)."""
    found: dict[str, Any] = {}
    heads = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method == "HEAD":
            heads.append(path)
            continue
        found[f"{route.method} {path}"] = route.handler
    for path in heads:
        assert f"GET {path}" in found, f"HEAD {path} without a GET: rule it"
    return found


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """The test city, plus a bot, a WhatsApp number and a metrics token."""
    app = create_app(make_settings(tmp_path, EXTRA))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def case_with_file(hub: RunningHub, token: str) -> dict[str, Any]:
    """A PUPR case with a message and a file; what the paths name."""
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{hub.url}/api/v1/conversations/{conv_id}/media",
            data=b"\xff\xd8\xff foto",
            headers={**bearer(token), "Content-Type": "image/jpeg"},
        )
        media_id = (await r.json())["media"]["media_id"]
    c = s.conversation.c
    row = await hub.store.read(
        lambda conn: conn.execute(
            select(c.contact_id, c.tracking_code).where(c.id == conv_id)
        ).one()
    )
    return {
        "{id}": str(conv_id),
        "{message_id}": "1",
        "{media_id}": media_id,
        "{signature}": "not-a-signature",
        "{contact_id}": str(row.contact_id),
        "{code}": row.tracking_code,
        "telegram/{key}": "telegram/kota-bot",
        "whatsapp/{key}": "whatsapp/kota-wa",
    }


async def admin_things(hub: RunningHub) -> dict[str, str]:
    """One of each thing the admin routes name; the agent is one nobody logs in as."""
    org = hub.service.directory.organization_id
    pupr = hub.service.directory.opd_by_slug("pupr")
    inbox = hub.service.directory.inbox_by_key("web-pupr")
    assert pupr is not None and inbox is not None
    spare = await hub.add_agent("cadangan@pupr.go.id", "pupr")

    def job(conn: Any) -> dict[str, str]:
        return {
            "{opd_id}": str(pupr.id),
            "{agent_id}": str(spare),
            "{inbox_id}": str(inbox.id),
            "{category_id}": str(catalog.create_category(conn, org, "Jalan", pupr.id, True)["id"]),
            "{canned_id}": str(
                catalog.create_canned(conn, org, "salam", "Halo {nama}", None)["id"]
            ),
            "{area_id}": str(catalog.add_area(conn, org, "Sirimau", "Batu Merah")["id"]),
            "{policy_id}": str(deadlines.save(conn, org, pupr.id, None, {"preset": "1x24"})),
            "{tail}": "kasus",
        }

    return await hub.store.write(job)


async def login_cookie(hub: RunningHub, email: str) -> str:
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{hub.url}/api/v1/auth/login",
            json={"email": email, "password": PASSWORD},
            headers={"Origin": hub.url},
        )
        assert r.status == 200, await r.text()
        return r.cookies["kanal_session"].value


async def shut_out(hub: RunningHub) -> dict[str, dict[str, str]]:
    """Credentials that must open nothing: none, a deactivated agent's token, a revoked
    token, a made-up token, a logged-out session."""
    gone = await hub.token("pensiun@pupr.go.id", "pupr", "supervisor")
    revoked = await hub.token("dicabut@pupr.go.id", "pupr", "supervisor")
    ended = await login_cookie(hub, "pensiun@pupr.go.id")
    async with aiohttp.ClientSession() as http:
        out = await http.post(
            f"{hub.url}/api/v1/auth/logout",
            headers={"Cookie": f"kanal_session={ended}", "Origin": hub.url},
        )
        assert out.status == 204

    def job(conn: Any) -> None:
        a, t = s.agent.c, s.api_token.c
        conn.execute(update(s.agent).where(a.email == "pensiun@pupr.go.id").values(active=False))
        dicabut = select(a.id).where(a.email == "dicabut@pupr.go.id").scalar_subquery()
        conn.execute(update(s.api_token).where(t.agent_id == dicabut).values(revoked_at=utcnow()))

    await hub.store.write(job)
    return {
        "anonymous": {},
        "deactivated": bearer(gone),
        "revoked": bearer(revoked),
        "made_up": bearer("knl_" + "x" * 43),
        "logged_out": {"Cookie": f"kanal_session={ended}", "Origin": hub.url},
    }


async def callers(hub: RunningHub) -> dict[str, tuple[Role, str, dict[str, str]]]:
    found = {}
    for name, (role, opd) in CALLERS.items():
        token = await hub.token(f"{name}@kota.go.id", opd, str(role))
        found[name] = (role, opd, bearer(token))
    cookie = await login_cookie(hub, "pupr_agent@kota.go.id")
    # A cookie request names its origin, as a browser does (the CSRF check wants it).
    found["pupr_agent_cookie"] = (
        Role.AGENT,
        "pupr",
        {"Cookie": f"kanal_session={cookie}", "Origin": hub.url},
    )
    return found


#: How the hub refuses a caller (hub.api.deps.allow): no right, or not theirs to see.
DENIALS = {403: "forbidden", 404: "not_found"}


async def refusal(response: aiohttp.ClientResponse) -> str | None:
    """The authorisation refusal this answer is, if any (None: the caller was let in, and
    the handler answered, maybe with its own 400, 403 or 409 about the request)."""
    if response.status == 401:
        return "unauthorized"
    if response.status not in DENIALS or response.content_type != "application/json":
        return None
    code = (await response.json()).get("error", {}).get("code")
    return str(code) if code == DENIALS[response.status] else None


def fill(path: str, things: dict[str, str]) -> str:
    for name, value in things.items():
        path = path.replace(name, value)
    assert "{" not in path, f"nothing to put in {path}"
    return path


# -- the table covers everything --------------------------------------------------------------
def test_every_route_is_ruled(hub: RunningHub) -> None:
    served = router_routes(hub.app)
    unruled = sorted(set(served) - set(ROUTE_RULES))
    assert unruled == [], "routes without a row in ROUTE_RULES: rule them"
    stale = sorted(set(ROUTE_RULES) - set(served))
    assert stale == [], "rows of ROUTE_RULES for routes that no longer exist"


def test_every_socket_event_is_ruled() -> None:
    events = socket_events()
    assert sorted(set(events) - set(SOCKET_RULES)) == [], "events without a row in SOCKET_RULES"
    assert sorted(set(SOCKET_RULES) - set(events)) == [], "rows for events that do not exist"


def test_the_hubs_declarations_agree_with_the_table(hub: RunningHub) -> None:
    """@allow / @public / @guarded and hub.auth.RULES say what the table says."""
    problems = []
    handlers = {**router_routes(hub.app), **socket_events()}
    for name, rule in {**ROUTE_RULES, **SOCKET_RULES}.items():
        handler = handlers[name]
        if isinstance(rule, Agents):
            declared = (getattr(handler, "permission", None), getattr(handler, "scope", None))
            if declared != (rule.action, rule.scope):
                problems.append(f"{name}: declares {declared}")
            allowed = frozenset(r for r in Role if rule.action in RULES[r])
            if allowed != rule.roles:
                problems.append(f"{name}: hub.auth.RULES lets in {sorted(allowed)}")
        elif (
            isinstance(rule, Public)
            and name.split()[1].startswith("/api/")
            and getattr(handler, "permission", "undeclared") is not None
        ):
            problems.append(f"{name}: not declared @public")
    assert problems == []


# -- REST -------------------------------------------------------------------------------------
async def test_every_route_answers_each_caller_as_the_table_says(hub: RunningHub) -> None:
    who = await callers(hub)
    things = await case_with_file(hub, await hub.token("uploader@pupr.go.id", "pupr"))
    things |= await admin_things(hub)
    nobody = await shut_out(hub)
    problems = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        for name, rule in ROUTE_RULES.items():
            method, path = name.split(" ", 1)
            url = f"{hub.url}{fill(path, things)}"
            if isinstance(rule, Public):
                if rule.anonymous is None:
                    continue
                async with http.request(method, url, json={}) as r:
                    if r.status not in rule.anonymous:
                        problems.append(f"{name} anonymous: {r.status}")
                continue
            for label, headers in nobody.items():
                async with http.request(method, url, json={}, headers=headers) as r:
                    if r.status != 401:
                        problems.append(f"{name} {label}: {r.status}, not 401")
            # Denied callers first: an allowed change (a transfer) must not move the case.
            order = sorted(who.items(), key=lambda kv: expected(rule, *kv[1][:2]) is None)
            for label, (role, opd, headers) in order:
                want = expected(rule, role, opd)
                async with http.request(method, url, json={}, headers=headers) as r:
                    got = (r.status, await refusal(r))
                refused_as_expected = got == (want, DENIALS.get(want or 0))
                if (want and not refused_as_expected) or (not want and got[1] is not None):
                    problems.append(f"{name} {label}: {got}, expected {want or 'let in'}")
    assert problems == []


async def test_metrics_open_only_to_their_own_token(hub: RunningHub) -> None:
    admin = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        as_admin = await http.get(f"{hub.url}/metrics", headers=bearer(admin))
        scraper = await http.get(f"{hub.url}/metrics", headers=bearer(METRICS_TOKEN))
    assert as_admin.status == 401 and scraper.status == 200


# -- sockets: /agent --------------------------------------------------------------------------
async def test_every_agent_event_answers_each_caller_as_the_table_says(
    hub: RunningHub, sockets: Any
) -> None:
    who = await callers(hub)
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    problems = []
    for label, (role, opd, headers) in who.items():
        auth = None
        if "Authorization" in headers:
            auth = {"token": headers["Authorization"].split(" ", 1)[1]}
        client = await sockets(hub.url, "/agent", auth=auth, headers=headers)
        await wait_for(client, "hello")
        for name, rule in SOCKET_RULES.items():
            namespace, event = name.split()
            if namespace != "/agent" or not isinstance(rule, Agents):
                continue
            payload = {"conversation_id": conv_id}
            answer = await client.call(event, payload, namespace="/agent")
            code = answer.get("error", {}).get("code") if isinstance(answer, dict) else None
            want = expected(rule, role, opd)
            got_in = code not in ("not_found", "forbidden", "unauthorized")
            want_code = {404: "not_found", 403: "forbidden"}.get(want or 0)
            if (want is None and not got_in) or (want is not None and code != want_code):
                problems.append(f"{name} {label}: {answer}")
    assert problems == []


async def test_the_agent_namespace_refuses_whoever_is_shut_out(
    hub: RunningHub, sockets: Any
) -> None:
    nobody = await shut_out(hub)
    visitor = await sockets(hub.url, "/widget", auth={"inbox": "web-pupr"})
    session = await wait_for(visitor, "session")
    attempts = {
        **{
            label: {"auth": {"token": h["Authorization"].split(" ", 1)[1]}}
            if "Authorization" in h
            else {"headers": h}
            for label, h in nobody.items()
        },
        "visitor_token": {"auth": {"token": session["token"]}},
    }
    for kwargs in attempts.values():
        with pytest.raises(socketio.exceptions.ConnectionError):
            await sockets(hub.url, "/agent", **kwargs)


# -- files, exports, search, tracking ---------------------------------------------------------
async def test_a_residents_file_link_opens_only_its_own_file(hub: RunningHub) -> None:
    token = await hub.token("budi@pupr.go.id", "pupr")
    [conv_id] = await seed_cases(hub, "web-pupr", 1)
    ids = []
    async with aiohttp.ClientSession() as http:
        for body in (b"\xff\xd8\xff satu", b"\xff\xd8\xff dua"):
            r = await http.post(
                f"{hub.url}/api/v1/conversations/{conv_id}/media",
                data=body,
                headers={**bearer(token), "Content-Type": "image/jpeg"},
            )
            ids.append((await r.json())["media"]["media_id"])
        first, second = ids
        link = hub.service.media.resident_url(first)
        assert (await http.get(link if "://" in link else f"{hub.url}{link}")).status == 200
        signature = link.rstrip("/").rsplit("/", 1)[1]
        swapped = await http.get(f"{hub.url}/media/{second}/{signature}")
        forged = await http.get(f"{hub.url}/media/{first}/{signature[:-2]}xx")
        unknown = await http.get(f"{hub.url}/media/nope/{signature}")
    assert (swapped.status, forged.status, unknown.status) == (404, 404, 404)


async def test_exports_and_the_recap_stay_within_the_callers_opd(hub: RunningHub) -> None:
    pupr = await seed_cases(hub, "web-pupr", 2)
    kominfo = await seed_cases(hub, "web-diskominfo", 2)
    await remake(hub, pupr + kominfo)  # the case facts exports are made of
    codes = await hub.store.read(
        lambda c: dict(
            c.execute(
                select(s.conversation.c.id, s.conversation.c.tracking_code).where(
                    s.conversation.c.id.in_(pupr + kominfo)
                )
            ).all()
        )
    )
    kabid = bearer(await hub.token("kabid@pupr.go.id", "pupr", "supervisor"))
    admin = bearer(await hub.token("admin@kota.go.id", "diskominfo", "admin"))
    async with aiohttp.ClientSession() as http:
        own = await (await http.get(f"{hub.url}/api/v1/exports/cases.csv", headers=kabid)).text()
        everyone = await (
            await http.get(f"{hub.url}/api/v1/exports/cases.csv", headers=admin)
        ).text()
        other = await http.get(f"{hub.url}/api/v1/exports/cases.csv?opd=diskominfo", headers=kabid)
        other_xlsx = await http.get(
            f"{hub.url}/api/v1/exports/cases.xlsx?opd=diskominfo", headers=kabid
        )
        recap = await (await http.get(f"{hub.url}/console/recap", headers=kabid)).text()
        other_recap = await http.get(f"{hub.url}/console/recap?opd=diskominfo", headers=kabid)
    assert all(codes[i] in own for i in pupr) and not any(codes[i] in own for i in kominfo)
    assert all(code in everyone for code in codes.values())
    assert (other.status, other_xlsx.status, other_recap.status) == (404, 404, 404)
    assert "Dinas PUPR" in recap and "Dinas Komunikasi dan Informatika" not in recap


async def test_search_never_returns_another_opds_case_or_snippet(hub: RunningHub) -> None:
    pupr = await _case_saying(hub, "web-pupr", "gorong-gorong tersumbat di Jalan Mawar")
    kominfo = await _case_saying(hub, "web-diskominfo", "gorong-gorong situs kominfo rahasia")
    budi = bearer(await hub.token("budi@pupr.go.id", "pupr"))
    kabid = bearer(await hub.token("kabid@kominfo.go.id", "diskominfo", "supervisor"))
    admin = bearer(await hub.token("admin@kota.go.id", "diskominfo", "admin"))

    async def found(headers: dict[str, str], query: str) -> list[Any]:
        async with aiohttp.ClientSession() as http:
            r = await http.get(f"{hub.url}/api/v1/search?{query}", headers=headers)
            assert r.status == 200
            return list((await r.json())["items"])

    mine = await found(budi, "q=gorong")
    assert [i["conversation"]["id"] for i in mine] == [pupr["id"]]
    assert all("kominfo" not in str(i) for i in mine)
    assert await found(budi, "q=gorong&opd=diskominfo") == []
    assert await found(budi, f"q={kominfo['tracking_code']}") == []
    assert await found(budi, "q=situs") == []
    theirs = await found(kabid, "q=gorong")
    assert [i["conversation"]["id"] for i in theirs] == [kominfo["id"]]
    assert {i["conversation"]["id"] for i in await found(admin, "q=gorong")} == {
        pupr["id"],
        kominfo["id"],
    }


async def _case_saying(hub: RunningHub, inbox_key: str, text: str) -> dict[str, Any]:
    from hub.ingest import accept_inbound
    from hub.models import Inbound, Sender

    inbox = hub.service.directory.inbox_by_key(inbox_key)
    assert inbox is not None
    item = Inbound(Sender(f"warga-{inbox_key}", name="Siti Pelapor", phone="081234567890"), text)
    accepted = await hub.store.write(
        lambda c: accept_inbound(c, hub.service.directory, inbox, item)
    )
    return dict(accepted.conversation)


async def test_a_confidential_reporter_is_hidden_from_the_opd_everywhere(
    hub: RunningHub, sockets: Any
) -> None:
    """Rahasia: the OPD's agents never see who reported, by any route; coordinators do."""
    case = await _case_saying(hub, "web-pupr", "pungli di loket perizinan")
    conv_id, contact_id = case["id"], case["contact"]["id"]
    budi = bearer(await hub.token("budi@pupr.go.id", "pupr"))
    admin_token = await hub.token("admin@kota.go.id", "diskominfo", "admin")
    async with aiohttp.ClientSession() as http:
        path = f"{hub.url}/api/v1/conversations/{conv_id}"
        r = await http.patch(path, json={"rahasia": True}, headers=bearer(admin_token))
        assert r.status == 200
        seen = [
            await (await http.get(path, headers=budi)).text(),
            await (await http.get(f"{hub.url}/api/v1/conversations", headers=budi)).text(),
            await (await http.get(f"{hub.url}/api/v1/search?q=pungli", headers=budi)).text(),
            await (await http.get(f"{path}/messages", headers=budi)).text(),
            await (await http.get(f"{path}/transfers", headers=budi)).text(),
        ]
        profile = await http.get(f"{hub.url}/api/v1/contacts/{contact_id}", headers=budi)
        seen.append(await profile.text())
        coordinator = await (await http.get(path, headers=bearer(admin_token))).json()
    officer = await sockets(hub.url, "/agent", auth={"token": budi["Authorization"][7:]})
    joined = await officer.call("join", {"conversation_id": conv_id}, namespace="/agent")
    seen.append(str(joined))
    leaks = [text for text in seen if "Siti Pelapor" in text or "081234567890" in text]
    assert leaks == []
    assert coordinator["contact"]["name"] == "Siti Pelapor"


async def test_tracking_shows_only_public_fields(hub: RunningHub) -> None:
    """/lacak and /api/v1/track: status, OPD and replies; never the reporter, what they
    wrote, a private note or internal routing, even for a rahasia/anonim case."""
    case = await _case_saying(hub, "web-pupr", "isi laporan warga yang pribadi")
    conv_id, code = case["id"], case["tracking_code"]
    admin = bearer(await hub.token("admin@kota.go.id", "diskominfo", "admin"))
    async with aiohttp.ClientSession() as http:
        base = f"{hub.url}/api/v1/conversations/{conv_id}"
        for call in (
            http.patch(base, json={"rahasia": True, "anonim": True}, headers=admin),
            http.post(
                f"{base}/messages",
                json={"text": "CATATAN-INTERNAL cek pejabat X", "private": True},
                headers=admin,
            ),
            http.post(f"{base}/messages", json={"text": "Sedang kami tangani."}, headers=admin),
        ):
            async with call as r:
                assert r.status in (200, 201), await r.text()
        api = await (await http.get(f"{hub.url}/api/v1/track/{code}")).text()
        page = await (await http.get(f"{hub.url}/lacak?kode={code}")).text()
    for shown in (api, page):
        assert "Sedang kami tangani." in shown
        for secret in ("Siti Pelapor", "081234567890", "isi laporan warga", "CATATAN-INTERNAL"):
            assert secret not in shown
        assert "Admin" not in shown  # the officer's name: show_agent_names is off by default
