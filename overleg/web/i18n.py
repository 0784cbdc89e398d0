"""The locale of a request, translations in templates, and the date filters of the templates.

The date formats themselves are in overleg.lib.dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_translations
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

from overleg.lib.dates import (
    long_date,
    long_datetime,
    short_date,
    short_datetime,
    time_only,
    to_local,
)


def select_locale() -> str | None:
    """The reader's language. Outside a request (CLI, outbox worker, a service called from a test)
    there is no reader: None makes Flask-Babel use the default locale, Dutch, so that a lazy
    message (a `Refusal`) can be read there too instead of failing on the missing session."""
    if not has_request_context():
        return None
    languages: list[str] = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


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
        return _babel_translations()
    locale = get_locale()
    cache: dict[int, tuple[object, NullTranslations]] | None = g.get("_overleg_translations")
    if cache is None:
        cache = g._overleg_translations = {}
    entry = cache.get(id(locale))
    if entry is None or entry[0] is not locale:
        entry = cache[id(locale)] = (locale, _babel_translations())
    return entry[1]


def _babel_translations() -> NullTranslations:
    """Flask-Babel's catalogue of the current locale (Flask-Babel ships no type information)."""
    translations: NullTranslations = get_translations()
    return translations


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
    formatted: str = translated % variables
    return formatted


def _install_template_gettext(app: Flask) -> None:
    """After Flask-Babel's `init_app`: the same callables with the remembered catalogue."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["_"] = _template_gettext


_Value = TypeVar("_Value", date, datetime)


def _in_current_locale(format_: Callable[[_Value, str], str]) -> Callable[[_Value | None], str]:
    """A template filter: the date format in the page's locale; nothing for no value."""

    def apply(value: _Value | None) -> str:
        return "" if value is None else format_(value, current_locale())

    return apply


def _time_only(value: datetime | None) -> str:
    return "" if value is None else time_only(value)


def _local_iso(value: datetime | None) -> str:
    return "" if value is None else to_local(value).isoformat()


def init_app(app: Flask) -> None:
    _install_template_gettext(app)
    app.jinja_env.filters["long_datetime"] = _in_current_locale(long_datetime)
    app.jinja_env.filters["long_date"] = _in_current_locale(long_date)
    app.jinja_env.filters["short_date"] = _in_current_locale(short_date)
    app.jinja_env.filters["short_datetime"] = _in_current_locale(short_datetime)
    app.jinja_env.filters["time_only"] = _time_only
    app.jinja_env.filters["local_iso"] = _local_iso
