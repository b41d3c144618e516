"""SLA policies: how long an OPD has to answer a case and to follow it up.

A policy belongs to the organisation, an OPD, or an OPD and one category; a case gets the
most specific one (OPD and category, then OPD, then category anywhere, then the
organisation's), else the `[sla] policy` preset. Deadlines count from the case's arrival:
- working_days: the close of the N-th working day after the day it arrived ("5 hari kerja";
  the day of arrival does not count),
- working_hours: N hours of office time,
- hours: N hours on the clock ("1x24 jam").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from hub.models import utcnow
from hub.store import schema as s
from hub.workdays import Calendar


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    HOURS = "hours"


@dataclass(frozen=True)
class Deadline:
    amount: int
    unit: Unit

    def due(self, start: datetime, calendar: Calendar) -> datetime:
        if self.unit == Unit.WORKING_DAYS:
            return calendar.working_days_due(start, self.amount)
        if self.unit == Unit.WORKING_HOURS:
            return calendar.add_business(start, self.amount * 3600)
        return start + timedelta(hours=self.amount)

    def view(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": str(self.unit)}


@dataclass(frozen=True)
class Policy:
    response: Deadline
    resolution: Deadline
    preset: str | None = None


#: Presets. SP4N-LAPOR!: an answer within 5 working days, the follow-up within 14
#: (complaints needing an inspection: 60); the "Nx24 jam" promises of city services
#: (street lights, waste, water): handled within N x 24 hours on the clock, answered in 24.
PRESETS: dict[str, Policy] = {
    "lapor": Policy(Deadline(5, Unit.WORKING_DAYS), Deadline(14, Unit.WORKING_DAYS), "lapor"),
    "lapor-60": Policy(Deadline(5, Unit.WORKING_DAYS), Deadline(60, Unit.WORKING_DAYS), "lapor-60"),
    "1x24": Policy(Deadline(24, Unit.HOURS), Deadline(24, Unit.HOURS), "1x24"),
    "2x24": Policy(Deadline(24, Unit.HOURS), Deadline(48, Unit.HOURS), "2x24"),
    "3x24": Policy(Deadline(24, Unit.HOURS), Deadline(72, Unit.HOURS), "3x24"),
}


def warn_at(created: datetime, due: datetime, warn: float) -> datetime:
    """When to warn of a deadline: once `warn` (0.8: 80%) of its time is used."""
    return created + (due - created) * warn


class PolicyError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Policies:
    """Every policy of the organisation, keyed by (opd id, category); None: any."""

    rules: dict[tuple[int | None, str | None], Policy]
    default: Policy

    def for_case(self, opd_id: int, category: str | None) -> Policy:
        keys = [(opd_id, category), (opd_id, None), (None, category), (None, None)]
        for key in keys if category is not None else keys[1::2]:
            found = self.rules.get(key)
            if found is not None:
                return found
        return self.default


def load(conn: Connection, org_id: int, default: str) -> Policies:
    rows = conn.execute(select(s.sla_policy).where(s.sla_policy.c.organization_id == org_id))
    return Policies({(r.opd_id, r.category): _policy(r) for r in rows}, PRESETS[default])


def _policy(row: Any) -> Policy:
    return Policy(
        Deadline(row.response_amount, Unit(row.response_unit)),
        Deadline(row.resolution_amount, Unit(row.resolution_unit)),
        row.preset,
    )


# -- the admin's list --------------------------------------------------------------------
def policy_view(row: Any, opd_slugs: dict[int, str]) -> dict[str, Any]:
    policy = _policy(row)
    return {
        "id": row.id,
        "opd": opd_slugs.get(row.opd_id) if row.opd_id is not None else None,
        "category": row.category,
        "preset": row.preset,
        "response": policy.response.view(),
        "resolution": policy.resolution.view(),
    }


def listed(conn: Connection, org_id: int, opd_slugs: dict[int, str]) -> list[dict[str, Any]]:
    c = s.sla_policy.c
    rows = conn.execute(
        select(s.sla_policy).where(c.organization_id == org_id).order_by(c.opd_id, c.category)
    )
    return [policy_view(r, opd_slugs) for r in rows]


def save(
    conn: Connection,
    org_id: int,
    opd_id: int | None,
    category: str | None,
    data: dict[str, Any],
) -> int:
    """Create or replace the policy of (OPD, category): from a preset, or two deadlines."""
    policy = parse(data)
    c = s.sla_policy.c
    conn.execute(
        delete(s.sla_policy).where(
            c.organization_id == org_id,
            c.opd_id.is_(None) if opd_id is None else c.opd_id == opd_id,
            c.category.is_(None) if category is None else c.category == category,
        )
    )
    found = (
        conn.execute(
            insert(s.sla_policy).values(
                organization_id=org_id,
                opd_id=opd_id,
                category=category,
                preset=policy.preset,
                response_amount=policy.response.amount,
                response_unit=policy.response.unit,
                resolution_amount=policy.resolution.amount,
                resolution_unit=policy.resolution.unit,
                created_at=utcnow(),
            )
        )
    ).inserted_primary_key
    assert found is not None
    return int(found[0])


def remove(conn: Connection, org_id: int, policy_id: int) -> None:
    c = s.sla_policy.c
    gone = conn.execute(
        delete(s.sla_policy).where(c.organization_id == org_id, c.id == policy_id)
    ).rowcount
    if not gone:
        raise PolicyError("not_found", "no such SLA policy")


def parse(data: dict[str, Any]) -> Policy:
    """{"preset": "1x24"} or {"response": {"amount": 5, "unit": "working_days"},
    "resolution": {...}} (a preset's deadline may be overridden one at a time)."""
    preset = data.get("preset")
    base: Policy | None = None
    if preset is not None:
        if not isinstance(preset, str) or preset not in PRESETS:
            raise PolicyError("bad_request", f"preset must be one of {', '.join(PRESETS)}")
        base = PRESETS[preset]
    response = _deadline(data.get("response"), base.response if base else None, "response")
    resolution = _deadline(data.get("resolution"), base.resolution if base else None, "resolution")
    same = base is not None and (response, resolution) == (base.response, base.resolution)
    return Policy(response, resolution, preset if same else None)


def _deadline(raw: Any, fallback: Deadline | None, name: str) -> Deadline:
    if raw is None:
        if fallback is None:
            raise PolicyError("bad_request", f"give a preset or the {name} deadline")
        return fallback
    if not isinstance(raw, dict):
        raise PolicyError("bad_request", f"{name} must be an object with amount and unit")
    amount, unit = raw.get("amount"), raw.get("unit")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 10_000:
        raise PolicyError("bad_request", f"{name}.amount must be a whole number from 1")
    if not isinstance(unit, str) or unit not in {str(u) for u in Unit}:
        raise PolicyError(
            "bad_request", f"{name}.unit must be working_days, working_hours or hours"
        )
    return Deadline(amount, Unit(unit))


def presets_view() -> list[dict[str, Any]]:
    return [
        {"name": name, "response": p.response.view(), "resolution": p.resolution.view()}
        for name, p in PRESETS.items()
    ]
