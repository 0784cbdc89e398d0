"""Every .ics we produce, read by `icalendar` and by Mozilla's ical.js: same instants, same text.

Meetings in winter (CET, UTC+1), summer (CEST, UTC+2) and on the days the clocks change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overleg.extensions import db
from overleg.lib import ical
from overleg.models import InviteeRole, MeetingStatus, RsvpStatus
from tests import factories
from tests.icaljs import parse_with_icaljs

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
ORGANISER = ical.Organiser("Coördinator woonoverleg, Kempen", "coordinator@example.be")

# Local start times and the UTC instant they must be.
CASES = [
    (datetime(2026, 1, 20, 14, 0, tzinfo=BRUSSELS), "2026-01-20T13:00:00.000Z"),  # winter
    (datetime(2026, 7, 7, 9, 30, tzinfo=BRUSSELS), "2026-07-07T07:30:00.000Z"),  # summer
    (datetime(2026, 3, 29, 14, 0, tzinfo=BRUSSELS), "2026-03-29T12:00:00.000Z"),  # clocks forward
    (datetime(2026, 10, 25, 14, 0, tzinfo=BRUSSELS), "2026-10-25T13:00:00.000Z"),  # clocks back
    (datetime(2027, 12, 14, 19, 0, tzinfo=BRUSSELS), "2027-12-14T18:00:00.000Z"),  # next year
]

TRICKY = 'Woonoverleg; "Geel", Mol & Balen \\ deel 2: wonen 🏠 - élan\nTweede regel'


def _meeting(start: datetime, **kwargs):  # type: ignore[no-untyped-def]
    start = start.astimezone(UTC)
    meeting = factories.MeetingFactory(start_at=start, end_at=start + timedelta(hours=2), **kwargs)
    return meeting


@pytest.fixture
def meetings(app):
    result = []
    for index, (start, _expected) in enumerate(CASES):
        meeting = _meeting(
            start, title=f"{TRICKY} {index}", location="Raadzaal; 1e verdiep, Markt 1"
        )
        factories.AgendaItemFactory(
            meeting=meeting, title="Lokale woonnoden, wachtlijsten", notes="regel 1\r\nregel 2"
        )
        factories.InvitationFactory(
            meeting=meeting,
            role=InviteeRole.CHAIR,
            rsvp_status=RsvpStatus.ACCEPTED,
            contact=factories.ContactFactory(first_name='Jan "de', last_name="Smet, jr."),
        )
        factories.InvitationFactory(
            meeting=meeting, role=InviteeRole.OPTIONAL, rsvp_status=RsvpStatus.TENTATIVE
        )
        db.session.refresh(meeting)
        result.append(meeting)
    return result


def _request(meeting, method=ical.Method.REQUEST) -> bytes:  # type: ignore[no-untyped-def]
    return ical.scheduling_message(
        meeting,
        method=method,
        organiser=ORGANISER,
        attendees=meeting.invitations,
        now=NOW,
        links=ical.Links(
            meeting="https://overleg.example.be/meetings/1", answer="https://x/rsvp/a"
        ),
    )


def test_requests_agree_between_icalendar_and_icaljs(meetings, tmp_path):
    files = [_request(meeting) for meeting in meetings]
    parsed = parse_with_icaljs(tmp_path, *files)
    for meeting, data, js, (_start, expected_utc) in zip(
        meetings, files, parsed, CASES, strict=True
    ):
        assert js["method"] == "REQUEST"
        assert js["timezones"] == ["Europe/Brussels"]
        assert js["first_component"] == "vtimezone"  # the VTIMEZONE comes before the VEVENT
        (event,) = js["events"]
        assert event["start_utc"] == expected_utc
        assert event["tzid"] == "Europe/Brussels"
        py = ical.parse(data)
        py_event = py.events[0]
        assert py_event.start.astimezone(UTC).isoformat().replace("+00:00", ".000Z") == expected_utc
        assert py_event.start == meeting.start_at
        assert py_event.end == meeting.end_at
        assert py_event["DTSTART"].params["TZID"] == "Europe/Brussels"
        assert py_event["DTSTAMP"].dt == NOW
        assert py_event["DTSTAMP"].dt.utcoffset() == timedelta(0)
        assert data.decode().count("DTSTAMP:20260105T080000Z") == 1
        assert event["uid"] == str(py_event["UID"]) == meeting.ical_uid
        assert event["sequence"] == meeting.ical_sequence
        assert event["summary"] == str(py_event["SUMMARY"]) == meeting.title
        assert event["location"] == str(py_event["LOCATION"]) == meeting.location
        assert "   regel 1\n   regel 2" in event["description"]
        assert event["description"] == str(py_event["DESCRIPTION"])
        assert "https://x/rsvp/a" in event["description"]
        assert event["organizer"] == "mailto:coordinator@example.be"
        chair = next(a for a in event["attendees"] if a["role"] == "CHAIR")
        assert chair["cn"] == 'Jan "de Smet, jr.'
        assert chair["partstat"] == "ACCEPTED" and chair["rsvp"] == "TRUE"
        optional = next(a for a in event["attendees"] if a["role"] == "OPT-PARTICIPANT")
        assert optional["partstat"] == "TENTATIVE"
        assert "ROLE" not in py_event["ORGANIZER"].params


def test_cancel_and_feed_agree(meetings, tmp_path):
    meetings[0].status = MeetingStatus.CANCELLED
    meetings[0].ical_sequence = 3
    cancel = _request(meetings[0], ical.Method.CANCEL)
    feed = ical.feed([ical.FeedEntry(m) for m in meetings], name="Woonoverleg", now=NOW)
    js_cancel, js_feed = parse_with_icaljs(tmp_path, cancel, feed)
    assert js_cancel["method"] == "CANCEL"
    assert js_cancel["events"][0]["status"] == "CANCELLED"
    assert js_cancel["events"][0]["sequence"] == 3
    assert js_feed["method"] == "PUBLISH"
    assert js_feed["first_component"] == "vtimezone"
    assert [e["start_utc"] for e in js_feed["events"]] == [utc for _s, utc in CASES]
    assert js_feed["events"][0]["status"] == "CANCELLED"
    py_feed = ical.parse(feed)
    assert [e.start for e in py_feed.events] == [m.start_at for m in meetings]
    assert all("ATTENDEE" not in e for e in py_feed.events)


FIXTURE_CHECK = HealthCheck.function_scoped_fixture
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        st.sampled_from([",", ";", '"', "\\", ":", "\n", "é", "🏠", "ß", " "]),
    ),
    min_size=1,
    max_size=200,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=_TEXT, place=_TEXT)
def test_any_title_and_place_round_trip_through_icalendar(app, title, place):
    meeting = factories.MeetingFactory.build(
        title=title, location=place, id=1, ical_uid="1@overleg", ical_sequence=0
    )
    data = ical.scheduling_message(
        meeting, method=ical.Method.REQUEST, organiser=ORGANISER, attendees=[], now=NOW
    )
    event = ical.parse(data).events[0]
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == place
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(titles=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=8))
def test_any_title_and_place_round_trip_through_icaljs(app, tmp_path_factory, titles):
    built = [
        factories.MeetingFactory.build(
            title=title, location=place, id=index, ical_uid=f"{index}@overleg", ical_sequence=0
        )
        for index, (title, place) in enumerate(titles)
    ]
    feed = ical.feed([ical.FeedEntry(m) for m in built], name="Woonoverleg", now=NOW)
    (js,) = parse_with_icaljs(tmp_path_factory.mktemp("ics"), feed)
    assert [(e["summary"], e["location"]) for e in js["events"]] == list(titles)


def test_control_characters_are_dropped_and_line_breaks_normalised():
    assert ical.clean_text("a\r\nb\rc\x00d\x1be\tf") == "a\nb\ncde\tf"


def test_the_written_timezone_rules_match_the_tz_database():
    rules = ical.brussels_vtimezone().to_tz()
    instant = datetime(2015, 1, 1, tzinfo=UTC)
    end = datetime(2038, 1, 1, tzinfo=UTC)
    checked = 0
    while instant < end:
        expected = instant.astimezone(BRUSSELS).utcoffset()
        assert instant.astimezone(rules).utcoffset() == expected, instant
        instant += timedelta(hours=3, minutes=7)
        checked += 1
    assert checked > 50000


def test_a_literal_backslash_n_stays_text_and_is_no_line_break(app, tmp_path):
    """icalendar's own escaping turns a typed backslash-N into a line break; ours keeps it."""
    title, place = r"Zaal C:\Nieuw\nummer", "Markt 1, Mol; zaal \\N2"
    meeting = factories.MeetingFactory.build(
        title=title, location=place, id=1, ical_uid="1@overleg", ical_sequence=0
    )
    request = ical.scheduling_message(
        meeting, method=ical.Method.REQUEST, organiser=ORGANISER, attendees=[], now=NOW
    )
    feed = ical.feed([ical.FeedEntry(meeting)], name="Woonoverleg", now=NOW)
    for data in (request, feed):
        event = ical.parse(data).events[0]
        assert str(event["SUMMARY"]) == title
        assert str(event["LOCATION"]) == place
    (js,) = parse_with_icaljs(tmp_path, feed)
    assert js["events"][0]["summary"] == title
