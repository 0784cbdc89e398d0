"""Sending invitations, the meeting's .ics, and the personal answer page (no account needed).

Thin views: parse, authorise through overleg.auth.permissions, call overleg.meetings.invitations,
render. The personal pages share their link handling with the polls' (overleg.mail.links).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from overleg.auth.permissions import Access, access, get_invitation, get_meeting
from overleg.lib import ical
from overleg.lib.dates import short_datetime
from overleg.mail.links import opened, personal_page
from overleg.mail.report import flash_not_mailed
from overleg.mail.settings import MailSettings
from overleg.meetings import answers as answering
from overleg.meetings import invitation_forms, invitations, services
from overleg.meetings.invitations import SubstituteData
from overleg.meetings.views import bp
from overleg.models import AnswerSource, Invitation, Meeting, RsvpStatus
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm
from overleg.web.i18n import current_locale
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse

ICS_MIMETYPE = "text/calendar; charset=utf-8"


def _settings() -> MailSettings:
    return MailSettings.from_config(current_app.config)


def ics_response(data: bytes, filename: str, method: str | None = None) -> Response:
    # content_type, not mimetype: werkzeug would append a second charset to the latter.
    content_type = ICS_MIMETYPE + (f"; method={method}" if method else "")
    return Response(
        data,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/meetings/<int:meeting_id>/invitation.ics")
@access(Access.USER)
def meeting_ics(meeting_id: int) -> Response:
    get_meeting(current_user, meeting_id)
    meeting = services.load_meeting_page(meeting_id)
    platform = meeting.municipality.platform
    settings = _settings()
    method = ical.method_for(meeting)
    data = ical.scheduling_message(
        meeting,
        method=method,
        organiser=invitations.organiser_for(platform, settings),
        attendees=meeting.invitations,
        now=utcnow(),
        links=ical.Links(meeting=invitations.meeting_url(settings.base_url, meeting)),
    )
    return ics_response(data, f"vergadering-{meeting.id}.ics", method.value)


@bp.route("/meetings/<int:meeting_id>/invitations/send", methods=["GET", "POST"])
@access(Access.EDITOR)
def send(meeting_id: int) -> ViewResponse:
    get_meeting(current_user, meeting_id, edit=True)
    meeting = services.load_meeting_page(meeting_id)
    form = ConfirmForm()
    preview = invitations.recipients(meeting)
    if form.validate_on_submit():
        with refusals_on() as outcome:
            result = invitations.send_invitations(
                meeting, user=current_user, now=utcnow(), settings=_settings()
            )
        if outcome.accepted:
            _flash_sent(result)
        return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    return render_template(
        "meetings/send.html",
        meeting=meeting,
        form=form,
        preview=preview,
        can_send=answering.can_send(meeting, utcnow()),
    )


def _flash_sent(result: invitations.SendResult) -> None:
    flash(
        _(
            "%(count)d uitnodiging(en) staan klaar om verstuurd te worden.",
            count=result.report.count,
        ),
        "success",
    )
    flash_not_mailed(result.report, no_address=_not_invited)


@bp.route("/meetings/<int:meeting_id>/reminders/send", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def send_reminders(meeting_id: int) -> ViewResponse:
    """ "Herinnering sturen": who has not answered, then, after confirming, a reminder to them."""
    get_meeting(current_user, meeting_id, edit=True)
    meeting = services.load_meeting_page(meeting_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with refusals_on() as outcome:
            report = invitations.send_reminders(
                meeting, user=current_user, now=utcnow(), settings=_settings()
            )
        if outcome.accepted:
            flash(
                _(
                    "%(count)d herinnering(en) staan klaar om verstuurd te worden.",
                    count=report.count,
                ),
                "success",
            )
            flash_not_mailed(report)
        return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#invitation-mail")
    return render_template(
        "meetings/send_reminders.html",
        meeting=meeting,
        form=form,
        recipients=invitations.unanswered(meeting),
        can_remind=invitations.can_remind(meeting, utcnow()),
    )


def _not_invited(names: str) -> LazyString:
    return _l("Zonder e-mailadres, dus niet uitgenodigd per mail: %(names)s.", names=names)


def _link_action(meeting_id: int, invitation_id: int, renew: bool) -> Response:
    invitation = get_invitation(current_user, meeting_id, invitation_id, edit=True)
    form = ConfirmForm()
    if form.validate_on_submit():
        now = utcnow()
        if renew:
            invitations.renew_token(invitation, user=current_user, now=now)
            message = _("Er is een nieuwe persoonlijke link; de oude werkt niet meer.")
        else:
            invitations.revoke_token(invitation, user=current_user, now=now)
            message = _("De persoonlijke link werkt niet meer.")
        flash(message, "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id) + "#invitation-mail")


@bp.route(
    "/meetings/<int:meeting_id>/invitations/<int:invitation_id>/link/revoke", methods=["POST"]
)
@access(Access.EDITOR)
def revoke_link(meeting_id: int, invitation_id: int) -> Response:
    return _link_action(meeting_id, invitation_id, renew=False)


@bp.route("/meetings/<int:meeting_id>/invitations/<int:invitation_id>/link/renew", methods=["POST"])
@access(Access.EDITOR)
def renew_link(meeting_id: int, invitation_id: int) -> Response:
    return _link_action(meeting_id, invitation_id, renew=True)


# --- the personal answer page ----------------------------------------------------------------


def _rsvp_page(
    invitation: Invitation,
    answer_form: invitation_forms.AnswerForm,
    substitute_form: invitation_forms.SubstituteForm,
    status: int = 200,
) -> ViewResponse:
    return personal_page(
        "meetings/rsvp.html",
        status,
        invitation=invitation,
        meeting=invitation.meeting,
        answer_form=answer_form,
        substitute_form=substitute_form,
        can_answer=answering.can_answer(invitation, utcnow()),
        substitute=invitations.substitute_of(invitation),
        earlier_answer=answering.answer_states(invitation.meeting, [invitation])
        .get(invitation.id, answering.AnswerState())
        .earlier,
        feed_url=invitations.contact_feed_url(invitation, _settings().base_url),
    )


def _answer_form(invitation: Invitation) -> invitation_forms.AnswerForm:
    """The answer form, showing the answer given so far."""
    answered = invitation.rsvp_status in answering.ANSWERS
    return invitation_forms.AnswerForm(
        prefix="a",
        data={
            "answer": invitation.rsvp_status.value if answered else None,
            "comment": invitation.rsvp_comment,
            "sequence": str(invitation.meeting.ical_sequence),
        },
    )


@bp.route("/rsvp/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def rsvp(token: str) -> ViewResponse:
    invitation = opened(invitations.find_by_token(token))
    answer_form = _answer_form(invitation)
    substitute_form = invitation_forms.SubstituteForm(prefix="s", formdata=None)
    if not answer_form.is_submitted():
        return _rsvp_page(invitation, answer_form, substitute_form)
    if not answer_form.validate():
        return _rsvp_page(invitation, answer_form, substitute_form, 422)
    with refusals_on(answer_form) as outcome:
        recorded = answering.record_answer(
            invitation,
            RsvpStatus(answer_form.answer.data),
            source=AnswerSource.LINK,
            sequence=answer_form.answered_sequence(invitation.meeting.ical_sequence),
            comment=answer_form.comment.data or "",
            at=utcnow(),
        )
    if not outcome.accepted:
        return _rsvp_page(invitation, answer_form, substitute_form, 422)
    _flash_answered(recorded)
    return redirect(url_for("meetings.rsvp", token=token))


def _flash_answered(recorded: answering.AnswerOutcome) -> None:
    if recorded.not_counted is answering.NotCounted.EARLIER_VERSION:
        flash(
            _(
                "De vergadering werd intussen gewijzigd. Uw antwoord is bewaard voor het vorige "
                "tijdstip; laat opnieuw weten of u komt op het nieuwe."
            ),
            "warning",
        )
    else:
        flash(_("Bedankt, uw antwoord is bewaard."), "success")


@bp.route("/rsvp/<token>/vervanger", methods=["POST"])
@access(Access.PUBLIC)
def substitute(token: str) -> ViewResponse:
    invitation = opened(invitations.find_by_token(token))
    answer_form = invitation_forms.AnswerForm(prefix="a", formdata=None)
    substitute_form = invitation_forms.SubstituteForm(prefix="s")
    if not substitute_form.validate_on_submit():
        return _rsvp_page(invitation, answer_form, substitute_form, 422)
    data = SubstituteData(
        first_name=substitute_form.first_name.data or "",
        last_name=substitute_form.last_name.data or "",
        email=substitute_form.email.data or "",
        comment=substitute_form.substitute_comment.data or "",
    )
    with refusals_on(substitute_form) as outcome:
        previous = invitations.current_substitute(invitation)
        previous_name = previous.display_name if previous is not None else ""
        created = invitations.name_substitute(invitation, data, now=utcnow(), settings=_settings())
    if not outcome.accepted:
        return _rsvp_page(invitation, answer_form, substitute_form, 422)
    flash(
        _("Bedankt. %(name)s krijgt een eigen uitnodiging.", name=created.display_name), "success"
    )
    if previous_name:
        flash(
            _("%(name)s is niet langer uw vervanger en krijgt een annulering.", name=previous_name),
            "info",
        )
    return redirect(url_for("meetings.rsvp", token=token))


@bp.route("/rsvp/<token>/uitnodiging.ics")
@access(Access.PUBLIC)
def personal_ics(token: str) -> Response:
    invitation = opened(invitations.find_by_token(token))
    data, method = invitations.personal_calendar(invitation, now=utcnow(), settings=_settings())
    return ics_response(data, "uitnodiging.ics", method.value)


# --- the panel on the meeting page -----------------------------------------------------------


def answer_labels() -> dict[str, str]:
    return {
        RsvpStatus.NEEDS_ACTION.value: _("Nog geen antwoord"),
        RsvpStatus.ACCEPTED.value: _("Komt"),
        RsvpStatus.DECLINED.value: _("Komt niet"),
        RsvpStatus.TENTATIVE.value: _("Misschien"),
        RsvpStatus.DELEGATED.value: _("Laat zich vervangen"),
    }


def answer_summary(counts: dict[str, int]) -> str:
    return " · ".join(
        [
            _("Komen: %(n)d", n=counts["accepted"]),
            _("Misschien: %(n)d", n=counts["tentative"]),
            _("Komen niet: %(n)d", n=counts["declined"]),
            _("Vervangen: %(n)d", n=counts["delegated"]),
            _("Nog geen antwoord: %(n)d", n=counts["needs-action"]),
        ]
    )


def source_labels() -> dict[AnswerSource, str]:
    return {AnswerSource.LINK: _("via link"), AnswerSource.CALENDAR: _("via agenda")}


def answer_notes(meeting: Meeting, meeting_invitations: list[Invitation]) -> dict[int, str]:
    """Per invitation, where its answer came from and when ('via agenda · 3 mrt. 2026 10:00'),
    or, until the person answers again, the answer given for the previous time or place."""
    labels, sources, locale = answer_labels(), source_labels(), current_locale()
    notes = {}
    for invitation_id, state in answering.answer_states(meeting, meeting_invitations).items():
        answer = state.current or state.earlier
        if answer is None:
            continue
        prefix = ""
        if state.current is None:
            prefix = _("%(answer)s voor het vorige tijdstip", answer=labels[answer.status.value])
        when = short_datetime(answer.received_at, locale)
        notes[invitation_id] = " · ".join(filter(None, [prefix, sources[answer.source], when]))
    return notes


@dataclass(frozen=True)
class PanelRow:
    invitation: Invitation
    answer_url: str
    substitute_for_name: str
    answer_label: str
    answer_note: str = ""


@dataclass(frozen=True)
class Panel:
    counts: dict[str, int]
    summary: str
    skipped: list[Invitation]
    can_send: bool
    rows: list[PanelRow]


def _panel(meeting: Meeting, meeting_invitations: list[Invitation]) -> Panel:
    by_id = {inv.id: inv for inv in meeting_invitations}
    labels = answer_labels()
    notes = answer_notes(meeting, meeting_invitations)
    rows = []
    for inv in meeting_invitations:
        if inv.is_guest:
            continue
        link = ""
        if inv.token and inv.token_revoked_at is None:
            link = url_for("meetings.rsvp", token=inv.token)
        original = by_id.get(inv.substitute_for_id) if inv.substitute_for_id else None
        rows.append(
            PanelRow(
                inv,
                link,
                original.display_name if original else "",
                labels[inv.rsvp_status.value],
                notes.get(inv.id, ""),
            )
        )
    counts = {
        status.value: n for status, n in invitations.answers_summary(meeting_invitations).items()
    }
    preview = invitations.recipients_from(meeting_invitations)
    return Panel(
        counts,
        answer_summary(counts),
        preview.skipped,
        answering.can_send(meeting, utcnow()),
        rows,
    )


@bp.route("/meetings/<int:meeting_id>/answers.json")
@access(Access.USER)
def answers(meeting_id: int) -> ViewResponse:
    """The answers as JSON, for the meeting page to show them as they come in."""
    get_meeting(current_user, meeting_id)
    meeting = services.load_meeting_page(meeting_id)
    labels = answer_labels()
    notes = answer_notes(meeting, meeting.invitations)
    counts = {s.value: n for s, n in invitations.answers_summary(meeting.invitations).items()}
    return (
        {
            "summary": answer_summary(counts),
            "counts": counts,
            "invitations": [
                {
                    "id": inv.id,
                    "answer": inv.rsvp_status.value,
                    "label": labels[inv.rsvp_status.value],
                    "comment": inv.rsvp_comment,
                    "note": notes.get(inv.id, ""),
                }
                for inv in meeting.invitations
                if not inv.is_guest
            ],
        },
        200,
        {"Cache-Control": "no-store"},
    )


@bp.app_context_processor
def panel_helpers() -> dict[str, Any]:
    return {"invitation_panel": _panel}
