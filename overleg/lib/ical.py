"""iCalendar files (RFC 5545) and scheduling messages (iTIP, RFC 5546), built with `icalendar`.

Three kinds of file come from here:
- an invitation (METHOD:REQUEST) or cancellation (METHOD:CANCEL) for one meeting, listing the
  organiser and the attendees, sent by mail and offered at /meetings/<id>/invitation.ics;
- a feed (METHOD:PUBLISH) of many meetings: public per municipality (time, place, title only),
  personal per contact, or a coordinator's feed of all municipalities.

Every file uses the meeting's stable UID and its SEQUENCE from the database, DTSTART/DTEND with
TZID=Europe/Brussels and a VTIMEZONE placed before the events, and DTSTAMP in UTC. Calendar
programs match updates and cancellations on UID and take the one with the highest SEQUENCE.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from icalendar import (
    Alarm,
    Calendar,
    Component,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
)

from overleg.lib.dates import BRUSSELS
from overleg.models import (
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    RsvpStatus,
)

PRODID = "-//overleg//lokaal woonoverleg//NL"
TZID = "Europe/Brussels"


class Method(enum.StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"
    DECLINECOUNTER = "DECLINECOUNTER"
    REPLY = "REPLY"


ROLE: dict[InviteeRole, str] = {
    InviteeRole.REQUIRED: "REQ-PARTICIPANT",
    InviteeRole.OPTIONAL: "OPT-PARTICIPANT",
    InviteeRole.CHAIR: "CHAIR",
    InviteeRole.SECRETARY: "REQ-PARTICIPANT",
}

PARTSTAT: dict[RsvpStatus, str] = {
    RsvpStatus.NEEDS_ACTION: "NEEDS-ACTION",
    RsvpStatus.ACCEPTED: "ACCEPTED",
    RsvpStatus.DECLINED: "DECLINED",
    RsvpStatus.TENTATIVE: "TENTATIVE",
    RsvpStatus.DELEGATED: "DELEGATED",
}

# Text for the DESCRIPTION; the .ics is read in Dutch calendars, so it is Dutch like the mail.
AGENDA_HEADING = "Agenda"
MEETING_LINK_LABEL = "Vergadering"
ANSWER_LINK_LABEL = "Uw antwoord (aanwezig, afwezig, vervanger)"
CANCELLED_PREFIX = "GEANNULEERD"
REMINDER_TEXT = "Herinnering"


@dataclass(frozen=True)
class Organiser:
    name: str
    email: str


@dataclass(frozen=True)
class Links:
    """Absolute URLs to put in the file; any may be empty."""

    meeting: str = ""  # the meeting page (for logged-in users) or the public page
    answer: str = ""  # the recipient's personal answer page


@dataclass
class FeedEntry:
    """One meeting in a feed, with the links and level of detail that feed allows."""

    meeting: Meeting
    url: str = ""
    description: str = ""
    personal_partstat: RsvpStatus | None = None
    extra_lines: list[str] = field(default_factory=list)


def invitable(invitations: Iterable[Invitation]) -> list[Invitation]:
    """The invitations that can appear as ATTENDEE and get mail: a contact with an address."""
    return [
        inv
        for inv in invitations
        if inv.contact is not None
        and inv.contact.email
        and inv.contact.erased_at is None
        and not inv.is_guest
    ]


def agenda_text(meeting: Meeting) -> str:
    """The agenda as plain lines: '1. Welkom (15 min., An Peeters)' plus notes under the item."""
    lines: list[str] = []
    for number, item in enumerate(meeting.public_agenda, start=1):
        extras = []
        if item.duration_minutes:
            extras.append(f"{item.duration_minutes} min.")
        if item.presenter:
            extras.append(item.presenter)
        suffix = f" ({', '.join(extras)})" if extras else ""
        lines.append(f"{number}. {item.title}{suffix}")
        if item.notes:
            lines.extend(f"   {line}" for line in item.notes.splitlines())
    return "\n".join(lines)


def description(meeting: Meeting, links: Links, *, with_agenda: bool = True) -> str:
    return _description(meeting, agenda_text(meeting) if with_agenda else "", links)


def _description(meeting: Meeting, agenda: str, links: Links) -> str:
    parts: list[str] = []
    if meeting.status is MeetingStatus.CANCELLED and meeting.cancel_reason:
        parts.append(f"{CANCELLED_PREFIX}: {meeting.cancel_reason}")
    if agenda:
        parts.append(f"{AGENDA_HEADING}:\n{agenda}")
    if links.answer:
        parts.append(f"{ANSWER_LINK_LABEL}: {links.answer}")
    if links.meeting:
        parts.append(f"{MEETING_LINK_LABEL}: {links.meeting}")
    return "\n\n".join(parts)


# Control characters, and U+FEFF: a byte-order mark is no text, and icalendar drops one that
# starts a value when it reads its own bytes, so the fast path below would write what it does not.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff]")


def clean_text(value: str) -> str:
    """Text as RFC 5545 allows it: line breaks as LF, no other control characters."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


# --- content lines written directly ---------------------------------------------------------
# Feeds of 1,000 events and 4,500 personal invitations are too slow through icalendar's
# property objects (about 0.5 ms per event). These few helpers write the same bytes as icalendar
# does for the value types used here (TEXT, DATE-TIME with TZID or in UTC, INTEGER, URI);
# tests/unit/test_ical_fast.py compares them with icalendar's output.

FOLD_LIMIT = 75


def _escape(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): the backslash first, then ; , and line breaks.

    icalendar's own escaping first turns a literal backslash-N into a line break; ours keeps it.
    """
    return (
        value.replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


class _Text(vText):
    """A TEXT value that icalendar writes with `_escape` (so a literal backslash-N survives)."""

    encoding: str  # set by vText.__new__ (a slot that icalendar does not annotate)

    def to_ical(self) -> bytes:
        return _escape(str(self)).encode(self.encoding)


def ical_text(value: str) -> vText:
    """Text for an icalendar property: cleaned (`clean_text`) and escaped by the RFC."""
    return _Text(clean_text(value))


def _fold(line: str) -> str:
    """Fold a content line as icalendar does: under 75 octets a line, escapes kept whole."""
    if len(line.encode()) < FOLD_LIMIT:
        return line
    if line.isascii():  # one octet a character: whole chunks of 74, 73 when an escape would split
        chunks = []
        start = 0
        while len(line) - start >= FOLD_LIMIT:
            end = start + FOLD_LIMIT - 1
            if line[end - 1] in "\\^":
                end -= 1
            chunks.append(line[start:end])
            start = end
        chunks.append(line[start:])
        return "\r\n ".join(chunks)
    folded: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        char_size = len(char.encode())
        if current and size + char_size >= FOLD_LIMIT:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                folded.append("".join(current))
                current = [carried]
                size = len(carried.encode())
            else:
                folded.append("".join(current))
                current = []
                size = 0
        current.append(char)
        size += char_size
    if current:
        folded.append("".join(current))
    return "\r\n ".join(folded)


def _text_line(name: str, value: str) -> str:
    return _fold(f"{name}:{_escape(value)}")


def _datetime_value(value: datetime) -> str:
    return (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"T{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )


def _utc_value(value: datetime) -> str:
    return _datetime_value(value.astimezone(UTC)) + "Z"


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(BRUSSELS)


def _status(meeting: Meeting, method: Method) -> str:
    if method is Method.CANCEL or meeting.status is MeetingStatus.CANCELLED:
        return "CANCELLED"
    if meeting.status is MeetingStatus.PLANNED and method is Method.PUBLISH:
        return "TENTATIVE"
    return "CONFIRMED"


def _event(
    meeting: Meeting,
    *,
    method: Method,
    now: datetime,
    url: str,
    text: str,
    summary: str | None = None,
) -> Event:
    # Plain `add` calls: about a third faster than Event.new for the 1,000-event feeds.
    event = Event()
    event.add("UID", meeting.ical_uid)
    event.add("SEQUENCE", meeting.ical_sequence)
    event.add("DTSTAMP", now.astimezone(UTC))
    event.add("DTSTART", _local(meeting.start_at))
    event.add("DTEND", _local(meeting.end_at))
    event.add("SUMMARY", ical_text(summary if summary is not None else meeting.title))
    if meeting.location:
        event.add("LOCATION", ical_text(meeting.location))
    if text:
        event.add("DESCRIPTION", ical_text(text))
    if url:
        event.add("URL", url)
    status = _status(meeting, method)
    event.add("STATUS", status)
    if method is not Method.PUBLISH:
        event.add("TRANSP", "TRANSPARENT" if status == "CANCELLED" else "OPAQUE")
        if meeting.updated_at is not None:
            event.add("LAST-MODIFIED", meeting.updated_at.astimezone(UTC))
    return event


def brussels_vtimezone() -> Timezone:
    """Europe/Brussels as yearly rules (last Sunday of March and October), as Outlook writes it.

    Outlook ignores RDATE in a VTIMEZONE and ical.js misreads RDATE lists, so the rules are
    written as RRULEs; they hold since 1996 (tests compare them with the tz database).
    """
    timezone = Timezone()
    timezone.add("TZID", TZID)
    daylight = TimezoneDaylight()
    daylight.add("TZOFFSETFROM", timedelta(hours=1))
    daylight.add("TZOFFSETTO", timedelta(hours=2))
    daylight.add("TZNAME", "CEST")
    daylight.add("DTSTART", datetime(1970, 3, 29, 2, 0))  # noqa: DTZ001 - local by definition
    daylight.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"})
    standard = TimezoneStandard()
    standard.add("TZOFFSETFROM", timedelta(hours=2))
    standard.add("TZOFFSETTO", timedelta(hours=1))
    standard.add("TZNAME", "CET")
    standard.add("DTSTART", datetime(1970, 10, 25, 3, 0))  # noqa: DTZ001 - local by definition
    standard.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 10, "BYDAY": "-1SU"})
    timezone.add_component(daylight)
    timezone.add_component(standard)
    return timezone


def _serialise(component: Component) -> bytes:
    """`component.to_ical()`, which icalendar does not annotate."""
    data: bytes = component.to_ical()
    return data


@lru_cache(maxsize=1)
def _vtimezone_bytes() -> bytes:
    return _serialise(brussels_vtimezone())


def _finish(calendar: Calendar) -> bytes:
    """Serialise, with the VTIMEZONE before the first component (serialised once per process)."""
    data = _serialise(calendar)
    marker = b"BEGIN:VEVENT\r\n"
    index = data.find(marker)
    if index < 0:
        index = data.rfind(b"END:VCALENDAR\r\n")
    return data[:index] + _vtimezone_bytes() + data[index:]


def _calendar(method: Method, name: str | None = None) -> Calendar:
    calendar = Calendar.new(prodid=PRODID, method=method.value, name=name)
    # icalendar adds an RFC 7986 UID to the calendar; iTIP clients do not expect one there.
    calendar.pop("UID", None)
    return calendar


# Stand-ins for the personal lines while a meeting's message is built once with icalendar; random
# per process so that no title or place can contain them.
_SLOT = f"OVERLEG{secrets.token_hex(12).upper()}"
_DESCRIPTION_SLOT = f"DESCRIPTION:{_SLOT}\r\n".encode()
_ATTENDEE_SLOT = f"ATTENDEE:mailto:{_SLOT}\r\n".encode()


def _attendee_line(invitation: Invitation) -> bytes:
    """The ATTENDEE content line (folded, with CRLF) of one invitation, written by icalendar."""
    contact = invitation.contact
    if contact is None:  # invitable() keeps only invitations with a contact
        return b""
    return _attendee_content_line(
        contact.email,
        contact.full_name,
        ROLE[invitation.role],
        PARTSTAT[invitation.rsvp_status],
    )


@lru_cache(maxsize=4096)
def _attendee_content_line(email: str, name: str, role: str, partstat: str) -> bytes:
    address = vCalAddress.new(
        email, cn=name or None, role=role, partstat=partstat, rsvp=True, cutype="INDIVIDUAL"
    )
    line: bytes = Event().content_line("ATTENDEE", address).to_ical()
    return line + b"\r\n"


class SchedulingTemplate:
    """One meeting's iTIP REQUEST or CANCEL, built once, for any number of personal copies.

    Everything but the DESCRIPTION (which holds the personal answer link) and the ATTENDEE lines is
    the same for every recipient of a meeting; it is built and serialised by icalendar once, and
    `message()` puts the personal lines where icalendar would have written them.
    """

    def __init__(
        self,
        meeting: Meeting,
        *,
        method: Method,
        organiser: Organiser,
        now: datetime,
        meeting_link: str = "",
        alarm_minutes: int | None = 60,
    ) -> None:
        if method is Method.PUBLISH:
            raise ValueError("use feed() for PUBLISH")
        self.meeting = meeting
        self.meeting_link = meeting_link
        self._agenda = agenda_text(meeting)
        calendar = _calendar(method)
        event = _event(meeting, method=method, now=now, url=meeting_link, text=_SLOT)
        if organiser.email:
            organizer = vCalAddress.new(organiser.email, cn=organiser.name or None)
            event.add("ORGANIZER", organizer)
        event.add("ATTENDEE", vCalAddress(f"mailto:{_SLOT}"))
        if method is Method.REQUEST and alarm_minutes:
            alarm = Alarm()
            alarm.add("ACTION", "DISPLAY")
            alarm.add("DESCRIPTION", ical_text(f"{REMINDER_TEXT}: {meeting.title}"))
            alarm.add("TRIGGER", timedelta(minutes=-alarm_minutes))
            event.add_component(alarm)
        calendar.add_component(event)
        data = _finish(calendar)
        # Cut the file at the two stand-in lines, in the order icalendar wrote them.
        cuts = []
        for key, line in (("description", _DESCRIPTION_SLOT), ("attendees", _ATTENDEE_SLOT)):
            index = data.find(line)
            if index < 2 or data[index - 2 : index] != b"\r\n" or data.count(line) != 1:
                raise RuntimeError("the iCalendar template lost a personal line")
            cuts.append((index, key, len(line)))
        cuts.sort()
        self._pieces: list[bytes] = []
        self._slots: list[str] = []
        position = 0
        for index, key, length in cuts:
            self._pieces.append(data[position:index])
            self._slots.append(key)
            position = index + length
        self._pieces.append(data[position:])

    def message(self, attendees: Sequence[Invitation], *, answer_link: str = "") -> bytes:
        """The file for these attendees (usually one), with their personal answer link."""
        text = _description(
            self.meeting, self._agenda, Links(meeting=self.meeting_link, answer=answer_link)
        )
        description = (
            (_text_line("DESCRIPTION", clean_text(text)) + "\r\n").encode() if text else b""
        )
        personal = {
            "description": description,
            "attendees": b"".join(_attendee_line(inv) for inv in invitable(attendees)),
        }
        parts = [self._pieces[0]]
        for key, piece in zip(self._slots, self._pieces[1:], strict=True):
            parts.append(personal[key])
            parts.append(piece)
        return b"".join(parts)


def scheduling_message(
    meeting: Meeting,
    *,
    method: Method,
    organiser: Organiser,
    attendees: Sequence[Invitation],
    now: datetime,
    links: Links = Links(),
    alarm_minutes: int | None = 60,
) -> bytes:
    """An iTIP REQUEST or CANCEL for one meeting.

    `attendees` are the invitations to list as ATTENDEE (those without an e-mail address are left
    out: a calendar address needs one). For a cancellation of the whole meeting pass every
    invitee; to cancel for one removed invitee pass only that invitation. For many personal copies
    of one meeting, build a `SchedulingTemplate` once and call its `message()`.
    """
    template = SchedulingTemplate(
        meeting,
        method=method,
        organiser=organiser,
        now=now,
        meeting_link=links.meeting,
        alarm_minutes=alarm_minutes,
    )
    return template.message(attendees, answer_link=links.answer)


def _between_two(
    meeting: Meeting, method: Method, *, organiser: Organiser, now: datetime
) -> tuple[Calendar, Event]:
    """A scheduling message from or to the organiser about the meeting as it is (its UID,
    current SEQUENCE, time and place); the caller adds the one ATTENDEE."""
    calendar = _calendar(method)
    event = _event(meeting, method=method, now=now, url="", text="")
    event.add("ORGANIZER", vCalAddress.new(organiser.email, cn=organiser.name or None))
    calendar.add_component(event)
    return calendar, event


def decline_counter(
    meeting: Meeting,
    *,
    organiser: Organiser,
    attendee: Organiser,
    now: datetime,
    comment: str = "",
) -> bytes:
    """The organiser's no to a new time an attendee proposed (iTIP DECLINECOUNTER, RFC 5546
    3.2.8): the meeting's UID and current SEQUENCE, the organiser and that one attendee."""
    calendar, event = _between_two(meeting, Method.DECLINECOUNTER, organiser=organiser, now=now)
    event.add("ATTENDEE", vCalAddress.new(attendee.email, cn=attendee.name or None))
    if comment:
        event.add("COMMENT", ical_text(comment))
    return _finish(calendar)


def reply(
    meeting: Meeting,
    *,
    organiser: Organiser,
    attendee: Organiser,
    partstat: str,
    now: datetime,
) -> bytes:
    """An attendee's answer (iTIP REPLY, RFC 5546 3.2.3) as a calendar program writes it: for
    trying the answer handling (`flask replies example`), not sent by overleg itself."""
    calendar, event = _between_two(meeting, Method.REPLY, organiser=organiser, now=now)
    event.add(
        "ATTENDEE", vCalAddress.new(attendee.email, cn=attendee.name or None, partstat=partstat)
    )
    return _finish(calendar)


def method_for(meeting: Meeting) -> Method:
    """REQUEST for a meeting that goes ahead, CANCEL once it is cancelled."""
    return Method.CANCEL if meeting.status is MeetingStatus.CANCELLED else Method.REQUEST


def _feed_event(meeting: Meeting, *, stamp: str, url: str, text: str, summary: str) -> str:
    """One VEVENT of a feed, the bytes icalendar writes for `_event(..., method=PUBLISH)`.

    Properties in icalendar's order: SUMMARY, DTSTART, DTEND, DTSTAMP, UID, SEQUENCE, then the
    others alphabetically.
    """
    lines = [
        "BEGIN:VEVENT",
        _text_line("SUMMARY", clean_text(summary)),
        f"DTSTART;TZID={TZID}:{_datetime_value(_local(meeting.start_at))}",
        f"DTEND;TZID={TZID}:{_datetime_value(_local(meeting.end_at))}",
        f"DTSTAMP:{stamp}",
        _text_line("UID", meeting.ical_uid),
        f"SEQUENCE:{int(meeting.ical_sequence)}",
    ]
    if text:
        lines.append(_text_line("DESCRIPTION", clean_text(text)))
    if meeting.location:
        lines.append(_text_line("LOCATION", clean_text(meeting.location)))
    lines.append(_text_line("STATUS", _status(meeting, Method.PUBLISH)))
    if url:
        lines.append(_fold(f"URL:{url}"))
    lines.append("END:VEVENT\r\n")
    return "\r\n".join(lines)


def _duration_text(value: timedelta) -> str:
    """A DURATION value as icalendar writes it ("PT1H")."""
    text: bytes = vDuration(value).to_ical()  # type: ignore[no-untyped-call]  # not annotated
    return text.decode()


def feed(
    entries: Sequence[FeedEntry],
    *,
    name: str,
    now: datetime,
    refresh: timedelta = timedelta(hours=1),
) -> bytes:
    """A METHOD:PUBLISH calendar with one VEVENT per entry (no attendees, no organiser)."""
    calendar = _calendar(Method.PUBLISH, name=name)
    calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", _duration_text(refresh))
    calendar.add("X-WR-TIMEZONE", TZID)
    head = _finish(calendar)  # the calendar's properties and the VTIMEZONE, then END:VCALENDAR
    end = b"END:VCALENDAR\r\n"
    stamp = _utc_value(now)
    events = []
    for entry in entries:
        meeting = entry.meeting
        summary = meeting.title
        if meeting.status is MeetingStatus.CANCELLED:
            summary = f"{CANCELLED_PREFIX}: {meeting.title}"
        events.append(
            _feed_event(
                meeting, stamp=stamp, url=entry.url, text=entry.description, summary=summary
            )
        )
    return head[: -len(end)] + "".join(events).encode() + end


def parse(data: bytes) -> Calendar:
    """Parse an iCalendar file (used by tests and the development mailbox)."""
    return Calendar.from_ical(data)
