"""Availability polls: ask the standing invitees which candidate slots suit them.

A poll starts from a plan the coordinator has on screen: every proposal plus a few alternatives
(other slots that keep every hard rule with the rest of the plan in place) become the candidate
slots of their municipality. Each standing invitee of those municipalities gets one personal link
(no account needed) and ticks the slots that suit. Planning again with the poll then uses only the
offered slots; a "no" of a required person (or chair) is a hard rule, a "no" of anybody else a
preference. Nothing here touches the request; the caller commits.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib import tokens
from overleg.lib.dates import long_date, long_datetime, time_only
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.links import LinkState
from overleg.mail.messages import HeaderInjectionError, build_message, one_line
from overleg.mail.report import MailReport, Reason
from overleg.mail.settings import MailSettings, mailable_contact, sender_for
from overleg.meetings.services import REQUIRED_ROLES
from overleg.models import (
    AvailabilityPoll,
    Contact,
    InviteeRole,
    Municipality,
    PollAnswer,
    PollRespondent,
    PollSlot,
    StandingInvitee,
    User,
)
from overleg.planning.planner import (
    Absence,
    Assignment,
    Dislike,
    PlanningProblem,
    alternative_slots,
)
from overleg.planning.settings import PlanSettings
from overleg.web.i18n import current_locale

MAIL_KIND = "poll"
REMINDER_KIND = "poll-reminder"


# --- starting a poll ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PollRequest:
    """What the coordinator chose when starting a poll."""

    per_meeting: int = 3  # candidate slots per proposed meeting (the proposal included)
    include_optional: bool = True  # also ask invitees who are not required (as a preference)
    answer_by: datetime | None = None


@dataclass
class PollStart:
    poll: AvailabilityPoll
    mailed: list[PollRespondent]  # asked, with a personal link
    without_email: list[Contact]
    # What went into the outbox, and everyone who got no mail (by name, with the reason).
    report: MailReport = field(default_factory=MailReport)


def candidate_slots(
    problem: PlanningProblem, assignments: Sequence[Assignment], per_meeting: int
) -> dict[str, list[datetime]]:
    """Per municipality slug: the proposals and their alternatives, in time order, no doubles."""
    alternatives = alternative_slots(problem, assignments, per_meeting=max(0, per_meeting - 1))
    result: dict[str, set[datetime]] = defaultdict(set)
    for a in assignments:
        result[a.slug].add(a.start)
        result[a.slug].update(alternatives.get((a.slug, a.start), []))
    return {slug: sorted(starts) for slug, starts in result.items()}


def start_poll(
    problem: PlanningProblem,
    settings: PlanSettings,
    assignments: Sequence[Assignment],
    request: PollRequest,
    *,
    user: User,
    now: datetime,
    mail: MailSettings,
) -> PollStart:
    """Create the poll with its slots and respondents, and queue one mail per respondent."""
    _check_request(assignments, request, now=now)
    slots = candidate_slots(problem, assignments, request.per_meeting)
    municipalities = _municipalities(list(slots))
    poll = _new_poll(settings, request, user=user, now=now)
    durations = {m.slug: m.duration_minutes for m in problem.municipalities}
    for slug, starts in sorted(slots.items()):
        _offer(poll, municipalities[slug], starts, durations[slug])
    result = _ask(poll, _invitees(municipalities.values(), request.include_optional))
    db.session.flush()
    for contact in result.without_email:
        result.report.skip(contact.full_name, Reason.NO_ADDRESS)
    roles = _roles_of([r.contact_id for r in result.mailed])
    for respondent in result.mailed:
        if _queue_mail(respondent, roles[respondent.contact_id], MAIL_KIND, mail, result.report):
            respondent.mailed_at = now
    audit.record(
        user,
        "poll.start",
        poll,
        summary=(
            f"Beschikbaarheid bevraagd: {len(poll.slots)} momenten, "
            f"{result.report.count} genodigden ({problem.start.isoformat()} - "
            f"{problem.end.isoformat()})" + result.report.audit_note()
        ),
        details=result.report.audit_details(),
    )
    return result


def _check_request(
    assignments: Sequence[Assignment], request: PollRequest, *, now: datetime
) -> None:
    """Refuse a poll without proposals, or with an answer date past or too late."""
    if not assignments:
        raise Refusal(_l("Er is geen voorstel om te bevragen."))
    if request.answer_by is not None and request.answer_by <= now:
        raise Refusal(_l("Kies een datum in de toekomst."), field="poll_answer_by")
    first = min(a.start for a in assignments)
    if request.answer_by is not None and request.answer_by >= first:
        raise Refusal(
            _l(
                "De antwoorddatum moet voor de eerste voorgestelde vergadering liggen (%(date)s).",
                date=LazyString(_readers_long_date, first),
            ),
            field="poll_answer_by",
        )


def _readers_long_date(value: datetime) -> str:
    """The date in the language the refusal is read in."""
    return long_date(value, current_locale())


def _municipalities(slugs: list[str]) -> dict[str, Municipality]:
    """The municipalities by slug, with their standing invitees."""
    return {
        m.slug: m
        for m in db.session.scalars(
            sa.select(Municipality)
            .where(Municipality.slug.in_(slugs))
            .options(
                selectinload(Municipality.standing_invitees).selectinload(StandingInvitee.contact)
            )
        )
    }


def _new_poll(
    settings: PlanSettings, request: PollRequest, *, user: User, now: datetime
) -> AvailabilityPoll:
    """The poll, remembering the plan's settings (to plan again with the answers)."""
    poll = AvailabilityPoll(
        platform_id=user.platform_id,
        year=settings.year,
        half=settings.half,
        avoid_public_holidays=settings.rules.avoid_public_holidays,
        avoid_flemish_holiday=settings.rules.avoid_flemish_holiday,
        avoid_school_holidays=settings.rules.avoid_school_holidays,
        max_per_day=settings.max_per_day,
        skipped=",".join(sorted(settings.exclude)),
        answer_by=request.answer_by,
        created_by=user,
        created_at=now,
    )
    db.session.add(poll)
    return poll


def _offer(
    poll: AvailabilityPoll, municipality: Municipality, starts: list[datetime], minutes: int
) -> None:
    """The municipality's candidate slots become slots of the poll."""
    duration = timedelta(minutes=minutes)
    for start in starts:
        start_utc = start.astimezone(UTC)
        poll.slots.append(
            PollSlot(municipality=municipality, start_at=start_utc, end_at=start_utc + duration)
        )


def _invitees(municipalities: Iterable[Municipality], include_optional: bool) -> list[Contact]:
    """The current standing invitees to ask (the required ones, and the others if wanted), by
    name; a contact on several lists once."""
    contacts: dict[int, Contact] = {}
    for municipality in sorted(municipalities, key=lambda m: m.slug):
        for standing in municipality.standing_invitees:
            contact = standing.contact
            if contact.archived_at is not None or contact.erased_at is not None:
                continue
            if standing.role in REQUIRED_ROLES or include_optional:
                contacts[contact.id] = contact
    return sorted(contacts.values(), key=lambda c: (c.last_name, c.first_name, c.id))


def _ask(poll: AvailabilityPoll, contacts: list[Contact]) -> PollStart:
    """A respondent with a personal link for every contact who can be mailed."""
    result = PollStart(poll, [], [])
    for contact in contacts:
        if not mailable_contact(contact):
            result.without_email.append(contact)
            continue
        respondent = PollRespondent(contact=contact, token=tokens.new_token())
        poll.respondents.append(respondent)
        result.mailed.append(respondent)
    if not result.mailed:
        raise Refusal(
            _l(
                "Geen enkele genodigde van deze gemeenten heeft een bruikbaar e-mailadres: "
                "er is niemand om te bevragen."
            )
        )
    return result


# --- mail ----------------------------------------------------------------------------------------


def poll_url(base_url: str, token: str) -> str:
    return f"{base_url}/poll/{token}"


@dataclass(frozen=True)
class SlotGroup:
    """The slots of one municipality as one respondent sees them."""

    municipality: Municipality
    required: bool  # the respondent is required (or chair) there: their "no" is decisive
    slots: list[PollSlot]


def _roles_of(contact_ids: Iterable[int]) -> dict[int, dict[int, InviteeRole]]:
    """Per contact: their role on each municipality's standing list (one query for all)."""
    roles: dict[int, dict[int, InviteeRole]] = defaultdict(dict)
    for standing in db.session.scalars(
        sa.select(StandingInvitee).where(StandingInvitee.contact_id.in_(list(contact_ids)))
    ):
        roles[standing.contact_id][standing.municipality_id] = standing.role
    return roles


def respondent_groups(
    respondent: PollRespondent, roles: Mapping[int, InviteeRole] | None = None
) -> list[SlotGroup]:
    """The slots of every municipality where the respondent is a standing invitee (`roles`:
    their roles per municipality when the caller has them already)."""
    if roles is None:
        roles = _roles_of([respondent.contact_id])[respondent.contact_id]
    per_municipality: dict[int, list[PollSlot]] = defaultdict(list)
    for slot in respondent.poll.slots:
        if slot.municipality_id in roles:
            per_municipality[slot.municipality_id].append(slot)
    groups = [
        SlotGroup(slots[0].municipality, roles[mid] in REQUIRED_ROLES, slots)
        for mid, slots in per_municipality.items()
    ]
    groups.sort(key=lambda g: g.municipality.name)
    return groups


def slot_label(slot: PollSlot, locale: str = "nl") -> str:
    """'dinsdag 2 maart 2027 om 10:00', an en dash, and the end time."""
    return f"{long_datetime(slot.start_at, locale)}\u2013{time_only(slot.end_at)}"


def _queue_mail(
    respondent: PollRespondent,
    roles: Mapping[int, InviteeRole],
    kind: str,
    mail: MailSettings,
    report: MailReport,
) -> bool:
    """Put the respondent's mail in the outbox; False, in the report, when they cannot get it
    (an address removed or a person erased since the poll started)."""
    contact = respondent.contact
    if not mailable_contact(contact):
        report.skip(contact.full_name, Reason.NO_ADDRESS)
        return False
    try:
        message = _poll_message(respondent, roles, kind, mail)
    except HeaderInjectionError:
        report.skip(contact.full_name, Reason.UNBUILDABLE)
        return False
    outbox.enqueue(
        message,
        kind=kind,
        to_address=contact.email,
        to_name=one_line(contact.full_name),
        poll_id=respondent.poll.id,
    )
    report.mailed.append(contact.full_name)
    return True


def _poll_message(
    respondent: PollRespondent, roles: Mapping[int, InviteeRole], kind: str, mail: MailSettings
) -> EmailMessage:
    contact = respondent.contact
    poll = respondent.poll
    platform = poll.platform
    context = {
        "contact": contact,
        "platform": platform,
        "period": period_label(poll),
        "reminder": kind == REMINDER_KIND,
        "groups": respondent_groups(respondent, roles),
        "url": poll_url(mail.base_url, respondent.token),
        "answer_by": long_date(poll.answer_by) if poll.answer_by else "",
        "when": slot_label,
    }
    env = current_app.jinja_env
    with force_locale("nl"):
        text = env.get_template("mail/messages/poll.txt").render(**context)
        html = env.get_template("mail/messages/poll.html").render(**context)
    prefix = "Herinnering: " if kind == REMINDER_KIND else ""
    return build_message(
        sender=sender_for(platform, mail),
        to_address=contact.email,
        to_name=one_line(contact.full_name),
        subject=f"{prefix}Wanneer past het lokaal woonoverleg? Bevraging {period_label(poll)}",
        text=text,
        html=html,
    )


def period_label(poll: AvailabilityPoll) -> str:
    """'2027', '2027, eerste halfjaar' (the mail and the pages are Dutch first)."""
    if poll.half == 1:
        return f"{poll.year}, eerste halfjaar"
    if poll.half == 2:
        return f"{poll.year}, tweede halfjaar"
    return str(poll.year)


def send_reminders(
    poll: AvailabilityPoll, *, user: User, now: datetime, mail: MailSettings
) -> MailReport:
    """Mail everybody who has not answered yet (once per call); the report names whoever could
    not be mailed. The caller commits."""
    if not poll.is_open:
        raise Refusal(_l("Deze bevraging is afgesloten."))
    pending = [r for r in poll.respondents if r.answered_at is None]
    roles = _roles_of([r.contact_id for r in pending])
    report = MailReport()
    for respondent in pending:
        if _queue_mail(respondent, roles[respondent.contact_id], REMINDER_KIND, mail, report):
            respondent.reminded_at = now
    if pending:
        audit.record(
            user,
            "poll.remind",
            poll,
            summary=f"Herinnering voor bevraging {poll.id}: {report.count} genodigden"
            + report.audit_note(),
            details=report.audit_details(),
        )
    return report


def close_poll(poll: AvailabilityPoll, *, user: User | None, now: datetime) -> None:
    if poll.closed_at is None:
        poll.closed_at = now
        audit.record(
            user,
            "poll.close",
            poll,
            summary=f"Bevraging {poll.id} afgesloten",
        )


# --- answering ---------------------------------------------------------------------------------


def find_respondent(token: str) -> tuple[LinkState, PollRespondent | None]:
    if not tokens.well_formed(token):
        return LinkState.UNKNOWN, None
    respondent = db.session.scalar(
        sa.select(PollRespondent)
        .where(PollRespondent.token == token)
        .options(
            selectinload(PollRespondent.poll)
            .selectinload(AvailabilityPoll.slots)
            .selectinload(PollSlot.municipality),
            selectinload(PollRespondent.answers),
            selectinload(PollRespondent.contact),
        )
    )
    if respondent is None:
        return LinkState.UNKNOWN, None
    if respondent.contact.erased_at is not None:
        return LinkState.REVOKED, respondent
    return LinkState.VALID, respondent


def record_answers(
    respondent: PollRespondent, suiting: Iterable[int], comment: str, *, now: datetime
) -> None:
    """Replace the respondent's answers: the slots in `suiting` suit, the others of their
    municipalities do not. The caller commits."""
    if not respondent.poll.is_open:
        raise Refusal(_l("Deze bevraging is afgesloten; antwoorden kan niet meer."))
    if len(comment) > 2000:
        raise Refusal(_l("Houd de opmerking onder 2000 tekens."), field="comment")
    asked = {slot.id for group in respondent_groups(respondent) for slot in group.slots}
    chosen = set(suiting)
    if chosen - asked:
        raise Refusal(_l("Kies alleen momenten uit de lijst."), field="suiting")
    existing = {a.slot_id: a for a in respondent.answers}
    for slot_id in sorted(asked):
        answer = existing.get(slot_id)
        if answer is None:
            respondent.answers.append(PollAnswer(slot_id=slot_id, suits=slot_id in chosen))
        else:
            answer.suits = slot_id in chosen
    respondent.comment = comment.strip()
    respondent.answered_at = now


# --- planning with the answers -----------------------------------------------------------------


def _answers(poll_id: int) -> list[tuple[PollAnswer, PollSlot, PollRespondent]]:
    rows = db.session.execute(
        sa.select(PollAnswer, PollSlot, PollRespondent)
        .join(PollSlot, PollSlot.id == PollAnswer.slot_id)
        .join(PollRespondent, PollRespondent.id == PollAnswer.respondent_id)
        .where(PollSlot.poll_id == poll_id)
        .order_by(PollSlot.start_at, PollRespondent.id)
    )
    return [(answer, slot, respondent) for answer, slot, respondent in rows]


def with_answers(problem: PlanningProblem, poll: AvailabilityPoll) -> PlanningProblem:
    """The problem restricted to the poll's slots, with its answers as hard rules or preferences.

    A "no" is an absence of that person for the slot's time (hard wherever they are required,
    also for other municipalities); for a municipality where they are not required it is a
    preference against that slot.
    """
    by_id = {m.id: m for m in problem.municipalities}
    offered: dict[int, set[datetime]] = defaultdict(set)
    for slot in poll.slots:
        if slot.municipality_id in by_id:
            offered[slot.municipality_id].add(slot.start_at)
    absences: list[Absence] = []
    dislikes: dict[tuple[int, datetime], int] = defaultdict(int)
    for answer, slot, respondent in _answers(poll.id):
        if answer.suits:
            continue
        absences.append(Absence(respondent.contact_id, slot.start_at, slot.end_at))
        request = by_id.get(slot.municipality_id)
        if request is not None and respondent.contact_id not in request.people:
            dislikes[(slot.municipality_id, slot.start_at)] += 1
    return dataclasses.replace(
        problem,
        offered={mid: frozenset(starts) for mid, starts in offered.items()},
        unavailable=tuple(sorted(set(absences), key=lambda a: (a.start, a.person))),
        disliked=tuple(Dislike(mid, start, n) for (mid, start), n in sorted(dislikes.items())),
    )


# --- the coordinator's overview ----------------------------------------------------------------


@dataclass
class SlotTally:
    slot: PollSlot
    suits: list[str] = dataclasses.field(default_factory=list)
    required_no: list[str] = dataclasses.field(default_factory=list)
    other_no: list[str] = dataclasses.field(default_factory=list)
    pending: list[str] = dataclasses.field(default_factory=list)

    @property
    def possible(self) -> bool:
        return not self.required_no


@dataclass
class MunicipalityTally:
    municipality: Municipality
    slots: list[SlotTally]

    @property
    def possible(self) -> bool:
        return any(s.possible for s in self.slots)


def overview(poll: AvailabilityPoll) -> list[MunicipalityTally]:
    """Per municipality and slot: who said it suits, who not (required or not), who is silent."""
    municipality_ids = {s.municipality_id for s in poll.slots}
    standing = list(
        db.session.scalars(
            sa.select(StandingInvitee).where(StandingInvitee.municipality_id.in_(municipality_ids))
        )
    )
    role_of = {(s.municipality_id, s.contact_id): s.role for s in standing}
    answers = {(a.slot_id, r.id): a.suits for a, _slot, r in _answers(poll.id)}
    tallies: dict[int, MunicipalityTally] = {}
    for slot in poll.slots:
        tally = SlotTally(slot)
        for respondent in poll.respondents:
            role = role_of.get((slot.municipality_id, respondent.contact_id))
            if role is None:
                continue
            name = respondent.contact.full_name
            verdict = answers.get((slot.id, respondent.id))
            if verdict is None:
                tally.pending.append(name)
            elif verdict:
                tally.suits.append(name)
            elif role in REQUIRED_ROLES:
                tally.required_no.append(name)
            else:
                tally.other_no.append(name)
        entry = tallies.setdefault(slot.municipality_id, MunicipalityTally(slot.municipality, []))
        entry.slots.append(tally)
    return sorted(tallies.values(), key=lambda t: t.municipality.name)


def polls_of(platform_id: int) -> list[AvailabilityPoll]:
    return list(
        db.session.scalars(
            sa.select(AvailabilityPoll)
            .where(AvailabilityPoll.platform_id == platform_id)
            .options(selectinload(AvailabilityPoll.respondents))
            .order_by(AvailabilityPoll.created_at.desc(), AvailabilityPoll.id.desc())
        )
    )
