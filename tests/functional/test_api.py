"""The read-only JSON API v1, as the contract in DESIGN.md describes it."""

from __future__ import annotations

from datetime import UTC, datetime

from overleg.extensions import db
from overleg.models import MeetingStatus
from tests import factories
from tests.conftest import login


def test_anonymous_gets_401_json(client, world):
    for path in ("/api/v1/municipalities", "/api/v1/meetings"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.is_json
        assert response.get_json()["status"] == 401


def test_municipalities_are_those_the_user_may_see(client, world):
    world.north.meetings_per_year = 3
    db.session.commit()
    login(client, world.secretary)
    assert client.get("/api/v1/municipalities").get_json() == [
        {"slug": "noorderdorp", "name": "Noorderdorp", "meetings_per_year": 3}
    ]
    client.delete_cookie("session")
    login(client, world.coordinator)
    slugs = [m["slug"] for m in client.get("/api/v1/municipalities").get_json()]
    assert slugs == ["noorderdorp", "zuiderdorp"]


def test_meetings_contract_fields_and_offsets(client, world):
    winter = factories.MeetingFactory(
        municipality=world.north,
        start_at=datetime(2027, 3, 16, 13, 0, tzinfo=UTC),
        end_at=datetime(2027, 3, 16, 15, 0, tzinfo=UTC),
        title="Voorjaarsoverleg",
        location="Raadzaal",
    )
    summer = factories.MeetingFactory(
        municipality=world.north,
        start_at=datetime(2027, 6, 15, 12, 0, tzinfo=UTC),
        end_at=datetime(2027, 6, 15, 14, 0, tzinfo=UTC),
        status=MeetingStatus.INVITED,
    )
    login(client, world.reader)
    response = client.get("/api/v1/meetings?municipality=noorderdorp&year=2027")
    assert response.status_code == 200
    data = response.get_json()
    assert [m["id"] for m in data] == [winter.id, summer.id]
    first = data[0]
    assert first == {
        "id": winter.id,
        "municipality": "noorderdorp",
        "title": "Voorjaarsoverleg",
        "location": "Raadzaal",
        "start": "2027-03-16T14:00:00+01:00",
        "end": "2027-03-16T16:00:00+01:00",
        "status": "planned",
        "links": {
            "page": f"/meetings/{winter.id}",
            "ics": f"/meetings/{winter.id}/invitation.ics",
            "agenda_pdf": f"/meetings/{winter.id}/agenda.pdf",
            "minutes_pdf": f"/meetings/{winter.id}/minutes.pdf",
        },
    }
    assert data[1]["start"] == "2027-06-15T14:00:00+02:00"
    assert data[1]["status"] == "invited"
    assert client.get(first["links"]["page"]).status_code == 200


def test_meetings_year_filter_uses_brussels_new_year(client, world):
    # 31 December 2026 23:30 UTC is already 1 January 2027 in Brussels.
    new_year = factories.MeetingFactory(
        municipality=world.north,
        start_at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
        end_at=datetime(2027, 1, 1, 1, 0, tzinfo=UTC),
    )
    login(client, world.coordinator)
    ids_2027 = [m["id"] for m in client.get("/api/v1/meetings?year=2027").get_json()]
    ids_2026 = [m["id"] for m in client.get("/api/v1/meetings?year=2026").get_json()]
    assert new_year.id in ids_2027
    assert new_year.id not in ids_2026


def test_meetings_without_filters_only_visible(client, world):
    own = factories.MeetingFactory(municipality=world.north)
    other = factories.MeetingFactory(municipality=world.south)
    foreign = factories.MeetingFactory(municipality=world.elsewhere)
    login(client, world.secretary)
    ids = {m["id"] for m in client.get("/api/v1/meetings").get_json()}
    assert own.id in ids
    assert other.id not in ids
    assert foreign.id not in ids


def test_unknown_or_invisible_municipality_is_404_json(client, world):
    login(client, world.secretary)
    for slug in ("bestaat-niet", "zuiderdorp", "verweg"):
        response = client.get(f"/api/v1/meetings?municipality={slug}")
        assert response.status_code == 404
        assert response.is_json
        assert "Onbekende gemeente" in response.get_json()["error"]


def test_bad_year_is_400_json_with_dutch_message(client, world):
    login(client, world.coordinator)
    for year in ("abc", "20x6", "-1", "99999", "²⁰²⁶"):
        response = client.get(f"/api/v1/meetings?year={year}")
        assert response.status_code == 400, year
        assert response.is_json
        assert "jaartal" in response.get_json()["error"] or "tussen" in response.get_json()["error"]


def test_overlong_slug_is_400(client, world):
    login(client, world.coordinator)
    response = client.get("/api/v1/meetings?municipality=" + "a" * 500)
    assert response.status_code == 400
    assert response.is_json
