"""The city's reference lists, kept by the coordinator and read by every agent: case
categories, canned responses (/salam), business hours and areas (kecamatan, kelurahan)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from hub.admin import AdminError, active_opd
from hub.models import utcnow
from hub.store import schema as s
from hub.store.queries import new_id

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
VARIABLE = re.compile(r"\{([^{}]*)\}")
#: What a canned response may say about the case: the resident, the tracking code, the OPD.
VARIABLES = ("nama", "kode", "opd")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_BODY = 2000
MAX_AREAS = 5000


def _name(value: str, what: str, limit: int) -> str:
    value = " ".join(value.split())
    if not 1 <= len(value) <= limit:
        raise AdminError("bad_request", f"{what} must have 1 to {limit} characters")
    return value


def _opd_ref(conn: Connection, org_id: int, opd_id: int | None) -> int | None:
    if opd_id is not None:
        active_opd(conn, org_id, opd_id)
    return opd_id


def _row(conn: Connection, table: Any, org_id: int, row_id: int, what: str) -> Any:
    row = conn.execute(
        select(table).where(table.c.id == row_id, table.c.organization_id == org_id)
    ).first()
    if row is None:
        raise AdminError("not_found", f"{what} not found")
    return row


# -- categories --------------------------------------------------------------------------
def category_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "opd_id": row.opd_id,
        "needs_after_photo": bool(row.needs_after_photo),
        "active": bool(row.active),
    }


def list_categories(conn: Connection, org_id: int) -> list[dict[str, Any]]:
    c = s.category.c
    rows = conn.execute(select(s.category).where(c.organization_id == org_id).order_by(c.name))
    return [category_view(r) for r in rows]


def _unique_category(conn: Connection, org_id: int, name: str, but: int | None = None) -> None:
    c = s.category.c
    query = select(c.id).where(c.organization_id == org_id, c.name == name)
    if but is not None:
        query = query.where(c.id != but)
    if conn.execute(query).first() is not None:
        raise AdminError("duplicate", f"a category named {name!r} exists already")


def create_category(
    conn: Connection, org_id: int, name: str, opd_id: int | None, needs_after_photo: bool
) -> dict[str, Any]:
    name = _name(name, "name", 100)
    _unique_category(conn, org_id, name)
    values = {
        "organization_id": org_id,
        "name": name,
        "opd_id": _opd_ref(conn, org_id, opd_id),
        "needs_after_photo": needs_after_photo,
    }
    category_id = new_id(conn, insert(s.category).values(**values))
    return category_view(_row(conn, s.category, org_id, category_id, "category"))


def update_category(
    conn: Connection, org_id: int, category_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Rename, change the usual OPD, the after-photo rule, or (de)activate it. A category
    is never deleted: past cases keep naming it."""
    row = _row(conn, s.category, org_id, category_id, "category")
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = _name(changes["name"], "name", 100)
        _unique_category(conn, org_id, values["name"], but=category_id)
    if "opd_id" in changes and changes["opd_id"] != row.opd_id:
        values["opd_id"] = _opd_ref(conn, org_id, changes["opd_id"])
    for flag in ("needs_after_photo", "active"):
        if flag in changes:
            values[flag] = changes[flag]
    if values:
        conn.execute(update(s.category).where(s.category.c.id == category_id).values(**values))
    return category_view(_row(conn, s.category, org_id, category_id, "category"))


# -- canned responses --------------------------------------------------------------------
def canned_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "shortcut": row.shortcut, "body": row.body, "opd_id": row.opd_id}


def list_canned(conn: Connection, org_id: int, opd_ids: list[int] | None) -> list[dict[str, Any]]:
    """Every OPD's (opd_ids None: an admin), else those for all OPDs and for opd_ids."""
    c = s.canned_response.c
    query = select(s.canned_response).where(c.organization_id == org_id)
    if opd_ids is not None:
        query = query.where(c.opd_id.is_(None) | c.opd_id.in_(opd_ids))
    # Those for every OPD first, on PostgreSQL as on SQLite (which sorts NULL first).
    query = query.order_by(c.shortcut, c.opd_id.asc().nulls_first())
    return [canned_view(r) for r in conn.execute(query)]


def _shortcut(value: str) -> str:
    value = value.strip().lstrip("/").lower()
    if not SHORTCUT.match(value):
        raise AdminError("bad_request", "shortcut: a-z, 0-9, '_' and '-', at most 40, e.g. salam")
    return value


def _body(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= MAX_BODY:
        raise AdminError("bad_request", f"body must have 1 to {MAX_BODY} characters")
    unknown = sorted({v for v in VARIABLE.findall(value) if v not in VARIABLES})
    if unknown:
        known = ", ".join("{" + v + "}" for v in VARIABLES)
        raise AdminError("bad_request", f"unknown variable {{{unknown[0]}}}; use {known}")
    return value


def _unique_shortcut(
    conn: Connection, org_id: int, opd_id: int | None, shortcut: str, but: int | None = None
) -> None:
    # By hand: the UNIQUE constraint treats every NULL opd_id (all OPDs) as different.
    c = s.canned_response.c
    same_opd = c.opd_id.is_(None) if opd_id is None else c.opd_id == opd_id
    query = select(c.id).where(c.organization_id == org_id, c.shortcut == shortcut, same_opd)
    if but is not None:
        query = query.where(c.id != but)
    if conn.execute(query).first() is not None:
        raise AdminError("duplicate", f"/{shortcut} exists already for this OPD")


def create_canned(
    conn: Connection, org_id: int, shortcut: str, body: str, opd_id: int | None
) -> dict[str, Any]:
    shortcut, body = _shortcut(shortcut), _body(body)
    opd_id = _opd_ref(conn, org_id, opd_id)
    _unique_shortcut(conn, org_id, opd_id, shortcut)
    values = {
        "organization_id": org_id,
        "opd_id": opd_id,
        "shortcut": shortcut,
        "body": body,
        "created_at": utcnow(),
    }
    canned_id = new_id(conn, insert(s.canned_response).values(**values))
    return canned_view(_row(conn, s.canned_response, org_id, canned_id, "canned response"))


def update_canned(
    conn: Connection, org_id: int, canned_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    row = _row(conn, s.canned_response, org_id, canned_id, "canned response")
    shortcut = _shortcut(changes["shortcut"]) if "shortcut" in changes else row.shortcut
    body = _body(changes["body"]) if "body" in changes else row.body
    opd_id = changes.get("opd_id", row.opd_id)
    if opd_id != row.opd_id:
        _opd_ref(conn, org_id, opd_id)
    _unique_shortcut(conn, org_id, opd_id, shortcut, but=canned_id)
    values = {"shortcut": shortcut, "body": body, "opd_id": opd_id}
    conn.execute(
        update(s.canned_response).where(s.canned_response.c.id == canned_id).values(values)
    )
    return canned_view(_row(conn, s.canned_response, org_id, canned_id, "canned response"))


def delete_canned(conn: Connection, org_id: int, canned_id: int) -> None:
    _row(conn, s.canned_response, org_id, canned_id, "canned response")
    conn.execute(delete(s.canned_response).where(s.canned_response.c.id == canned_id))


def render_canned(body: str, *, nama: str, kode: str, opd: str) -> str:
    """A canned response with the case's details filled in (unknown braces stay as typed)."""
    values = {"nama": nama, "kode": kode, "opd": opd}
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


# -- business hours ----------------------------------------------------------------------
def hours(conn: Connection, org_id: int, opd_id: int | None = None) -> list[dict[str, Any]]:
    """When the offices work, per weekday (0 Monday .. 6 Sunday); a missing day is closed.
    Without an OPD: the organisation's week; with one: that OPD's own week (often none)."""
    c = s.business_hours.c
    rows = conn.execute(
        select(s.business_hours)
        .where(c.organization_id == org_id, _same_opd(opd_id))
        .order_by(c.weekday)
    )
    return [{"weekday": r.weekday, "opens": r.opens, "closes": r.closes} for r in rows]


def _same_opd(opd_id: int | None) -> Any:
    c = s.business_hours.c
    return c.opd_id.is_(None) if opd_id is None else c.opd_id == opd_id


def set_hours(
    conn: Connection, org_id: int, days: list[dict[str, Any]], opd_id: int | None = None
) -> list[dict[str, Any]]:
    """Replace the whole week at once (an OPD's empty week: it works the organisation's)."""
    seen: set[int] = set()
    rows = []
    for day in days:
        weekday, opens, closes = day.get("weekday"), day.get("opens"), day.get("closes")
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            raise AdminError("bad_request", "weekday must be 0 (Monday) to 6 (Sunday)")
        if weekday in seen:
            raise AdminError("bad_request", f"weekday {weekday} is given twice")
        seen.add(weekday)
        for value in (opens, closes):
            if not isinstance(value, str) or not TIME.match(value):
                raise AdminError("bad_request", "opens and closes must be HH:MM, e.g. 08:00")
        assert isinstance(opens, str) and isinstance(closes, str)
        if opens >= closes:
            raise AdminError("bad_request", f"weekday {weekday}: opens must be before closes")
        rows.append(
            {
                "organization_id": org_id,
                "opd_id": opd_id,
                "weekday": weekday,
                "opens": opens,
                "closes": closes,
            }
        )
    conn.execute(
        delete(s.business_hours).where(
            s.business_hours.c.organization_id == org_id, _same_opd(opd_id)
        )
    )
    if rows:
        conn.execute(insert(s.business_hours), rows)
    return hours(conn, org_id, opd_id)


# -- areas -------------------------------------------------------------------------------
def area_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "kecamatan": row.kecamatan, "kelurahan": row.kelurahan}


def list_areas(conn: Connection, org_id: int) -> list[dict[str, Any]]:
    c = s.area.c
    query = select(s.area).where(c.organization_id == org_id).order_by(c.kecamatan, c.kelurahan)
    return [area_view(r) for r in conn.execute(query)]


def _area_id(conn: Connection, org_id: int, kecamatan: str, kelurahan: str) -> int | None:
    c = s.area.c
    return conn.execute(
        select(c.id).where(
            c.organization_id == org_id, c.kecamatan == kecamatan, c.kelurahan == kelurahan
        )
    ).scalar()


def add_area(conn: Connection, org_id: int, kecamatan: str, kelurahan: str) -> dict[str, Any]:
    kecamatan, kelurahan = _name(kecamatan, "kecamatan", 100), _name(kelurahan, "kelurahan", 100)
    if _area_id(conn, org_id, kecamatan, kelurahan) is not None:
        raise AdminError("duplicate", f"{kelurahan} ({kecamatan}) is listed already")
    values = {"organization_id": org_id, "kecamatan": kecamatan, "kelurahan": kelurahan}
    area_id = new_id(conn, insert(s.area).values(**values))
    return area_view(_row(conn, s.area, org_id, area_id, "area"))


def import_areas(conn: Connection, org_id: int, text: str) -> dict[str, int]:
    """CSV lines `kecamatan,kelurahan` (a header line is skipped). Areas listed already are
    skipped; any bad line refuses the whole import, with the line numbers."""
    problems: list[str] = []
    wanted: list[tuple[str, str]] = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [" ".join(f.split()) for f in fields]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["kecamatan", "kelurahan"]:
            continue
        if len(cells) != 2 or not all(1 <= len(c) <= 100 for c in cells):
            problems.append(f"line {number}: expected kecamatan,kelurahan")
            continue
        wanted.append((cells[0], cells[1]))
    if len(wanted) > MAX_AREAS:
        raise AdminError("bad_request", f"at most {MAX_AREAS} lines at once")
    if problems:
        raise AdminError("bad_request", "; ".join(problems[:10]))
    return add_areas(conn, org_id, wanted)


def add_areas(conn: Connection, org_id: int, pairs: list[tuple[str, str]]) -> dict[str, int]:
    """Add (kecamatan, kelurahan) pairs, skipping those listed already."""
    added = skipped = 0
    for kecamatan, kelurahan in dict.fromkeys(pairs):
        if _area_id(conn, org_id, kecamatan, kelurahan) is not None:
            skipped += 1
            continue
        conn.execute(
            insert(s.area).values(organization_id=org_id, kecamatan=kecamatan, kelurahan=kelurahan)
        )
        added += 1
    return {"added": added, "skipped": skipped}


def delete_area(conn: Connection, org_id: int, area_id: int) -> None:
    _row(conn, s.area, org_id, area_id, "area")
    conn.execute(delete(s.area).where(s.area.c.id == area_id))
