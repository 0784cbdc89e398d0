"""Dates as users read them: always Europe/Brussels, stored in UTC; periods as UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime

BRUSSELS = ZoneInfo("Europe/Brussels")

_AT = {"nl": "om", "en": "at"}


@lru_cache(maxsize=16)
def _babel_locale(identifier: str) -> Locale:
    """The parsed babel Locale: parsing the identifier on every call costs more than formatting
    the date itself (a list page formats one or two dates per row)."""
    return Locale.parse(identifier)


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(BRUSSELS)


def long_datetime(value: datetime, locale: str = "nl") -> str:
    """'dinsdag 17 maart 2026 om 14:00' in Brussels time."""
    local = to_local(value)
    day = babel_format_date(local.date(), "EEEE d MMMM y", locale=_babel_locale(locale))
    return f"{day} {_AT.get(locale[:2], 'om')} {local:%H:%M}"


def long_date(value: date | datetime, locale: str = "nl") -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    return babel_format_date(value, "EEEE d MMMM y", locale=_babel_locale(locale))


def short_date(value: date | datetime, locale: str = "nl") -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    return babel_format_date(value, "d MMM y", locale=_babel_locale(locale))


def short_datetime(value: datetime, locale: str = "nl") -> str:
    return babel_format_datetime(
        to_local(value), "d MMM y HH:mm", tzinfo=BRUSSELS, locale=_babel_locale(locale)
    )


def time_only(value: datetime) -> str:
    return f"{to_local(value):%H:%M}"


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in Brussels (1 January to 1 January, local midnights), as UTC instants."""
    start = datetime(year, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
    return start, end


def half_year_bounds(today: date) -> tuple[datetime, datetime]:
    """The half-year containing `today`, as UTC instants of Brussels midnights."""
    first_month = 1 if today.month <= 6 else 7
    start = datetime(today.year, first_month, 1, tzinfo=BRUSSELS)
    end = (
        datetime(today.year, 7, 1, tzinfo=BRUSSELS)
        if first_month == 1
        else datetime(today.year + 1, 1, 1, tzinfo=BRUSSELS)
    )
    return start.astimezone(UTC), end.astimezone(UTC)
