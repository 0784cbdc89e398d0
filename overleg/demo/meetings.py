"""The demo platform's meetings, made as the meetings feature makes a new meeting.

Meetings cover the two years before `now` (held, with attendance) and the rest of the current
half-year and the next one (planned; those in the next three weeks already invited). They avoid
public holidays, 11 July and the Flemish school holidays, fall on each municipality's preferred
weekdays inside its time window, and never overlap (with half an hour to travel) for contacts who
are required at both.

Every meeting comes from `meetings.services.create_meeting`: the standard agenda and the standing
invitee list of its municipality. The demo then fills it in as a secretary would (the themes take
the place of the "Thema's" item, presenters are named) and writes the history the app would have
recorded: sent invitations, answers, attendance, one or two cancellations. That history is set on
the rows directly: sending or cancelling through the services would queue real mail.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from overleg.lib import tokens
from overleg.lib.calendar_rules import is_blocked
from overleg.lib.dates import BRUSSELS, half_year_bounds
from overleg.meetings.services import create_meeting, default_title
from overleg.models import (
    AgendaItem,
    AgendaItemKind,
    AnswerSource,
    Attendance,
    Contact,
    Invitation,
    InvitationAnswer,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    RsvpStatus,
    StandingInvitee,
    Theme,
)

HISTORY = timedelta(days=730)  # two years of held meetings
INVITE_AHEAD = timedelta(days=21)  # meetings closer than this have had their invitations
TRAVEL = timedelta(minutes=30)  # required invitees need this between two meetings

CANCEL_REASON = "Uitgesteld: te veel verontschuldigingen; de punten schuiven door."

# Who usually presents a theme: an organisation type code.
THEME_PRESENTER = {
    "sociale_woonprojecten": "woonmaatschappij",
    "lokale_toewijzingsreglementen": "gemeente",
    "woningkwaliteit": "gemeente",
    "woonnood_wachtlijsten": "woonmaatschappij",
    "kerncijfers": "igs",
    "woonbeleidsvisie": "igs",
    "projecten_woonmaatschappij": "woonmaatschappij",
    "kwaliteitsbewaking": "igs",
    "dak_en_thuisloosheid": "caw",
    "huurpremie_huursubsidie": "wonen_in_vlaanderen",
    "energie_renovatie": "igs",
}
THEME_NOTES = {
    "sociale_woonprojecten": "Stand van zaken per project: vergunning, aanbesteding, oplevering.",
    "lokale_toewijzingsreglementen": "Ontwerp van reglement wordt vooraf rondgestuurd.",
    "woonnood_wachtlijsten": "Graag de wachtlijstcijfers per deelgemeente meebrengen.",
    "kerncijfers": "Presentatie van de woonmonitor en de premiecijfers van vorig jaar.",
    "woningkwaliteit": "Overzicht van de conformiteitsonderzoeken en het leegstandsregister.",
}


class Slot(NamedTuple):
    """When a municipality meets."""

    municipality: Municipality
    start: datetime
    end: datetime


@dataclass
class _Bookings:
    """Who is booked when, and which days each municipality has taken, while dates are laid out."""

    busy: dict[Contact, list[tuple[datetime, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    days: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))

    def book(self, slot: Slot, required: list[Contact]) -> None:
        for contact in required:
            self.busy[contact].append((slot.start, slot.end))
        self.days[slot.municipality.name].add(slot.start.astimezone(BRUSSELS).date())

    def free(self, contact: Contact, start: datetime, end: datetime) -> bool:
        return all(
            end + TRAVEL <= booked_start or start >= booked_end + TRAVEL
            for booked_start, booked_end in self.busy[contact]
        )


def planning_horizon(now: datetime) -> datetime:
    """The end of the half-year after the one containing `now` (a Brussels midnight, in UTC)."""
    _start, current_end = half_year_bounds(now.astimezone(BRUSSELS).date())
    _start, next_end = half_year_bounds(current_end.astimezone(BRUSSELS).date())
    return next_end


def add_demo_meetings(
    municipalities: list[Municipality],
    standing: list[StandingInvitee],
    themes: dict[str, Theme],
    now: datetime,
    rng: random.Random,
    *,
    with_cancellations: bool = True,
) -> list[Meeting]:
    """Lay out the dates, make the meetings, then fill each in and give it its history (with
    two cancelled meetings unless told otherwise).

    All meetings are made before any is filled in: the service flushes each new meeting, and the
    changes that follow are then written together, in one flush by the caller.
    """
    invitees: dict[str, list[StandingInvitee]] = defaultdict(list)
    for row in standing:
        invitees[row.municipality.name].append(row)
    slots = lay_out_dates(municipalities, invitees, now, rng)
    themes_for = _theme_schedule(slots, themes, rng)
    cancelled = _pick_cancelled(slots, now, rng) if with_cancellations else set()
    meetings = [_new_meeting(slot, now, cancelled=number in cancelled)
                for number, slot in enumerate(slots)]  # fmt: skip
    for number, meeting in enumerate(meetings):
        _fill_in(meeting, themes_for[number], invitees[meeting.municipality.name], now, rng,
                 cancelled=number in cancelled)  # fmt: skip
    return meetings


# --- dates -------------------------------------------------------------------------------------


def lay_out_dates(
    municipalities: list[Municipality],
    invitees: dict[str, list[StandingInvitee]],
    now: datetime,
    rng: random.Random,
) -> list[Slot]:
    """The meetings' times, in time order over all municipalities, so that shared required
    invitees (the coordinator, the housing company staff) are never booked twice."""
    bookings = _Bookings()
    slots: list[Slot] = []
    for anchor, m in _wishes(municipalities, now, rng):
        required = [s.contact for s in invitees[m.name] if s.role != InviteeRole.OPTIONAL]
        slot = _find_slot(m, anchor, required, bookings)
        if slot is not None:
            bookings.book(slot, required)
            slots.append(slot)
    slots.sort(key=lambda s: (s.start, s.municipality.name))
    return slots


def _wishes(
    municipalities: list[Municipality], now: datetime, rng: random.Random
) -> list[tuple[date, Municipality]]:
    """The day each meeting would ideally fall on, earliest first, from two years back to the
    planning horizon."""
    first, last = now - HISTORY, planning_horizon(now)
    wishes: list[tuple[date, int, Municipality]] = []
    for index, m in enumerate(municipalities):
        for year in range(first.year, last.year + 1):
            for anchor in _anchor_days(m.meetings_per_year, index, len(municipalities), year):
                anchor += timedelta(days=rng.randint(-6, 6))
                wish_at = datetime.combine(anchor, time(12), tzinfo=BRUSSELS)
                if first <= wish_at <= last:
                    wishes.append((anchor, index, m))
    wishes.sort(key=lambda w: (w[0], w[1]))
    return [(anchor, m) for anchor, _index, m in wishes]


def _anchor_days(per_year: int, index: int, count: int, year: int) -> list[date]:
    """Target days in `year` for the municipality at `index`, spread over the season."""
    seasons = {
        2: [(date(year, 2, 5), 120), (date(year, 9, 8), 95)],
        3: [(date(year, 1, 20), 60), (date(year, 4, 20), 60), (date(year, 10, 1), 70)],
    }.get(per_year) or [(date(year, 1, 15) + timedelta(days=340 * k // per_year), 30) for k in
                         range(per_year)]  # fmt: skip
    return [start + timedelta(days=span * index // max(count, 1)) for start, span in seasons]


def _candidate_days(anchor: date, reach: int = 35) -> list[date]:
    """The anchor, then alternately the days after and before it."""
    days = [anchor]
    for step in range(1, reach + 1):
        days += [anchor + timedelta(days=step), anchor - timedelta(days=step)]
    return days


def _start_times(m: Municipality) -> list[time]:
    duration = timedelta(minutes=m.meeting_duration_minutes)
    latest = datetime.combine(date(2000, 1, 3), m.window_end) - duration
    options = []
    for candidate in (m.window_start, time(10, 0), time(14, 0)):
        moment = datetime.combine(date(2000, 1, 3), candidate)
        if candidate >= m.window_start and moment <= latest and candidate not in options:
            options.append(candidate)
    return options


def _find_slot(
    m: Municipality, anchor: date, required: list[Contact], bookings: _Bookings
) -> Slot | None:
    """The first free time near `anchor` on a preferred, unblocked day of the municipality."""
    weekdays = set(m.preferred_weekday_list)
    duration = timedelta(minutes=m.meeting_duration_minutes)
    taken = bookings.days[m.name]
    for day in _candidate_days(anchor):
        if day.isoweekday() not in weekdays or day in taken or is_blocked(day):
            continue
        for start_time in _start_times(m):
            start = datetime.combine(day, start_time, tzinfo=BRUSSELS).astimezone(UTC)
            end = start + duration
            if all(bookings.free(c, start, end) for c in required):
                return Slot(m, start, end)
    return None


def _pick_cancelled(slots: list[Slot], now: datetime, rng: random.Random) -> set[int]:
    """Two past meetings were cancelled and not replaced.

    One is an older one (a gap in that year's compliance); the other, when there is one, is the
    only meeting of its municipality so far in the current half-year, so the dashboard has a
    municipality without a meeting this half-year to show.
    """
    half_start, half_end = half_year_bounds(now.astimezone(BRUSSELS).date())
    in_half: dict[str, list[int]] = defaultdict(list)
    for i, slot in enumerate(slots):
        if half_start <= slot.start < half_end:
            in_half[slot.municipality.name].append(i)
    current = [
        numbers[0]
        for numbers in in_half.values()
        if len(numbers) == 1 and slots[numbers[0]].end <= now
    ]
    older = [i for i, slot in enumerate(slots) if slot.end <= now - timedelta(days=60)]
    picked = set(rng.sample(sorted(current), k=1)) if current else set()
    older = [i for i in older if i not in picked and slots[i].start < half_start]
    picked |= set(rng.sample(older, k=min(2 - len(picked), len(older))))
    return picked


def _theme_schedule(
    slots: list[Slot], themes: dict[str, Theme], rng: random.Random
) -> list[list[Theme]]:
    """The themes of each meeting: the mandatory ones spread over each municipality's year.

    In one (past) municipality-year a mandatory theme is left out, so the compliance view has
    something to report.
    """
    mandatory = sorted((t for t in themes.values() if t.is_mandatory), key=lambda t: t.sort_order)
    optional = sorted((t for t in themes.values() if not t.is_mandatory), key=lambda t: t.code)
    years: dict[tuple[str, int], list[int]] = defaultdict(list)
    for number, slot in enumerate(slots):
        years[(slot.municipality.name, slot.start.astimezone(BRUSSELS).year)].append(number)
    schedule: list[list[Theme]] = [[] for _ in slots]
    full_years = sorted(key for key, numbers in years.items() if len(numbers) >= 2)
    gap = rng.choice(full_years) if full_years else None
    for key, numbers in sorted(years.items()):
        topics = list(mandatory)
        rng.shuffle(topics)
        if key == gap:
            topics.pop()
        for position, topic in enumerate(topics):
            schedule[numbers[position % len(numbers)]].append(topic)
    for themes_of_meeting in schedule:
        if optional and (len(themes_of_meeting) < 3 or rng.random() < 0.3):
            themes_of_meeting.append(rng.choice(optional))
        themes_of_meeting.sort(key=lambda t: t.sort_order)
    return schedule


# --- one meeting -------------------------------------------------------------------------------


def _new_meeting(slot: Slot, now: datetime, *, cancelled: bool) -> Meeting:
    """The meeting as the app makes a new one: standard agenda, standing invitees."""
    m, start, end = slot
    local_day = start.astimezone(BRUSSELS).date()
    return create_meeting(
        m,
        start_at=start,
        end_at=end,
        now=now,
        title=f"{default_title(m)}, {_season(local_day)} {local_day.year}",
        # A cancelled meeting was cancelled after the fact: recorded as held, then cancelled.
        status=MeetingStatus.HELD if cancelled else _status(slot, now),
    )


def _fill_in(
    meeting: Meeting,
    themes: list[Theme],
    invitees: list[StandingInvitee],
    now: datetime,
    rng: random.Random,
    *,
    cancelled: bool,
) -> None:
    """The agenda filled in, and the history the app would have recorded."""
    meeting.ical_uid = _deterministic_uid(rng)
    meeting.created_at = min(meeting.start_at - timedelta(days=60), now)
    meeting.updated_at = min(meeting.start_at - timedelta(days=10), now)
    _fill_in_agenda(meeting, themes, invitees)
    if cancelled:
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancel_reason = CANCEL_REASON
        meeting.ical_sequence = 1
    _invitations_sent_and_answered(meeting, now, rng)


def _status(slot: Slot, now: datetime) -> MeetingStatus:
    if slot.end <= now:
        return MeetingStatus.HELD
    if slot.start - now <= INVITE_AHEAD:
        return MeetingStatus.INVITED
    return MeetingStatus.PLANNED


def _season(local_day: date) -> str:
    if local_day.month <= 3:
        return "winter"
    if local_day.month <= 6:
        return "voorjaar"
    if local_day.month <= 9:
        return "zomer"
    return "najaar"


def _deterministic_uid(rng: random.Random) -> str:
    return f"{uuid.UUID(int=rng.getrandbits(128), version=4)}@overleg"


def _fill_in_agenda(meeting: Meeting, themes: list[Theme], invitees: list[StandingInvitee]) -> None:
    """The standard agenda as a secretary fills it in: the chair welcomes, the secretary presents
    the minutes and the follow-up, and the meeting's themes take the place of "Thema's", sharing
    the time the fixed items leave."""
    chair = next((r.contact.full_name for r in invitees if r.role == InviteeRole.CHAIR), "")
    secretary = next((r.contact.full_name for r in invitees if r.role == InviteeRole.SECRETARY), "")
    presenters = {
        AgendaItemKind.WELCOME: chair,
        AgendaItemKind.APPROVAL: secretary,
        AgendaItemKind.FOLLOW_UP: secretary,
    }
    items = list(meeting.agenda_items)
    for item in items:
        item.presenter = presenters.get(item.kind, item.presenter)
    at = next(i for i, item in enumerate(items) if item.kind is AgendaItemKind.THEME)
    fixed_minutes = sum(item.duration_minutes for i, item in enumerate(items) if i != at)
    per_theme = max(10, (meeting.municipality.meeting_duration_minutes - fixed_minutes)
                    // max(len(themes), 1))  # fmt: skip
    per_theme -= per_theme % 5
    items[at : at + 1] = [_theme_item(theme, per_theme, invitees) for theme in themes]
    meeting.agenda_items = items
    for position, item in enumerate(items):
        item.position = position


def _theme_item(theme: Theme, minutes: int, invitees: list[StandingInvitee]) -> AgendaItem:
    return AgendaItem(
        kind=AgendaItemKind.THEME,
        title=theme.name,
        theme=theme,
        presenter=_presenter(THEME_PRESENTER.get(theme.code, "igs"), invitees),
        duration_minutes=minutes,
        notes=THEME_NOTES.get(theme.code, ""),
    )


def _presenter(code: str, invitees: list[StandingInvitee]) -> str:
    for row in invitees:
        org = row.contact.organisation
        if org.type.code == code:
            return f"{row.contact.full_name} ({org.name})"
    return ""


# --- history: invitations sent, answered, attended ---------------------------------------------


def _invitations_sent_and_answered(meeting: Meeting, now: datetime, rng: random.Random) -> None:
    sent = meeting.status in (MeetingStatus.HELD, MeetingStatus.INVITED, MeetingStatus.CANCELLED)
    sent_at = meeting.start_at - timedelta(days=10, hours=rng.randint(0, 48)) if sent else None
    if sent_at is not None:
        sent_at = min(sent_at, now - timedelta(hours=1))
        meeting.invitations_sent_at = sent_at
    for invitation in meeting.invitations:
        invitation.created_at = min(meeting.created_at, now)
        contact = invitation.contact
        if sent_at is not None and contact is not None and contact.email:
            invitation.token = tokens.new_token()
            invitation.sent_at = sent_at
            invitation.sent_sequence = meeting.ical_sequence
            _respond(invitation, meeting, sent_at, now, rng)
        if meeting.status is MeetingStatus.HELD:
            invitation.attendance = _attendance(invitation, rng)


def _respond(
    invitation: Invitation, meeting: Meeting, sent_at: datetime, now: datetime, rng: random.Random
) -> None:
    essential = invitation.role is not InviteeRole.OPTIONAL
    roll = rng.random()
    if meeting.status is MeetingStatus.INVITED and roll < 0.45:
        return  # not answered yet
    if roll < (0.75 if essential else 0.4):
        status = RsvpStatus.ACCEPTED
    elif roll < (0.85 if essential else 0.7):
        status = RsvpStatus.DECLINED
    elif roll < 0.9:
        status = RsvpStatus.TENTATIVE
    else:
        return
    invitation.rsvp_status = status
    invitation.responded_at = min(sent_at + timedelta(hours=rng.randint(2, 150)), now)
    if status is RsvpStatus.DECLINED:
        invitation.rsvp_comment = rng.choice(
            ["Andere afspraak, sorry.", "Met verlof.", "Collega komt in mijn plaats.", ""]
        )
    _keep_in_history(invitation, meeting)


def _keep_in_history(invitation: Invitation, meeting: Meeting) -> None:
    """The answer as the answer history has it: from the calendar for about half the people."""
    calendar = (invitation.contact_id or 0) % 2 == 1
    invitation.answers.append(
        InvitationAnswer(
            status=invitation.rsvp_status,
            comment=invitation.rsvp_comment,
            sequence=meeting.ical_sequence,
            source=AnswerSource.CALENDAR if calendar else AnswerSource.LINK,
            received_at=invitation.responded_at,
        )
    )


def _attendance(invitation: Invitation, rng: random.Random) -> Attendance:
    if invitation.rsvp_status is RsvpStatus.ACCEPTED:
        return Attendance.PRESENT if rng.random() < 0.95 else Attendance.ABSENT
    if invitation.rsvp_status is RsvpStatus.DECLINED:
        return Attendance.EXCUSED
    if invitation.rsvp_status is RsvpStatus.TENTATIVE:
        return Attendance.PRESENT if rng.random() < 0.5 else Attendance.EXCUSED
    if invitation.role is not InviteeRole.OPTIONAL:
        return Attendance.PRESENT if rng.random() < 0.6 else Attendance.ABSENT
    return Attendance.ABSENT
