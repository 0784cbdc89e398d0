"""The fast paths of overleg.lib.ical write the same bytes as icalendar does.

Feeds write their VEVENTs directly and invitations fill the personal lines into a file built once
per meeting; here both are compared, byte for byte, with the file icalendar builds in one go.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from icalendar import Alarm, vCalAddress
from icalendar.parser import Contentline

from overleg.lib import ical
from overleg.models import AgendaItem, Contact, Invitation, InviteeRole, MeetingStatus, RsvpStatus
from tests import factories

NOW = datetime(2026, 1, 5, 8, 0, 7, tzinfo=UTC)
ORGANISER = ical.Organiser('Coördinator "woonoverleg", Kempen; ^ Mol', "coordinator@example.be")
FIXTURE = [HealthCheck.function_scoped_fixture]

_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from([",", ";", '"', "\\", "\\N", "^", ":", "\n", "\r\n", "é", "🏠", " "]),
    ),
    max_size=120,
).map("".join)
_NAME = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        st.sampled_from([",", ";", '"', "^", ":", "é", " "]),
    ),
    min_size=1,
    max_size=60,
)


def _reference_request(meeting, *, method, attendees, links, alarm_minutes=60) -> bytes:  # type: ignore[no-untyped-def]
    """The whole file built by icalendar in one go (how overleg built it before the template)."""
    calendar = ical._calendar(method)
    event = ical._event(
        meeting,
        method=method,
        now=NOW,
        url=links.meeting,
        text=ical.description(meeting, links),
    )
    event.add("ORGANIZER", vCalAddress.new(ORGANISER.email, cn=ORGANISER.name))
    for invitation in ical.invitable(attendees):
        contact = invitation.contact
        event.add(
            "ATTENDEE",
            vCalAddress.new(
                contact.email,
                cn=contact.full_name or None,
                role=ical.ROLE[invitation.role],
                partstat=ical.PARTSTAT[invitation.rsvp_status],
                rsvp=True,
                cutype="INDIVIDUAL",
            ),
        )
    if method is ical.Method.REQUEST and alarm_minutes:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", ical.ical_text(f"{ical.REMINDER_TEXT}: {meeting.title}"))
        alarm.add("TRIGGER", timedelta(minutes=-alarm_minutes))
        event.add_component(alarm)
    calendar.add_component(event)
    return ical._finish(calendar)


def _reference_feed(entries, *, name) -> bytes:  # type: ignore[no-untyped-def]
    calendar = ical._calendar(ical.Method.PUBLISH, name=name)
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT1H")
    calendar.add("X-WR-TIMEZONE", ical.TZID)
    for entry in entries:
        meeting = entry.meeting
        summary = meeting.title
        if meeting.status is MeetingStatus.CANCELLED:
            summary = f"{ical.CANCELLED_PREFIX}: {meeting.title}"
        calendar.add_component(
            ical._event(
                meeting,
                method=ical.Method.PUBLISH,
                now=NOW,
                url=entry.url,
                text=entry.description,
                summary=summary,
            )
        )
    return ical._finish(calendar)


def _meeting(title, place, notes="", status=MeetingStatus.PLANNED, minute=0):  # type: ignore[no-untyped-def]
    start = datetime(2026, 3, 29, 0, minute, 5, tzinfo=UTC)  # the night the clocks change
    meeting = factories.MeetingFactory.build(
        title=title,
        location=place,
        id=7,
        ical_uid="7-ü,;@overleg",
        ical_sequence=3,
        status=status,
        cancel_reason="Zaal; bezet\nsorry" if status is MeetingStatus.CANCELLED else None,
        start_at=start,
        end_at=start + timedelta(hours=2, minutes=30),
        updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    meeting.agenda_items = [
        AgendaItem(position=0, title=title or "Welkom", duration_minutes=15, notes=notes),
        AgendaItem(position=1, title="Varia", presenter=place or None),
    ]
    return meeting


def _invitation(first, last, role, status, email="an.peeters@example.be"):  # type: ignore[no-untyped-def]
    contact = Contact(first_name=first, last_name=last, email=email)
    return Invitation(contact=contact, role=role, rsvp_status=status, is_guest=False)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE)
@given(title=_TEXT, place=_TEXT, notes=_TEXT, cancelled=st.booleans(), minute=st.integers(0, 59))
@example(title="", place="\ufeff", notes="", cancelled=False, minute=0)  # a byte-order mark
def test_the_feed_writes_what_icalendar_writes(app, title, place, notes, cancelled, minute):
    status = MeetingStatus.CANCELLED if cancelled else MeetingStatus.INVITED
    meeting = _meeting(title, place, notes, status, minute)
    entries = [
        ical.FeedEntry(meeting),
        ical.FeedEntry(
            meeting,
            url=f"https://overleg.example.be/rsvp/{minute}?a=1,b;c",
            description=ical.description(meeting, ical.Links(answer="https://x/rsvp/t")),
        ),
        ical.FeedEntry(meeting, url="https://x/" + "lang/" * 20, description=place),
    ]
    name = f"Woonoverleg: {minute}"
    data = ical.feed(entries, name=name, now=NOW)
    assert data == _reference_feed(entries, name=name)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE)
@given(
    title=_TEXT,
    place=_TEXT,
    notes=_TEXT,
    first=_NAME,
    last=_NAME,
    role=st.sampled_from(list(InviteeRole)),
    answer=st.sampled_from(list(RsvpStatus)),
    cancel=st.booleans(),
    link=st.sampled_from(["", "https://overleg.example.be/rsvp/abc_DEF-123", "https://x/?a&b"]),
)
def test_personal_copies_equal_the_file_icalendar_builds(
    app, title, place, notes, first, last, role, answer, cancel, link
):
    method = ical.Method.CANCEL if cancel else ical.Method.REQUEST
    status = MeetingStatus.CANCELLED if cancel else MeetingStatus.INVITED
    meeting = _meeting(title, place, notes, status)
    invitations = [
        _invitation(first, last, role, answer),
        _invitation("Zonder", "Adres", InviteeRole.REQUIRED, answer, email=""),
        _invitation(last, first, InviteeRole.OPTIONAL, RsvpStatus.ACCEPTED, "b@example.be"),
    ]
    template = ical.SchedulingTemplate(meeting, method=method, organiser=ORGANISER, now=NOW)
    for attendees in ([invitations[0]], [invitations[2]], invitations, []):
        links = ical.Links(answer=link)
        expected = _reference_request(meeting, method=method, attendees=attendees, links=links)
        assert template.message(attendees, answer_link=link) == expected
        assert (
            ical.scheduling_message(
                meeting,
                method=method,
                organiser=ORGANISER,
                attendees=attendees,
                now=NOW,
                links=links,
            )
            == expected
        )


def test_meeting_link_and_no_alarm(app):
    meeting = _meeting("Woonoverleg", "Raadzaal")
    attendees = [_invitation("An", "Peeters", InviteeRole.CHAIR, RsvpStatus.NEEDS_ACTION)]
    links = ical.Links(meeting="https://overleg.example.be/meetings/7", answer="https://x/r/1")
    for alarm in (None, 0, 15):
        data = ical.scheduling_message(
            meeting,
            method=ical.Method.REQUEST,
            organiser=ORGANISER,
            attendees=attendees,
            now=NOW,
            links=links,
            alarm_minutes=alarm,
        )
        reference = _reference_request(
            meeting,
            method=ical.Method.REQUEST,
            attendees=attendees,
            links=links,
            alarm_minutes=alarm,
        )
        assert data == reference


def test_folding_keeps_escapes_whole_like_icalendar():
    lines = ["x" * 73 + "\\,abc", "y" * 74 + "^n", "é" * 80, "a" * 74, "a" * 75, "🏠" * 30, ""]
    for line in lines:
        assert ical._fold(line) == Contentline(line).to_ical().decode()


@settings(max_examples=300, deadline=None)
@given(
    line=st.one_of(
        st.text(alphabet="ab\\^;,:", max_size=400),
        st.text(alphabet="ab\\^é🏠", max_size=400),
    )
)
def test_any_line_folds_like_icalendar(line):
    assert ical._fold(line) == Contentline(line).to_ical().decode()
