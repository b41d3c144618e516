"""The OpenAPI 3.1 document of REST API v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api import openapi_admin, openapi_reports
from hub.api.deps import public


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "Error")
CONTACT_PARAM = {
    "name": "contact_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
CURSOR = {"name": "cursor", "in": "query", "schema": {"type": "string"}}
LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "tracking_code": {
                        "type": "string",
                        "description": "409 conflict of an entry: the resident's open case",
                    },
                    "conversation_id": {"type": "integer"},
                },
            }
        },
    },
    "Agent": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "role": {"enum": ["admin", "supervisor", "agent"]},
            "opd": {"anyOf": [_ref("Opd"), {"type": "null"}]},
        },
    },
    "Opd": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name": {"type": "string"},
        },
    },
    "Message": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "conversation_id": {"type": "integer"},
            "seq": {"type": "integer", "minimum": 1},
            "direction": {"enum": ["in", "out"]},
            "sender_type": {"enum": ["contact", "agent", "system", "bot"]},
            "sender_name": {"type": ["string", "null"]},
            "kind": {"enum": ["text", "image", "file", "location", "note"]},
            "text": {"type": "string"},
            "private": {"type": "boolean"},
            "attachments": {"type": "array", "items": _ref("Attachment")},
            "client_id": {"type": ["string", "null"]},
            "delivery_status": {"enum": ["pending", "sent", "delivered", "read", "failed"]},
            "error": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "edited_at": NULLABLE_TIME,
            "reply_to_id": {"type": ["integer", "null"], "description": "the message quoted"},
            "reactions": {
                "type": "object",
                "description": "residents' emoji on this message, by resident",
                "additionalProperties": {"type": "string"},
            },
        },
    },
    "Attachment": {
        "type": "object",
        "description": "A stored file (media_id: download at /api/v1/media/{media_id}) "
        "and/or what the channel said about it (source, kind, provider ids, a location's "
        "latitude and longitude); `error` when the file could not be kept",
        "properties": {
            "media_id": {"type": "string"},
            "mime_type": {"type": "string"},
            "file_name": {"type": ["string", "null"]},
            "size": {"type": "integer"},
            "source": {"type": "string"},
            "kind": {"type": "string"},
            "error": {"type": "string"},
        },
    },
    "Conversation": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "tracking_code": {"type": "string", "example": "KNL-7Q4M2P"},
            "status": {"enum": ["open", "pending", "resolved", "closed"]},
            "inbox": {"type": "object"},
            "opd": _ref("Opd"),
            "contact": {"type": "object"},
            "assignee": {"type": ["object", "null"]},
            "priority": {"type": "string"},
            "last_seq": {"type": "integer"},
            "unread_count": {"type": "integer"},
            "last_message_preview": {"type": ["string", "null"]},
            "last_message_at": NULLABLE_TIME,
            "created_at": {"type": "string", "format": "date-time"},
            "first_response_at": NULLABLE_TIME,
            "resolved_at": NULLABLE_TIME,
            "location": {
                "type": ["object", "null"],
                "description": "where the problem is: latitude, longitude, title?, address?, "
                "message_id (the message that shared it; the first one, unless an agent "
                "picked another)",
            },
            "last_inbound_at": NULLABLE_TIME,
            "reply_window_closes_at": {
                **NULLABLE_TIME,
                "description": "on a windowed channel (WhatsApp): after this only templates",
            },
            "csat": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": 5,
                "description": "the resident's satisfaction rating, once the case is resolved",
            },
            "csat_comment": {"type": ["string", "null"]},
            "csat_at": NULLABLE_TIME,
            "sla": {
                "type": ["object", "null"],
                "description": "deadlines: response_due_at, resolution_due_at, and when to warn "
                "of them (response_warn_at, resolution_warn_at)",
            },
        },
    },
    "PublicCase": {
        "type": "object",
        "description": "What anyone with the tracking code may see (the /lacak page)",
        "properties": {
            "tracking_code": {"type": "string", "example": "KNL-7Q4M2P"},
            "status": {"enum": ["open", "pending", "resolved", "closed"]},
            "status_text": {
                "type": "object",
                "description": "the status in words, Indonesian and English",
                "properties": {"id": {"type": "string"}, "en": {"type": "string"}},
            },
            "opd": {
                "type": "object",
                "description": "only the OPD that has the case now",
                "properties": {"name": {"type": ["string", "null"]}},
            },
            "created_at": {"type": "string", "format": "date-time"},
            "resolved_at": NULLABLE_TIME,
            "updated_at": {"type": "string", "format": "date-time"},
            "timeline": {
                "type": "array",
                "description": "oldest first: created; resident (when they wrote, `count` "
                "messages in a row, never what); reply (an officer's `text`, `attachment`, "
                "`officer` name or null); status (the new `status`)",
                "items": {
                    "type": "object",
                    "required": ["type", "at"],
                    "properties": {
                        "type": {"enum": ["created", "resident", "reply", "status"]},
                        "at": {"type": "string", "format": "date-time"},
                        "count": {"type": "integer"},
                        "text": {"type": "string"},
                        "attachment": {"type": "boolean"},
                        "officer": {"type": ["string", "null"]},
                        "status": {"enum": ["open", "pending", "resolved", "closed"]},
                    },
                },
            },
            "truncated": {"type": "boolean", "description": "older messages were left out"},
        },
    },
}


def _page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "next": {"type": ["string", "null"]},
        },
    }


PATHS: dict[str, Any] = {
    "/api/v1/auth/login": {
        "post": {
            "summary": "Log in; sets the kanal_session cookie",
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["email", "password"],
                    "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                }
            ),
            "responses": {
                "200": _json({"properties": {"agent": _ref("Agent")}}),
                "401": ERROR,
                "429": ERROR,
            },
        }
    },
    "/api/v1/auth/logout": {
        "post": {"summary": "End this session", "responses": {"204": {"description": "Done"}}}
    },
    "/api/v1/auth/password": {
        "post": {
            "summary": "Change your own password; every session of yours ends (a new cookie)",
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["current_password", "new_password"],
                    "properties": {
                        "current_password": {"type": "string"},
                        "new_password": {"type": "string", "minLength": 10, "maxLength": 256},
                    },
                }
            ),
            "responses": {
                "200": _json({"properties": {"agent": _ref("Agent")}}),
                "400": ERROR,
                "403": ERROR,
                "429": ERROR,
            },
        }
    },
    "/api/v1/me": {
        "get": {
            "summary": "The logged-in agent",
            "responses": {"200": _json({"properties": {"agent": _ref("Agent")}}), "401": ERROR},
        }
    },
    "/api/v1/conversations": {
        "get": {
            "summary": "Visible conversations, newest activity first (keyset pagination)",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"enum": ["open", "pending", "resolved", "closed"]},
                },
                {
                    "name": "opd",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "OPD slug",
                },
                {
                    "name": "triage",
                    "in": "query",
                    "schema": {"type": "boolean"},
                    "description": "true: the coordinator's triage queue",
                },
                {
                    "name": "assignee",
                    "in": "query",
                    "schema": {"enum": ["me", "none"]},
                    "description": "me: my cases; none: the OPD's unassigned queue",
                },
                CURSOR,
                LIMIT,
            ],
            "responses": {"200": _json(_page("Conversation")), "400": ERROR, "401": ERROR},
        }
    },
    "/api/v1/conversations/{id}": {
        "get": {
            "summary": "One conversation",
            "parameters": [ID_PARAM],
            "responses": {"200": _json(_ref("Conversation")), "404": ERROR},
        },
        "patch": {
            "summary": "Priority, labels, category, kelurahan, and the rahasia/anonim flags",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {
                    "type": "object",
                    "properties": {
                        "priority": {"enum": ["low", "normal", "high", "urgent"]},
                        "labels": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
                        "category": {"type": ["string", "null"]},
                        "kelurahan": {"type": ["string", "null"]},
                        "rahasia": {"type": "boolean"},
                        "anonim": {"type": "boolean"},
                    },
                }
            ),
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "400": ERROR,
                "403": ERROR,
                "404": ERROR,
                "422": ERROR,
            },
        },
    },
    "/api/v1/conversations/{id}/messages": {
        "get": {
            "summary": "Messages in seq order; `next` is the cursor of the following page",
            "parameters": [ID_PARAM, CURSOR, LIMIT],
            "responses": {"200": _json(_page("Message")), "404": ERROR},
        },
        "post": {
            "summary": "Reply to the resident, or write a private note",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "description": "may be empty with a file"},
                        "private": {"type": "boolean", "default": False},
                        "client_id": {"type": "string", "maxLength": 64},
                        "template": {
                            "type": "object",
                            "description": "one of the inbox's approved templates (WhatsApp, "
                            "outside the 24-hour window); the text is rendered from its body",
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string"},
                                "language": {"type": "string"},
                                "parameters": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "attachments": {
                            "type": "array",
                            "maxItems": 1,
                            "description": "a file uploaded to this case first (POST .../media)",
                            "items": {
                                "type": "object",
                                "required": ["media_id"],
                                "properties": {"media_id": {"type": "string"}},
                            },
                        },
                    },
                }
            ),
            "responses": {
                "201": _json({"properties": {"message": _ref("Message")}}, "Created"),
                "200": _json(
                    {"properties": {"message": _ref("Message")}}, "Already stored (same client_id)"
                ),
                "404": ERROR,
                "409": ERROR,
                "422": ERROR,
            },
        },
    },
    "/api/v1/conversations/{id}/messages/{message_id}/retry": {
        "post": {
            "summary": "Send a failed reply again (back into the outbox, same message)",
            "parameters": [
                ID_PARAM,
                {
                    "name": "message_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                },
            ],
            "responses": {
                "200": _json({"properties": {"message": _ref("Message")}}),
                "404": ERROR,
                "409": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/location": {
        "post": {
            "summary": "Make the place a resident's location message shares the case's location",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["message_id"],
                    "properties": {"message_id": {"type": "integer"}},
                }
            ),
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "404": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/revoke-visitor": {
        "post": {
            "summary": "Cut off the website chat that wrote this case: its device's visitor "
            "token is refused from now on, on every process, and its connections hang up "
            "(the resident can start a new chat, without the old thread)",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 200}}}
            ),
            "responses": {
                "200": _json({"properties": {"revoked": {"type": "boolean"}}}),
                "404": ERROR,
                "422": ERROR,
            },
        }
    },
    "/api/v1/opds": {
        "get": {
            "summary": "Every OPD (to send a case to): id, slug, name, coordinator",
            "responses": {"200": _json({"properties": {"items": {"type": "array"}}})},
        }
    },
    "/api/v1/inboxes": {
        "get": {
            "summary": "The inboxes of the OPDs the agent sees (key, kind, name, opd; no secrets)",
            "responses": {"200": _json({"properties": {"items": {"type": "array"}}})},
        }
    },
    "/api/v1/agents": {
        "get": {
            "summary": "Active agents of the OPDs the caller sees, with capacity and online",
            "responses": {
                "200": _json({"properties": {"items": {"type": "array"}}}),
                "403": ERROR,
            },
        }
    },
    "/api/v1/search": {
        "get": {
            "summary": "Full-text search over case messages (or a tracking code), best first",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "status", "in": "query", "schema": {"type": "string"}},
                {"name": "opd", "in": "query", "schema": {"type": "string"}},
                {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}},
            ],
            "responses": {
                "200": _json(
                    {
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {
                                    "properties": {
                                        "conversation": _ref("Conversation"),
                                        "snippet": {"type": "string"},
                                        "message_id": {"type": ["integer", "null"]},
                                    }
                                },
                            }
                        }
                    }
                ),
                "400": ERROR,
            },
        }
    },
    "/api/v1/contacts/{contact_id}": {
        "get": {
            "summary": "A resident and their cases (across channels) the agent may see",
            "parameters": [CONTACT_PARAM],
            "responses": {"200": {"description": "contact and cases"}, "404": ERROR},
        }
    },
    "/api/v1/contacts/{contact_id}/merge": {
        "post": {
            "summary": "Merge this contact into another (coordinators; audited)",
            "parameters": [CONTACT_PARAM],
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["into"],
                    "properties": {"into": {"type": "integer"}},
                }
            ),
            "responses": {
                "200": {"description": "merged"},
                "403": ERROR,
                "404": ERROR,
                "409": ERROR,
            },
        }
    },
    "/api/v1/entries": {
        "post": {
            "summary": "Record an offline complaint (phone, walk-in, letter, media) as a case",
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["source", "text"],
                    "properties": {
                        "source": {"enum": ["phone", "walk_in", "letter", "media"]},
                        "text": {"type": "string"},
                        "inbox": {
                            "type": "string",
                            "description": "a manual inbox (default: the first), or a WhatsApp "
                            "inbox to reply through (needs phone or contact), or a Telegram "
                            "inbox (needs contact)",
                        },
                        "contact": {
                            "type": "integer",
                            "description": "a resident the hub knows: replies go to their "
                            "identity on the inbox's channel; phone is then only a detail",
                        },
                        "name": {"type": "string"},
                        "phone": {"type": "string"},
                        "email": {"type": "string"},
                        "opd": {"type": "string", "description": "coordinators choose the OPD"},
                        "category": {"type": "string"},
                        "kelurahan": {"type": "string"},
                        "client_id": {"type": "string"},
                    },
                }
            ),
            "responses": {
                "201": _json(
                    {
                        "properties": {
                            "conversation": _ref("Conversation"),
                            "message": _ref("Message"),
                        }
                    },
                    "Created",
                ),
                "200": _json({"properties": {"conversation": _ref("Conversation")}}, "Already"),
                "400": ERROR,
                "403": ERROR,
                "404": ERROR,
                "409": ERROR,
                "422": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/transfer": {
        "post": {
            "summary": "Disposisi: send the case to another OPD with a reason",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["opd", "reason"],
                    "properties": {"opd": {"type": "string"}, "reason": {"type": "string"}},
                }
            ),
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "404": ERROR,
                "409": ERROR,
                "422": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/transfer/accept": {
        "post": {
            "summary": "The receiving OPD accepts the disposisi",
            "parameters": [ID_PARAM],
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "404": ERROR,
                "409": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/transfer/return": {
        "post": {
            "summary": "The receiving OPD returns the case, with a reason, to the OPD that sent it",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {"reason": {"type": "string"}},
                }
            ),
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "404": ERROR,
                "409": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/transfers": {
        "get": {
            "summary": "The case's disposisi history, oldest first",
            "parameters": [ID_PARAM],
            "responses": {"200": _json({"properties": {"items": {"type": "array"}}}), "404": ERROR},
        }
    },
    "/api/v1/conversations/{id}/take": {
        "post": {
            "summary": "Take an unassigned case",
            "parameters": [ID_PARAM],
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "404": ERROR,
                "409": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/assign": {
        "post": {
            "summary": "Give the case to an agent of its OPD (null: back to the queue)",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {"type": "object", "properties": {"agent_id": {"type": ["integer", "null"]}}}
            ),
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "403": ERROR,
                "404": ERROR,
                "409": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/media": {
        "post": {
            "summary": "Upload a photo or document into the case, to send in a reply",
            "parameters": [
                ID_PARAM,
                {"name": "name", "in": "query", "schema": {"type": "string"}},
            ],
            "requestBody": {
                "description": "The file itself; Content-Type says its type",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "201": _json({"properties": {"media": _ref("Attachment")}}, "Created"),
                "400": ERROR,
                "404": ERROR,
                "413": ERROR,
            },
        }
    },
    "/api/v1/media/{media_id}": {
        "get": {
            "summary": "Download a file of a case the agent may see",
            "parameters": [
                {"name": "media_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "The file (images inline, anything else as a download)"},
                "404": ERROR,
            },
        }
    },
    "/api/v1/conversations/{id}/status": {
        "post": {
            "summary": "Change the case's status",
            "parameters": [ID_PARAM],
            "requestBody": _json(
                {
                    "type": "object",
                    "required": ["status"],
                    "properties": {"status": {"enum": ["open", "pending", "resolved", "closed"]}},
                }
            ),
            "responses": {
                "200": _json({"properties": {"conversation": _ref("Conversation")}}),
                "404": ERROR,
                "409": ERROR,
            },
        }
    },
    "/api/v1/track/{code}": {
        "get": {
            "summary": "A case's public progress by its tracking code (no login; rate limited)",
            "security": [],
            "parameters": [
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "the tracking code, as typed (case, spaces and dash are free)",
                }
            ],
            "responses": {
                "200": _json(_ref("PublicCase")),
                "404": ERROR,
                "429": {
                    "description": "Too many lookups from this address: wait Retry-After seconds",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": _ref("Error")}},
                },
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}
    },
    "/healthz": {
        "get": {
            "summary": "200 when storage answers, 503 otherwise",
            "responses": {"200": {"description": "Healthy"}, "503": {"description": "Degraded"}},
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics (text format); docs/deploy.md lists them",
            "description": "With [metrics] token set: send it as `Authorization: Bearer "
            "<token>` (401 otherwise). Without a token: only clients whose address is in "
            "[metrics] allow (loopback by default) get an answer; to others it is a 404.",
            "security": [],
            "responses": {
                "200": {
                    "description": "The metrics",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "401": {"description": "A token is configured and was not sent"},
                "404": {"description": "No token configured and the address is not allowed"},
            },
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Kanal REST API", "version": "1"},
    "components": {
        "schemas": {**SCHEMAS, **openapi_admin.SCHEMAS, **openapi_reports.SCHEMAS},
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "kanal_session"},
            "bearer": {"type": "http", "scheme": "bearer"},
        },
    },
    "security": [{"session": []}, {"bearer": []}],
    "paths": {**PATHS, **openapi_admin.PATHS, **openapi_reports.PATHS},
}


@public
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)
