"""The monthly recap per OPD, for the Kepala Dinas' meeting: the month's response-time
figures beside the previous month's, the month per category and per kelurahan, and the
oldest cases still open — read from the SLA facts like every report (hub/reports.py).

No personal data: a case is its tracking code, category, kelurahan and age, never its
resident or what was written. How the figures read (hours and minutes of office time,
Indonesian numbers) is here too, as the page's Jinja2 filters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from hub import reports
from hub.directory import Directory, Opd
from hub.models import OPEN_STATUSES
from hub.reports import Query, ReportError
from hub.store import schema as s

OLDEST = 10

#: The figures compared month to month: (report field, label, kind).
FIGURES = (
    ("cases", "Pengaduan masuk", "count"),
    ("responded", "Sudah ditanggapi", "count"),
    ("first_response_median_s", "Median tanggapan pertama", "duration"),
    ("first_response_p90_s", "Tanggapan pertama, persentil ke-90", "duration"),
    ("resolution_median_s", "Median penyelesaian", "duration"),
    ("within_sla_pct", "Ditanggapi tepat waktu (SLA)", "percent"),
    ("open", "Masih terbuka", "count"),
    ("csat_avg", "Kepuasan warga (1–5)", "score"),
)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        if not re.fullmatch(r"(19|2\d)\d\d-(0[1-9]|1[0-2])", text):
            raise ReportError("month must be a month like 2026-11")
        return cls(int(text[:4]), int(text[5:]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return self.following.start - timedelta(days=1)

    @property
    def previous(self) -> Month:
        return Month.of(self.start - timedelta(days=1))

    @property
    def following(self) -> Month:
        return Month.of(self.start + timedelta(days=31))

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def build(
    conn: Connection,
    directory: Directory,
    month: Month,
    opds: Sequence[Opd],
    now: datetime,
    tz: ZoneInfo,
) -> list[dict[str, Any]]:
    """One page per OPD (a deactivated one only if it had cases in either month)."""
    ids = [o.id for o in opds]
    current = _by_opd(conn, directory, month, ids)
    previous = _by_opd(conn, directory, month.previous, ids)
    opds = [o for o in opds if o.active or o.id in current or o.id in previous]
    return [
        {
            "opd": opd.view(),
            "figures": _compare(current.get(opd.id, {}), previous.get(opd.id, {})),
            "categories": _breakdown(conn, directory, month, opd.id, "category"),
            "kelurahan": _breakdown(conn, directory, month, opd.id, "kelurahan"),
            "oldest_open": oldest_open(conn, opd.id, now, tz),
        }
        for opd in opds
    ]


def cases(pages: list[dict[str, Any]]) -> int:
    """How many of the month's cases the recap counts."""
    return sum(page["figures"][0]["current"] for page in pages)


def _by_opd(
    conn: Connection, directory: Directory, month: Month, ids: list[int]
) -> dict[int, dict[str, Any]]:
    query = Query("opd", month.start, month.end, opd_ids=ids)
    return {item["key"]: item for item in reports.response_times(conn, directory, query)}


def _compare(now: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label, kind in FIGURES:
        default = 0 if kind == "count" else None
        current, previous = now.get(key, default), before.get(key, default)
        change = None if current is None or previous is None else current - previous
        rows.append(
            {
                "label": label,
                "kind": kind,
                "current": current,
                "previous": previous,
                "change": change,
            }
        )
    return rows


def _breakdown(
    conn: Connection, directory: Directory, month: Month, opd_id: int, group: str
) -> list[dict[str, Any]]:
    query = Query(group, month.start, month.end, opd_ids=[opd_id])
    return reports.response_times(conn, directory, query)


def oldest_open(conn: Connection, opd_id: int, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The OPD's cases open longest, right now (whenever they arrived)."""
    c = s.conversation.c
    rows = conn.execute(
        select(c.tracking_code, c.category, c.kelurahan, c.status, c.created_at)
        .where(c.opd_id == opd_id, c.status.in_(OPEN_STATUSES))
        .order_by(c.created_at, c.id)
        .limit(OLDEST)
    )
    return [
        {
            "tracking_code": r.tracking_code,
            "category": r.category,
            "kelurahan": r.kelurahan,
            "status": r.status,
            "arrived": r.created_at.astimezone(tz).date(),
            "age_days": (now - r.created_at).days,
        }
        for r in rows
    ]


# -- how the figures read ----------------------------------------------------------------
DASH = "—"
MINUS = "−"


def duration(seconds: float | None, signed: bool = False) -> str:
    """Office seconds as hours and minutes: 8040 -> "2 j 14 m"; signed: a change."""
    if seconds is None:
        return DASH
    total = round(abs(seconds) / 60)
    hours, minutes = divmod(total, 60)
    parts = ([f"{hours} j"] if hours else []) + ([f"{minutes} m"] if minutes or not hours else [])
    return _sign(seconds, total, signed) + " ".join(parts)


def number(value: float | None, decimals: int = 0, signed: bool = False) -> str:
    """Indonesian digits: 1.234 and 93,4; signed: a change."""
    if value is None:
        return DASH
    shown = round(abs(value), decimals)
    text = f"{shown:,.{decimals}f}".translate(_INDONESIAN_DIGITS)
    return _sign(value, shown, signed) + text


_INDONESIAN_DIGITS = str.maketrans(",.", ".,")


def figure(value: float | None, kind: str, signed: bool = False) -> str:
    """A figure of FIGURES (or of a breakdown) by its kind; signed: a change."""
    if kind == "duration":
        return duration(value, signed)
    if kind == "percent":
        text = number(value, 1, signed)
        return text if value is None else text + (" poin" if signed else "%")
    return number(value, 2 if kind == "score" else 0, signed)


def _sign(value: float, shown: float, signed: bool) -> str:
    """+ or − before a change that is not zero as shown."""
    if not signed or not shown:
        return ""
    return "+" if value > 0 else MINUS


def filters(month_names: Sequence[str]) -> dict[str, Callable[..., str]]:
    """The page's Jinja2 filters; month_names: January's first."""

    def month_name(month: Month) -> str:
        return f"{month_names[month.month - 1]} {month.year}"

    def day_name(day: date) -> str:
        return f"{day.day} {month_names[day.month - 1]} {day.year}"

    return {
        "durasi": duration,
        "angka": number,
        "nilai": figure,
        "bulan": month_name,
        "tanggal": day_name,
    }
