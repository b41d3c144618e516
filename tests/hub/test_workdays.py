"""Indonesian working time, on hand-computed timelines.

Unless a test says otherwise the calendar is Jakarta (WIB, UTC+7) with the default Pemda
week: Mon-Thu 07:30-16:00 (8.5 h = 30600 s), Fri 07:30-16:30 (9 h = 32400 s).
Holiday dates below were read from the installed `holidays` package (categories public and
government, language id), not from memory.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.workdays import DEFAULT_WEEK, LOCAL_DAY_OFF, Calendar, OfficeHours

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")
HOUR = 3600

# A plain week of July 2025, no holiday anywhere near.
MON, TUE, WED, THU, FRI, SAT, SUN, NEXT_MON = (date(2025, 7, d) for d in range(14, 22))


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WIB)


def wit(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WIT)


@pytest.fixture(scope="module")
def jakarta() -> Calendar:
    return Calendar.from_rows("Asia/Jakarta", [])


# business_seconds


def test_office_time_within_one_day(jakarta: Calendar) -> None:
    assert jakarta.business_seconds(wib(TUE, 9), wib(TUE, 11, 30)) == 2.5 * HOUR


def test_the_night_does_not_count(jakarta: Calendar) -> None:
    # Tue 15:00-16:00 (1 h) + Wed 07:30-09:00 (1.5 h)
    assert jakarta.business_seconds(wib(TUE, 15), wib(WED, 9)) == 2.5 * HOUR


def test_friday_afternoon_to_monday_skips_the_weekend(jakarta: Calendar) -> None:
    # Fri 15:00-16:30 (1.5 h, Friday closes later) + Mon 07:30-10:00 (2.5 h)
    assert jakarta.business_seconds(wib(FRI, 15), wib(NEXT_MON, 10)) == 4 * HOUR


def test_start_and_end_outside_office_hours_count_whole_days(jakarta: Calendar) -> None:
    # Mon 06:00 (before opening) to Wed 20:00 (after closing): three whole days of 8.5 h
    assert jakarta.business_seconds(wib(MON, 6), wib(WED, 20)) == 3 * 8.5 * HOUR


def test_a_span_inside_a_weekend_or_a_night_is_zero(jakarta: Calendar) -> None:
    assert jakarta.business_seconds(wib(SAT, 9), wib(SUN, 15)) == 0
    assert jakarta.business_seconds(wib(TUE, 17), wib(WED, 7)) == 0


def test_end_before_start_is_zero(jakarta: Calendar) -> None:
    assert jakarta.business_seconds(wib(WED, 10), wib(TUE, 10)) == 0
    assert jakarta.business_seconds(wib(WED, 10), wib(WED, 10)) == 0


def test_christmas_and_its_cuti_bersama_are_closed(jakarta: Calendar) -> None:
    wed, thu, fri, mon = (
        date(2025, 12, 24),
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2025, 12, 29),
    )
    assert jakarta.holiday_name(thu) == "Hari Raya Natal"
    assert jakarta.holiday_name(fri) == "Cuti Bersama Hari Raya Natal"
    # Wed 14:00-16:00 (2 h), Thu holiday, Fri cuti bersama, weekend, Mon 07:30-09:00 (1.5 h)
    assert jakarta.business_seconds(wib(wed, 14), wib(mon, 9)) == 3.5 * HOUR


def test_without_public_holidays_christmas_is_an_office_day() -> None:
    plain = Calendar(WIB, DEFAULT_WEEK, public_holidays=False)
    wed, mon = date(2025, 12, 24), date(2025, 12, 29)
    # the 3.5 h above + Thu 8.5 h + Fri 9 h
    assert plain.business_seconds(wib(wed, 14), wib(mon, 9)) == 21 * HOUR
    assert plain.holiday_name(date(2025, 12, 25)) is None


def test_lebaran_2025_is_a_whole_week_without_a_working_day(jakarta: Calendar) -> None:
    # Fri 28 Mar cuti bersama Nyepi, Sat 29 Nyepi, Mon 31 Mar and Tue 1 Apr Idul Fitri,
    # Wed 2 - Fri 4 and Mon 7 Apr cuti bersama Idul Fitri.
    closed = [date(2025, 3, 28) + timedelta(days=n) for n in range(11)]
    assert not any(jakarta.is_working_day(day) for day in closed)
    assert jakarta.holiday_name(date(2025, 3, 31)) == "Hari Raya Idul Fitri"
    assert jakarta.holiday_name(date(2025, 4, 2)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert jakarta.holiday_name(date(2025, 4, 7)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert jakarta.is_working_day(date(2025, 3, 27))
    assert jakarta.is_working_day(date(2025, 4, 8))
    week = wib(date(2025, 3, 31), 0), wib(date(2025, 4, 7), 0)
    assert jakarta.business_seconds(*week) == 0
    # Thu 27 Mar 15:00-16:00 (1 h) ... Tue 8 Apr 07:30-08:00 (0.5 h)
    assert jakarta.business_seconds(wib(date(2025, 3, 27), 15), wib(date(2025, 4, 8), 8)) == 5400


def test_new_year_is_closed_across_the_year_boundary(jakarta: Calendar) -> None:
    # Wed 31 Dec 2025 15:00-16:00 (1 h), Thu 1 Jan 2026 Tahun Baru, Fri 2 Jan 07:30-08:30 (1 h)
    assert jakarta.holiday_name(date(2026, 1, 1)) == "Tahun Baru Masehi"
    start, end = wib(date(2025, 12, 31), 15), wib(date(2026, 1, 2), 8, 30)
    assert jakarta.business_seconds(start, end) == 2 * HOUR


def test_the_year_2025_has_237_working_days(jakarta: Calendar) -> None:
    # 261 weekdays less 24 weekday holidays and cuti bersama (Aug 17 and four more fall on a
    # weekend; the 18 Aug 2025 cuti bersama was decreed in August). 8 of the 24 are Fridays,
    # so 44 Fridays of 9 h and 193 other days of 8.5 h remain.
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]
    assert sum(jakarta.is_working_day(day) for day in days) == 237
    year = wib(date(2025, 1, 1), 0), wib(date(2026, 1, 1), 0)
    assert jakarta.business_seconds(*year) == 44 * 9 * HOUR + 193 * 8.5 * HOUR


def test_a_local_day_off_is_closed_and_named() -> None:
    hut = date(2025, 9, 25)  # a Thursday: HUT Kota Bandung
    bandung = Calendar.from_rows("Asia/Jakarta", [], days_off=[hut])
    assert not bandung.is_working_day(hut)
    assert bandung.holiday_name(hut) == LOCAL_DAY_OFF == "Hari libur daerah"
    # Wed 15:00-16:00 (1 h), Thu off, Fri 07:30-08:30 (1 h); elsewhere Thursday counts 8.5 h
    start, end = wib(date(2025, 9, 24), 15), wib(date(2025, 9, 26), 8, 30)
    assert bandung.business_seconds(start, end) == 2 * HOUR
    assert Calendar.from_rows("Asia/Jakarta", []).business_seconds(start, end) == 10.5 * HOUR


def test_a_national_name_wins_over_a_local_day_off_on_the_same_day() -> None:
    christmas = date(2025, 12, 25)
    city = Calendar.from_rows("Asia/Jakarta", [], days_off=[christmas])
    assert city.holiday_name(christmas) == "Hari Raya Natal"


def test_office_hours_are_local_to_the_city_in_wit() -> None:
    jayapura = Calendar.from_rows("Asia/Jayapura", [])
    jakarta = Calendar.from_rows("Asia/Jakarta", [])
    start = datetime(2025, 7, 14, 23, 0, tzinfo=UTC)  # Tue 08:00 WIT, Tue 06:00 WIB
    end = datetime(2025, 7, 15, 6, 0, tzinfo=UTC)  # Tue 15:00 WIT, Tue 13:00 WIB
    assert start == wit(TUE, 8)
    assert jayapura.business_seconds(start, end) == 7 * HOUR  # 08:00-15:00 WIT
    assert jakarta.business_seconds(start, end) == 5.5 * HOUR  # 07:30-13:00 WIB
    # due 3 working days after Mon 10:00 WIT: Thu 16:00 WIT, which is 07:00 UTC
    due = jayapura.working_days_due(wit(MON, 10), 3)
    assert due == datetime(2025, 7, 17, 7, 0, tzinfo=UTC)
    assert due.tzinfo is UTC


# add_business and next_opening


def test_adding_office_time_crosses_the_weekend(jakarta: Calendar) -> None:
    # Fri 15:00 + 4 h: 1.5 h on Friday, 2.5 h from Monday's opening
    assert jakarta.add_business(wib(FRI, 15), 4 * HOUR) == wib(NEXT_MON, 10)


def test_adding_from_outside_office_hours_starts_at_the_next_opening(jakarta: Calendar) -> None:
    assert jakarta.add_business(wib(SAT, 10), HOUR) == wib(NEXT_MON, 8, 30)
    assert jakarta.add_business(wib(TUE, 5), HOUR) == wib(TUE, 8, 30)


def test_adding_exactly_the_rest_of_the_day_ends_at_closing(jakarta: Calendar) -> None:
    assert jakarta.add_business(wib(TUE, 15), HOUR) == wib(TUE, 16)


def test_adding_across_lebaran_lands_after_it(jakarta: Calendar) -> None:
    # Thu 27 Mar 2025 15:00 + 2 h: 1 h that day, then nothing until Tue 8 Apr 07:30 + 1 h
    assert jakarta.add_business(wib(date(2025, 3, 27), 15), 2 * HOUR) == wib(
        date(2025, 4, 8), 8, 30
    )


def test_adding_nothing_is_the_start_and_adding_less_is_refused(jakarta: Calendar) -> None:
    assert jakarta.add_business(wib(SAT, 10), 0) == wib(SAT, 10)
    with pytest.raises(ValueError, match="negative"):
        jakarta.add_business(wib(TUE, 10), -1)


def test_returned_instants_are_utc(jakarta: Calendar) -> None:
    due = jakarta.add_business(wib(TUE, 9), HOUR)
    assert due.tzinfo is UTC
    assert due == datetime(2025, 7, 15, 3, 0, tzinfo=UTC)  # Tue 10:00 WIB
    assert jakarta.next_opening(wib(TUE, 9)).tzinfo is UTC


def test_add_business_is_the_inverse_of_business_seconds(jakarta: Calendar) -> None:
    rng = random.Random(20250331)
    first = datetime(2024, 1, 1, tzinfo=UTC)
    for _ in range(2000):
        start = first + timedelta(seconds=rng.randrange(3 * 366 * 24 * HOUR))
        seconds = rng.choice([rng.randrange(1, 9 * HOUR), rng.randrange(1, 60 * 9 * HOUR)])
        due = jakarta.add_business(start, seconds)
        assert jakarta.business_seconds(start, due) == seconds, (start, seconds)
        # ... and the earliest such instant
        assert jakarta.business_seconds(start, due - timedelta(seconds=1)) == seconds - 1


def test_business_seconds_adds_up_over_consecutive_spans(jakarta: Calendar) -> None:
    rng = random.Random(17)
    first = datetime(2024, 1, 1, tzinfo=UTC)
    for _ in range(500):
        a, b, c = sorted(first + timedelta(seconds=rng.randrange(900 * 24 * HOUR)) for _ in "abc")
        whole = jakarta.business_seconds(a, c)
        assert whole == jakarta.business_seconds(a, b) + jakarta.business_seconds(b, c)


def test_next_opening_is_now_while_open(jakarta: Calendar) -> None:
    assert jakarta.next_opening(wib(TUE, 7, 30)) == wib(TUE, 7, 30)
    assert jakarta.next_opening(wib(TUE, 12)) == wib(TUE, 12)


def test_next_opening_after_hours_weekends_and_holidays(jakarta: Calendar) -> None:
    assert jakarta.next_opening(wib(TUE, 6)) == wib(TUE, 7, 30)
    assert jakarta.next_opening(wib(TUE, 16)) == wib(WED, 7, 30)  # closing time is closed
    assert jakarta.next_opening(wib(FRI, 17)) == wib(NEXT_MON, 7, 30)
    assert jakarta.next_opening(wib(date(2025, 12, 24), 16)) == wib(date(2025, 12, 29), 7, 30)
    assert jakarta.next_opening(wib(date(2025, 3, 27), 16)) == wib(date(2025, 4, 8), 7, 30)


# working_days_due


def test_due_in_working_days_from_a_weekday(jakarta: Calendar) -> None:
    # received Tue: Wed is day 1, Thu day 2, Fri day 3 -> Fri closing 16:30 WIB
    due = jakarta.working_days_due(wib(TUE, 10), 3)
    assert due == wib(FRI, 16, 30) == datetime(2025, 7, 18, 9, 30, tzinfo=UTC)


def test_due_from_a_saturday_starts_counting_on_monday(jakarta: Calendar) -> None:
    assert jakarta.working_days_due(wib(SAT, 10), 1) == wib(NEXT_MON, 16)


def test_the_day_of_receipt_is_the_local_day(jakarta: Calendar) -> None:
    received = wib(MON, 3)  # still Sunday 20:00 in UTC
    assert received.astimezone(UTC).date() == date(2025, 7, 13)
    assert jakarta.working_days_due(received, 1) == wib(TUE, 16)


def test_due_from_the_eve_of_lebaran(jakarta: Calendar) -> None:
    eve = wib(date(2025, 3, 27), 14)
    # day 1 is Tue 8 Apr; then Wed 9, Thu 10, Fri 11, Mon 14 Apr (Good Friday is 18 Apr)
    assert jakarta.working_days_due(eve, 1) == wib(date(2025, 4, 8), 16)
    assert jakarta.working_days_due(eve, 5) == wib(date(2025, 4, 14), 16)


def test_a_deadline_of_no_working_days_is_refused(jakarta: Calendar) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        jakarta.working_days_due(wib(TUE, 10), 0)


# building a calendar


def test_no_rows_means_the_default_pemda_week() -> None:
    calendar = Calendar.from_rows("Asia/Jakarta", [])
    assert calendar.week == DEFAULT_WEEK
    assert DEFAULT_WEEK[0] == OfficeHours(time(7, 30), time(16, 0))
    assert DEFAULT_WEEK[4] == OfficeHours(time(7, 30), time(16, 30))
    assert calendar.business_seconds(wib(FRI, 0), wib(SAT, 0)) == 9 * HOUR
    assert not calendar.is_working_day(SAT)
    assert not calendar.is_working_day(SUN)


def test_a_weekday_without_a_row_is_closed() -> None:
    rows = [
        {"weekday": weekday, "opens": "08:00", "closes": "16:00"}
        for weekday in (0, 1, 3, 4)  # no Wednesday
    ] + [{"weekday": 5, "opens": "08:00", "closes": "12:00"}]  # a Saturday service morning
    calendar = Calendar.from_rows("Asia/Jakarta", rows)
    assert not calendar.is_working_day(WED)
    assert calendar.is_working_day(SAT)
    assert not calendar.is_working_day(SUN)
    # Tue 15:00-16:00 (1 h), Wed closed, Thu 08:00-09:00 (1 h)
    assert calendar.business_seconds(wib(TUE, 15), wib(THU, 9)) == 2 * HOUR
    # Fri 15:00-16:00 (1 h), Sat 08:00-12:00 (4 h), Mon 08:00-09:00 (1 h)
    assert calendar.business_seconds(wib(FRI, 15), wib(NEXT_MON, 9)) == 6 * HOUR
    assert calendar.working_days_due(wib(TUE, 10), 1) == wib(THU, 16)


def test_rows_accept_time_values_as_the_database_returns_them() -> None:
    rows = [{"weekday": 0, "opens": time(8), "closes": time(15, 30)}]
    calendar = Calendar.from_rows("Asia/Jakarta", rows)
    assert calendar.week == {0: OfficeHours(time(8), time(15, 30))}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"weekday": 0, "opens": "16:00", "closes": "08:00"}], "open before they close"),
        ([{"weekday": 7, "opens": "08:00", "closes": "16:00"}], "weekdays are 0"),
        ([{"weekday": 2, "opens": "08:00", "closes": "16:00"}] * 2, "more than one"),
    ],
)
def test_bad_rows_are_refused(rows: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar.from_rows("Asia/Jakarta", rows)


def test_naive_datetimes_are_refused(jakarta: Calendar) -> None:
    naive = datetime(2025, 7, 15, 10, 0)
    with pytest.raises(ValueError, match="naive"):
        jakarta.business_seconds(naive, wib(WED, 10))
    with pytest.raises(ValueError, match="naive"):
        jakarta.add_business(naive, HOUR)
    with pytest.raises(ValueError, match="naive"):
        jakarta.working_days_due(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        jakarta.next_opening(naive)
