"""The OpenAPI paths and schemas of the admin routes and the city's reference lists
(merged into hub/api/openapi.py's document)."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _one(name: str, schema: str) -> dict[str, Any]:
    return _obj({name: _ref(schema)})


def _items(schema: str) -> dict[str, Any]:
    return _json(_obj({"items": {"type": "array", "items": _ref(schema)}}))


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


ERROR = _json(_ref("Error"), "Error")
STR = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
HOURS_OPD = {
    "name": "opd",
    "in": "query",
    "schema": STR,
    "description": "an OPD's own week (empty: it works the organisation's)",
}
OPD_REF = {"type": ["integer", "null"], "description": "an OPD id; null: none (every OPD)"}
NO_CONTENT = {"204": {"description": "Deleted"}, "404": ERROR}
ROLE = {"enum": ["admin", "supervisor", "agent"]}

SCHEMAS: dict[str, Any] = {
    "OpdAdmin": _obj(
        {
            "id": INT,
            "slug": STR,
            "name": STR,
            "coordinator": BOOL,
            "active": BOOL,
            "managed": {
                "enum": ["config", "console"],
                "description": "config: name and coordinator are set in the config file",
            },
            "agents": {**INT, "description": "active agents"},
            "inboxes": {**INT, "description": "active inboxes"},
        }
    ),
    "AgentAdmin": _obj(
        {
            "id": INT,
            "email": STR,
            "name": STR,
            "role": ROLE,
            "opd": {"anyOf": [_ref("Opd"), {"type": "null"}]},
            "active": BOOL,
            "capacity": {**INT, "description": "open cases auto-assignment gives at most"},
            "last_seen_at": {"type": ["string", "null"], "format": "date-time"},
            "created_at": {"type": "string", "format": "date-time"},
        }
    ),
    "InboxAdmin": _obj(
        {
            "id": INT,
            "key": STR,
            "kind": {"enum": ["widget", "telegram", "whatsapp", "manual", "api"]},
            "name": STR,
            "opd_id": INT,
            "active": BOOL,
            "managed": {"enum": ["config", "console"]},
            "options": {
                "type": "object",
                "description": "the channel's settings; tokens and secrets masked (••••abcd)",
            },
            "embed": {**STR, "description": "widget inboxes: the snippet for the OPD's website"},
            "webhook_url": {**STR, "description": "where the provider delivers"},
            "created_at": {"type": "string", "format": "date-time"},
        }
    ),
    "Category": _obj(
        {
            "id": INT,
            "name": STR,
            "opd_id": {"type": ["integer", "null"]},
            "needs_after_photo": BOOL,
            "active": BOOL,
        }
    ),
    "CannedResponse": _obj(
        {
            "id": INT,
            "shortcut": {**STR, "description": "typed as /shortcut"},
            "body": {**STR, "description": "may use {nama}, {kode} and {opd}"},
            "opd_id": {"type": ["integer", "null"], "description": "null: every OPD"},
        }
    ),
    "BusinessDay": _obj(
        {
            "weekday": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 Monday"},
            "opens": {**STR, "pattern": "^\\d\\d:\\d\\d$"},
            "closes": {**STR, "pattern": "^\\d\\d:\\d\\d$"},
        },
        ["weekday", "opens", "closes"],
    ),
    "Area": _obj({"id": INT, "kecamatan": STR, "kelurahan": STR}),
    "AuditEvent": _obj(
        {
            "id": INT,
            "at": {**STR, "format": "date-time"},
            "agent": {"anyOf": [_obj({"id": INT, "name": STR}), {"type": "null"}]},
            "action": {
                **STR,
                "description": "view | read | download | export | contact_export | "
                "contact_erase | retention",
            },
            "conversation_id": {"type": ["integer", "null"]},
            "contact_id": {"type": ["integer", "null"]},
            "data": {"description": "what was taken or erased"},
        }
    ),
    "DeadLetter": _obj(
        {
            "conversation_id": INT,
            "tracking_code": STR,
            "message_id": INT,
            "seq": INT,
            "inbox_id": INT,
            "opd_id": INT,
            "attempts": INT,
            "error": {"type": ["string", "null"]},
            "created_at": {**STR, "format": "date-time"},
        }
    ),
}

OPD_ID, AGENT_ID, INBOX_ID = _path("opd_id"), _path("agent_id"), _path("inbox_id")
CATEGORY_ID, CANNED_ID, AREA_ID = _path("category_id"), _path("canned_id"), _path("area_id")
CONTACT_ID = _path("contact_id")
CHANGED = {"400": ERROR, "404": ERROR, "409": ERROR}
AGENT_WITH_PASSWORD = _obj(
    {"agent": _ref("AgentAdmin"), "password": {**STR, "description": "shown this once"}}
)
WEBHOOK = {
    **_obj({"ok": BOOL, "detail": STR}),
    "description": "Telegram: the outcome of registering the webhook (setWebhook)",
}

PATHS: dict[str, Any] = {
    "/api/v1/admin/opds": {
        "get": {"summary": "Every OPD (admin)", "responses": {"200": _items("OpdAdmin")}},
        "post": {
            "summary": "Add an OPD (admin)",
            "requestBody": _json(_obj({"slug": STR, "name": STR}, ["slug", "name"])),
            "responses": {"201": _json(_one("opd", "OpdAdmin"), "Created"), **CHANGED},
        },
    },
    "/api/v1/admin/opds/{opd_id}": {
        "patch": {
            "summary": "Rename, (de)activate, or mark as the coordinator (the one that triages)",
            "parameters": [OPD_ID],
            "requestBody": _json(_obj({"name": STR, "active": BOOL, "coordinator": BOOL})),
            "responses": {"200": _json(_one("opd", "OpdAdmin")), **CHANGED},
        }
    },
    "/api/v1/admin/agents": {
        "get": {"summary": "Every agent (admin)", "responses": {"200": _items("AgentAdmin")}},
        "post": {
            "summary": "Add an agent; the generated initial password is answered once",
            "requestBody": _json(
                _obj(
                    {"email": STR, "name": STR, "role": ROLE, "opd_id": OPD_REF, "capacity": INT},
                    ["email", "name", "role"],
                )
            ),
            "responses": {"201": _json(AGENT_WITH_PASSWORD, "Created"), **CHANGED},
        },
    },
    "/api/v1/admin/agents/{agent_id}": {
        "patch": {
            "summary": "Change name, role, OPD or capacity, or (de)activate. Deactivating "
            "ends the agent's sessions, revokes their API tokens and hangs up their consoles",
            "parameters": [AGENT_ID],
            "requestBody": _json(
                _obj(
                    {
                        "name": STR,
                        "role": ROLE,
                        "opd_id": OPD_REF,
                        "capacity": INT,
                        "active": BOOL,
                    }
                )
            ),
            "responses": {"200": _json(_one("agent", "AgentAdmin")), **CHANGED},
        }
    },
    "/api/v1/admin/agents/{agent_id}/password": {
        "post": {
            "summary": "A new generated password, answered once; the agent's sessions end",
            "parameters": [AGENT_ID],
            "responses": {"200": _json(AGENT_WITH_PASSWORD), "404": ERROR},
        }
    },
    "/api/v1/admin/inboxes": {
        "get": {
            "summary": "Every inbox, secrets masked (admin)",
            "responses": {"200": _items("InboxAdmin")},
        },
        "post": {
            "summary": "Add a widget, telegram, whatsapp or manual inbox (options checked by "
            "its channel); secrets the hub generated are answered once",
            "requestBody": _json(
                _obj(
                    {
                        "key": STR,
                        "kind": {"enum": ["widget", "telegram", "whatsapp", "manual"]},
                        "name": STR,
                        "opd_id": INT,
                        "options": {"type": "object"},
                    },
                    ["key", "kind", "name", "opd_id"],
                )
            ),
            "responses": {
                "201": _json(
                    _obj(
                        {
                            "inbox": _ref("InboxAdmin"),
                            "secrets": {"type": "object", "additionalProperties": STR},
                            "webhook": WEBHOOK,
                        }
                    ),
                    "Created",
                ),
                **CHANGED,
                "422": ERROR,
            },
        },
    },
    "/api/v1/admin/inboxes/{inbox_id}": {
        "patch": {
            "summary": "Rename, or route new cases to another OPD",
            "parameters": [INBOX_ID],
            "requestBody": _json(_obj({"name": STR, "opd_id": INT})),
            "responses": {"200": _json(_one("inbox", "InboxAdmin")), **CHANGED},
        }
    },
    "/api/v1/admin/inboxes/{inbox_id}/rotate": {
        "post": {
            "summary": "A new widget key, Telegram webhook_secret or WhatsApp verify_token, "
            "answered once",
            "parameters": [INBOX_ID],
            "responses": {
                "200": _json(
                    _obj(
                        {
                            "inbox": _ref("InboxAdmin"),
                            "rotated": _obj({"name": STR, "value": STR}),
                            "webhook": WEBHOOK,
                        }
                    )
                ),
                **CHANGED,
            },
        }
    },
    "/api/v1/admin/business-hours": {
        "get": {
            "summary": "Working hours per weekday; a day not listed is closed",
            "parameters": [HOURS_OPD],
            "responses": {
                "200": _json(_obj({"days": {"type": "array", "items": _ref("BusinessDay")}}))
            },
        },
        "put": {
            "summary": "Replace the whole week",
            "parameters": [HOURS_OPD],
            "requestBody": _json(
                _obj({"days": {"type": "array", "items": _ref("BusinessDay")}}, ["days"])
            ),
            "responses": {
                "200": _json(_obj({"days": {"type": "array", "items": _ref("BusinessDay")}})),
                "400": ERROR,
            },
        },
    },
    "/api/v1/categories": {
        "get": {"summary": "Case categories", "responses": {"200": _items("Category")}},
        "post": {
            "summary": "Add a category (admin)",
            "requestBody": _json(
                _obj({"name": STR, "opd_id": OPD_REF, "needs_after_photo": BOOL}, ["name"])
            ),
            "responses": {"201": _json(_one("category", "Category"), "Created"), **CHANGED},
        },
    },
    "/api/v1/categories/{category_id}": {
        "patch": {
            "summary": "Change or (de)activate a category (admin)",
            "parameters": [CATEGORY_ID],
            "requestBody": _json(
                _obj({"name": STR, "opd_id": OPD_REF, "needs_after_photo": BOOL, "active": BOOL})
            ),
            "responses": {"200": _json(_one("category", "Category")), **CHANGED},
        }
    },
    "/api/v1/canned-responses": {
        "get": {
            "summary": "Canned responses: for every OPD and the agent's own (an admin: all)",
            "responses": {"200": _items("CannedResponse")},
        },
        "post": {
            "summary": "Add a canned response (admin)",
            "requestBody": _json(
                _obj({"shortcut": STR, "body": STR, "opd_id": OPD_REF}, ["shortcut", "body"])
            ),
            "responses": {
                "201": _json(_one("canned_response", "CannedResponse"), "Created"),
                **CHANGED,
            },
        },
    },
    "/api/v1/canned-responses/{canned_id}": {
        "patch": {
            "summary": "Change a canned response (admin)",
            "parameters": [CANNED_ID],
            "requestBody": _json(_obj({"shortcut": STR, "body": STR, "opd_id": OPD_REF})),
            "responses": {"200": _json(_one("canned_response", "CannedResponse")), **CHANGED},
        },
        "delete": {
            "summary": "Delete a canned response (admin)",
            "parameters": [CANNED_ID],
            "responses": NO_CONTENT,
        },
    },
    "/api/v1/areas": {
        "get": {
            "summary": "Kelurahan and desa of the city, by kecamatan",
            "responses": {"200": _items("Area")},
        },
        "post": {
            "summary": "Add one kelurahan (admin)",
            "requestBody": _json(
                _obj({"kecamatan": STR, "kelurahan": STR}, ["kecamatan", "kelurahan"])
            ),
            "responses": {"201": _json(_one("area", "Area"), "Created"), **CHANGED},
        },
    },
    "/api/v1/areas/import": {
        "post": {
            "summary": "Add many from CSV text, one `kecamatan,kelurahan` a line (admin); "
            "those listed already are skipped, any bad line refuses the whole import",
            "requestBody": _json(_obj({"csv": STR}, ["csv"])),
            "responses": {
                "200": _json(_obj({"added": INT, "skipped": INT})),
                "400": ERROR,
            },
        }
    },
    "/api/v1/areas/{area_id}": {
        "delete": {
            "summary": "Remove a kelurahan (admin)",
            "parameters": [AREA_ID],
            "responses": NO_CONTENT,
        }
    },
    # -- personal data (UU PDP) and dead letters
    "/api/v1/admin/audit": {
        "get": {
            "summary": "The access log: who viewed, downloaded or exported which case, and "
            "residents' data exported or erased (newest first)",
            "parameters": [
                {"name": "conversation", "in": "query", "schema": INT},
                {"name": "agent", "in": "query", "schema": INT},
                {"name": "since", "in": "query", "schema": {**STR, "format": "date-time"}},
                {"name": "before", "in": "query", "schema": INT, "description": "keyset cursor"},
                {"name": "limit", "in": "query", "schema": INT},
            ],
            "responses": {
                "200": _json(
                    _obj(
                        {
                            "items": {"type": "array", "items": _ref("AuditEvent")},
                            "next": {"type": ["string", "null"]},
                        }
                    )
                ),
                "400": ERROR,
            },
        }
    },
    "/api/v1/admin/dead-letters": {
        "get": {
            "summary": "Replies that could not be delivered (requeue each with "
            "POST /api/v1/conversations/{id}/messages/{message_id}/retry)",
            "responses": {"200": _items("DeadLetter")},
        }
    },
    "/api/v1/admin/contacts/{contact_id}/export": {
        "get": {
            "summary": "A resident's data on their request (UU PDP): contact, identities, "
            "cases, messages, file metadata; audited",
            "parameters": [CONTACT_ID],
            "responses": {"200": _json({"type": "object"}), "404": ERROR},
        }
    },
    "/api/v1/admin/contacts/{contact_id}": {
        "delete": {
            "summary": "Erase a resident's personal data; the cases stay, anonymised; audited",
            "parameters": [CONTACT_ID],
            "responses": {
                "200": _json(
                    _obj(
                        {
                            "erased": _obj(
                                {"cases": INT, "messages": INT, "files": INT, "identities": INT}
                            )
                        }
                    )
                ),
                "404": ERROR,
            },
        }
    },
}
