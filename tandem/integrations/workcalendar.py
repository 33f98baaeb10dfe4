"""Working calendar and business-time arithmetic for SLA clocks.

Plain Python, no models: the agency's settings (working hours, time zone) are passed in.
Working days come from the `holidays` package for Russia, which knows public holidays,
the days off moved by government decree and the Saturdays worked instead.

Rules:
- business time runs on working days between `day_start` and `day_end` in `tz`;
- `add_business_minutes(start, n)` is the earliest moment by which `n` business minutes
  have elapsed since `start` (a deadline that falls exactly at day end stays at day end);
- `business_minutes_between(a, b)` counts business seconds in [a, b) and returns minutes
  as a float (0 when b <= a).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=8)
def _country_calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


@dataclass(frozen=True)
class WorkCalendar:
    """Working hours of an agency on a country's working-day calendar."""

    day_start: time = time(10, 0)
    day_end: time = time(19, 0)
    tz: str = "Europe/Moscow"
    country: str = "RU"
    extra_days_off: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("day_end must be after day_start")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_days_off:
            return False
        return bool(_country_calendar(self.country).is_working_day(day))

    def _window(self, day: date) -> tuple[datetime, datetime]:
        zone = self.zone
        return (datetime.combine(day, self.day_start, zone), datetime.combine(day, self.day_end, zone))

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` business minutes after `start` (aware datetime in, aware out)."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        remaining = timedelta(minutes=minutes)
        local = start.astimezone(self.zone)
        day = local.date()
        if remaining <= timedelta(0):
            return start
        for _ in range(3660):  # ten years of days: a guard, never reached with sane input
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin = max(local, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("business time does not fit in ten years")

    def business_minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes elapsed from `start` to `end`; 0 if `end` is not after `start`."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        if end <= start:
            return 0.0
        zone = self.zone
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        total = timedelta(0)
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin, finish = max(start, opens), min(end, closes)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 60

    def is_business_time(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.day_start <= local.time() < self.day_end


ROUND_THE_CLOCK = None  # marker: an SLA that counts wall-clock time


# The `holidays` package names holidays in these languages; a UI language maps to one of them.
_HOLIDAY_LANGUAGES = {"ru": "ru", "en": "en_US"}


@lru_cache(maxsize=8)
def _named_calendar(country: str, language: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country, language=language)


def public_holidays(
    start: date, end: date, country: str = "RU", language: str | None = None
) -> list[tuple[date, str]]:
    """Public holidays (by the `holidays` package) in [start, end], in date order, named in
    `language` (a UI language code such as "ru" or "en-us"; others fall back to the
    country's own language)."""
    code = _HOLIDAY_LANGUAGES.get((language or "").split("-")[0].lower())
    calendar = _named_calendar(country, code) if code else _country_calendar(country)
    days = []
    day = start
    while day <= end:
        name = calendar.get(day)
        if name:
            days.append((day, str(name)))
        day += timedelta(days=1)
    return days


def add_minutes(start: datetime, minutes: float, calendar: WorkCalendar | None) -> datetime:
    """Add SLA minutes: business minutes on `calendar`, or wall-clock minutes when it is None."""
    if calendar is None:
        return start + timedelta(minutes=minutes)
    return calendar.add_business_minutes(start, minutes)


def minutes_between(start: datetime, end: datetime, calendar: WorkCalendar | None) -> float:
    """Elapsed SLA minutes: business minutes on `calendar`, wall-clock when it is None."""
    if calendar is None:
        return max(0.0, (end - start).total_seconds() / 60)
    return calendar.business_minutes_between(start, end)
