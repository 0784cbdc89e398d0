"""Locale and time zone selection, and the date formats users read.

Datetimes are stored in UTC and always shown in Europe/Brussels.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from gettext import NullTranslations
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app, g, has_app_context, request, session
from flask_babel import get_locale, get_translations
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

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


def _translations() -> NullTranslations:
    """`flask_babel.get_translations()`, remembered per application context and locale.

    Flask-Babel looks the catalogue up again on every call (context, domain, the locale's
    identifier as the cache key); a page calls `_()` a hundred times. The entry is keyed by the
    Locale object in use (and keeps it), so `force_locale(...)` gets its own catalogue.
    overleg uses one translation domain, the only other input of Flask-Babel's lookup.
    """
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    cache = g.get("_overleg_translations")
    if cache is None:
        cache = g._overleg_translations = {}
    entry = cache.get(id(locale))
    if entry is None or entry[0] is not locale:
        entry = cache[id(locale)] = (locale, get_translations())
    return entry[1]


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """`_()` in templates: what jinja2.ext.i18n's new-style `_` does (translate, mark safe when
    autoescaping, always %-format with the keyword arguments), in one call instead of three
    nested `Context.call`s, which cost more than the translation itself."""
    translated = _translations().ugettext(string)
    if eval_ctx.autoescape:
        # As jinja2.ext does: the message is ours (catalogue), the variables get escaped by %.
        translated = Markup(translated)  # noqa: S704  # nosec B704
    if not variables and "%" not in translated:
        return translated  # what `% {}` would give, without the formatting machinery
    return translated % variables


def _install_template_gettext(app: Flask) -> None:
    """After Flask-Babel's `init_app`: the same callables with the remembered catalogue."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["_"] = _template_gettext


def init_app(app: Flask) -> None:
    _install_template_gettext(app)

    def _wrap(fn):  # type: ignore[no-untyped-def]
        return lambda value: "" if value is None else fn(value, current_locale())

    app.jinja_env.filters["long_datetime"] = _wrap(long_datetime)
    app.jinja_env.filters["long_date"] = _wrap(long_date)
    app.jinja_env.filters["short_date"] = _wrap(short_date)
    app.jinja_env.filters["short_datetime"] = _wrap(short_datetime)
    app.jinja_env.filters["time_only"] = lambda v: "" if v is None else time_only(v)
    app.jinja_env.filters["local_iso"] = lambda v: "" if v is None else to_local(v).isoformat()
