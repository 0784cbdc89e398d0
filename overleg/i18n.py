"""Locale and time zone selection, and the date formats users read.

Datetimes are stored in UTC and always shown in Europe/Brussels.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app, request, session
from flask_babel import get_locale

BRUSSELS = ZoneInfo("Europe/Brussels")

_AT = {"nl": "om", "en": "at"}


@lru_cache(maxsize=16)
def _babel_locale(identifier: str) -> Locale:
    """The parsed babel Locale: parsing the identifier on every call costs more than formatting
    the date itself (a list page formats one or two dates per row)."""
    return Locale.parse(identifier)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


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


def current_locale() -> str:
    return str(get_locale() or "nl")


def init_app(app: Flask) -> None:
    def _wrap(fn):  # type: ignore[no-untyped-def]
        return lambda value: "" if value is None else fn(value, current_locale())

    app.jinja_env.filters["long_datetime"] = _wrap(long_datetime)
    app.jinja_env.filters["long_date"] = _wrap(long_date)
    app.jinja_env.filters["short_date"] = _wrap(short_date)
    app.jinja_env.filters["short_datetime"] = _wrap(short_datetime)
    app.jinja_env.filters["time_only"] = lambda v: "" if v is None else time_only(v)
    app.jinja_env.filters["local_iso"] = lambda v: "" if v is None else to_local(v).isoformat()
