"""The planner's explanations, problems and violations as Dutch sentences (Flask-Babel)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import ngettext

from overleg.lib.dates import long_date
from overleg.planning.planner import Note, Problem, Violation
from overleg.web.i18n import current_locale


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


def _names(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def rule_name(code: str) -> str:
    if code == "overlap":
        return _("overlap met een andere vergadering van een verplichte genodigde")
    if code == "max_per_day":
        return _("maximum aantal vergaderingen per dag per persoon")
    if code == "spacing":
        return _("minimale tussentijd tussen de vergaderingen van de gemeente")
    return code


def note_text(note: Note) -> str:
    p: Mapping[str, object] = note.params
    code = note.code
    if code == "all_preferences_kept":
        return _("Alle voorkeuren gehaald.")
    if code == "quieter_week":
        return _("Een rustigere week gekozen: de betere momenten vielen in een drukke week.")
    if code == "better_slots_taken":
        rules = _names(rule_name(str(r)) for r in p.get("rules", ()))  # type: ignore[union-attr]
        by = p.get("by") or ()
        if by:
            return _(
                "Betere momenten vielen af door: %(rules)s (onder meer door %(by)s).",
                rules=rules,
                by=_names(by),  # type: ignore[arg-type]
            )
        return _("Betere momenten vielen af door: %(rules)s.", rules=rules)
    if code == "weekday_kept":
        return _("Voorkeursdag (%(day)s).", day=weekday_name(p["day"].isoweekday()))  # type: ignore[attr-defined]
    if code == "weekday_given_up":
        preferred = _names(weekday_name(d) for d in p.get("preferred", ()))  # type: ignore[union-attr]
        return _(
            "Voorkeursdag opgegeven: %(day)s in plaats van %(preferred)s.",
            day=weekday_name(p["day"].isoweekday()),  # type: ignore[attr-defined]
            preferred=preferred or _("geen voorkeur"),
        )
    if code == "time_kept":
        return _("Voorkeursuur (%(time)s).", time=_time(p["time"]))
    if code == "time_given_up":
        return _(
            "Voorkeursuur opgegeven: %(time)s in plaats van %(preferred)s.",
            time=_time(p["time"]),
            preferred=_time(p["preferred"]),
        )
    if code == "rhythm_kept":
        return _("Zelfde ritme als vorig jaar (%(target)s).", target=_day(p["target"]))
    if code == "rhythm_given_up":
        return ngettext(
            "%(num)s week naast het ritme van vorig jaar (%(target)s).",
            "%(num)s weken naast het ritme van vorig jaar (%(target)s).",
            int(p["weeks"]),  # type: ignore[call-overload]
            target=_day(p["target"]),
        )
    if code == "poll_slot":
        declined = int(p.get("declined", 0))  # type: ignore[call-overload]
        if not declined:
            return _("Moment uit de bevraging: past voor iedereen die antwoordde.")
        return ngettext(
            "Moment uit de bevraging: past voor alle verplichte genodigden, niet voor "
            "%(num)s andere genodigde.",
            "Moment uit de bevraging: past voor alle verplichte genodigden, niet voor "
            "%(num)s andere genodigden.",
            declined,
        )
    if code == "busy_week":
        return _("Drukke week voor %(n)s verplichte genodigde(n).", n=p.get("people", 1))
    return code


def problem_text(problem: Problem, names: Mapping[str, str] | None = None) -> str:
    """The problem as a Dutch sentence; `names` maps municipality slugs to their names."""
    p: Mapping[str, object] = problem.params
    code = problem.code
    names = names or {}
    municipalities = [names.get(slug, slug) for slug in problem.municipalities]
    if code == "period_reversed":
        return _("De periode eindigt voor ze begint.")
    if code == "max_per_day_invalid":
        return _("Het maximum aantal vergaderingen per dag per persoon moet minstens 1 zijn.")
    if code == "step_invalid":
        return _("De tijdstap moet een veelvoud van 15 minuten zijn.")
    if code == "no_free_day":
        return _(
            "Er is geen enkele vrije dag van %(start)s tot %(end)s: elke dag is een weekend, "
            "feestdag of schoolvakantie. Kies een andere periode of laat schoolvakanties toe.",
            start=_day(p["start"]),
            end=_day(p["end"]),
        )
    if code == "no_required_people":
        return _(
            "%(name)s heeft geen verplichte genodigden (of voorzitter) op de vaste "
            "genodigdenlijst: zonder hen kan de planner niet controleren wie botst.",
            name=p["name"],
        )
    if code == "weekday_invalid":
        return _("%(name)s: de voorkeursdagen zijn ongeldig.", name=p["name"])
    if code == "duration_invalid":
        return _(
            "%(name)s: de duur van een vergadering (%(minutes)s minuten) moet positief zijn en "
            "een veelvoud van 15 minuten.",
            name=p["name"],
            minutes=p["minutes"],
        )
    if code == "window_too_short":
        if "window_start" in p:
            return _(
                "%(name)s: het tijdvenster %(start)s-%(end)s is korter dan een vergadering "
                "(%(minutes)s minuten).",
                name=p["name"],
                start=_time(p["window_start"]),
                end=_time(p["window_end"]),
                minutes=p["minutes"],
            )
        return _("%(name)s: het tijdvenster laat geen enkel beginuur toe.", name=p["name"])
    if code == "spacing_invalid":
        return _("%(name)s: de minimale tussentijd kan niet negatief zijn.", name=p["name"])
    if code == "spacing_impossible":
        return _(
            "%(name)s: %(count)s vergaderingen met minstens %(spacing)s dagen ertussen passen "
            "niet in een periode van %(days)s dagen.",
            name=p["name"],
            count=p["count"],
            spacing=p["spacing"],
            days=p["days"],
        )
    if code == "poll_no_common_slot":
        text = _(
            "%(name)s: geen enkel moment uit de bevraging past nog voor alle verplichte "
            "genodigden.",
            name=p["name"],
        )
        if p.get("people"):
            text += " " + _(
                "Niet beschikbaar: %(people)s. Start een nieuwe bevraging met andere momenten "
                "of plan zonder bevraging.",
                people=_names(p["people"]),  # type: ignore[arg-type]
            )
        return text
    if code == "person_overloaded":
        return _(
            "%(person)s moet op %(needed)s vergaderingen zijn, maar heeft met maximaal "
            "%(max)s per dag maar plaats voor %(capacity)s (gemeenten: %(municipalities)s).",
            person=p["person"],
            needed=p["needed"],
            max=p["max_per_day"],
            capacity=p["capacity"],
            municipalities=_names(municipalities),
        )
    if code == "collision":
        rules = _names(rule_name(str(r)) for r in p.get("rules", ()))  # type: ignore[union-attr]
        others = municipalities[1:]
        text = _(
            "Geen plan gevonden: vergadering %(number)s van %(name)s past nergens.",
            number=p["number"],
            name=p["name"],
        )
        if rules:
            text += " " + _("Deze regels botsen: %(rules)s.", rules=rules)
        if others:
            text += " " + _("Betrokken gemeenten: %(others)s.", others=_names(others))
        if p.get("people"):
            text += " " + _("Gedeelde genodigden: %(people)s.", people=_names(p["people"]))  # type: ignore[arg-type]
        if p.get("limit_reached"):
            text += " " + _("(De zoektocht werd na de ingestelde limiet gestopt.)")
        return text
    return code


def violation_text(violation: Violation) -> str:
    p: Mapping[str, object] = violation.params
    code = violation.code
    if code == "unknown_municipality":
        return _("Onbekende gemeente.")
    if code == "outside_period":
        return _("%(day)s ligt buiten de gekozen periode.", day=_day(p["day"]))
    if code == "blocked_day":
        return _("%(day)s is een vrije dag: %(reason)s.", day=_day(p["day"]), reason=p["reason"])
    if code == "weekend":
        return _("%(day)s valt in het weekend.", day=_day(p["day"]))
    if code == "outside_window":
        return _(
            "Valt buiten het tijdvenster van de gemeente (%(start)s-%(end)s).",
            start=_time(p["window_start"]),
            end=_time(p["window_end"]),
        )
    if code == "person_unavailable":
        return _("%(person)s gaf in de bevraging aan dat dit moment niet past.", person=p["person"])
    if code == "spacing_existing":
        return _(
            "Minder dan %(spacing)s dagen na of voor de vergadering van %(other)s.",
            spacing=p["spacing"],
            other=_day(p["other"]),
        )
    if code == "spacing":
        return _(
            "Minder dan %(spacing)s dagen na of voor de andere voorgestelde vergadering "
            "(%(other)s).",
            spacing=p["spacing"],
            other=_day(p["other"]),
        )
    if code == "overlap":
        return _(
            "%(person)s zit dan al in een andere vergadering (%(other)s).",
            person=p["person"],
            other=p["other"] or _("bestaande vergadering"),
        )
    if code == "max_per_day":
        return _(
            "%(person)s heeft die dag al %(max)s vergaderingen.",
            person=p["person"],
            max=p["max_per_day"],
        )
    if code == "too_many":
        return _(
            "Meer vergaderingen dan de gemeente nog nodig heeft (%(needed)s).",
            needed=p["needed"],
        )
    return code
