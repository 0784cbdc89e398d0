"""The planner page and the compliance view: parse, authorise, call a service, render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from overleg.auth.permissions import (
    Access,
    access,
    get_poll,
    visible_municipalities,
)
from overleg.extensions import db
from overleg.lib import pdf
from overleg.lib.calendar_rules import CalendarRules, blocked_days
from overleg.lib.dates import BRUSSELS
from overleg.mail.settings import MailSettings
from overleg.models import AvailabilityPoll, Municipality
from overleg.models.types import utcnow
from overleg.planning import compliance, polls, services
from overleg.planning.forms import ConfirmForm, PeriodForm, YearForm
from overleg.planning.planner import Assignment, Plan, PlanningProblem, Violation, plan_period
from overleg.planning.texts import note_text, problem_text, violation_text
from overleg.web.i18n import current_locale

bp = Blueprint("planning", __name__)


def _skip_choices(form: PeriodForm | ConfirmForm) -> None:
    form.skip.choices = [
        SelectChoice(m.slug, m.name)
        for m in db.session.scalars(
            sa.select(Municipality)
            .where(Municipality.platform_id == current_user.platform_id)
            .order_by(Municipality.name)
        )
    ]


def month_label(day: date) -> str:
    """'januari 2027' in the user's language."""
    return format_date(day, "LLLL y", locale=current_locale())


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


def _settings(form: PeriodForm | ConfirmForm) -> services.PlanSettings:
    return services.PlanSettings(
        year=form.year.data,
        half=int(form.half.data) if form.half.data else None,
        rules=CalendarRules(
            avoid_public_holidays=bool(form.avoid_public_holidays.data),
            avoid_flemish_holiday=bool(form.avoid_flemish_holiday.data),
            avoid_school_holidays=bool(form.avoid_school_holidays.data),
        ),
        max_per_day=form.max_per_day.data,
        slot_step_minutes=current_app.config["PLANNER_SLOT_STEP_MINUTES"],
        platform_ids=(current_user.platform_id,),
        exclude=frozenset(form.skip.data or ()),
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


def _period_data(form: PeriodForm | ConfirmForm) -> dict[str, object]:
    return {
        "year": form.year.data,
        "half": form.half.data or "",
        "avoid_public_holidays": form.avoid_public_holidays.data,
        "avoid_flemish_holiday": form.avoid_flemish_holiday.data,
        "avoid_school_holidays": form.avoid_school_holidays.data,
        "max_per_day": form.max_per_day.data,
        "skip": list(form.skip.data or ()),
    }


def _rows_from_plan(plan: Plan) -> list[Row]:
    return [
        Row(
            p.slug,
            p.name,
            p.start,
            p.end,
            [note_text(n) for n in p.notes],
            [],
            p.penalty,
        )
        for p in plan.proposals
    ]


def _render(
    form: PeriodForm,
    problem: PlanningProblem | None,
    rows: list[Row],
    confirm_form: ConfirmForm | None,
    problems: list[str],
    status: int = 200,
    checked: bool = False,
    poll: AvailabilityPoll | None = None,
):  # type: ignore[no-untyped-def]
    months: list[services.CalendarMonth] = []
    if problem is not None and problem.end >= problem.start:
        start, end = services.period_bounds(form.year.data, int(form.half.data or 0) or None)
        months = services.month_calendar(
            start,
            end,
            [r.start.date() if r.start else None for r in rows],
            blocked_days(start, end, problem.rules),
        )
    return (
        render_template(
            "planning/index.html",
            form=form,
            problem=problem,
            rows=rows,
            confirm_form=confirm_form,
            problems=problems,
            months=months,
            checked=checked,
            conflicts=sum(1 for r in rows if r.violations),
            month_label=month_label,
            poll=poll,
            open_polls=[p for p in polls.polls_of(current_user.platform_id) if p.is_open],
            poll_period=polls.period_label,
        ),
        status,
    )


@bp.route("/planning")
@access(Access.COORDINATOR)
def index():  # type: ignore[no-untyped-def]
    poll = None
    poll_id = request.args.get("poll", type=int)
    submitted = "year" in request.args or poll_id is not None
    if poll_id is not None:
        poll = get_poll(current_user, poll_id)
        form = PeriodForm(formdata=_poll_period_args(poll))
    elif submitted:
        form = PeriodForm(formdata=request.args)
    else:
        next_year = utcnow().astimezone(BRUSSELS).year + 1
        form = PeriodForm(
            formdata=None,
            year=next_year,
            max_per_day=current_app.config["PLANNER_MAX_MEETINGS_PER_DAY"],
        )
    _skip_choices(form)
    if not submitted or not form.validate():
        return _render(form, None, [], None, [])
    problem = services.load_problem(_settings(form), now=utcnow())
    if poll is not None:
        problem = polls.with_answers(problem, poll)
    plan = plan_period(problem)
    if not plan.feasible:
        names = {m.slug: m.name for m in problem.municipalities}
        problems = [problem_text(p, names) for p in plan.problems]
        return _render(form, problem, [], None, problems, poll=poll)
    rows = _rows_from_plan(plan)
    confirm_form = ConfirmForm(
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
    return _render(form, problem, rows, confirm_form, [], poll=poll)


def _assignments(form: ConfirmForm) -> list[Assignment]:
    result = []
    for entry in form.rows.entries:
        row = entry.form
        start = datetime.combine(row.day.data, row.start_time.data, tzinfo=BRUSSELS)
        result.append(Assignment(row.slug.data or "", start))
    return result


def _rows_checked(
    problem: PlanningProblem, assignments: list[Assignment], violations: list[Violation]
) -> list[Row]:
    """The submitted rows in their order, each with the rules it breaks."""
    by_slug = {m.slug: m for m in problem.municipalities}
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
            violation_text(v) for v in violations if v.slug == a.slug and v.number == number_of[i]
        ]
        rows.append(
            Row(
                a.slug,
                request_.name if request_ else a.slug,
                a.start,
                a.start + timedelta(minutes=duration),
                [],
                texts,
            )
        )
    return rows


@dataclass
class _Submitted:
    """The table as the coordinator submitted it, re-checked against the database as it is now."""

    period_form: PeriodForm
    problem: PlanningProblem
    assignments: list[Assignment]
    violations: list[Violation]
    rows: list[Row]
    poll: AvailabilityPoll | None


def _period_form(confirm_form: ConfirmForm) -> PeriodForm:
    """The period form above the table, showing what the submitted table was planned for."""
    period_form = PeriodForm(formdata=None, data=_period_data(confirm_form))
    _skip_choices(period_form)
    return period_form


def _check_submitted(confirm_form: ConfirmForm) -> _Submitted:
    period_form = _period_form(confirm_form)
    poll = get_poll(current_user, confirm_form.poll_id.data) if confirm_form.poll_id.data else None
    problem = services.load_problem(_settings(confirm_form), now=utcnow())
    if poll is not None:
        problem = polls.with_answers(problem, poll)
    assignments = _assignments(confirm_form)
    violations = services.plan_violations(problem, assignments)
    rows = _rows_checked(problem, assignments, violations)
    return _Submitted(period_form, problem, assignments, violations, rows, poll)


def _render_submitted(confirm_form: ConfirmForm, submitted: _Submitted, status: int):  # type: ignore[no-untyped-def]
    return _render(
        submitted.period_form,
        submitted.problem,
        submitted.rows,
        confirm_form,
        [],
        status=status,
        checked=True,
        poll=submitted.poll,
    )


def _flash_violations(violations: list[Violation]) -> None:
    flash(
        _(
            "Het plan breekt %(n)s harde regel(s): zie de gemarkeerde voorstellen.",
            n=len(violations),
        ),
        "error",
    )


@bp.route("/planning/confirm", methods=["POST"])
@access(Access.COORDINATOR)
def confirm():  # type: ignore[no-untyped-def]
    confirm_form = ConfirmForm()
    _skip_choices(confirm_form)
    if not confirm_form.validate_on_submit():
        return _render(_period_form(confirm_form), None, [], confirm_form, [], status=422)
    now = utcnow()
    submitted = _check_submitted(confirm_form)
    if request.form.get("action") != "confirm" or submitted.violations:
        if submitted.violations:
            _flash_violations(submitted.violations)
        else:
            flash(_("Gecontroleerd: geen enkel voorstel breekt een harde regel."), "success")
        return _render_submitted(confirm_form, submitted, 422 if submitted.violations else 200)
    try:
        created = services.apply_plan(
            submitted.problem, submitted.assignments, user=current_user, now=now
        )
    except services.PlanError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_submitted(confirm_form, submitted, 422)
    if submitted.poll is not None:
        polls.close_poll(submitted.poll, user=current_user, now=now)
    db.session.commit()
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


@bp.route("/planning/polls", methods=["POST"])
@access(Access.COORDINATOR)
def poll_start():  # type: ignore[no-untyped-def]
    """Ask the standing invitees which of the proposals (and alternatives) suit them."""
    confirm_form = ConfirmForm()
    _skip_choices(confirm_form)
    if not confirm_form.validate_on_submit():
        return _render(_period_form(confirm_form), None, [], confirm_form, [], status=422)
    submitted = _check_submitted(confirm_form)
    if submitted.violations:
        _flash_violations(submitted.violations)
        return _render_submitted(confirm_form, submitted, 422)
    answer_by = confirm_form.poll_answer_by.data
    request_ = polls.PollRequest(
        per_meeting=confirm_form.poll_per_meeting.data or 3,
        include_optional=bool(confirm_form.poll_include_optional.data),
        answer_by=datetime.combine(answer_by, datetime.max.time(), tzinfo=BRUSSELS)
        if answer_by
        else None,
    )
    try:
        started = polls.start_poll(
            submitted.problem,
            _settings(confirm_form),
            submitted.assignments,
            request_,
            user=current_user,
            now=utcnow(),
            mail=MailSettings.from_config(current_app.config),
        )
    except polls.PollError as error:
        db.session.rollback()
        field_ = getattr(confirm_form, error.field, None) if error.field else None
        if field_ is not None:
            field_.errors = [*field_.errors, error.message]
        else:
            flash(error.message, "error")
        return _render_submitted(confirm_form, submitted, 422)
    db.session.commit()
    flash(
        ngettext(
            "De bevraging is verstuurd naar %(num)d genodigde.",
            "De bevraging is verstuurd naar %(num)d genodigden.",
            len(started.mailed),
        ),
        "success",
    )
    if started.without_email:
        flash(
            _(
                "Zonder bruikbaar e-mailadres, dus niet bevraagd: %(names)s.",
                names=", ".join(c.full_name for c in started.without_email),
            ),
            "warning",
        )
    return redirect(url_for("planning.poll", poll_id=started.poll.id))


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
        visible_municipalities(current_user),
        year,
        now=utcnow(),
        topics_per_year=current_app.config["MANDATORY_TOPICS_PER_YEAR"],
        at_risk_days=current_app.config["COMPLIANCE_AT_RISK_DAYS"],
    )


@bp.route("/planning/compliance", endpoint="compliance")
@access(Access.USER)
def compliance_view():  # type: ignore[no-untyped-def]
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
    )


def _report_year() -> int:
    _form, year = _compliance_year()
    if year is None:
        abort(400)
    return year


@bp.route("/planning/compliance/report.csv")
@access(Access.USER)
def compliance_csv():  # type: ignore[no-untyped-def]
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
def compliance_pdf():  # type: ignore[no-untyped-def]
    year = _report_year()
    rows = _compliance_rows(year)
    rendered = pdf.render_pdf_template(
        "compliance.html",
        rows=rows,
        year=year,
        platform=current_user.platform,
        municipality={"name": _("jaarverslag %(year)s", year=year)},
        standing_labels=standing_labels(),
        reason_labels=reason_labels(),
        generated_at=utcnow(),
    )
    filename = f"woonoverleg-jaarverslag-{year}.pdf"
    return Response(
        rendered.content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
