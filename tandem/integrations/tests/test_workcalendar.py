"""SLA clock against a minute-by-minute reference on the Russian calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.integrations.workcalendar import WorkCalendar, add_minutes, minutes_between

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar(day_start=time(10, 0), day_end=time(19, 0), tz="Europe/Moscow")


def ref_minutes_between(cal: WorkCalendar, start: datetime, end: datetime) -> int:
    """Count whole minutes m in [start, end) that are business minutes, one by one."""
    count = 0
    t = start
    while t < end:
        if cal.is_business_time(t):
            count += 1
        t += timedelta(minutes=1)
    return count


def ref_add(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    """Walk minute by minute until `minutes` business minutes are consumed."""
    t = start
    left = minutes
    if left == 0:
        return t
    while True:
        if cal.is_business_time(t):
            left -= 1
            if left == 0:
                return t + timedelta(minutes=1)
        t += timedelta(minutes=1)


moments = st.builds(
    lambda d, m: datetime.combine(d, time(0, 0), MSK) + timedelta(minutes=m),
    st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 20)),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)


@settings(max_examples=60, deadline=None)
@given(start=moments, minutes=st.integers(min_value=0, max_value=3 * 9 * 60))
def test_add_business_minutes_matches_reference(start, minutes):
    assert CAL.add_business_minutes(start, minutes) == ref_add(CAL, start, minutes)


@settings(max_examples=60, deadline=None)
@given(start=moments, span=st.integers(min_value=0, max_value=4 * 24 * 60))
def test_business_minutes_between_matches_reference(start, span):
    end = start + timedelta(minutes=span)
    assert CAL.business_minutes_between(start, end) == ref_minutes_between(CAL, start, end)


@settings(max_examples=60, deadline=None)
@given(start=moments, minutes=st.integers(min_value=1, max_value=5 * 9 * 60))
def test_adding_then_measuring_round_trips(start, minutes):
    deadline = CAL.add_business_minutes(start, minutes)
    assert CAL.business_minutes_between(start, deadline) == minutes


def test_friday_evening_request_is_due_monday():
    friday = datetime(2025, 10, 31, 18, 0, tzinfo=MSK)  # Friday; Sat 1 Nov is a worked Saturday
    due = CAL.add_business_minutes(friday, 8 * 60)
    assert due == datetime(2025, 11, 1, 17, 0, tzinfo=MSK)


def test_unity_day_holidays_are_skipped():
    # 3-4 Nov 2025 are days off (moved day and Unity Day): 8 business hours from Sat 1 Nov 18:00
    start = datetime(2025, 11, 1, 18, 0, tzinfo=MSK)
    assert CAL.add_business_minutes(start, 8 * 60) == datetime(2025, 11, 5, 17, 0, tzinfo=MSK)


def test_new_year_holidays():
    start = datetime(2025, 12, 30, 18, 30, tzinfo=MSK)
    # 30 min left on 30 Dec; 31 Dec and 1-11 Jan 2026 are off (9 Jan moved, 10-11 weekend)
    assert CAL.add_business_minutes(start, 60) == datetime(2026, 1, 12, 10, 30, tzinfo=MSK)


def test_round_the_clock_when_no_calendar():
    start = datetime(2026, 1, 1, 3, 0, tzinfo=MSK)
    assert add_minutes(start, 60, None) == datetime(2026, 1, 1, 4, 0, tzinfo=MSK)
    assert minutes_between(start, start + timedelta(hours=2), None) == 120


def test_times_in_utc_are_handled():
    start = datetime(2025, 11, 5, 7, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 MSK
    assert CAL.add_business_minutes(start, 60) == datetime(2025, 11, 5, 11, 0, tzinfo=MSK)
