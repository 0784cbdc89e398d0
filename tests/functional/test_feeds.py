"""Calendar feeds and the public calendar page."""

from __future__ import annotations

from datetime import timedelta

from overleg.extensions import db
from overleg.lib import ical
from overleg.lib.tokens import new_token
from overleg.models import MeetingStatus, User
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import login, post_form
from tests.icaljs import assert_agrees_with_icalendar


def _events(data: bytes) -> dict[str, object]:
    calendar = ical.parse(data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    return {str(event["UID"]): event for event in calendar.events}


def test_public_feed_has_time_place_title_and_nothing_personal(client, world, tmp_path):
    now = utcnow()
    meeting = factories.MeetingFactory(municipality=world.north, title="Woonoverleg, voorjaar")
    factories.AgendaItemFactory(meeting=meeting, presenter="Geheime Spreker")
    factories.InvitationFactory(meeting=meeting)
    cancelled = factories.MeetingFactory(
        municipality=world.north, status=MeetingStatus.CANCELLED, cancel_reason="ziekte"
    )
    gone = factories.MeetingFactory(
        municipality=world.north,
        status=MeetingStatus.CANCELLED,
        start_at=now - timedelta(days=10),
        end_at=now - timedelta(days=10) + timedelta(hours=2),
    )
    past = factories.MeetingFactory(
        municipality=world.north,
        status=MeetingStatus.HELD,
        start_at=now - timedelta(days=20),
        end_at=now - timedelta(days=20) + timedelta(hours=2),
    )
    elsewhere = factories.MeetingFactory(municipality=world.south)
    response = client.get("/calendar/noorderdorp.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = _events(response.data)
    assert set(events) == {meeting.ical_uid, cancelled.ical_uid, past.ical_uid}
    assert gone.ical_uid not in events and elsewhere.ical_uid not in events
    assert str(events[meeting.ical_uid]["SUMMARY"]) == "Woonoverleg, voorjaar"
    assert str(events[meeting.ical_uid]["LOCATION"]) == meeting.location
    assert str(events[cancelled.ical_uid]["STATUS"]) == "CANCELLED"
    body = response.data.decode()
    assert "ATTENDEE" not in body and "ORGANIZER" not in body
    assert "@example.be" not in body and "Geheime Spreker" not in body
    assert "ziekte" not in body
    assert client.get("/calendar/bestaat-niet.ics").status_code == 404
    (js,) = assert_agrees_with_icalendar(tmp_path, response.data)
    assert {e["status"] for e in js["events"]} == {"CANCELLED", "TENTATIVE", "CONFIRMED"}


def test_public_calendar_page(client, world):
    factories.MeetingFactory(municipality=world.north, title="Voorjaarsoverleg Noorderdorp")
    factories.MeetingFactory(
        municipality=world.south, title="Geschrapt overleg", status=MeetingStatus.CANCELLED
    )
    html = client.get("/calendar").get_data(as_text=True)
    assert "Voorjaarsoverleg Noorderdorp" in html and "Geschrapt overleg" in html
    assert "Geannuleerd:" in html
    page = client.get("/calendar/noorderdorp").get_data(as_text=True)
    assert "Voorjaarsoverleg Noorderdorp" in page and "Geschrapt overleg" not in page
    assert "webcal://localhost/calendar/noorderdorp.ics" in page
    assert client.get("/calendar/bestaat-niet").status_code == 404


def test_personal_feed_behind_a_revocable_token(client, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    other = factories.MeetingFactory(municipality=world.north)
    contact = factories.ContactFactory(
        organisation=factories.organisation_serving(world.north), feed_token=new_token()
    )
    factories.InvitationFactory(meeting=meeting, contact=contact, token=new_token())
    response = client.get(f"/calendar/personal/{contact.feed_token}.ics")
    events = _events(response.data)
    assert set(events) == {meeting.ical_uid}
    assert other.ical_uid not in events
    assert "/rsvp/" in str(events[meeting.ical_uid]["DESCRIPTION"])
    assert client.get(f"/calendar/personal/{new_token()}.ics").status_code == 404
    token = contact.feed_token
    login(client, world.coordinator)
    post_form(client, f"/calendar/contacts/{contact.id}/revoke")
    assert client.get(f"/calendar/personal/{token}.ics").status_code == 404


def test_user_feed_follows_what_the_user_may_see(client, world, tmp_path):
    north = factories.MeetingFactory(municipality=world.north)
    south = factories.MeetingFactory(municipality=world.south)
    factories.MeetingFactory(municipality=world.elsewhere)
    login(client, world.secretary)
    page = client.get("/calendar/subscription").get_data(as_text=True)
    assert "Adres aanmaken" in page
    post_form(client, "/calendar/subscription")
    secretary = db.session.get(User, world.secretary.id)
    token = secretary.feed_token
    assert token
    assert set(_events(client.get(f"/calendar/user/{token}.ics").data)) == {north.ical_uid}
    # a new address revokes the old one
    post_form(client, "/calendar/subscription")
    secretary = db.session.get(User, world.secretary.id)
    assert secretary.feed_token != token
    assert client.get(f"/calendar/user/{token}.ics").status_code == 404
    post_form(client, "/calendar/subscription/revoke")
    assert db.session.get(User, world.secretary.id).feed_token is None
    client.delete_cookie("session")
    login(client, world.coordinator)
    post_form(client, "/calendar/subscription")
    coordinator = db.session.get(User, world.coordinator.id)
    data = client.get(f"/calendar/user/{coordinator.feed_token}.ics").data
    assert set(_events(data)) == {north.ical_uid, south.ical_uid}
    assert_agrees_with_icalendar(tmp_path, data)


def test_public_feed_answers_304_until_something_changes(client, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    first = client.get("/calendar/noorderdorp.ics")
    etag = first.headers["ETag"]
    again = client.get("/calendar/noorderdorp.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    meeting.location = "Elders"
    meeting.ical_sequence += 1
    db.session.commit()
    changed = client.get("/calendar/noorderdorp.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert b"LOCATION:Elders" in changed.data
