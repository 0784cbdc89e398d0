"""The planner page and the compliance view: parse, authorise, call a service, render.

The planner page proposes (`services.propose`), re-checks a table adjusted by hand
(`services.check`), and confirms it (`services.confirm`) or starts a poll with it
(`polls.start_poll`); the request's commit point commits, a refusal is rolled back and shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from babel.dates import format_date
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from overleg.auth.permissions import (
    Access,
    access,
    current_account,
    get_poll,
    visible_municipalities,
)
from overleg.extensions import db
from overleg.lib import pdf
from overleg.lib.calendar_rules import CalendarRules, blocked_days
from overleg.lib.dates import BRUSSELS, brussels_instant, later, to_local
from overleg.mail.report import flash_not_mailed
from overleg.mail.settings import MailSettings
from overleg.models import AvailabilityPoll, Municipality
from overleg.models.types import utcnow
from overleg.planning import compliance, polls, services
from overleg.planning.forms import PeriodForm, ProposalsForm, YearForm, offer_municipalities
from overleg.planning.planner import Assignment, Plan, PlanningProblem
from overleg.planning.settings import PlanSettings, period_bounds
from overleg.planning.texts import note_text, problem_text, violation_text
from overleg.web.i18n import current_locale
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse

bp = Blueprint("planning", __name__)


def month_label(day: date) -> str:
    """'januari 2027' in the user's language."""
    return format_date(day, "LLLL y", locale=current_locale())


def day_label(day: date) -> str:
    """'11 november' in the user's language (the calendar's list of blocked days)."""
    return format_date(day, "d MMMM", locale=current_locale())


@dataclass
class Row:
    """One proposal as the page shows it."""

    slug: str
    name: str
    start: datetime | None
    end: datetime | None
    notes: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    penalty: int | None = None


@dataclass
class PlannerPage:
    """What the planner page shows: the period form, the plan or its problems, the table."""

    form: PeriodForm
    problem: PlanningProblem | None = None
    rows: list[Row] = field(default_factory=list)
    proposals_form: ProposalsForm | None = None
    problems: list[str] = field(default_factory=list)
    checked: bool = False  # the table was re-checked against the rules
    poll: AvailabilityPoll | None = None

    def render(self, status: int = 200) -> ViewResponse:
        return (
            render_template(
                "planning/index.html",
                form=self.form,
                problem=self.problem,
                rows=self.rows,
                confirm_form=self.proposals_form,
                problems=self.problems,
                months=self._months(),
                checked=self.checked,
                conflicts=sum(1 for r in self.rows if r.violations),
                month_label=month_label,
                day_label=day_label,
                poll=self.poll,
                open_polls=[p for p in polls.polls_of(current_account().platform_id) if p.is_open],
                poll_period=polls.period_label,
            ),
            status,
        )

    def _months(self) -> list[services.CalendarMonth]:
        problem = self.problem
        if problem is None or problem.end < problem.start or self.form.year.data is None:
            return []
        start, end = period_bounds(self.form.year.data, int(self.form.half.data or 0) or None)
        return services.month_calendar(
            start,
            end,
            [r.start.date() if r.start else None for r in self.rows],
            blocked_days(start, end, problem.rules),
        )


# --- the forms -----------------------------------------------------------------------------------


def _skip_choices(form: PeriodForm | ProposalsForm) -> None:
    offer_municipalities(
        form,
        db.session.scalars(
            sa.select(Municipality)
            .where(Municipality.platform_id == current_account().platform_id)
            .order_by(Municipality.name)
        ),
    )


def _settings(form: PeriodForm | ProposalsForm) -> PlanSettings:
    """The settings of a validated form, on the coordinator's platform."""
    return PlanSettings(
        year=form.year.data or 0,
        half=int(form.half.data) if form.half.data else None,
        rules=CalendarRules(
            avoid_public_holidays=bool(form.avoid_public_holidays.data),
            avoid_flemish_holiday=bool(form.avoid_flemish_holiday.data),
            avoid_school_holidays=bool(form.avoid_school_holidays.data),
        ),
        max_per_day=form.max_per_day.data or 0,
        slot_step_minutes=current_app.config["PLANNER_SLOT_STEP_MINUTES"],
        platform_ids=(current_account().platform_id,),
        exclude=frozenset(form.skip.data or ()),
        together=frozenset(form.together.data or ()),
    )


def _poll_period_args(poll: AvailabilityPoll) -> MultiDict[str, str]:
    """The period form as if the coordinator had submitted the poll's settings."""
    args = MultiDict(
        {"year": str(poll.year), "half": str(poll.half or ""), "max_per_day": str(poll.max_per_day)}
    )
    for name in ("avoid_public_holidays", "avoid_flemish_holiday", "avoid_school_holidays"):
        if getattr(poll, name):
            args[name] = "y"
    for slug in filter(None, poll.skipped.split(",")):
        args.add("skip", slug)
    return args


def _period_data(form: PeriodForm | ProposalsForm) -> dict[str, object]:
    return {
        "year": form.year.data,
        "half": form.half.data or "",
        "avoid_public_holidays": form.avoid_public_holidays.data,
        "avoid_flemish_holiday": form.avoid_flemish_holiday.data,
        "avoid_school_holidays": form.avoid_school_holidays.data,
        "max_per_day": form.max_per_day.data,
        "skip": list(form.skip.data or ()),
        "together": list(form.together.data or ()),
    }


def _period_form(poll: AvailabilityPoll | None) -> tuple[PeriodForm, bool]:
    """The period form of the request (or of the poll), and whether one was submitted."""
    if poll is not None:
        form = PeriodForm(formdata=_poll_period_args(poll))
    elif "year" in request.args:
        form = PeriodForm(formdata=request.args)
    else:
        next_year = utcnow().astimezone(BRUSSELS).year + 1
        form = PeriodForm(
            formdata=None,
            year=next_year,
            max_per_day=current_app.config["PLANNER_MAX_MEETINGS_PER_DAY"],
        )
    _skip_choices(form)
    return form, poll is not None or "year" in request.args


def _proposals_form(form: PeriodForm, plan: Plan, poll: AvailabilityPoll | None) -> ProposalsForm:
    """The table of proposals to adjust, check and confirm (or to start a poll with)."""
    return ProposalsForm(
        formdata=None,
        data={
            **_period_data(form),
            "poll_id": poll.id if poll else None,
            "poll_answer_by": utcnow().astimezone(BRUSSELS).date() + timedelta(days=14),
            "rows": [
                {"slug": p.slug, "day": p.start.date(), "start_time": p.start.time()}
                for p in plan.proposals
            ],
        },
    )


def _rows_from_plan(plan: Plan) -> list[Row]:
    return [
        Row(p.slug, p.name, p.start, p.end, [note_text(n) for n in p.notes], [], p.penalty)
        for p in plan.proposals
    ]


# --- proposing ---------------------------------------------------------------------------------


@bp.route("/planning")
@access(Access.COORDINATOR)
def index() -> ViewResponse:
    poll_id = request.args.get("poll", type=int)
    poll = get_poll(current_account(), poll_id) if poll_id is not None else None
    form, submitted = _period_form(poll)
    if not submitted or not form.validate():
        return PlannerPage(form).render()
    proposed = services.propose(_settings(form), now=utcnow(), poll=poll)
    page = PlannerPage(form, proposed.problem, poll=poll)
    plan = proposed.plan
    if not plan.feasible:
        names = {m.slug: m.name for m in proposed.problem.municipalities}
        page.problems = [problem_text(p, names) for p in plan.problems]
    else:
        page.rows = _rows_from_plan(plan)
        page.proposals_form = _proposals_form(form, plan, poll)
    return page.render()


# --- checking, confirming, polling -------------------------------------------------------------


def _assignments(form: ProposalsForm) -> list[Assignment]:
    """The rows of a validated table (every row has its day and start time)."""
    result = []
    for entry in form.rows.entries:
        row = entry.form
        day, start_time = row.day.data, row.start_time.data
        if day is not None and start_time is not None:
            # On the Brussels clock, as the planner's own proposals are; the form refused a time
            # that does not exist, and a time shown twice is the first (brussels_instant).
            start = to_local(brussels_instant(day, start_time))
            result.append(Assignment(row.slug.data or "", start))
    return result


def _rows_checked(checked: services.Checked) -> list[Row]:
    """The submitted rows in their order, each with the rules it breaks."""
    assignments = checked.assignments
    by_slug = {m.slug: m for m in checked.problem.municipalities}
    # check_assignments numbers the meetings of a municipality by date: map back to the rows.
    order = sorted(
        range(len(assignments)), key=lambda i: (assignments[i].start, assignments[i].slug)
    )
    number_of: dict[int, int] = {}
    seen: dict[str, int] = {}
    for i in order:
        slug = assignments[i].slug
        seen[slug] = seen.get(slug, 0) + 1
        number_of[i] = seen[slug]
    rows = []
    for i, a in enumerate(assignments):
        request_ = by_slug.get(a.slug)
        duration = request_.duration_minutes if request_ else 0
        texts = [
            violation_text(v)
            for v in checked.violations
            if v.slug == a.slug and v.number == number_of[i]
        ]
        name = request_.name if request_ else a.slug
        rows.append(Row(a.slug, name, a.start, later(a.start, duration), [], texts))
    return rows


@dataclass
class _Submitted:
    """The table as the coordinator submitted it, re-checked against the database as it is now."""

    form: ProposalsForm
    checked: services.Checked
    poll: AvailabilityPoll | None
    page: PlannerPage


def _period_form_of(proposals_form: ProposalsForm) -> PeriodForm:
    """The period form above the table, showing what the submitted table was planned for."""
    period_form = PeriodForm(formdata=None, data=_period_data(proposals_form))
    _skip_choices(period_form)
    return period_form


def _check_submitted(proposals_form: ProposalsForm) -> _Submitted:
    poll_id = proposals_form.poll_id.data
    poll = get_poll(current_account(), poll_id) if poll_id else None
    checked = services.check(
        _settings(proposals_form), _assignments(proposals_form), now=utcnow(), poll=poll
    )
    page = PlannerPage(
        _period_form_of(proposals_form),
        checked.problem,
        _rows_checked(checked),
        proposals_form,
        checked=True,
        poll=poll,
    )
    return _Submitted(proposals_form, checked, poll, page)


def _checked_table() -> _Submitted | ViewResponse:
    """The posted table re-checked against the rules; or, when its input is invalid (422) or it
    breaks a hard rule (422, flashed), the page that says so."""
    proposals_form = ProposalsForm()
    _skip_choices(proposals_form)
    if not proposals_form.validate_on_submit():
        page = PlannerPage(_period_form_of(proposals_form), proposals_form=proposals_form)
        return page.render(422)
    submitted = _check_submitted(proposals_form)
    violations = submitted.checked.violations
    if violations:
        flash(
            _(
                "Het plan breekt %(n)s harde regel(s): zie de gemarkeerde voorstellen.",
                n=len(violations),
            ),
            "error",
        )
        return submitted.page.render(422)
    return submitted


@bp.route("/planning/confirm", methods=["POST"])
@access(Access.COORDINATOR)
def confirm() -> ViewResponse:
    submitted = _checked_table()
    if not isinstance(submitted, _Submitted):
        return submitted
    checked = submitted.checked
    if request.form.get("action") != "confirm":
        flash(_("Gecontroleerd: geen enkel voorstel breekt een harde regel."), "success")
        return submitted.page.render()
    with refusals_on() as outcome:
        created = services.confirm(
            checked.problem,
            checked.assignments,
            user=current_account(),
            now=utcnow(),
            poll=submitted.poll,
        )
    if not outcome.accepted:
        return submitted.page.render(422)
    flash(
        _(
            "%(n)s vergaderingen aangemaakt met de standaardagenda en de vaste genodigden; "
            "ze staan klaar om uit te nodigen.",
            n=len(created),
        ),
        "success",
    )
    target = (
        "meetings.index" if "meetings.index" in current_app.view_functions else "planning.index"
    )
    return redirect(url_for(target))


def _poll_request(proposals_form: ProposalsForm) -> polls.PollRequest:
    answer_by = proposals_form.poll_answer_by.data
    return polls.PollRequest(
        per_meeting=proposals_form.poll_per_meeting.data or 3,
        include_optional=bool(proposals_form.poll_include_optional.data),
        answer_by=brussels_instant(answer_by, time.max) if answer_by else None,
    )


@bp.route("/planning/polls", methods=["POST"])
@access(Access.COORDINATOR)
def poll_start() -> ViewResponse:
    """Ask the standing invitees which of the proposals (and alternatives) suit them."""
    submitted = _checked_table()
    if not isinstance(submitted, _Submitted):
        return submitted
    checked, proposals_form = submitted.checked, submitted.form
    # Without proposals the table (and the errors above it) is not shown: flash instead.
    with refusals_on(proposals_form if checked.assignments else None) as outcome:
        started = polls.start_poll(
            checked.problem,
            _settings(proposals_form),
            checked.assignments,
            _poll_request(proposals_form),
            user=current_account(),
            now=utcnow(),
            mail=MailSettings.from_config(current_app.config),
        )
    if not outcome.accepted:
        return submitted.page.render(422)
    _flash_poll_started(started)
    return redirect(url_for("planning.poll", poll_id=started.poll.id))


def _flash_poll_started(started: polls.PollStart) -> None:
    flash(
        ngettext(
            "De bevraging is verstuurd naar %(num)d genodigde.",
            "De bevraging is verstuurd naar %(num)d genodigden.",
            started.report.count,
        ),
        "success",
    )
    flash_not_mailed(started.report, no_address=_not_asked)


def _not_asked(names: str) -> LazyString:
    return _l("Zonder bruikbaar e-mailadres, dus niet bevraagd: %(names)s.", names=names)


# --- compliance ------------------------------------------------------------------------------


def standing_labels() -> dict[str, str]:
    return {
        compliance.Standing.COMPLIANT.value: _("In orde"),
        compliance.Standing.ON_TRACK.value: _("Op schema"),
        compliance.Standing.AT_RISK.value: _("Risico"),
        compliance.Standing.OVERDUE.value: _("Achterstand"),
    }


def reason_labels() -> dict[str, str]:
    return {
        "meetings_missing": _("te weinig vergaderingen gehouden"),
        "topics_missing": _("verplichte thema's ontbreken"),
        "minutes_late": _("verslag niet goedgekeurd of niet naar Wonen in Vlaanderen"),
        "not_enough_planned": _("te weinig vergaderingen gepland"),
        "no_meeting_for_topics": _("geen vergadering meer gepland voor de ontbrekende thema's"),
        "year_ending": _("het jaar loopt bijna af"),
    }


def _compliance_year() -> tuple[YearForm, int | None]:
    if "year" in request.args:
        form = YearForm(formdata=request.args)
        return form, form.year.data if form.validate() else None
    year = utcnow().astimezone(BRUSSELS).year
    return YearForm(formdata=None, year=year), year


def _compliance_rows(year: int) -> list[compliance.MunicipalityCompliance]:
    return compliance.year_compliance(
        visible_municipalities(current_account()),
        year,
        now=utcnow(),
        topics_per_year=current_app.config["MANDATORY_TOPICS_PER_YEAR"],
        at_risk_days=current_app.config["COMPLIANCE_AT_RISK_DAYS"],
    )


@bp.route("/planning/compliance", endpoint="compliance")
@access(Access.USER)
def compliance_view() -> ViewResponse:
    form, year = _compliance_year()
    rows = _compliance_rows(year) if year is not None else []
    summary = {s.value: sum(1 for r in rows if r.standing is s) for s in compliance.Standing}
    return render_template(
        "planning/compliance.html",
        form=form,
        year=year,
        rows=rows,
        summary=summary,
        standing_labels=standing_labels(),
        reason_labels=reason_labels(),
        topics_per_year=current_app.config["MANDATORY_TOPICS_PER_YEAR"],
        topic_list=compliance.topic_list_sentence(year, rows) if year is not None else "",
    )


def _report_year() -> int:
    _form, year = _compliance_year()
    if year is None:
        abort(400)
    return year


@bp.route("/planning/compliance/report.csv")
@access(Access.USER)
def compliance_csv() -> Response:
    year = _report_year()
    headers = [
        _("Gemeente"),
        _("Jaar"),
        _("Vereist"),
        _("Gehouden"),
        _("Nog gepland"),
        _("Verplichte thema's besproken"),
        _("Verplichte thema's ontbrekend"),
        _("Verslagen goedgekeurd"),
        _("Verslagen naar Wonen in Vlaanderen"),
        _("Laatst verstuurd naar Wonen in Vlaanderen"),
        _("Status"),
        _("Verplichte thema's van het jaar"),
    ]
    body = compliance.compliance_csv(_compliance_rows(year), headers, standing_labels())
    filename = f"woonoverleg-naleving-{year}.csv"
    return Response(
        "\ufeff" + body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.route("/planning/compliance/report.pdf")
@access(Access.USER)
def compliance_pdf() -> Response:
    year = _report_year()
    rows = _compliance_rows(year)
    rendered = pdf.render_pdf_template(
        "compliance.html",
        rows=rows,
        year=year,
        platform=current_account().platform,
        municipality={"name": _("jaarverslag %(year)s", year=year)},
        standing_labels=standing_labels(),
        reason_labels=reason_labels(),
        topic_list=compliance.topic_list_sentence(year, rows),
        generated_at=utcnow(),
    )
    filename = f"woonoverleg-jaarverslag-{year}.pdf"
    return Response(
        rendered.content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
