"""The locale of a request, translations in templates, and the date filters of the templates.

The date formats themselves are in overleg.lib.dates.
"""

from __future__ import annotations

from gettext import NullTranslations
from typing import Any

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
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
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
