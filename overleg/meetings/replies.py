"""Answers that come back from the invitees' calendars, and the coordinator's answer to them.

`ingest_reply(raw, now=...)` handles one raw mail, exactly as the mailbox reader (`flask worker`)
and `flask replies ingest FILE.eml` do: it reads the iTIP messages in it (overleg.lib.imip),
finds the invitation by the meeting's UID and the attendee's address (case-insensitive), checks
that the mail comes from that address, and then
- REPLY: records the answer (ACCEPTED, DECLINED, TENTATIVE) in the answer history, as given
  "via agenda" for the SEQUENCE it names (an answer to an earlier version is kept, not counted);
  DELEGATED-TO names a substitute, as the answer page does;
- COUNTER: keeps the proposed new time (`CounterProposal`) for the coordinator, who accepts it
  (`accept_proposal`: the meeting moves through `update_meeting`, and the update goes out) or
  declines it (`decline_proposal`: a DECLINECOUNTER goes to that attendee through the outbox);
- REFRESH: queues the current invitation to that attendee again.
Whatever changes nothing is set aside with the reason (overleg.mail.replies), for the coordinator.
Every change is audited. Nothing here commits: the caller (the reader, the command, the view)
does, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib import ical, imip
from overleg.lib.dates import long_datetime, time_only
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.messages import (
    Attachment,
    HeaderInjectionError,
    Sender,
    build_message,
    build_raw_message,
    one_line,
)
from overleg.mail.replies import RejectReason, set_aside
from overleg.mail.settings import MailSettings, mailable_contact, sender_for
from overleg.meetings import answers, invitations, services
from overleg.models import (
    AnswerSource,
    Contact,
    CounterProposal,
    Invitation,
    Meeting,
    ProposalStatus,
    RsvpStatus,
    User,
)
from overleg.models.types import utcnow

DECLINE_COUNTER_KIND = "decline-counter"


@dataclass(frozen=True)
class IngestOutcome:
    """What `ingest_reply` did with one mail: whether it changed anything, and what, in words
    (`reason`: what it did, or why it changed nothing)."""

    changed: bool
    reason: str


@dataclass(frozen=True)
class _Done:
    changed: bool
    text: str
    unchanged_because: RejectReason | None = None  # set aside for this reason when not changed


def _settings(settings: MailSettings | None) -> MailSettings:
    return settings or MailSettings.from_config(current_app.config)


# --- one mail -------------------------------------------------------------------------------


def ingest_reply(
    raw: bytes, *, now: datetime | None = None, settings: MailSettings | None = None
) -> IngestOutcome:
    """Handle one raw mail from a calendar; see the module's docstring. Does not commit."""
    now = now if now is not None else utcnow()
    read = imip.read_reply(raw)
    if read.problem is not None:
        set_aside(read, RejectReason(read.problem.value))
        return IngestOutcome(False, _reason_words(RejectReason(read.problem.value), read.detail))
    done = [_ingest_message(read, message, now, _settings(settings)) for message in read.messages]
    return IngestOutcome(any(d.changed for d in done), " ".join(d.text for d in done))


def _reason_words(reason: RejectReason, detail: str = "") -> str:
    text = gettext("Niets veranderd: %(reason)s", reason=str(reason.text))
    return f"{text} ({detail})" if detail else text


def _ingest_message(
    read: imip.ReadMail, message: imip.ItipMessage, now: datetime, settings: MailSettings
) -> _Done:
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.ical_uid == message.uid))
    if meeting is None:
        return _rejected(read, message, RejectReason.UNKNOWN_UID, detail=message.uid)
    attendee = message.attendee.address
    invitation = invitation_for(meeting, attendee)
    if invitation is None:
        return _rejected(read, message, RejectReason.NOT_INVITED, meeting=meeting, detail=attendee)
    if read.sender != attendee:
        return _rejected(
            read, message, RejectReason.OTHER_SENDER, meeting=meeting, detail=read.sender or "-"
        )
    if message.method is imip.Method.COUNTER and message.sequence < meeting.ical_sequence:
        return _rejected(read, message, RejectReason.OLD_PROPOSAL, meeting=meeting)
    handle = _HANDLERS[message.method]
    try:
        with db.session.begin_nested():  # a refused answer leaves nothing behind
            done = handle(invitation, message, now, settings)
    except Refusal as refusal:
        return _rejected(read, message, RejectReason.REFUSED, meeting=meeting, detail=str(refusal))
    if not done.changed and done.unchanged_because is not None:
        set_aside(read, done.unchanged_because, message=message, meeting=meeting)
    return done


def _rejected(
    read: imip.ReadMail,
    message: imip.ItipMessage,
    reason: RejectReason,
    *,
    meeting: Meeting | None = None,
    detail: str = "",
) -> _Done:
    set_aside(read, reason, message=message, meeting=meeting, detail=detail)
    return _Done(False, _reason_words(reason, detail))


def invitation_for(meeting: Meeting, address: str) -> Invitation | None:
    """The meeting's invitation of the contact with this address (compared in lower case)."""
    return db.session.scalar(
        sa.select(Invitation)
        .join(Contact, Invitation.contact_id == Contact.id)
        .where(
            Invitation.meeting_id == meeting.id,
            Invitation.is_guest.is_(False),
            Contact.erased_at.is_(None),
            sa.func.lower(Contact.email) == address.lower(),
        )
        .order_by(Invitation.id)
        .limit(1)
    )


def _actor(invitation: Invitation) -> str:
    return answers.actor_label(invitation, AnswerSource.CALENDAR)


# --- REPLY ----------------------------------------------------------------------------------

_ANSWER: dict[imip.PartStat, RsvpStatus] = {
    imip.PartStat.ACCEPTED: RsvpStatus.ACCEPTED,
    imip.PartStat.DECLINED: RsvpStatus.DECLINED,
    imip.PartStat.TENTATIVE: RsvpStatus.TENTATIVE,
}


def _reply(
    invitation: Invitation, message: imip.ItipMessage, now: datetime, settings: MailSettings
) -> _Done:
    """Record the answer in the answer history, as given via the calendar for its SEQUENCE."""
    if message.partstat is imip.PartStat.DELEGATED or message.delegated_to is not None:
        return _delegate(invitation, message, now, settings)
    if message.partstat is None:  # the parser gives every REPLY one
        raise Refusal(_l("Kies een antwoord."))
    outcome = answers.record_answer(
        invitation,
        _ANSWER[message.partstat],
        source=AnswerSource.CALENDAR,
        sequence=message.sequence,
        comment=message.comment,
        at=now,
    )
    label = _answer_words(outcome.answer.status)
    meeting = invitation.meeting.title
    name = invitation.display_name
    if outcome.not_counted is answers.NotCounted.EARLIER_VERSION:
        text = gettext(
            "%(name)s antwoordde via agenda '%(answer)s' op een vorige versie van %(meeting)s: "
            "bewaard in de geschiedenis, telt niet voor het huidige tijdstip.",
            name=name,
            answer=label,
            meeting=meeting,
        )
    elif outcome.not_counted is answers.NotCounted.LATER_ANSWER:
        text = gettext(
            "%(name)s antwoordde via agenda '%(answer)s' op %(meeting)s: bewaard in de "
            "geschiedenis; er is al een later antwoord.",
            name=name,
            answer=label,
            meeting=meeting,
        )
    else:
        text = gettext(
            "%(name)s: '%(answer)s' via agenda voor %(meeting)s.",
            name=name,
            answer=label,
            meeting=meeting,
        )
    return _Done(True, text)


def _answer_words(status: RsvpStatus) -> str:
    words: dict[RsvpStatus, str] = {
        RsvpStatus.ACCEPTED: gettext("aanvaard"),
        RsvpStatus.DECLINED: gettext("geweigerd"),
        RsvpStatus.TENTATIVE: gettext("misschien"),
    }
    return words.get(status, status.value)


def _delegate(
    invitation: Invitation, message: imip.ItipMessage, now: datetime, settings: MailSettings
) -> _Done:
    """DELEGATED-TO names a substitute, as the answer page does (`name_substitute`)."""
    delegate = message.delegated_to
    if delegate is None:
        raise Refusal(_l("Het antwoord duidt geen vervanger aan (DELEGATED-TO)."))
    first, last = substitute_names(delegate)
    substitute = invitations.name_substitute(
        invitation,
        invitations.SubstituteData(first, last, delegate.address, message.comment),
        now=now,
        settings=settings,
        source=AnswerSource.CALENDAR,
        sequence=message.sequence,
    )
    return _Done(
        True,
        gettext(
            "%(name)s laat zich via agenda vervangen door %(substitute)s voor %(meeting)s; "
            "%(substitute)s krijgt een eigen uitnodiging.",
            name=invitation.display_name,
            substitute=substitute.display_name,
            meeting=invitation.meeting.title,
        ),
    )


def substitute_names(party: imip.Party) -> tuple[str, str]:
    """First and last name of a delegate: from the name the calendar gives (CN), else from the
    address ('hilde.claes@...' is Hilde Claes); a single word is the first name and '-' the last
    (the coordinator can correct it in the directory)."""
    words = party.name.split()
    if len(words) < 2:
        local = party.address.partition("@")[0]
        words = [w.capitalize() for w in re.split(r"[._-]+", local) if w] or words
    if not words:
        return party.address, "-"
    if len(words) == 1:
        return words[0], "-"
    return words[0], " ".join(words[1:])


# --- COUNTER --------------------------------------------------------------------------------


def _counter(
    invitation: Invitation, message: imip.ItipMessage, now: datetime, settings: MailSettings
) -> _Done:
    """Keep the new time an invitee proposes, for the coordinator (`accept_proposal`)."""
    proposal = message.proposal
    meeting = invitation.meeting
    if proposal is None:  # the parser gives every COUNTER one
        raise Refusal(_l("Het tegenvoorstel noemt geen geldig nieuw begin en einde."))
    answers.check_can_answer(invitation, now)
    if proposal.start <= now:
        raise Refusal(_l("Het voorgestelde tijdstip ligt in het verleden."))
    if (proposal.start, proposal.end) == (meeting.start_at, meeting.end_at):
        raise Refusal(_l("Het voorgestelde tijdstip is het huidige tijdstip van de vergadering."))
    if _already_proposed(invitation, proposal):
        return _Done(False, _reason_words(RejectReason.DUPLICATE), RejectReason.DUPLICATE)
    row = CounterProposal(
        meeting_id=meeting.id,
        invitation_id=invitation.id,
        start_at=proposal.start,
        end_at=proposal.end,
        sequence=message.sequence,
        comment=message.comment,
        received_at=now,
    )
    db.session.add(row)
    db.session.flush()
    when = _span(proposal.start, proposal.end)
    audit.record(
        None,
        "meeting.counter_proposed",
        row,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: {invitation.display_name} stelt via agenda voor: {when}",
        details={"start_at": proposal.start.isoformat(), "end_at": proposal.end.isoformat()},
        actor_label=_actor(invitation),
    )
    return _Done(
        True,
        gettext(
            "%(name)s stelt voor %(meeting)s te verplaatsen naar %(when)s; het voorstel staat "
            "op de pagina van de vergadering.",
            name=invitation.display_name,
            meeting=meeting.title,
            when=when,
        ),
    )


def _already_proposed(invitation: Invitation, proposal: imip.Proposal) -> bool:
    found = db.session.scalar(
        sa.select(CounterProposal.id).where(
            CounterProposal.invitation_id == invitation.id,
            CounterProposal.status == ProposalStatus.PENDING,
            CounterProposal.start_at == proposal.start,
            CounterProposal.end_at == proposal.end,
        )
    )
    return found is not None


def _span(start: datetime, end: datetime) -> str:
    return f"{long_datetime(start, 'nl')} - {time_only(end)}"


# --- REFRESH --------------------------------------------------------------------------------


def _refresh(
    invitation: Invitation, message: imip.ItipMessage, now: datetime, settings: MailSettings
) -> _Done:
    """Send the current invitation to the invitee again (their calendar lost or doubts it)."""
    meeting = invitation.meeting
    answers.check_can_answer(invitation, now)
    if meeting.invitations_sent_at is None:
        raise Refusal(_l("De uitnodigingen voor deze vergadering zijn nog niet verstuurd."))
    report = invitations.queue_invitee_added(invitation, now=now, settings=settings)
    if not report.mailed:
        raise Refusal(_l("%(name)s kon niet gemaild worden.", name=invitation.display_name))
    audit.record(
        None,
        "invitation.refresh",
        invitation,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: {invitation.display_name} vroeg via agenda de uitnodiging "
        "opnieuw; 1 uitnodiging in de wachtrij",
        actor_label=_actor(invitation),
    )
    return _Done(
        True,
        gettext(
            "%(name)s vroeg de uitnodiging voor %(meeting)s opnieuw; ze staat in de wachtrij.",
            name=invitation.display_name,
            meeting=meeting.title,
        ),
    )


_Handler = Callable[[Invitation, imip.ItipMessage, datetime, MailSettings], _Done]
_HANDLERS: dict[imip.Method, _Handler] = {
    imip.Method.REPLY: _reply,
    imip.Method.COUNTER: _counter,
    imip.Method.REFRESH: _refresh,
}


# --- the coordinator decides ----------------------------------------------------------------


def pending_proposals(meeting: Meeting) -> list[CounterProposal]:
    """The meeting's proposed new times that wait for the coordinator, oldest first."""
    return list(
        db.session.scalars(
            sa.select(CounterProposal)
            .where(
                CounterProposal.meeting_id == meeting.id,
                CounterProposal.status == ProposalStatus.PENDING,
            )
            .options(selectinload(CounterProposal.invitation).selectinload(Invitation.contact))
            .order_by(CounterProposal.received_at, CounterProposal.id)
        )
    )


def get_proposal(meeting: Meeting, proposal_id: int) -> CounterProposal | None:
    """A proposal of this meeting (None for one of another meeting)."""
    proposal = db.session.get(CounterProposal, proposal_id)
    if proposal is None or proposal.meeting_id != meeting.id:
        return None
    return proposal


def is_current(proposal: CounterProposal) -> bool:
    """Whether the proposal answers the meeting as it is now (it has not changed since)."""
    return proposal.sequence >= proposal.meeting.ical_sequence


def _decide(proposal: CounterProposal, status: ProposalStatus, user: User, now: datetime) -> None:
    """Mark the proposal decided; only one decision wins, on both databases (a conditional
    UPDATE from pending), the other is refused."""
    result = db.session.execute(
        sa.update(CounterProposal)
        .where(CounterProposal.id == proposal.id, CounterProposal.status == ProposalStatus.PENDING)
        .values(status=status, decided_at=now, decided_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Refusal(_l("Over dit voorstel werd al beslist."))
    db.session.refresh(proposal)


def accept_proposal(
    proposal: CounterProposal, *, user: User, now: datetime
) -> services.MeetingChange:
    """Move the meeting to the proposed time through `update_meeting` (which sends the update
    to everyone invited). Refused when the meeting changed since the proposal. Audited."""
    meeting = proposal.meeting
    if not is_current(proposal):
        raise Refusal(
            _l(
                "De vergadering werd gewijzigd nadat dit voorstel kwam; het geldt voor een "
                "vorige versie. Weiger het, of pas de vergadering zelf aan."
            )
        )
    _decide(proposal, ProposalStatus.ACCEPTED, user, now)
    change = services.update_meeting(
        meeting,
        title=meeting.title,
        start_at=proposal.start_at,
        end_at=proposal.end_at,
        location=meeting.location,
        now=now,
        user=user,
    )
    audit.record(
        user,
        "meeting.counter_accepted",
        proposal,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: voorstel van {proposal.invitation.display_name} aanvaard, "
        f"nieuw tijdstip {_span(proposal.start_at, proposal.end_at)}",
        details={"proposal_id": proposal.id, "sequence": meeting.ical_sequence},
    )
    return change


def decline_proposal(
    proposal: CounterProposal,
    *,
    user: User,
    now: datetime,
    settings: MailSettings | None = None,
) -> bool:
    """Decline the proposal: a DECLINECOUNTER to that invitee through the outbox (True when it
    could be mailed). Audited."""
    _decide(proposal, ProposalStatus.DECLINED, user, now)
    invitation = proposal.invitation
    meeting = proposal.meeting
    mailed = _queue_decline(proposal, now=now, settings=_settings(settings))
    audit.record(
        user,
        "meeting.counter_declined",
        proposal,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: voorstel van {invitation.display_name} "
        f"({_span(proposal.start_at, proposal.end_at)}) geweigerd"
        + ("; 1 bericht in de wachtrij" if mailed else "; niet gemaild: geen bruikbaar adres"),
        details={"proposal_id": proposal.id, "mailed": mailed},
    )
    return mailed


def _queue_decline(proposal: CounterProposal, *, now: datetime, settings: MailSettings) -> bool:
    invitation = proposal.invitation
    contact = invitation.contact
    meeting = proposal.meeting
    if contact is None or not mailable_contact(contact):
        return False
    platform = meeting.municipality.platform
    calendar = ical.decline_counter(
        meeting,
        organiser=invitations.organiser_for(platform, settings),
        attendee=ical.Organiser(name=contact.full_name, email=contact.email),
        now=now,
    )
    when = long_datetime(meeting.start_at, "nl")
    with force_locale("nl"):
        text = current_app.jinja_env.get_template("mail/messages/counter_declined.txt").render(
            name=contact.full_name,
            proposed=_span(proposal.start_at, proposal.end_at),
            meeting=meeting,
            platform=platform,
            when=when,
            until=time_only(meeting.end_at),
        )
    try:
        message = build_raw_message(
            sender=sender_for(platform, settings),
            to_address=contact.email,
            to_name=one_line(contact.full_name),
            subject=f"Voorstel niet aanvaard: {one_line(meeting.title)}, {when}",
            text=text,
            calendar=calendar,
            calendar_method=ical.Method.DECLINECOUNTER.value,
            attachments=[Attachment("antwoord.ics", calendar, "text/calendar")],
        )
    except HeaderInjectionError:
        return False
    outbox.enqueue(
        message,
        kind=DECLINE_COUNTER_KIND,
        to_address=contact.email,
        to_name=one_line(contact.full_name),
        meeting_id=meeting.id,
        invitation_id=invitation.id,
    )
    return True


# --- an example answer ----------------------------------------------------------------------


def example_reply(
    invitation: Invitation,
    partstat: str,
    *,
    now: datetime,
    settings: MailSettings | None = None,
) -> bytes:
    """The mail a calendar program sends when this invitee answers `partstat` (ACCEPTED,
    DECLINED, TENTATIVE): to try `flask replies ingest` on a real invitation (the demo)."""
    settings = _settings(settings)
    contact = invitation.contact
    if contact is None or not mailable_contact(contact):
        raise Refusal(_l("%(name)s kon niet gemaild worden.", name=invitation.display_name))
    meeting = invitation.meeting
    organiser = invitations.organiser_for(meeting.municipality.platform, settings)
    calendar = ical.reply(
        meeting,
        organiser=organiser,
        attendee=ical.Organiser(name=contact.full_name, email=contact.email),
        partstat=partstat,
        now=now,
    )
    message = build_message(
        sender=Sender(contact.email, one_line(contact.full_name)),
        to_address=organiser.email,
        to_name=one_line(organiser.name),
        subject=f"{partstat.title()}: {one_line(meeting.title)}",
        text=f"{contact.full_name}: {partstat}",
        calendar=calendar,
        calendar_method=ical.Method.REPLY.value,
        attachments=[Attachment("invite.ics", calendar, "application/ics")],
    )
    return outbox.wire_bytes(message)
