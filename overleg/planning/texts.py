"""The planner's explanations, problems and violations as sentences in the reader's language.

Each code of the planner (overleg.planning.planner.result) has one small function here; the
three public functions look the code up and fall back to the code itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, time

from babel.dates import format_date
from flask_babel import gettext, ngettext

from overleg.lib.dates import long_date
from overleg.planning.planner import Note, Problem, Violation
from overleg.web.i18n import current_locale

Params = Mapping[str, object]


def _(message: str, **params: object) -> str:
    """Flask-Babel's gettext, typed."""
    return str(gettext(message, **params))


def _n(singular: str, plural: str, num: int, **params: object) -> str:
    """Flask-Babel's ngettext, typed."""
    return str(ngettext(singular, plural, num, **params))


def weekday_name(iso: int) -> str:
    return format_date(date(2024, 1, iso), "EEEE", locale=_locale())  # 1 Jan 2024 is a Monday


def _locale() -> str:
    try:
        return current_locale()
    except RuntimeError:  # outside a request (CLI): Dutch
        return "nl"


def _day(value: object) -> str:
    if isinstance(value, date):
        return long_date(value, _locale())
    return str(value)


def _time(value: object) -> str:
    if isinstance(value, time):
        return f"{value:%H:%M}"
    return str(value)


def _names(values: object) -> str:
    """A list of parameters (names, slugs) as one comma-separated string."""
    items = values if isinstance(values, Iterable) and not isinstance(values, str) else [values]
    return ", ".join(str(v) for v in items)


def _items(p: Params, key: str) -> tuple[object, ...]:
    value = p.get(key) or ()
    return tuple(value) if isinstance(value, Iterable) and not isinstance(value, str) else ()


def _number(p: Params, key: str, default: int = 0) -> int:
    value = p.get(key, default)
    return value if isinstance(value, int) else default


def _weekday_of(value: object) -> str:
    return weekday_name(value.isoweekday()) if isinstance(value, date) else str(value)


def rule_name(code: str) -> str:
    if code == "overlap":
        return _("overlap met een andere vergadering van een verplichte genodigde")
    if code == "max_per_day":
        return _("maximum aantal vergaderingen per dag per persoon")
    if code == "spacing":
        return _("minimale tussentijd tussen de vergaderingen van de gemeente")
    return code


def _rules(p: Params) -> str:
    return _names(rule_name(str(r)) for r in _items(p, "rules"))


# --- the notes of a proposal ---------------------------------------------------------------------


def note_text(note: Note) -> str:
    render = _NOTES.get(note.code)
    return render(note.params) if render is not None else note.code


def _better_slots_taken(p: Params) -> str:
    by = _items(p, "by")
    if by:
        return _(
            "Betere momenten vielen af door: %(rules)s (onder meer door %(by)s).",
            rules=_rules(p),
            by=_names(by),
        )
    return _("Betere momenten vielen af door: %(rules)s.", rules=_rules(p))


def _weekday_given_up(p: Params) -> str:
    preferred = _names(weekday_name(d) for d in _items(p, "preferred") if isinstance(d, int))
    return _(
        "Voorkeursdag opgegeven: %(day)s in plaats van %(preferred)s.",
        day=_weekday_of(p["day"]),
        preferred=preferred or _("geen voorkeur"),
    )


def _poll_slot(p: Params) -> str:
    declined = _number(p, "declined")
    if not declined:
        return _("Moment uit de bevraging: past voor iedereen die antwoordde.")
    return _n(
        "Moment uit de bevraging: past voor alle verplichte genodigden, niet voor "
        "%(num)s andere genodigde.",
        "Moment uit de bevraging: past voor alle verplichte genodigden, niet voor "
        "%(num)s andere genodigden.",
        declined,
    )


_NOTES: dict[str, Callable[[Params], str]] = {
    "all_preferences_kept": lambda p: _("Alle voorkeuren gehaald."),
    "preferences_kept_busy_week": lambda p: _(
        "Dag en uur naar wens, maar in een drukke week: er was geen rustigere."
    ),
    "no_better_slot": lambda p: _(
        "Geen beter moment: de periode, de vrije dagen en het tijdvenster laten dit als beste over."
    ),
    "poll_declined_better": lambda p: _n(
        "Een moment dat beter bij de voorkeuren paste, past volgens de bevraging niet voor "
        "%(num)s genodigde.",
        "Een moment dat beter bij de voorkeuren paste, past volgens de bevraging niet voor "
        "%(num)s genodigden.",
        _number(p, "declined"),
    ),
    "quieter_week": lambda p: _(
        "Een rustigere week gekozen: de betere momenten vielen in een drukke week."
    ),
    "better_slots_taken": _better_slots_taken,
    "weekday_kept": lambda p: _("Voorkeursdag (%(day)s).", day=_weekday_of(p["day"])),
    "weekday_given_up": _weekday_given_up,
    "time_kept": lambda p: _("Voorkeursuur (%(time)s).", time=_time(p["time"])),
    "time_given_up": lambda p: _(
        "Voorkeursuur opgegeven: %(time)s in plaats van %(preferred)s.",
        time=_time(p["time"]),
        preferred=_time(p["preferred"]),
    ),
    # Last year's date, never the date in the planned year (that is the proposal's own).
    "rhythm_kept": lambda p: _(
        "Zelfde ritme als vorig jaar (toen %(last)s).", last=_day(p["last"])
    ),
    "rhythm_given_up": lambda p: _n(
        "%(num)s week naast het ritme van vorig jaar (toen %(last)s).",
        "%(num)s weken naast het ritme van vorig jaar (toen %(last)s).",
        _number(p, "weeks"),
        last=_day(p["last"]),
    ),
    "poll_slot": _poll_slot,
    "busy_week": lambda p: _(
        "Drukke week voor %(n)s verplichte genodigde(n).", n=p.get("people", 1)
    ),
}


# --- why no plan exists --------------------------------------------------------------------------


def problem_text(problem: Problem, names: Mapping[str, str] | None = None) -> str:
    """The problem as a sentence; `names` maps municipality slugs to their names."""
    render = _PROBLEMS.get(problem.code)
    if render is None:
        return problem.code
    municipalities = [(names or {}).get(slug, slug) for slug in problem.municipalities]
    return render(problem.params, municipalities)


def _no_free_day(p: Params, _municipalities: list[str]) -> str:
    return _(
        "Er is geen enkele vrije dag van %(start)s tot %(end)s: elke dag is een weekend, "
        "feestdag of schoolvakantie. Kies een andere periode of laat schoolvakanties toe.",
        start=_day(p["start"]),
        end=_day(p["end"]),
    )


def _no_required_people(p: Params, _municipalities: list[str]) -> str:
    return _(
        "%(name)s heeft geen verplichte genodigden (of voorzitter) op de vaste "
        "genodigdenlijst: zonder hen kan de planner niet controleren wie botst.",
        name=p["name"],
    )


def _duration_invalid(p: Params, _municipalities: list[str]) -> str:
    return _(
        "%(name)s: de duur van een vergadering (%(minutes)s minuten) moet positief zijn en "
        "een veelvoud van 15 minuten.",
        name=p["name"],
        minutes=p["minutes"],
    )


def _window_too_short(p: Params, _municipalities: list[str]) -> str:
    if "window_start" not in p:
        return _("%(name)s: het tijdvenster laat geen enkel beginuur toe.", name=p["name"])
    return _(
        "%(name)s: het tijdvenster %(start)s-%(end)s is korter dan een vergadering "
        "(%(minutes)s minuten).",
        name=p["name"],
        start=_time(p["window_start"]),
        end=_time(p["window_end"]),
        minutes=p["minutes"],
    )


def _spacing_impossible(p: Params, _municipalities: list[str]) -> str:
    return _(
        "%(name)s: %(count)s vergaderingen met minstens %(spacing)s dagen ertussen passen "
        "niet in een periode van %(days)s dagen.",
        name=p["name"],
        count=p["count"],
        spacing=p["spacing"],
        days=p["days"],
    )


def _poll_no_common_slot(p: Params, _municipalities: list[str]) -> str:
    text = _(
        "%(name)s: geen enkel moment uit de bevraging past nog voor alle verplichte genodigden.",
        name=p["name"],
    )
    if p.get("people"):
        text += " " + _(
            "Niet beschikbaar: %(people)s. Start een nieuwe bevraging met andere momenten "
            "of plan zonder bevraging.",
            people=_names(p["people"]),
        )
    return text


def _person_overloaded(p: Params, municipalities: list[str]) -> str:
    return _(
        "%(person)s moet op %(needed)s vergaderingen zijn, maar heeft met maximaal "
        "%(max)s per dag maar plaats voor %(capacity)s (gemeenten: %(municipalities)s).",
        person=p["person"],
        needed=p["needed"],
        max=p["max_per_day"],
        capacity=p["capacity"],
        municipalities=_names(municipalities),
    )


def _collision(p: Params, municipalities: list[str]) -> str:
    """Where the search got stuck: the meeting, the rules, the other municipalities, who."""
    text = _(
        "Geen plan gevonden: vergadering %(number)s van %(name)s past nergens.",
        number=p["number"],
        name=p["name"],
    )
    rules = _rules(p)
    if rules:
        text += " " + _("Deze regels botsen: %(rules)s.", rules=rules)
    others = municipalities[1:]
    if others:
        text += " " + _("Betrokken gemeenten: %(others)s.", others=_names(others))
    if p.get("people"):
        text += " " + _("Gedeelde genodigden: %(people)s.", people=_names(p["people"]))
    if p.get("limit_reached"):
        text += " " + _("(De zoektocht werd na de ingestelde limiet gestopt.)")
    return text


_PROBLEMS: dict[str, Callable[[Params, list[str]], str]] = {
    "period_reversed": lambda p, m: _("De periode eindigt voor ze begint."),
    "max_per_day_invalid": lambda p, m: _(
        "Het maximum aantal vergaderingen per dag per persoon moet minstens 1 zijn."
    ),
    "step_invalid": lambda p, m: _("De tijdstap moet een veelvoud van 15 minuten zijn."),
    "no_free_day": _no_free_day,
    "no_required_people": _no_required_people,
    "weekday_invalid": lambda p, m: _("%(name)s: de voorkeursdagen zijn ongeldig.", name=p["name"]),
    "duration_invalid": _duration_invalid,
    "window_too_short": _window_too_short,
    "spacing_invalid": lambda p, m: _(
        "%(name)s: de minimale tussentijd kan niet negatief zijn.", name=p["name"]
    ),
    "spacing_impossible": _spacing_impossible,
    "poll_no_common_slot": _poll_no_common_slot,
    "person_overloaded": _person_overloaded,
    "collision": _collision,
}


# --- the hard rules a proposal breaks ------------------------------------------------------------


def violation_text(violation: Violation) -> str:
    render = _VIOLATIONS.get(violation.code)
    return render(violation.params) if render is not None else violation.code


_VIOLATIONS: dict[str, Callable[[Params], str]] = {
    "unknown_municipality": lambda p: _("Onbekende gemeente."),
    "outside_period": lambda p: _("%(day)s ligt buiten de gekozen periode.", day=_day(p["day"])),
    "blocked_day": lambda p: _(
        "%(day)s is een vrije dag: %(reason)s.", day=_day(p["day"]), reason=p["reason"]
    ),
    "weekend": lambda p: _("%(day)s valt in het weekend.", day=_day(p["day"])),
    "outside_window": lambda p: _(
        "Valt buiten het tijdvenster van de gemeente (%(start)s-%(end)s).",
        start=_time(p["window_start"]),
        end=_time(p["window_end"]),
    ),
    "person_unavailable": lambda p: _(
        "%(person)s gaf in de bevraging aan dat dit moment niet past.", person=p["person"]
    ),
    "spacing_existing": lambda p: _(
        "Minder dan %(spacing)s dagen na of voor de vergadering van %(other)s.",
        spacing=p["spacing"],
        other=_day(p["other"]),
    ),
    "spacing": lambda p: _(
        "Minder dan %(spacing)s dagen na of voor de andere voorgestelde vergadering (%(other)s).",
        spacing=p["spacing"],
        other=_day(p["other"]),
    ),
    "overlap": lambda p: _(
        "%(person)s zit dan al in een andere vergadering (%(other)s).",
        person=p["person"],
        other=p["other"] or _("bestaande vergadering"),
    ),
    "max_per_day": lambda p: _(
        "%(person)s heeft die dag al %(max)s vergaderingen.",
        person=p["person"],
        max=p["max_per_day"],
    ),
    "too_many": lambda p: _(
        "Meer vergaderingen dan de gemeente nog nodig heeft (%(needed)s).", needed=p["needed"]
    ),
}
