"""A person's data rights (GDPR): the access export (art. 15) and erasure (art. 17).

Answering an access request is the coordinator's duty (the route is @access(COORDINATOR)); what
the export holds still passes through the visibility rules of overleg.auth.permissions, as every
page does: rows of municipalities, mail and polls the asking user may not see stay out.

Erasure finds the person under every name and e-mail address they ever had (`identity`): the
current ones and those their own audit history shows a change replaced.

No request in here: the views hand over a user and a contact and get plain values back; the
request commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.auth.permissions import (
    MunicipalityScope,
    municipality_filter,
    municipality_scope,
    outbox_filter,
    set_aside_replies_filter,
    visible_polls_filter,
)
from overleg.directory import services as directory
from overleg.documents import services as meeting_documents
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.minutes import confidential
from overleg.models import (
    ActionPoint,
    AuditEntry,
    Contact,
    CounterProposal,
    Invitation,
    InvitationAnswer,
    Meeting,
    Minutes,
    MinutesRemark,
    MinutesVersion,
    OutboxMessage,
    OutboxStatus,
    PollAnswer,
    PollRespondent,
    PollSlot,
    RejectedReply,
    RemarkLink,
    StandingInvitee,
    User,
)

ERASED_NAME = "verwijderde persoon"
# The contact's columns that name the person; a change to one of them is in the audit trail
# as details {"changes": {column: [old, new]}} (overleg.directory.services.update_contact).
NAMING_COLUMNS = ("first_name", "last_name", "email")


# --- who the person is and was ---------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Every full name and e-mail address a person has had, the current ones included."""

    names: frozenset[str]
    addresses: frozenset[str]

    @property
    def mentions(self) -> list[str]:
        """The names and addresses to look for, longest first: a longer name is replaced
        whole before a shorter one it contains."""
        return sorted({t for t in self.names | self.addresses if t.strip()}, key=_longest_first)


def _longest_first(text: str) -> tuple[int, str]:
    return -len(text), text


def _about(contact: Contact) -> sa.ColumnElement[bool]:
    """Audit entries about the contact itself (creation, import, updates, archiving...)."""
    return sa.and_(AuditEntry.object_type == "Contact", AuditEntry.object_id == contact.id)


def identity(contact: Contact) -> Identity:
    """The names and addresses `contact` has now and had before every change of them.

    Walks the contact's own audit history from the newest entry back, undoing each recorded
    change of first name, last name or address: every state the person was in, down to the one
    they were created (or imported) with.
    """
    state = {column: str(getattr(contact, column) or "") for column in NAMING_COLUMNS}
    states = [dict(state)]
    history = db.session.scalars(
        sa.select(AuditEntry.details).where(_about(contact)).order_by(AuditEntry.id.desc())
    )
    for details in history:
        changes = details.get("changes") if isinstance(details, dict) else None
        if not isinstance(changes, dict):
            continue
        for column in NAMING_COLUMNS:
            change = changes.get(column)
            if isinstance(change, list) and change:
                state[column] = str(change[0] or "")
        states.append(dict(state))
    return Identity(
        names=frozenset(f"{s['first_name']} {s['last_name']}".strip() for s in states),
        addresses=frozenset(s["email"] for s in states if s["email"]),
    )


def _mail_to(contact: Contact, person: Identity) -> sa.ColumnElement[bool]:
    """Outbox messages to the person: to any address they had, or about their invitations."""
    invitations = sa.select(Invitation.id).where(Invitation.contact_id == contact.id)
    return sa.or_(
        OutboxMessage.to_address.in_(sorted(person.addresses)),
        OutboxMessage.invitation_id.in_(invitations),
    )


# --- the access export -----------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data(user: User, contact: Contact) -> dict[str, Any]:
    """Everything overleg holds about this person that `user` may see, for an access request
    (GDPR art. 15): the same rules as the pages decide which rows are in it."""
    scope = municipality_scope(user)
    invitations = directory.invitations_of(user, contact, newest_first=False)
    return {
        "contact": _contact_json(contact),
        "standing_invitee_of": [
            {"municipality": s.municipality.name, "role": str(s.role)}
            for s in directory.standing_lists_of(user, contact)
        ],
        "invitations": _invitations_json(invitations),
        "documents_sent": _documents_sent_json(invitations),
        "action_points": [_action_point_json(a) for a in _action_points(user, contact)],
        "mails": [
            {"subject": m.subject, "status": str(m.status), "sent_at": _iso(m.sent_at)}
            for m in _mails(user, contact)
        ],
        "availability_polls": [
            _poll_answers_json(r, scope) for r in _poll_respondents(user, contact)
        ],
        # Only the confidential items this person is named on (the minute taker, ...).
        "confidential_items": [
            asdict(item)
            for item in confidential.confidential_items_of(
                contact, municipality_filter(user, Meeting.municipality_id)
            )
        ],
        "calendar_answers_set_aside": [
            {"received_at": _iso(r.received_at), "subject": r.subject, "reason": r.reason}
            for r in _set_aside_replies(user, identity(contact))
        ],
        "remarks_on_draft_minutes": [_remark_json(r) for r in _remarks(user, contact)],
    }


def personal_data_export(user: User, contact: Contact) -> dict[str, Any]:
    """The personal data of `contact`, handed out to `user`: the audit trail records it."""
    data = personal_data(user, contact)
    audit.record(
        user, "contact.export", contact, summary=_("Persoonsgegevens uitgevoerd (inzageverzoek)")
    )
    return data


def _action_points(user: User, contact: Contact) -> list[ActionPoint]:
    return list(
        db.session.scalars(
            sa.select(ActionPoint)
            .where(
                ActionPoint.owner_contact_id == contact.id,
                municipality_filter(user, ActionPoint.municipality_id),
            )
            .order_by(ActionPoint.id)
        )
    )


def _remarks(user: User, contact: Contact) -> list[MinutesRemark]:
    """The remarks the person sent on draft minutes through their personal links."""
    return list(
        db.session.scalars(
            sa.select(MinutesRemark)
            .join(RemarkLink, RemarkLink.id == MinutesRemark.link_id)
            .join(Minutes, Minutes.id == MinutesRemark.minutes_id)
            .join(Meeting, Meeting.id == Minutes.meeting_id)
            .where(
                RemarkLink.contact_id == contact.id,
                municipality_filter(user, Meeting.municipality_id),
            )
            .options(selectinload(MinutesRemark.link).selectinload(RemarkLink.round))
            .order_by(MinutesRemark.created_at, MinutesRemark.id)
        )
    )


def _remark_json(remark: MinutesRemark) -> dict[str, Any]:
    round_ = remark.link.round
    meeting = round_.minutes.meeting
    return {
        "meeting": meeting.title,
        "meeting_start": _iso(meeting.start_at),
        "remarks_until": round_.remarks_until.isoformat(),
        "sent_at": _iso(remark.created_at),
        "text": remark.text,
    }


def _mails(user: User, contact: Contact) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(_mail_to(contact, identity(contact)), outbox_filter(user))
            .order_by(OutboxMessage.id)
        )
    )


def _from_person(person: Identity) -> sa.ColumnElement[bool]:
    """Calendar answers set aside that came from, or name as attendee, an address the person
    had (stored in lower case)."""
    addresses = sorted({address.lower() for address in person.addresses})
    return sa.or_(RejectedReply.sender.in_(addresses), RejectedReply.attendee.in_(addresses))


def _set_aside_replies(user: User, person: Identity) -> list[RejectedReply]:
    return list(
        db.session.scalars(
            sa.select(RejectedReply)
            .where(_from_person(person), set_aside_replies_filter(user))
            .order_by(RejectedReply.id)
        )
    )


def _poll_respondents(user: User, contact: Contact) -> list[PollRespondent]:
    return list(
        db.session.scalars(
            sa.select(PollRespondent)
            .join(PollRespondent.poll)
            .where(PollRespondent.contact_id == contact.id, visible_polls_filter(user))
            .options(
                selectinload(PollRespondent.poll),
                selectinload(PollRespondent.answers)
                .selectinload(PollAnswer.slot)
                .selectinload(PollSlot.municipality),
            )
            .order_by(PollRespondent.id)
        )
    )


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "job_title": contact.job_title,
        "email": contact.email,
        "phone": contact.phone,
        "organisation": contact.organisation.name,
        "created_at": _iso(contact.created_at),
        "archived_at": _iso(contact.archived_at),
        "has_calendar_feed": contact.feed_token is not None,
    }


def _invitations_json(invitations: Iterable[Invitation]) -> list[dict[str, Any]]:
    """Each invitation with every answer the person gave to it and every new time they proposed
    from their calendar (one query for each)."""
    invitations = list(invitations)
    ids = [i.id for i in invitations]
    history: dict[int, list[dict[str, Any]]] = {}
    for answer in db.session.scalars(
        sa.select(InvitationAnswer)
        .where(InvitationAnswer.invitation_id.in_(ids))
        .order_by(InvitationAnswer.received_at, InvitationAnswer.id)
    ):
        history.setdefault(answer.invitation_id, []).append(_answer_json(answer))
    proposals: dict[int, list[dict[str, Any]]] = {}
    for proposal in db.session.scalars(
        sa.select(CounterProposal)
        .where(CounterProposal.invitation_id.in_(ids))
        .order_by(CounterProposal.id)
    ):
        proposals.setdefault(proposal.invitation_id, []).append(_proposal_json(proposal))
    return [
        _invitation_json(i, history.get(i.id, []), proposals.get(i.id, [])) for i in invitations
    ]


def _proposal_json(proposal: CounterProposal) -> dict[str, Any]:
    return {
        "start": _iso(proposal.start_at),
        "end": _iso(proposal.end_at),
        "comment": proposal.comment,
        "received_at": _iso(proposal.received_at),
        "status": str(proposal.status),
    }


def _answer_json(answer: InvitationAnswer) -> dict[str, Any]:
    return {
        "answer": str(answer.status),
        "comment": answer.comment,
        "via": str(answer.source),
        "received_at": _iso(answer.received_at),
        "for_version": answer.sequence,
        "counted": answer.counted,
        "substitute": answer.delegated_to_name or None,
    }


def _invitation_json(
    invitation: Invitation, answers: list[dict[str, Any]], proposals: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "meeting": invitation.meeting.title,
        "start": _iso(invitation.meeting.start_at),
        "role": str(invitation.role),
        "rsvp": str(invitation.rsvp_status),
        "rsvp_comment": invitation.rsvp_comment,
        "responded_at": _iso(invitation.responded_at),
        "attendance": str(invitation.attendance) if invitation.attendance else None,
        "sent_at": _iso(invitation.sent_at),
        "answers": answers,
        "proposed_times": proposals,
    }


def _documents_sent_json(invitations: Iterable[Invitation]) -> list[dict[str, Any]]:
    """The meeting documents named (and linked, or attached) in the mails of these
    invitations."""
    return [
        {
            "meeting": version.document.meeting.title,
            "meeting_start": _iso(version.document.meeting.start_at),
            "title": version.document.title,
            "filename": version.filename,
            "version": version.number,
            "size": version.size,
            "sha256": version.sha256,
            "named_in_mail_at": _iso(version.announced_at),
        }
        for version in meeting_documents.sent_to([invitation.id for invitation in invitations])
    ]


def _action_point_json(action: ActionPoint) -> dict[str, Any]:
    return {
        "description": action.description,
        "due_date": action.due_date.isoformat() if action.due_date else None,
        "status": str(action.status),
    }


def _poll_answers_json(respondent: PollRespondent, scope: MunicipalityScope) -> dict[str, Any]:
    answers = [a for a in respondent.answers if scope.sees(a.slot.municipality_id)]
    return {
        "year": respondent.poll.year,
        "half": respondent.poll.half,
        "answered_at": _iso(respondent.answered_at),
        "comment": respondent.comment,
        "answers": [
            {
                "municipality": a.slot.municipality.name,
                "start": _iso(a.slot.start_at),
                "suits": a.suits,
            }
            for a in sorted(answers, key=lambda a: a.slot.start_at)
        ],
    }


# --- erasure ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    invitations: int
    standing_entries_removed: int
    mails_removed: int
    frozen_minutes_versions: int  # approved PDFs that are legal records and keep their text


def erasure_impact(contact: Contact) -> int:
    """How many frozen minutes PDFs (legal records) were made for meetings this person had."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(MinutesVersion.id))
            .join(Minutes, Minutes.id == MinutesVersion.minutes_id)
            .join(Invitation, Invitation.meeting_id == Minutes.meeting_id)
            .where(Invitation.contact_id == contact.id)
        )
        or 0
    )


def erase_contact(user: User, contact: Contact, now: datetime) -> ErasureResult:
    """Erase the person (GDPR art. 17): the row stays so minutes and invitations keep their
    shape, and shows as "verwijderde persoon" everywhere; every name and address the person
    ever had is scrubbed from the audit trail and the outbox. The request commits."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    person = identity(contact)  # before anything is blanked
    frozen = erasure_impact(contact)
    invitations = _forget_answers(contact, now)
    _forget_remarks(contact)
    _scrub_answer_history(contact, person.mentions)
    _forget_calendar_answers(contact, person)
    standing = db.session.execute(
        sa.delete(StandingInvitee).where(StandingInvitee.contact_id == contact.id)
    )
    mails = _drop_unsent_mail(contact, person)
    _scrub_audit_trail(contact, person.mentions)
    _scrub_outbox(person.mentions)
    _blank(contact, now)
    audit.record(
        user,
        "contact.erase",
        contact,
        summary=ERASED_NAME,
        details={"invitations": invitations, "mails_removed": mails},
    )
    db.session.flush()
    return ErasureResult(invitations, _rowcount(standing), mails, frozen)


def _rowcount(result: sa.Result[Any]) -> int:
    """The rows a DELETE statement removed (its result is a CursorResult)."""
    return int(result.rowcount or 0) if isinstance(result, sa.CursorResult) else 0


def confirm_erasure(contact: Contact, typed_name: str) -> None:
    """Erasure cannot be undone: the person's full name must be typed (any case and spacing)."""
    typed = " ".join(typed_name.split()).lower()
    if typed != " ".join(contact.full_name.split()).lower():
        raise Refusal(_l("Dit is niet de naam van deze persoon."), field="confirm_name")


def _forget_answers(contact: Contact, now: datetime) -> int:
    """The person's answers and personal links go: comments on invitations, the invitations'
    answer links, and the poll answers (which only served a plan). Returns the invitations."""
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.contact_id == contact.id)
    ).all()
    for invitation in invitations:
        invitation.rsvp_comment = ""
        if invitation.token is not None:
            invitation.token = None
            invitation.token_revoked_at = now
    for respondent in db.session.scalars(
        sa.select(PollRespondent).where(PollRespondent.contact_id == contact.id)
    ):
        db.session.delete(respondent)
    return len(invitations)


def _forget_remarks(contact: Contact) -> None:
    """The person's remarks on draft minutes and their links to send them go (the links name
    the person); the rounds stay, with the remarks of the others."""
    links = sa.select(RemarkLink.id).where(RemarkLink.contact_id == contact.id)
    db.session.execute(sa.delete(MinutesRemark).where(MinutesRemark.link_id.in_(links)))
    db.session.execute(sa.delete(RemarkLink).where(RemarkLink.contact_id == contact.id))


def _scrub_answer_history(contact: Contact, mentions: Iterable[str]) -> None:
    """The person's answers keep their choice but lose their comments; an answer that named the
    person as substitute names "verwijderde persoon" instead."""
    invitation_ids = sa.select(Invitation.id).where(Invitation.contact_id == contact.id)
    db.session.execute(
        sa.update(InvitationAnswer)
        .where(InvitationAnswer.invitation_id.in_(invitation_ids))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(InvitationAnswer)
        .where(
            sa.or_(
                InvitationAnswer.delegated_to_id.in_(invitation_ids),
                InvitationAnswer.delegated_to_name.in_(list(mentions)),
            )
        )
        .values(delegated_to_name=ERASED_NAME)
        .execution_options(synchronize_session=False)
    )


def _forget_calendar_answers(contact: Contact, person: Identity) -> None:
    """The new times the person proposed keep their time but lose their comments; calendar
    answers set aside that came from the person go, and the others lose the person's names."""
    invitation_ids = sa.select(Invitation.id).where(Invitation.contact_id == contact.id)
    db.session.execute(
        sa.update(CounterProposal)
        .where(CounterProposal.invitation_id.in_(invitation_ids))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    if person.addresses:
        db.session.execute(
            sa.delete(RejectedReply)
            .where(_from_person(person))
            .execution_options(synchronize_session=False)
        )
    mentions = person.mentions
    named = [
        column.contains(mention, autoescape=True)
        for mention in mentions
        for column in (RejectedReply.subject, RejectedReply.detail)
    ]
    if not named:
        return
    for row in db.session.scalars(sa.select(RejectedReply).where(sa.or_(*named))):
        row.subject = _scrubbed(row.subject, mentions)
        row.detail = _scrubbed(row.detail, mentions)


def _drop_unsent_mail(contact: Contact, person: Identity) -> int:
    """Mail to the person, under any address they had, except one leaving at this moment;
    returns how many."""
    return _rowcount(
        db.session.execute(
            sa.delete(OutboxMessage).where(
                _mail_to(contact, person), OutboxMessage.status != OutboxStatus.SENDING
            )
        )
    )


def _scrubbed(text: str, mentions: Iterable[str]) -> str:
    for mention in mentions:
        text = text.replace(mention, ERASED_NAME)
    return text


def _scrubbed_json(value: Any, mentions: list[str]) -> Any:
    """`value` (an audit entry's details) with every mention replaced, at any depth."""
    if isinstance(value, str):
        return _scrubbed(value, mentions)
    if isinstance(value, dict):
        return {key: _scrubbed_json(item, mentions) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed_json(item, mentions) for item in value]
    return value


def _audit_mentions(mentions: list[str]) -> list[sa.ColumnElement[bool]]:
    """Audit entries that may name the person: in the summary, as the actor (an answer through
    a personal link), or anywhere in the details (as stored: JSON escapes non-ASCII letters)."""
    details = sa.cast(AuditEntry.details, sa.Text)
    found: list[sa.ColumnElement[bool]] = []
    for mention in mentions:
        stored = json.dumps(mention)[1:-1]
        found += [
            AuditEntry.summary.contains(mention, autoescape=True),
            AuditEntry.actor_label.contains(mention, autoescape=True),
            details.contains(mention, autoescape=True),
        ]
        if stored != mention:
            found.append(details.contains(stored, autoescape=True))
    return found


def _scrub_audit_trail(contact: Contact, mentions: list[str]) -> None:
    """Every audit entry that names the person under any of their names or addresses is
    rewritten; the details of entries about the contact itself (its changes) are dropped."""
    entries = db.session.scalars(
        sa.select(AuditEntry).where(sa.or_(_about(contact), *_audit_mentions(mentions)))
    )
    for entry in entries:
        about_contact = (entry.object_type, entry.object_id) == ("Contact", contact.id)
        entry.summary = _scrubbed(entry.summary, mentions)
        entry.actor_label = _scrubbed(entry.actor_label, mentions)
        entry.details = {} if about_contact else _scrubbed_json(entry.details, mentions)


def _scrub_outbox(mentions: list[str]) -> None:
    """Mail to others that is kept may name the person in its subject or addressee line."""
    if not mentions:
        return
    named = [
        column.contains(mention, autoescape=True)
        for mention in mentions
        for column in (OutboxMessage.subject, OutboxMessage.to_name)
    ]
    for message in db.session.scalars(sa.select(OutboxMessage).where(sa.or_(*named))):
        message.subject = _scrubbed(message.subject, mentions)
        message.to_name = _scrubbed(message.to_name, mentions)


def _blank(contact: Contact, now: datetime) -> None:
    contact.first_name = ""
    contact.last_name = ERASED_NAME
    contact.job_title = ""
    contact.email = ""
    contact.phone = ""
    contact.feed_token = None
    contact.archived_at = contact.archived_at or now
    contact.erased_at = now
