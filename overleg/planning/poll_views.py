"""Availability polls: the coordinator's pages and the public answer page (no account needed)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from overleg.auth.permissions import Access, access, current_account, get_poll
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail.links import opened, personal_page
from overleg.mail.report import MailReport, flash_not_mailed
from overleg.mail.settings import MailSettings
from overleg.models import PollRespondent
from overleg.models.types import utcnow
from overleg.planning import polls
from overleg.planning.forms import PollAnswerForm
from overleg.planning.views import bp
from overleg.web.forms import ConfirmForm
from overleg.web.i18n import current_locale
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse


@bp.route("/planning/polls")
@access(Access.COORDINATOR)
def polls_index() -> ViewResponse:
    return render_template(
        "planning/polls.html",
        polls=polls.polls_of(current_account().platform_id),
        period_label=polls.period_label,
    )


@bp.route("/planning/polls/<int:poll_id>")
@access(Access.COORDINATOR)
def poll(poll_id: int) -> ViewResponse:
    poll = get_poll(current_account(), poll_id)
    answered = sum(1 for r in poll.respondents if r.answered_at is not None)
    return render_template(
        "planning/poll.html",
        poll=poll,
        tallies=polls.overview(poll),
        answered=answered,
        period_label=polls.period_label(poll),
        form=ConfirmForm(),
    )


@bp.route("/planning/polls/<int:poll_id>/remind", methods=["POST"])
@access(Access.COORDINATOR)
def poll_remind(poll_id: int) -> Response:
    poll = get_poll(current_account(), poll_id)
    if ConfirmForm().validate_on_submit():
        with refusals_on() as outcome:
            reminded = polls.send_reminders(
                poll,
                user=current_account(),
                now=utcnow(),
                mail=MailSettings.from_config(current_app.config),
            )
        if outcome.accepted:
            _flash_reminded(reminded)
    return redirect(url_for("planning.poll", poll_id=poll.id))


def _flash_reminded(reminded: MailReport) -> None:
    if not reminded.mailed and not reminded.not_mailed:
        flash(_("Iedereen heeft al geantwoord: er is niemand om te herinneren."), "info")
        return
    flash(
        ngettext(
            "Herinnering verstuurd naar %(num)d genodigde.",
            "Herinnering verstuurd naar %(num)d genodigden.",
            reminded.count,
        ),
        "success",
    )
    flash_not_mailed(reminded)


@bp.route("/planning/polls/<int:poll_id>/close", methods=["POST"])
@access(Access.COORDINATOR)
def poll_close(poll_id: int) -> Response:
    poll = get_poll(current_account(), poll_id)
    if ConfirmForm().validate_on_submit():
        polls.close_poll(poll, user=current_account(), now=utcnow())
        flash(_("De bevraging is afgesloten; antwoorden kan niet meer."), "success")
    return redirect(url_for("planning.poll", poll_id=poll.id))


# --- the public answer page ------------------------------------------------------------------


def _answer_page(
    respondent: PollRespondent,
    groups: list[polls.SlotGroup],
    form: PollAnswerForm,
    status: int = 200,
) -> ViewResponse:
    return personal_page(
        "planning/poll_answer.html",
        status,
        respondent=respondent,
        poll=respondent.poll,
        groups=groups,
        form=form,
        period_label=polls.period_label(respondent.poll),
    )


@bp.route("/poll/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def poll_answer(token: str) -> ViewResponse:
    respondent = opened(polls.find_respondent(token))
    groups = polls.respondent_groups(respondent)
    suits = {a.slot_id for a in respondent.answers if a.suits}
    form = PollAnswerForm(
        data={
            "suiting": sorted(suits) if respondent.answered_at else [],
            "comment": respondent.comment,
        }
    )
    form.suiting.choices = [
        (slot.id, polls.slot_label(slot, current_locale()))
        for group in groups
        for slot in group.slots
    ]
    if form.is_submitted():
        if not respondent.poll.is_open:
            flash(_("Deze bevraging is afgesloten; antwoorden kan niet meer."), "error")
            return _answer_page(respondent, groups, form, 409)
        if not form.validate():
            return _answer_page(respondent, groups, form, 422)
        try:
            polls.record_answers(
                respondent, form.suiting.data or [], form.comment.data or "", now=utcnow()
            )
        except Refusal as error:
            db.session.rollback()
            target = getattr(form, error.field or "", None)
            if target is not None:
                target.errors = [*target.errors, str(error.message)]
            else:
                form.form_errors.append(str(error.message))
            return _answer_page(respondent, groups, form, 422)
        try:
            db.session.commit()
        except IntegrityError:  # the same link answered twice at the same moment
            db.session.rollback()
            form.form_errors.append(
                _("Uw antwoord werd tegelijk ook ergens anders bewaard. Verstuur het opnieuw.")
            )
            return _answer_page(respondent, groups, form, 409)
        flash(_("Bedankt, uw antwoord is bewaard. U kunt het hier nog wijzigen."), "success")
        return redirect(url_for("planning.poll_answer", token=token))
    return _answer_page(respondent, groups, form)
