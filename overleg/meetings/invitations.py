"""Invitations by mail, their updates and cancellations, personal answer links and reminders.

Nothing here commits: each function adds rows (outbox messages, audit entries, invitations) to the
caller's session, so the mail exists exactly when the change that causes it is committed.

Every mail goes to one recipient and carries an .ics with only that recipient as ATTENDEE (the
other invitees' addresses are never shown), the same .ics as a text/calendar alternative (how
Outlook and Gmail recognise an invitation) and, when available, the agenda PDF.

Hooks for the meetings feature (call them in the transaction of the change):
- `queue_meeting_update(meeting, change, now=...)` after `update_meeting` / `cancel_meeting`;
- `queue_invitee_added(invitation, now=...)` after `add_invitee`;
- `queue_invitee_removed(invitation, now=...)` before `remove_invitee` deletes the row.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.documents import services as documents
from overleg.extensions import db
from overleg.lib import ical, tokens
from overleg.lib.dates import long_datetime, time_only, to_local
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.links import LinkState
from overleg.mail.messages import (
    Attachment,
    HeaderInjectionError,
    RawMessage,
    build_raw_message,
    clean_address,
    one_line,
)
from overleg.mail.report import MailReport, Reason
from overleg.mail.settings import MailSettings, mailable_contact, sender_for
from overleg.meetings import agenda_pdf
from overleg.meetings.answers import (
    COMMENT_MAX,
    actor_label,
    check_can_answer,
    delegating,
    record_answer,
)
from overleg.models import (
    AnswerSource,
    Contact,
    Invitation,
    Meeting,
    MeetingStatus,
    Organisation,
    OutboxMessage,
    Platform,
    RsvpStatus,
    SubstituteNaming,
    User,
)

NAME_MAX = 100
EMAIL_MAX = 254
# How many substitutes one personal link may name in a window (each one gets an invitation mail).
SUBSTITUTE_LIMIT = 3
SUBSTITUTE_WINDOW = timedelta(hours=24)


class MailKind(enum.StrEnum):
    INVITATION = "invitation"
    UPDATE = "update"
    CANCEL = "cancel"
    REMINDER = "reminder"


def _settings(settings: MailSettings | None) -> MailSettings:
    return settings or MailSettings.from_config(current_app.config)


# --- links ----------------------------------------------------------------------------------


def meeting_url(base_url: str, meeting: Meeting) -> str:
    return f"{base_url}/meetings/{meeting.id}"


def answer_url(base_url: str, token: str) -> str:
    return f"{base_url}/rsvp/{token}"


def ensure_token(invitation: Invitation) -> str:
    """The invitation's personal token, created when missing or revoked."""
    if invitation.token is None or invitation.token_revoked_at is not None:
        invitation.token = tokens.new_token()
        invitation.token_revoked_at = None
    return invitation.token


def revoke_token(invitation: Invitation, *, user: User | None, now: datetime) -> None:
    """The personal link stops working at once; a new one is made with `renew_token`."""
    if invitation.token is None or invitation.token_revoked_at is not None:
        return
    invitation.token_revoked_at = now
    if user is not None:
        audit.record(
            user,
            "invitation.revoke_link",
            invitation,
            municipality_id=invitation.meeting.municipality_id,
            summary=f"{invitation.meeting.title}: persoonlijke link van "
            f"{invitation.display_name} ingetrokken",
        )


def renew_token(invitation: Invitation, *, user: User | None, now: datetime) -> str:
    """Revoke the current personal link and make a new one."""
    if invitation.token is not None and invitation.token_revoked_at is None:
        invitation.token_revoked_at = now
    invitation.token = tokens.new_token()
    invitation.token_revoked_at = None
    if user is not None:
        audit.record(
            user,
            "invitation.renew_link",
            invitation,
            municipality_id=invitation.meeting.municipality_id,
            summary=f"{invitation.meeting.title}: nieuwe persoonlijke link voor "
            f"{invitation.display_name}",
        )
    return invitation.token


def find_by_token(token: str) -> tuple[LinkState, Invitation | None]:
    """The invitation behind a personal link, and whether the link still works.

    A token that was replaced by a newer one is no longer stored and answers UNKNOWN; an explicitly
    revoked one answers REVOKED (so the page can say so).
    """
    if not tokens.well_formed(token):
        return LinkState.UNKNOWN, None
    invitation = db.session.scalar(
        sa.select(Invitation)
        .where(Invitation.token == token)
        .options(
            selectinload(Invitation.meeting).selectinload(Meeting.agenda_items),
            selectinload(Invitation.contact).selectinload(Contact.organisation),
        )
    )
    if invitation is None:
        return LinkState.UNKNOWN, None
    if invitation.token_revoked_at is not None:
        return LinkState.REVOKED, invitation
    if invitation.contact is not None and invitation.contact.erased_at is not None:
        return LinkState.REVOKED, invitation
    return LinkState.VALID, invitation


# --- building one mail ----------------------------------------------------------------------


def _agenda_attachment(meeting: Meeting, settings: MailSettings) -> Attachment | None:
    if not settings.attach_agenda_pdf or meeting.status is MeetingStatus.CANCELLED:
        return None
    return Attachment(
        agenda_pdf.agenda_pdf_filename(meeting),
        agenda_pdf.render_agenda_pdf(meeting),
        "application/pdf",
    )


def organiser_for(platform: Platform, settings: MailSettings) -> ical.Organiser:
    """The ORGANIZER of the platform's invitations: where the calendars send their answers.

    REPLY_MAILBOX when it is set (overleg reads that mailbox), else the platform's organiser.
    """
    return ical.Organiser(
        name=platform.organiser_name or platform.name,
        email=settings.reply_mailbox or platform.organiser_email or settings.mail_from,
    )


def _render(name: str, context: dict[str, Any]) -> str:
    """Render a mail template without a request (no context processors, autoescape as usual)."""
    return current_app.jinja_env.get_template(name).render(**context)


def _subject(kind: MailKind, meeting: Meeting, when: str | None = None) -> str:
    when = when if when is not None else long_datetime(meeting.start_at, "nl")
    title = one_line(meeting.title)
    return {
        MailKind.INVITATION: f"Uitnodiging: {title}, {when}",
        MailKind.UPDATE: f"Gewijzigd: {title}, {when}",
        MailKind.CANCEL: f"Geannuleerd: {title}, {when}",
        MailKind.REMINDER: f"Herinnering: {title}, {when}",
    }[kind]


# The mail of one meeting differs between recipients only in the name in the greeting and the
# personal answer link. The templates are rendered once per meeting with these stand-ins (random
# per process, so no meeting text can contain them), which are then replaced for each recipient:
# as typed in the text part, HTML-escaped in the HTML part, just as Jinja would have written them
# (tests/unit/test_invitations.py renders both ways and compares).
_NAME_SLOT = f"OVERLEGNAME{secrets.token_hex(12)}"
_ANSWER_SLOT = f"OVERLEGANSWER{secrets.token_hex(12)}"
_SLOTS = re.compile(f"{_NAME_SLOT}|{_ANSWER_SLOT}")


@dataclass(frozen=True)
class _Recipient:
    """What the mail templates may read of the recipient (`contact` in their context)."""

    full_name: str


def _fill(text: str, values: Mapping[str, str]) -> str:
    return _SLOTS.sub(lambda match: values[match.group(0)], text)


def _mail_documents(
    meeting: Meeting, kind: MailKind, settings: MailSettings
) -> documents.MailDocuments:
    """The documents a mail lists (none in a cancellation), attached to an invitation when
    together small enough (MailSettings.attach_documents_max_bytes)."""
    if kind is MailKind.CANCEL:
        return documents.MailDocuments([], [])
    attach = settings.attach_documents_max_bytes if kind is MailKind.INVITATION else 0
    return documents.for_mail(meeting, attach_max_bytes=attach)


class _MeetingMail:
    """Everything of one kind of mail about one meeting that is the same for every recipient."""

    def __init__(
        self,
        meeting: Meeting,
        kind: MailKind,
        *,
        now: datetime,
        settings: MailSettings,
        agenda: Attachment | None,
        change_note: str = "",
        personal_cancel: bool = False,
    ) -> None:
        self.meeting = meeting
        self.documents = _mail_documents(meeting, kind, settings)
        platform = meeting.municipality.platform
        self.method = ical.Method.CANCEL if kind is MailKind.CANCEL else ical.Method.REQUEST
        self.calendar = ical.SchedulingTemplate(
            meeting, method=self.method, organiser=organiser_for(platform, settings), now=now
        )
        self.sender = sender_for(platform, settings)
        when = long_datetime(meeting.start_at, "nl")
        self.subject = _subject(kind, meeting, when)
        context = {
            "kind": kind.value,
            "meeting": meeting,
            "contact": _Recipient(_NAME_SLOT),
            "platform": platform,
            "answer_url": "" if kind is MailKind.CANCEL else _ANSWER_SLOT,
            "when": when,
            "until": time_only(meeting.end_at),
            "change_note": change_note,
            "personal_cancel": personal_cancel,
            "agenda_attached": agenda is not None,
            "documents": self.documents.listed,
            "documents_attached": bool(self.documents.attachments),
        }
        with force_locale("nl"):
            self.text = _render("mail/messages/invitation.txt", context)
            self.html = _render("mail/messages/invitation.html", context)

    def bodies(self, name: str, answer: str) -> tuple[str, str]:
        """The text and HTML of one recipient's mail."""
        text = _fill(self.text, {_NAME_SLOT: name, _ANSWER_SLOT: answer})
        html = _fill(self.html, {_NAME_SLOT: str(escape(name)), _ANSWER_SLOT: str(escape(answer))})
        return text, html


@dataclass
class _Batch:
    """One kind of mail sent at one moment, with the same note and agenda for every recipient.

    Each meeting's shared parts (`_MeetingMail`) are built once, for its first recipient. The
    batch reports every recipient it mailed and every one it could not (`report`, `sent`,
    `unsent`): nobody is left out without a word.
    """

    kind: MailKind
    now: datetime
    settings: MailSettings
    agenda: Attachment | None = None
    change_note: str = ""
    personal_cancel: bool = False
    report: MailReport = field(default_factory=MailReport)
    sent: list[Invitation] = field(default_factory=list)
    unsent: list[Invitation] = field(default_factory=list)
    _prepared: dict[int, _MeetingMail] = field(default_factory=dict)

    def queue(self, invitation: Invitation) -> OutboxMessage | None:
        """Put one recipient's mail in the outbox (None, reported, when they cannot be mailed)."""
        built = self._build(invitation)
        if built is None:
            return None
        row = outbox.enqueue(built[0], **built[1])
        self.report.rows.append(row)
        return row

    def queue_all(self, invitations: Iterable[Invitation]) -> None:
        """Put every recipient's mail in the outbox with one INSERT (bulk invitations)."""
        rows = []
        for invitation in invitations:
            built = self._build(invitation)
            if built is not None:
                rows.append(outbox.row_values(built[0], **built[1]))
        outbox.enqueue_all(rows)

    def _meeting_mail(self, meeting: Meeting) -> _MeetingMail:
        mail = self._prepared.get(id(meeting))
        if mail is None or mail.meeting is not meeting:
            mail = _MeetingMail(
                meeting,
                self.kind,
                now=self.now,
                settings=self.settings,
                agenda=self.agenda,
                change_note=self.change_note,
                personal_cancel=self.personal_cancel,
            )
            self._prepared[id(meeting)] = mail
        return mail

    def _build(self, invitation: Invitation) -> tuple[RawMessage, dict[str, Any]] | None:
        """The recipient's message and its outbox fields; marks the invitation as sent.

        None when the recipient cannot be mailed, which the report then says, with the reason.
        """
        contact = invitation.contact
        if contact is None or not mailable_contact(contact):
            self._unsent(invitation, Reason.NO_ADDRESS)
            return None
        try:
            message = self._message(invitation, contact)
        except HeaderInjectionError:
            self._unsent(invitation, Reason.UNBUILDABLE)
            return None
        self._mark_sent(invitation, contact)
        self.sent.append(invitation)
        self.report.mailed.append(invitation.display_name)
        return message, {
            "kind": self.kind.value,
            "to_address": contact.email,
            "to_name": one_line(contact.full_name),
            "meeting_id": invitation.meeting.id,
            "invitation_id": invitation.id,
        }

    def _message(self, invitation: Invitation, contact: Contact) -> RawMessage:
        mail = self._meeting_mail(invitation.meeting)
        cancel = self.kind is MailKind.CANCEL
        answer = "" if cancel else answer_url(self.settings.base_url, ensure_token(invitation))
        calendar = mail.calendar.message([invitation], answer_link=answer)
        text, html = mail.bodies(contact.full_name, answer)
        attachments = [Attachment("uitnodiging.ics", calendar, "text/calendar")]
        if self.agenda is not None and not cancel:
            attachments.append(self.agenda)
        attachments += mail.documents.attachments
        return build_raw_message(
            sender=mail.sender,
            to_address=contact.email,
            to_name=one_line(contact.full_name),
            subject=mail.subject,
            text=text,
            html=html,
            calendar=calendar,
            calendar_method=mail.method.value,
            attachments=attachments,
        )

    def _unsent(self, invitation: Invitation, reason: Reason) -> None:
        self.unsent.append(invitation)
        self.report.skip(invitation.display_name, reason)

    def _mark_sent(self, invitation: Invitation, contact: Contact) -> None:
        invitation.sent_at = self.now
        invitation.sent_sequence = invitation.meeting.ical_sequence
        if contact.feed_token is None and self.kind is not MailKind.CANCEL:
            contact.feed_token = tokens.new_token()


# --- sending invitations --------------------------------------------------------------------


@dataclass
class SendResult:
    queued: list[Invitation] = field(default_factory=list)  # their mail is in the outbox
    skipped: list[Invitation] = field(default_factory=list)  # not mailed: `report` says why
    report: MailReport = field(default_factory=MailReport)


def _mailable(invitation: Invitation) -> bool:
    return mailable_contact(invitation.contact)


def _preload(meeting: Meeting) -> None:
    """Load invitees, contacts and agenda in a few queries instead of one per invitee.

    The municipality and its platform are many-to-one: loaded with the first meeting of a
    municipality (a query each), then taken from the session without a query.
    """
    db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.id == meeting.id)
        .options(
            selectinload(Meeting.invitations).selectinload(Invitation.contact),
            selectinload(Meeting.agenda_items),
        )
    ).one()
    meeting.municipality.platform  # noqa: B018 - loads both now, not halfway through the mail


def recipients(meeting: Meeting) -> SendResult:
    """Who would get the invitation, and who is skipped (no usable e-mail address)."""
    return recipients_from(meeting.invitations)


def recipients_from(invitations: Iterable[Invitation]) -> SendResult:
    result = SendResult()
    for invitation in _invitees(invitations):
        (result.queued if _mailable(invitation) else result.skipped).append(invitation)
    return result


def _invitees(invitations: Iterable[Invitation]) -> list[Invitation]:
    """The invitees (not the guests of the minutes), by name."""
    invitees = [invitation for invitation in invitations if not invitation.is_guest]
    return sorted(invitees, key=lambda inv: inv.display_name.lower())


def send_invitations(
    meeting: Meeting,
    *,
    user: User | None,
    now: datetime,
    settings: MailSettings | None = None,
    only_unsent: bool = False,
) -> SendResult:
    """Queue one invitation per invitee with an address; the meeting becomes `invited`.

    With `only_unsent`, invitees who already received the current version are left out.
    Sending again to someone who holds the current version raises the SEQUENCE first (`_resent`).
    Raises Refusal for a cancelled or past meeting. Does not commit.
    """
    settings = _settings(settings)
    if meeting.status is MeetingStatus.CANCELLED:
        raise Refusal(_l("Een geannuleerde vergadering kan geen uitnodigingen versturen."))
    if meeting.status is MeetingStatus.HELD or meeting.end_at <= now:
        raise Refusal(_l("Deze vergadering is voorbij."))
    _preload(meeting)
    targets = _invitees(meeting.invitations)
    if only_unsent:
        targets = [inv for inv in targets if inv.sent_sequence != meeting.ical_sequence]
    _resent(meeting, targets)
    agenda = _agenda_attachment(meeting, settings) if any(map(_mailable, targets)) else None
    batch = _Batch(MailKind.INVITATION, now=now, settings=settings, agenda=agenda)
    batch.queue_all(targets)
    if batch.sent:
        documents.mark_announced(meeting, now)
    result = SendResult(batch.sent, batch.unsent, batch.report)
    if meeting.status is MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.INVITED
    meeting.invitations_sent_at = now
    if user is not None:
        _record_sent(user, meeting, result)
    db.session.flush()
    return result


def _resent(meeting: Meeting, targets: Iterable[Invitation]) -> None:
    """Raise the SEQUENCE when some of `targets` already hold the current version.

    Sending the invitations again is how a changed agenda (the DESCRIPTION of the event) reaches
    the calendars: agenda items change one at a time, and a mail per edit would flood the
    invitees. A calendar takes a copy as newer only with a higher SEQUENCE, so the copy sent
    again gets one; the answers still count (`significant_sequence` stays).
    """
    if any(
        inv.sent_at is not None and inv.sent_sequence == meeting.ical_sequence for inv in targets
    ):
        meeting.ical_sequence += 1


def _record_sent(user: User, meeting: Meeting, result: SendResult) -> None:
    report = result.report
    audit.record(
        user,
        "meeting.send_invitations",
        meeting,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: {report.count} uitnodiging(en) in de wachtrij"
        + report.audit_note(),
        details={
            "queued": [inv.id for inv in result.queued],
            "skipped": [inv.id for inv in result.skipped],
            "sequence": meeting.ical_sequence,
            **report.audit_details(),
        },
    )


class _Change(Protocol):
    """What the mail needs to know of a change (overleg.meetings.services.MeetingChange)."""

    @property
    def needs_new_sequence(self) -> bool: ...
    @property
    def time_changed(self) -> bool: ...
    @property
    def place_changed(self) -> bool: ...
    @property
    def old_start_at(self) -> datetime | None: ...
    @property
    def old_end_at(self) -> datetime | None: ...
    @property
    def old_location(self) -> str | None: ...
    @property
    def title_changed(self) -> bool: ...
    @property
    def old_title(self) -> str | None: ...


def _span(start: datetime, end: datetime, locale: str) -> str:
    """'woensdag 14 januari 2027 om 14:00 - 16:00' (an en dash), in Brussels time."""
    if to_local(start).date() == to_local(end).date():
        return f"{long_datetime(start, locale)} \u2013 {time_only(end)}"
    return f"{long_datetime(start, locale)} \u2013 {long_datetime(end, locale)}"


def change_note(
    meeting: Meeting, change: _Change, locale: str = "nl", *, delegated: bool = False
) -> str:
    """What a change of title, date, time or place changed, old and new, in words, and for date,
    time or place the request to answer again ('' for any other change); for an invitee whose
    delegation stands (`delegated`), that their substitute is asked instead. In the mail's
    language (Dutch, as every mail)."""
    with force_locale(locale):
        moved = _time_and_place_notes(meeting, change, locale)
        again = [_answer_again_note(delegated)] if moved else []
        return " ".join(_title_note(meeting, change) + moved + again)


def _answer_again_note(delegated: bool) -> str:
    if delegated:
        return str(
            gettext(
                "U liet zich vervangen; dat blijft zo. Uw vervanger kreeg deze wijziging ook en "
                "wordt gevraagd opnieuw te antwoorden."
            )
        )
    return str(
        gettext(
            "Een antwoord dat u eerder gaf, gold voor het vorige tijdstip of de vorige plaats: "
            "laat opnieuw weten of u komt."
        )
    )


def _title_note(meeting: Meeting, change: _Change) -> list[str]:
    """The new title with the old one (a new title alone keeps every answer)."""
    if not change.title_changed:
        return []
    return [
        gettext(
            "Vroegere titel: %(old)s; nieuwe titel: %(new)s.",
            old=one_line(change.old_title or "-"),
            new=one_line(meeting.title),
        )
    ]


def _time_and_place_notes(meeting: Meeting, change: _Change, locale: str) -> list[str]:
    """The old and new time and place, in words."""
    notes = []
    if change.time_changed and change.old_start_at is not None:
        old_end = change.old_end_at or change.old_start_at
        notes.append(
            gettext(
                "Vroeger gepland op %(old)s, nu op %(new)s.",
                old=_span(change.old_start_at, old_end, locale),
                new=_span(meeting.start_at, meeting.end_at, locale),
            )
        )
    if change.place_changed:
        notes.append(
            gettext(
                "Vroegere plaats: %(old)s; nieuwe plaats: %(new)s.",
                old=change.old_location or "-",
                new=meeting.location or "-",
            )
        )
    return notes


def queue_meeting_update(
    meeting: Meeting,
    change: _Change | None = None,
    *,
    now: datetime,
    settings: MailSettings | None = None,
) -> MailReport:
    """After a change of title, time, place or status: an update (or CANCEL) to everyone invited.

    Only invitees who already received an invitation get mail; before invitations go out a change
    needs none. Does nothing when `change` says the SEQUENCE was not raised. The report names
    whoever could not be mailed (an address removed since). Does not commit.
    """
    if change is not None and not change.needs_new_sequence:
        return MailReport()
    if meeting.invitations_sent_at is None:
        return MailReport()
    settings = _settings(settings)
    _preload(meeting)
    cancelled = meeting.status is MeetingStatus.CANCELLED
    kind = MailKind.CANCEL if cancelled else MailKind.UPDATE
    targets = [inv for inv in _invitees(meeting.invitations) if inv.sent_at is not None]
    agenda = _agenda_attachment(meeting, settings) if targets and not cancelled else None
    report = MailReport()
    for delegated, group in _by_delegation(meeting, targets):
        note = change_note(meeting, change, delegated=delegated) if change is not None else ""
        batch = _Batch(kind, now=now, settings=settings, agenda=agenda, change_note=note)
        for invitation in group:
            batch.queue(invitation)
        report.extend(batch.report)
    if report.mailed and not cancelled:
        documents.mark_announced(meeting, now)
    return report


def _by_delegation(
    meeting: Meeting, targets: list[Invitation]
) -> list[tuple[bool, list[Invitation]]]:
    """The recipients of an update in two groups, each with its own note: those who answer
    again, and those whose delegation stands (answers.ask_again), who need not."""
    handed_on = delegating(meeting.invitations)
    groups = [
        (False, [inv for inv in targets if inv.id not in handed_on]),
        (True, [inv for inv in targets if inv.id in handed_on]),
    ]
    return [(delegated, group) for delegated, group in groups if group]


def queue_invitee_added(
    invitation: Invitation, *, now: datetime, settings: MailSettings | None = None
) -> MailReport:
    """Someone added after the invitations went out gets the REQUEST. Does not commit."""
    meeting = invitation.meeting
    if meeting.invitations_sent_at is None or meeting.status is MeetingStatus.CANCELLED:
        return MailReport()
    settings = _settings(settings)
    agenda = _agenda_attachment(meeting, settings) if _mailable(invitation) else None
    batch = _Batch(MailKind.INVITATION, now=now, settings=settings, agenda=agenda)
    batch.queue(invitation)
    return batch.report


def queue_invitee_removed(
    invitation: Invitation, *, now: datetime, settings: MailSettings | None = None
) -> MailReport:
    """Someone taken off the list who had received the invitation gets a CANCEL.

    Call before the invitation row is deleted. Does not commit.
    """
    if invitation.sent_at is None:
        return MailReport()
    settings = _settings(settings)
    batch = _Batch(MailKind.CANCEL, now=now, settings=settings, personal_cancel=True)
    row = batch.queue(invitation)
    if row is not None:
        row.invitation_id = None  # the invitation row is about to go
    return batch.report


# --- answers without an account -------------------------------------------------------------


def substitute_of(invitation: Invitation) -> Invitation | None:
    """The colleague this invitee named as substitute, if any (from the loaded invitations)."""
    return next(
        (
            inv
            for inv in invitation.meeting.invitations
            if inv.substitute_for_id == invitation.id and not inv.is_guest
        ),
        None,
    )


def contact_feed_url(invitation: Invitation, base_url: str) -> str:
    """The webcal:// address of the invitee's personal calendar feed ('' when there is none)."""
    contact = invitation.contact
    if contact is None or not contact.feed_token or contact.erased_at is not None:
        return ""
    url = f"{base_url}/calendar/personal/{contact.feed_token}.ics"
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


def personal_calendar(
    invitation: Invitation, *, now: datetime, settings: MailSettings | None = None
) -> tuple[bytes, ical.Method]:
    """The invitation as the invitee sees it: only them as attendee, their answer as PARTSTAT."""
    settings = _settings(settings)
    meeting = invitation.meeting
    method = ical.method_for(meeting)
    links = ical.Links(answer=answer_url(settings.base_url, invitation.token or ""))
    data = ical.scheduling_message(
        meeting,
        method=method,
        organiser=organiser_for(meeting.municipality.platform, settings),
        attendees=[invitation],
        now=now,
        links=links,
    )
    return data, method


@dataclass(frozen=True)
class SubstituteData:
    first_name: str
    last_name: str
    email: str
    comment: str = ""


def name_substitute(
    invitation: Invitation,
    data: SubstituteData,
    *,
    now: datetime,
    settings: MailSettings | None = None,
    source: AnswerSource = AnswerSource.LINK,
    sequence: int | None = None,
) -> Invitation:
    """The invitee sends a colleague instead; the colleague gets their own invitation.

    The colleague becomes a contact of the same organisation (or the existing contact with that
    address is reused) and is invited with the same role; the original answer becomes DELEGATED,
    kept in the answer history as given through `source` for the meeting's SEQUENCE `sequence`
    (default: the current one). An invitation has one substitute: naming another withdraws the
    previous one, who gets a cancellation. A link names at most SUBSTITUTE_LIMIT substitutes per
    SUBSTITUTE_WINDOW. Does not commit.
    """
    check_can_answer(invitation, now)
    if invitation.contact is None:
        raise Refusal(_l("Deze uitnodiging kan geen vervanger aanduiden."))
    first, last = _substitute_name(data)
    email = _substitute_email(data, own=invitation.contact.email or "")
    _lock_link(invitation, now)
    previous = current_substitute(invitation)
    _check_limit(invitation, now)
    contact = _colleague(invitation.contact.organisation, first, last, email)
    if _is_invited(invitation.meeting, contact):
        raise Refusal(_l("%(name)s is al uitgenodigd.", name=contact.full_name), field="email")
    settings = _settings(settings)
    if previous is not None:
        _withdraw(previous, replaced_by=contact, now=now, settings=settings, source=source)
    substitute = _delegate(invitation, contact)
    sequence = sequence if sequence is not None else invitation.meeting.ical_sequence
    comment = data.comment.strip()[:COMMENT_MAX]
    record_answer(
        invitation,
        RsvpStatus.DELEGATED,
        source=source,
        sequence=sequence,
        comment=comment,
        at=now,
        delegate=substitute,
    )
    db.session.add(SubstituteNaming(invitation_id=invitation.id, at=now))
    _invite_substitute(invitation, substitute, now=now, settings=settings, source=source)
    return substitute


def _lock_link(invitation: Invitation, now: datetime) -> None:
    """Make the namings of one link wait for each other, on both databases.

    A write to the invitation's row (not an ORM update: its version stays): PostgreSQL locks the
    row until the request commits and SQLite the whole database, so a second request through the
    same link reads what the first committed (its substitute, its count, the invitation's
    version) instead of what was there before. The unique index on `substitute_for_id` stays as
    the backstop.
    """
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(responded_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(invitation)  # what the request before this one committed, its version too


def current_substitute(invitation: Invitation) -> Invitation | None:
    """The substitute this invitee named, as the database has it now."""
    return db.session.scalar(
        sa.select(Invitation)
        .where(Invitation.substitute_for_id == invitation.id, Invitation.is_guest.is_(False))
        .execution_options(populate_existing=True)
    )


def _check_limit(invitation: Invitation, now: datetime) -> None:
    """Refuse more namings than one link may make in SUBSTITUTE_WINDOW (each one mails)."""
    named = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SubstituteNaming)
        .where(
            SubstituteNaming.invitation_id == invitation.id,
            SubstituteNaming.at > now - SUBSTITUTE_WINDOW,
        )
    )
    if (named or 0) >= SUBSTITUTE_LIMIT:
        raise Refusal(
            _l(
                "Via deze link werd de voorbije 24 uur al %(count)d keer een vervanger aangeduid. "
                "Probeer het later opnieuw, of neem contact op met de organisator.",
                count=SUBSTITUTE_LIMIT,
            )
        )


def _is_invited(meeting: Meeting, contact: Contact) -> bool:
    return (
        db.session.scalar(
            sa.select(Invitation.id).where(
                Invitation.meeting_id == meeting.id, Invitation.contact_id == contact.id
            )
        )
        is not None
    )


def _withdraw(
    substitute: Invitation,
    *,
    replaced_by: Contact,
    now: datetime,
    settings: MailSettings,
    source: AnswerSource,
) -> None:
    """The previous substitute (and whoever they named in turn) is no longer invited."""
    if substitute.attendance is not None:
        raise Refusal(
            _l(
                "%(name)s staat al op de aanwezigheidslijst en kan niet meer vervangen worden.",
                name=substitute.display_name,
            )
        )
    if (nested := current_substitute(substitute)) is not None:
        _withdraw(nested, replaced_by=replaced_by, now=now, settings=settings, source=source)
    meeting = substitute.meeting
    mail = queue_invitee_removed(substitute, now=now, settings=settings)
    audit.record(
        None,
        "invitation.substitute_withdrawn",
        meeting,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: {substitute.display_name} is geen vervanger meer "
        f"(vervangen door {replaced_by.full_name}); {mail.count} annulering(en) in de wachtrij"
        + mail.audit_note(),
        details={"invitation_id": substitute.id, **mail.audit_details()},
        actor_label=actor_label(substitute.substitute_for or substitute, source),
    )
    if substitute in meeting.invitations:
        meeting.invitations.remove(substitute)
    else:
        db.session.delete(substitute)
    db.session.flush()


def _invite_substitute(
    invitation: Invitation,
    substitute: Invitation,
    *,
    now: datetime,
    settings: MailSettings,
    source: AnswerSource,
) -> None:
    """The substitute's own invitation, in the outbox; recorded in the audit trail."""
    meeting = invitation.meeting
    agenda = _agenda_attachment(meeting, settings)
    batch = _Batch(MailKind.INVITATION, now=now, settings=settings, agenda=agenda)
    batch.queue(substitute)
    if batch.report.not_mailed:
        raise Refusal(
            _l(
                "Er kon geen uitnodiging voor %(name)s gemaakt worden.",
                name=substitute.display_name,
            ),
            field="email",
        )
    audit.record(
        None,
        "invitation.substitute",
        substitute,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: {invitation.display_name} laat zich vervangen door "
        f"{substitute.display_name}; 1 uitnodiging in de wachtrij",
        actor_label=actor_label(invitation, source),
    )


def _substitute_name(data: SubstituteData) -> tuple[str, str]:
    """First and last name of the substitute, with spaces tidied."""
    first = " ".join(data.first_name.split())
    last = " ".join(data.last_name.split())
    if not first:
        raise Refusal(_l("Vul de voornaam van de vervanger in."), field="first_name")
    if not last:
        raise Refusal(_l("Vul de familienaam van de vervanger in."), field="last_name")
    if len(first) > NAME_MAX:
        raise Refusal(_l("Hoogstens %(max)d tekens.", max=NAME_MAX), field="first_name")
    if len(last) > NAME_MAX:
        raise Refusal(_l("Hoogstens %(max)d tekens.", max=NAME_MAX), field="last_name")
    return first, last


def _substitute_email(data: SubstituteData, *, own: str) -> str:
    """The substitute's address: a plain address that is not the invitee's own (`own`)."""
    try:
        email = clean_address(data.email.strip())
    except HeaderInjectionError:
        email = ""
    if not email or len(email) > EMAIL_MAX:
        raise Refusal(_l("Vul een geldig e-mailadres in."), field="email")
    if email.lower() == own.lower():
        raise Refusal(_l("Dat is uw eigen e-mailadres; geef dat van de vervanger."), field="email")
    return email


def _colleague(organisation: Organisation, first: str, last: str, email: str) -> Contact:
    """The organisation's contact with this address, or a new one."""
    contact = db.session.scalar(
        sa.select(Contact).where(
            Contact.organisation_id == organisation.id,
            sa.func.lower(Contact.email) == email.lower(),
            Contact.erased_at.is_(None),
        )
    )
    if contact is None:
        contact = Contact(organisation=organisation, first_name=first, last_name=last, email=email)
        db.session.add(contact)
        db.session.flush()
    return contact


def _delegate(invitation: Invitation, contact: Contact) -> Invitation:
    """Invite `contact` in the place of `invitation`'s invitee, with the same role.

    Two requests that got past the lock at once (never, but the index is the backstop) meet the
    unique index: the second gets a refusal, not an error page.
    """
    substitute = Invitation(contact=contact, role=invitation.role, substitute_for=invitation)
    invitation.meeting.invitations.append(substitute)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Refusal(
            _l(
                "Tegelijk werd via deze link een andere vervanger aangeduid. Laad de pagina "
                "opnieuw om te zien wie nu uw vervanger is."
            )
        ) from error
    return substitute


# --- reminders ------------------------------------------------------------------------------


def queue_reminders(
    *, now: datetime, days_before: int, settings: MailSettings | None = None
) -> MailReport:
    """Remind, once, every invitee who has not answered a meeting within `days_before` days.

    Safe to run every hour: an invitation gets at most one reminder per version of the meeting
    (reminded_at, cleared when a change of date, time or place asks everyone again), and only
    invitations that were sent, whose link still works and whose meeting goes ahead. Whoever
    cannot be mailed (their address was removed since) is named once, in the report and in the
    audit trail of their meeting. Does not commit.
    """
    settings = _settings(settings)
    report = MailReport()
    for meeting, due in groupby(_due_reminders(now, days_before), key=lambda inv: inv.meeting):
        report.extend(_remind(meeting, due, now=now, settings=settings, user=None))
    return report


def can_remind(meeting: Meeting, now: datetime) -> bool:
    """Whether a reminder by hand makes sense: invitations went out and the meeting is ahead."""
    return meeting.status is MeetingStatus.INVITED and meeting.start_at > now


def unanswered(meeting: Meeting) -> list[Invitation]:
    """Who a reminder would go to: invitees who got the invitation, whose link still works and
    who have not answered for the current time and place, by name."""
    invitees = db.session.scalars(_awaiting_answer().where(Invitation.meeting_id == meeting.id))
    return sorted(invitees, key=lambda inv: inv.display_name.lower())


def send_reminders(
    meeting: Meeting, *, user: User, now: datetime, settings: MailSettings | None = None
) -> MailReport:
    """ "Herinnering sturen": a reminder now to everyone `unanswered(meeting)` lists, through the
    same mail as the daily reminders; audited. Does not commit."""
    if not can_remind(meeting, now):
        raise Refusal(
            _l(
                "Herinneringen kunnen alleen verstuurd worden voor een vergadering die nog moet "
                "plaatsvinden en waarvoor de uitnodigingen verstuurd zijn."
            )
        )
    targets = unanswered(meeting)
    if not targets:
        raise Refusal(_l("Iedereen die een uitnodiging kreeg, heeft al geantwoord."))
    return _remind(meeting, targets, now=now, settings=_settings(settings), user=user)


def _remind(
    meeting: Meeting,
    targets: Iterable[Invitation],
    *,
    now: datetime,
    settings: MailSettings,
    user: User | None,
) -> MailReport:
    batch = _Batch(MailKind.REMINDER, now=now, settings=settings)
    for invitation in targets:
        batch.queue(invitation)
        invitation.reminded_at = now
    _record_reminders(meeting, batch.report, user)
    return batch.report


def _record_reminders(meeting: Meeting, report: MailReport, user: User | None) -> None:
    audit.record(
        user,
        "meeting.send_reminders",
        meeting,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: {report.count} herinnering(en) in de wachtrij"
        + ("" if user is None else " (met de hand verstuurd)")
        + report.audit_note(),
        details={**report.audit_details(), "by_hand": user is not None},
        actor_label="herinneringen" if user is None else "",
    )


def _awaiting_answer() -> sa.Select[Invitation]:
    """Invitations that were sent, whose link still works and that have no answer for the
    meeting's current version (a change of date, time or place set them back to NEEDS-ACTION)."""
    return (
        sa.select(Invitation)
        .join(Meeting, Invitation.meeting_id == Meeting.id)
        .where(
            Invitation.rsvp_status == RsvpStatus.NEEDS_ACTION,
            Invitation.sent_at.is_not(None),
            Invitation.token_revoked_at.is_(None),
            Invitation.is_guest.is_(False),
        )
        .options(
            selectinload(Invitation.contact),
            selectinload(Invitation.meeting).selectinload(Meeting.agenda_items),
        )
        .order_by(Invitation.meeting_id, Invitation.id)
    )


def _due_reminders(now: datetime, days_before: int) -> list[Invitation]:
    """The unanswered, not yet reminded invitations of meetings within `days_before` days."""
    horizon = now + timedelta(days=days_before)
    return list(
        db.session.scalars(
            _awaiting_answer().where(
                Meeting.status == MeetingStatus.INVITED,
                Meeting.start_at > now,
                Meeting.start_at <= horizon,
                Invitation.reminded_at.is_(None),
            )
        )
    )


def answers_summary(invitations: Iterable[Invitation]) -> dict[RsvpStatus, int]:
    counts = dict.fromkeys(RsvpStatus, 0)
    for invitation in invitations:
        if not invitation.is_guest:
            counts[invitation.rsvp_status] += 1
    return counts
