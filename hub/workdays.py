"""Indonesian working time: office hours, national holidays, cuti bersama and local days off.

Pure: no I/O, no clock, no database. National holidays and cuti bersama (joint leave days,
the `holidays` package's "government" category) are loaded a year at a time on first use
and kept for the life of the process. All arithmetic is done in the city's local wall-clock
time, with office hours as half-open spans [opens, closes); breaks (istirahat) count as
office time. Instants are counted in whole seconds: the sub-second part of an input is
dropped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import holidays

LOCAL_DAY_OFF = "Hari libur daerah"
NATIONAL_CATEGORIES = ("public", "government")  # "government" holds the cuti bersama


def _clock(at: time | datetime) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


@dataclass(frozen=True)
class OfficeHours:
    """One weekday's office span in local time."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("office hours are local wall-clock times, without a tzinfo")
        if _clock(self.opens) >= _clock(self.closes):
            raise ValueError(
                f"office hours must open before they close: {self.opens}-{self.closes}"
            )


# The usual five-day Pemda week: ASN work 37.5 hours a week net of breaks (Perpres 21/2023),
# most often kept as Mon-Thu 07:30-16:00 and Fri 07:30-16:30 (the longer Friday break is for
# Jumatan). A city with another schedule stores its own business_hours rows.
DEFAULT_WEEK: Mapping[int, OfficeHours] = MappingProxyType(
    {
        **{weekday: OfficeHours(time(7, 30), time(16, 0)) for weekday in range(4)},
        4: OfficeHours(time(7, 30), time(16, 30)),
    }
)


class _Weekly:
    """Running total of a per-weekday weight over day numbers (day n is weekday n % 7)."""

    def __init__(self, weights: list[int]) -> None:
        self._before = [0, *accumulate(weights)]
        self._week = self._before[7]

    def upto(self, day: int) -> int:
        """The weight of all days before `day`."""
        weeks, weekday = divmod(day, 7)
        return weeks * self._week + self._before[weekday]

    def reaching(self, total: int) -> int:
        """The first day number n with upto(n) >= total (> 0)."""
        weeks = (total - 1) // self._week
        return weeks * 7 + bisect_left(self._before, total - weeks * self._week)


class Calendar:
    """Office time of one city. Day numbers are `date.toordinal() - 1`, so that Monday is 0 mod 7.

    business_seconds is O(log holidays) whatever the span: about 5 µs per call (CPython 3.11),
    for a few days as for months. add_business and working_days_due add a few iterations, one
    per run of holidays they cross.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        week: Mapping[int, OfficeHours],
        days_off: Iterable[date] = (),
        public_holidays: bool = True,
    ) -> None:
        if not set(week) <= set(range(7)):
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(week)}")
        if not week:
            raise ValueError("a calendar needs at least one weekday with office hours")
        self.tz = tz
        self.week: Mapping[int, OfficeHours] = MappingProxyType(dict(sorted(week.items())))
        hours = [week.get(weekday) for weekday in range(7)]
        self._opens = [_clock(h.opens) if h else 0 for h in hours]
        self._closes = [_clock(h.closes) if h else 0 for h in hours]
        self._length = [
            closes - opens for opens, closes in zip(self._opens, self._closes, strict=True)
        ]
        self._seconds = _Weekly(self._length)
        self._days = _Weekly([1 if length else 0 for length in self._length])
        self._public = public_holidays
        self._names: dict[date, str] = dict.fromkeys(days_off, LOCAL_DAY_OFF)
        self._years: tuple[int, int] | None = None  # national holidays known for these years
        self._known = (0, 0)  # ... which are these day numbers, end excluded
        self._index()

    @classmethod
    def from_rows(
        cls,
        tz_name: str,
        rows: Iterable[Mapping[str, Any]],
        days_off: Iterable[date] = (),
        public_holidays: bool = True,
    ) -> Calendar:
        """From business_hours rows ({"weekday": 0, "opens": "08:00", "closes": "16:00"}).

        A weekday without a row is closed; no rows at all is DEFAULT_WEEK.
        """
        week: dict[int, OfficeHours] = {}
        for row in rows:
            weekday = int(row["weekday"])
            if weekday in week:
                raise ValueError(f"weekday {weekday} has more than one business_hours row")
            week[weekday] = OfficeHours(_time(row["opens"]), _time(row["closes"]))
        return cls(ZoneInfo(tz_name), week or DEFAULT_WEEK, days_off, public_holidays)

    def is_working_day(self, day: date) -> bool:
        number = day.toordinal() - 1
        self._load(number, number + 1)
        return self._length[number % 7] > 0 and number not in self._closed_set

    def holiday_name(self, day: date) -> str | None:
        """The national holiday, cuti bersama or local day off on `day`, in Indonesian."""
        number = day.toordinal() - 1
        self._load(number, number + 1)
        return self._names.get(day)

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Seconds of office time between two aware instants; 0 if end <= start."""
        first, start_clock = self._local(start)
        last, end_clock = self._local(end)
        if end <= start:
            return 0
        whole_days = self._seconds.upto(last) - self._seconds.upto(first) - self._lost(first, last)
        return whole_days + self._done(last, end_clock) - self._done(first, start_clock)

    def add_business(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant when `seconds` of office time have passed since `start`.

        Outside office hours counting begins at the next opening; a count that ends exactly
        at closing time gives the closing time, not the next opening.
        """
        if seconds < 0:
            raise ValueError(f"cannot add negative office time: {seconds}")
        day, clock = self._local(start)
        if seconds == 0:
            return start.astimezone(UTC)
        total = seconds + self._done(day, clock)
        day, rest = self._reach(day, total, self._seconds, self._lost)
        return self._instant(day, self._opens[day % 7] + rest)

    def working_days_due(self, start: datetime, days: int) -> datetime:
        """Closing time of the `days`-th working day after the local day of `start`.

        The day of receipt never counts: received on Saturday, Monday is day 1.
        """
        if days < 1:
            raise ValueError(f"a deadline is at least 1 working day, got {days}")
        received, _ = self._local(start)
        due, _ = self._reach(received + 1, days, self._days, self._lost_days)
        return self._instant(due, self._closes[due % 7])

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself while the office is open, else the next opening time."""
        day, clock = self._local(at)
        done = self._done(day, clock)
        if day not in self._closed_set and self._opens[day % 7] <= clock < self._closes[day % 7]:
            return at.astimezone(UTC)
        day, _ = self._reach(day, done + 1, self._seconds, self._lost)
        return self._instant(day, self._opens[day % 7])

    def _local(self, at: datetime) -> tuple[int, int]:
        """Local day number and whole seconds since local midnight of an aware instant."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"naive datetime {at.isoformat()}: pass an aware datetime (UTC)")
        local = at.astimezone(self.tz)
        return local.toordinal() - 1, _clock(local)

    def _instant(self, day: int, clock: int) -> datetime:
        midnight = datetime.combine(date.fromordinal(day + 1), time(), tzinfo=self.tz)
        return (midnight + timedelta(seconds=clock)).astimezone(UTC)

    def _done(self, day: int, clock: int) -> int:
        """Office seconds of `day` that have passed at `clock`."""
        self._load(day, day + 1)
        if day in self._closed_set:
            return 0
        weekday = day % 7
        return min(max(clock - self._opens[weekday], 0), self._length[weekday])

    def _lost(self, first: int, end: int) -> int:
        """Office seconds that days off take from the days first..end-1."""
        self._load(first, end)
        lost = self._lost_before
        return lost[bisect_left(self._closed, end)] - lost[bisect_left(self._closed, first)]

    def _lost_days(self, first: int, end: int) -> int:
        """Working days that days off take from the days first..end-1."""
        self._load(first, end)
        return bisect_left(self._closed, end) - bisect_left(self._closed, first)

    def _reach(
        self, first: int, total: int, weekly: _Weekly, lost: Callable[[int, int], int]
    ) -> tuple[int, int]:
        """The day on which `total` (> 0) of weight, counted from day `first`, is reached, and
        how much of it falls on that day.

        Start from the answer of a week without days off, then push it later by the days off
        in between until no more are crossed (every step stays at or before the answer).
        """
        base = weekly.upto(first)
        missing = 0
        while True:
            end = weekly.reaching(base + total + missing)
            crossed = lost(first, end)
            if crossed == missing:
                break
            missing = crossed
        day = end - 1
        return day, total - (weekly.upto(day) - base - lost(first, day))

    def _load(self, first: int, end: int) -> None:
        """Know the national holidays of the days first..end-1, a whole year at a time."""
        if end <= first or (self._known[0] <= first and end <= self._known[1]):
            return
        low = date.fromordinal(first + 1).year
        high = date.fromordinal(end).year
        if self._years is not None:
            low, high = min(low, self._years[0]), max(high, self._years[1])
        missing = [
            year
            for year in range(low, high + 1)
            if self._years is None or not self._years[0] <= year <= self._years[1]
        ]
        if self._public:
            for year in missing:
                self._names.update(_national(year))  # a national name wins over a local one
        self._years = (low, high)
        self._known = (date(low, 1, 1).toordinal() - 1, date(high, 12, 31).toordinal())
        self._index()

    def _index(self) -> None:
        """Sorted day numbers of the days off that fall on open weekdays, and their office time."""
        numbers = (day.toordinal() - 1 for day in self._names)
        self._closed = sorted(n for n in numbers if self._length[n % 7])
        self._closed_set = frozenset(self._closed)
        self._lost_before = [0, *accumulate(self._length[n % 7] for n in self._closed)]


@cache
def _national(year: int) -> Mapping[date, str]:
    """Indonesian public holidays and cuti bersama of one year, shared by every calendar."""
    national = holidays.country_holidays(
        "ID", years=year, categories=NATIONAL_CATEGORIES, language="id"
    )
    return MappingProxyType(dict(national))


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        return time.fromisoformat(value)
    raise ValueError(f"not a time of day: {value!r}")
