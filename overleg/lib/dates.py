"""Dates as users read them: always Europe/Brussels, stored in UTC; periods as UTC instants.

Two rules for every date and time a person types (issue 11), kept here and nowhere else:
- the accepted range: calendar years FIRST_YEAR to LAST_YEAR. A woonoverleg outside it is a typing
  error, and years like 1 or 9999 overflow the arithmetic on them (OverflowError, a 500);
- a Brussels date and wall-clock time become a UTC instant through `brussels_instant`: a time the
  clock skips when summer time starts is refused, a time it shows twice when summer time ends is
  taken the first time (still summer time). Durations and "the end after the start" are then
  compared as UTC instants, never as wall-clock times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from overleg.lib.refusal import Refusal

BRUSSELS = ZoneInfo("Europe/Brussels")

FIRST_YEAR = 2000
LAST_YEAR = 2100
FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR, 12, 31)
_FIRST_INSTANT = datetime(FIRST_YEAR, 1, 1, tzinfo=BRUSSELS)
_END_INSTANT = datetime(LAST_YEAR + 1, 1, 1, tzinfo=BRUSSELS)

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
    return _long_datetime(_instant(value), locale)


@lru_cache(maxsize=4096)
def _long_datetime(instant: datetime, locale: str) -> str:
    local = to_local(instant)
    day = babel_format_date(local.date(), "EEEE d MMMM y", locale=_babel_locale(locale))
    return f"{day} {_AT.get(locale[:2], 'om')} {_clock(local)}"


def long_date(value: date | datetime, locale: str = "nl") -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    return babel_format_date(value, "EEEE d MMMM y", locale=_babel_locale(locale))


def short_date(value: date | datetime, locale: str = "nl") -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    return babel_format_date(value, "d MMM y", locale=_babel_locale(locale))


def short_datetime(value: datetime, locale: str = "nl") -> str:
    return _short_datetime(_instant(value), locale)


@lru_cache(maxsize=4096)
def _short_datetime(instant: datetime, locale: str) -> str:
    local = to_local(instant)
    text = babel_format_datetime(
        local, "d MMM y HH:mm", tzinfo=BRUSSELS, locale=_babel_locale(locale)
    )
    return f"{text}{_repeated_marker(local)}"


def time_only(value: datetime) -> str:
    """'14:00'; '02:30 (UTC+2)' for a time the clock shows twice that night (summer time ends)."""
    return _time_only(_instant(value))


@lru_cache(maxsize=4096)
def _time_only(instant: datetime) -> str:
    return _clock(to_local(instant))


def _instant(value: datetime) -> datetime:
    """`value` in UTC, the key of the caches of the formatted times above (a page shows the same
    times many times, and formatting costs more than the rest of a table row).

    Not `value` itself: two datetimes of one zone compare by their wall-clock fields, ignoring
    which of the two readings of a repeated time they are (`fold`); UTC ones compare as instants.
    """
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)


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


# --- the accepted range -------------------------------------------------------------------------


def day_in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def check_day(day: date, *, field: str | None = None) -> date:
    """`day` when it lies in the accepted range; a Refusal naming `field` otherwise."""
    if not day_in_range(day):
        raise _out_of_range(field)
    return day


def check_instant(value: datetime, *, field: str | None = None) -> datetime:
    """`value` (aware) when its Brussels date lies in the accepted range; a Refusal otherwise.
    Compared as instants: converting an instant near year 1 or 9999 could overflow."""
    if not _FIRST_INSTANT <= value < _END_INSTANT:
        raise _out_of_range(field)
    return value


def _out_of_range(field: str | None) -> Refusal:
    return Refusal(
        _l(
            "Kies een datum tussen 1 januari %(first)s en 31 december %(last)s.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        ),
        field=field,
    )


def check_year(year: int, *, field: str | None = None) -> int:
    """`year` when it lies in the accepted range; a Refusal naming `field` otherwise."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Refusal(
            _l("Kies een jaar tussen %(min)s en %(max)s.", min=FIRST_YEAR, max=LAST_YEAR),
            field=field,
        )
    return year


def parse_day(raw: str) -> date | None:
    """An ISO calendar date ('2027-03-16') within the accepted range; None for anything else."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if day_in_range(day) else None


# --- Brussels wall-clock time -> UTC ------------------------------------------------------------


def brussels_instant(day: date, clock: time, *, field: str | None = None) -> datetime:
    """The UTC instant of the Brussels wall-clock time `clock` on `day`.

    Refused (a `Refusal` naming `field`): a day outside the accepted range, and a time the clock
    skips when summer time starts (02:00-02:59 on the last Sunday of March). A time the clock
    shows twice when summer time ends (02:00-02:59 on the last Sunday of October) is its first
    occurrence, still in summer time; `repeated_time_note` tells the user so.
    """
    check_day(day, field=field)
    wall = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    if _skipped(wall):
        raise Refusal(
            _l(
                "%(time)s bestaat niet op %(day)s: die nacht springt de klok van %(before)s "
                "naar %(after)s (begin van de zomertijd). Kies een ander uur.",
                **_change_words(wall),
            ),
            field=field,
        )
    return wall.replace(tzinfo=BRUSSELS).astimezone(UTC)


def later(start: datetime, minutes: int) -> datetime:
    """The instant `minutes` of real time after `start`, in the time zone of `start`.

    Adding a timedelta to a datetime with a zone adds wall-clock time: 01:30 + 2 hours on the
    night summer time starts reads 03:30, one real hour later. This adds it to the UTC instant.
    """
    if start.tzinfo is None:
        raise ValueError("naive datetime")
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def is_repeated(day: date, clock: time) -> bool:
    """Whether the clock shows this Brussels time twice on `day` (the night summer time ends)."""
    wall = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    offsets = {wall.replace(fold=f, tzinfo=BRUSSELS).utcoffset() for f in (0, 1)}
    return len(offsets) == 2 and not _skipped(wall)


def repeated_time_note(day: date, clock: time) -> LazyString | None:
    """What the user is told when a time they typed exists twice that day; None otherwise."""
    if not day_in_range(day) or not is_repeated(day, clock):
        return None
    wall = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    return _l(
        "%(time)s komt op %(day)s twee keer voor: die nacht gaat de klok om %(before)s terug "
        "naar %(after)s (einde van de zomertijd). Overleg neemt de eerste keer: %(time)s "
        "zomertijd (%(offset)s).",
        offset=_utc_offset(wall.replace(tzinfo=BRUSSELS)),
        **_change_words(wall),
    )


def _change_words(wall: datetime) -> dict[str, str]:
    """The parameters of the messages about a skipped or repeated time: the time typed, the
    day in the reader's language, the clock before and after the change."""
    change = _clock_change(wall)
    return {
        "time": f"{wall:%H:%M}",
        "day": long_date(wall.date(), _reader_locale()),
        "before": f"{change.before:%H:%M}",
        "after": f"{change.after:%H:%M}",
    }


@dataclass(frozen=True)
class ClockChange:
    """A change of the Brussels offset, as the wall clock shows it: 02:00 -> 03:00 in March,
    03:00 -> 02:00 in October."""

    before: datetime
    after: datetime


def _skipped(wall: datetime) -> bool:
    """Whether the naive Brussels time `wall` is skipped by the clock (it does not exist)."""
    reading = wall.replace(fold=0, tzinfo=BRUSSELS).astimezone(UTC).astimezone(BRUSSELS)
    return reading.replace(tzinfo=None) != wall


def _clock_change(wall: datetime) -> ClockChange:
    """The change of offset around the naive Brussels time `wall`, which is skipped or repeated.

    The change lies between the two readings of `wall` (with the offset before and with the
    offset after it); a binary search to the second finds it, whatever hour the zone changes at.
    """
    low, high = sorted(int(wall.replace(fold=f, tzinfo=BRUSSELS).timestamp()) for f in (0, 1))
    old_offset = _offset_at(low)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(middle) == old_offset:
            low = middle
        else:
            high = middle
    change = datetime.fromtimestamp(high, UTC).replace(tzinfo=None)
    return ClockChange(before=change + old_offset, after=change + _offset_at(high))


def _offset_at(timestamp: int) -> timedelta:
    return datetime.fromtimestamp(timestamp, BRUSSELS).utcoffset() or timedelta(0)


def _utc_offset(local: datetime) -> str:
    """'UTC+2' (or 'UTC+5:30') for an aware datetime."""
    minutes = int((local.utcoffset() or timedelta(0)).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _repeated_marker(local: datetime) -> str:
    """' (UTC+2)' after a Brussels time the clock shows twice that night; else nothing.

    `local` comes from astimezone (so never from a gap): it is repeated when the other fold of
    the same wall-clock time has another offset. One offset lookup: pages format many times."""
    if local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset():
        return ""
    return f" ({_utc_offset(local)})"


def _clock(local: datetime) -> str:
    return f"{local:%H:%M}{_repeated_marker(local)}"


def _reader_locale() -> str:
    """The reader's locale, for a date inside a message; Dutch outside a request."""
    return str(get_locale() or "nl")
