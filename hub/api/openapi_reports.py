"""The OpenAPI paths and schemas of reports, exports and SLA policies (merged into
hub/api/openapi.py's document)."""

from __future__ import annotations

from typing import Any

from hub.api.openapi_admin import ERROR, INT, STR, _items, _json, _obj, _ref

NULL_INT = {"type": ["integer", "null"]}
NULL_NUM = {"type": ["number", "null"]}
DATE = {"type": "string", "format": "date"}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


RANGE = [
    _query("from", DATE, "first local day of arrival (default: 29 days before `to`)"),
    _query("to", DATE, "last local day of arrival, included (default: today)"),
    _query("opd", STR, "one OPD's slug (default: every OPD the caller sees)"),
]
DEADLINE = _obj(
    {"amount": INT, "unit": {"enum": ["working_days", "working_hours", "hours"]}},
    ["amount", "unit"],
)

SCHEMAS: dict[str, Any] = {
    "ResponseTimes": _obj(
        {
            "key": {"type": ["string", "integer", "null"]},
            "label": STR,
            "cases": INT,
            "responded": INT,
            "first_response_median_s": NULL_INT,
            "first_response_p90_s": NULL_INT,
            "resolution_median_s": NULL_INT,
            "within_sla_pct": NULL_NUM,
            "open": INT,
            "csat_avg": NULL_NUM,
        }
    ),
    "Backlog": _obj(
        {
            "opd": _ref("Opd"),
            "open": INT,
            "unassigned": INT,
            "oldest_open_at": {"type": ["string", "null"], "format": "date-time"},
            "breaching": INT,
        }
    ),
    "SlaPolicy": _obj(
        {
            "id": INT,
            "opd": {"type": ["string", "null"]},
            "category": {"type": ["string", "null"]},
            "preset": {"type": ["string", "null"]},
            "response": DEADLINE,
            "resolution": DEADLINE,
        }
    ),
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(media_type: str, example: str) -> dict[str, Any]:
    return {
        "description": f"A download (Content-Disposition: attachment; filename={example})",
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
    }


POLICIES = _json(
    _obj(
        {
            "items": {"type": "array", "items": _ref("SlaPolicy")},
            "presets": {"type": "array", "items": {"type": "object"}},
            "default": STR,
        }
    )
)

PATHS: dict[str, Any] = {
    "/api/v1/reports/response-times": {
        "get": {
            "summary": "Response times per OPD, agent, channel, category, kelurahan or period "
            "(supervisors: their OPD; admins: all). Seconds of office time unless clock=wall; "
            "percentiles are nearest-rank",
            "parameters": [
                _query(
                    "group",
                    {
                        "enum": [
                            "opd",
                            "agent",
                            "channel",
                            "category",
                            "kelurahan",
                            "day",
                            "week",
                            "month",
                        ]
                    },
                    "what one item is (default opd)",
                ),
                *RANGE,
                _query("clock", {"enum": ["business", "wall"]}, "office time (default) or wall"),
            ],
            "responses": {
                "200": _json(
                    _obj(
                        {
                            "from": DATE,
                            "to": DATE,
                            "clock": STR,
                            "group": STR,
                            "items": {"type": "array", "items": _ref("ResponseTimes")},
                        }
                    )
                ),
                "400": ERROR,
                "403": ERROR,
                "404": ERROR,
            },
        }
    },
    "/api/v1/reports/backlog": {
        "get": {
            "summary": "Right now, per OPD: open, unassigned, oldest open, past a deadline",
            "parameters": [RANGE[2]],
            "responses": {"200": _items("Backlog"), "403": ERROR, "404": ERROR},
        }
    },
    "/api/v1/exports/cases.csv": {
        "get": {
            "summary": "Every case of the range, one row each (supervisors: their OPD; admins: "
            "all): streamed CSV, UTF-8 with BOM; local times, durations in seconds and hours. "
            "No personal data. Audited",
            "parameters": RANGE,
            "responses": {
                "200": _file("text/csv", "kanal-kasus-2026-11-01_2026-11-30.csv"),
                "400": ERROR,
                "403": ERROR,
                "404": ERROR,
            },
        }
    },
    "/api/v1/exports/cases.xlsx": {
        "get": {
            "summary": "The same rows as one Excel sheet (bold frozen header, real dates); "
            "413 beyond 1,048,575 cases (export CSV instead). Audited",
            "parameters": RANGE,
            "responses": {
                "200": _file(XLSX, "kanal-kasus-2026-11-01_2026-11-30.xlsx"),
                "400": ERROR,
                "403": ERROR,
                "404": ERROR,
                "413": ERROR,
            },
        }
    },
    "/api/v1/admin/sla-policies": {
        "get": {
            "summary": "SLA policies, the presets and the default",
            "responses": {"200": POLICIES},
        },
        "put": {
            "summary": "Set the policy of an OPD (and maybe one category): a preset or two "
            "deadlines; without opd and category, the organisation's default",
            "requestBody": _json(
                _obj(
                    {
                        "opd": STR,
                        "category": STR,
                        "preset": STR,
                        "response": DEADLINE,
                        "resolution": DEADLINE,
                    }
                )
            ),
            "responses": {"200": POLICIES, "400": ERROR, "422": ERROR},
        },
    },
    "/api/v1/admin/sla-policies/{policy_id}": {
        "delete": {
            "summary": "Remove a policy (its cases fall back to a wider one)",
            "parameters": [{"name": "policy_id", "in": "path", "required": True, "schema": INT}],
            "responses": {"204": {"description": "Removed"}, "404": ERROR},
        }
    },
}
