"""New times proposed from the invitees' calendars (iTIP COUNTER): shown on the meeting page,
accepted or declined by a coordinator after a confirmation page (overleg.meetings.replies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from overleg.auth.permissions import Access, access, can_plan, get_meeting
from overleg.mail.report import flash_not_mailed
from overleg.meetings import replies
from overleg.meetings.views import bp
from overleg.models import CounterProposal, Meeting
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse


@dataclass(frozen=True)
class ProposalRow:
    proposal: CounterProposal
    current: bool  # for the meeting as it is now (not an earlier version)


def _proposal_rows(meeting: Meeting) -> list[ProposalRow]:
    """The pending proposals, for coordinators (who decide them); [] for anyone else."""
    if not current_user.is_authenticated or not can_plan(current_user):
        return []
    return [ProposalRow(p, replies.is_current(p)) for p in replies.pending_proposals(meeting)]


@bp.app_context_processor
def proposal_helpers() -> dict[str, Any]:
    return {"proposal_rows": _proposal_rows}


def _proposal(meeting_id: int, proposal_id: int) -> CounterProposal:
    """A pending proposal of a meeting the coordinator may edit; 404 otherwise."""
    meeting = get_meeting(current_user, meeting_id, edit=True)
    proposal = replies.get_proposal(meeting, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _to_meeting(meeting_id: int) -> Response:
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


def _decided_already(proposal: CounterProposal) -> Response | None:
    if proposal.status.value == "pending":
        return None
    flash(_("Over dit voorstel werd al beslist."), "info")
    return _to_meeting(proposal.meeting_id)


def _confirmation(proposal: CounterProposal, *, accept: bool, form: ConfirmForm) -> str:
    return render_template(
        "meetings/proposal_decide.html",
        proposal=proposal,
        current=replies.is_current(proposal),
        accept=accept,
        form=form,
    )


@bp.route("/meetings/<int:meeting_id>/proposals/<int:proposal_id>/accept", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def accept_proposal(meeting_id: int, proposal_id: int) -> ViewResponse:
    """GET: what accepting does; POST: the meeting moves and the update goes out."""
    proposal = _proposal(meeting_id, proposal_id)
    if (done := _decided_already(proposal)) is not None:
        return done
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirmation(proposal, accept=True, form=form)
    with refusals_on() as outcome:
        change = replies.accept_proposal(proposal, user=current_user, now=utcnow())
    if outcome.accepted:
        flash(
            _("De vergadering is verplaatst. Wie al uitgenodigd was, krijgt een update."),
            "success",
        )
        flash_not_mailed(change.mail)
    return _to_meeting(meeting_id)


@bp.route("/meetings/<int:meeting_id>/proposals/<int:proposal_id>/decline", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def decline_proposal(meeting_id: int, proposal_id: int) -> ViewResponse:
    """GET: what declining does; POST: a DECLINECOUNTER goes to the invitee."""
    proposal = _proposal(meeting_id, proposal_id)
    if (done := _decided_already(proposal)) is not None:
        return done
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirmation(proposal, accept=False, form=form)
    with refusals_on() as outcome:
        mailed = replies.decline_proposal(proposal, user=current_user, now=utcnow())
    if outcome.accepted:
        flash(_("Het voorstel is geweigerd."), "success")
        if not mailed:
            name = proposal.invitation.display_name
            flash(
                _("%(name)s kon niet gemaild worden: geen bruikbaar e-mailadres.", name=name),
                "warning",
            )
    return _to_meeting(meeting_id)
