"""Merged municipalities through the pages and the CLI: recording a merger, bad input, the new
municipality's history and the former ones' links (pages redirect, the feed keeps serving)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from overleg.directory.mergers import record_merger
from overleg.extensions import db
from overleg.models import AuditEntry, MeetingStatus, Municipality
from tests import factories
from tests.conftest import login, post_form

PAST = date(2025, 1, 1)


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def _valid(world, **changes):  # type: ignore[no-untyped-def]
    data = {
        "former": [str(world.north.id), str(world.south.id)],
        "new_name": "Middendorp",
        "nis_code": "13099",
        "merged_on": PAST.isoformat(),
    }
    return data | changes


def _merged(world) -> Municipality:  # type: ignore[no-untyped-def]
    merger = record_merger(
        world.coordinator, world.platform.id, [world.north, world.south], "Middendorp", PAST
    )
    db.session.commit()
    return merger.municipality


def test_a_coordinator_records_a_merger(client, world):
    login(client, world.coordinator)
    page = _text(client.get("/municipalities"))
    assert "/municipalities/merge" in page
    form = _text(client.get("/municipalities/merge"))
    assert "Noorderdorp" in form and "Zuiderdorp" in form and "Verweg" not in form
    response = post_form(client, "/municipalities/merge", _valid(world))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/municipalities/middendorp")
    new = db.session.scalar(sa.select(Municipality).where(Municipality.slug == "middendorp"))
    assert new.nis_code == "13099"
    north = db.session.get(Municipality, world.north.id)
    assert (north.merged_into_id, north.merged_on) == (new.id, PAST)
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "municipality.merge")
    )
    assert entry.user_id == world.coordinator.id
    page = _text(client.get(response.headers["Location"]))
    assert "De samenvoeging tot Middendorp is bewaard." in page
    assert "Ontstaan uit" in page
    # The list shows the new municipality, no longer the former ones.
    listing = _text(client.get("/municipalities"))
    assert "Middendorp" in listing and "/municipalities/noorderdorp" not in listing


def test_bad_input_is_shown_next_to_the_fields(client, world):
    login(client, world.coordinator)
    cases = [
        ({"former": []}, "Kies minstens één voormalige gemeente."),
        ({"former": [str(world.elsewhere.id)]}, "Geen geldige gemeente"),
        ({"former": ["x"]}, "Kies minstens één voormalige gemeente."),
        ({"new_name": ""}, "Vul de naam van de nieuwe gemeente in."),
        ({"new_name": "x" * 121}, "Maximaal 120 tekens."),
        ({"new_name": "Zuiderdorp"}, "De nieuwe gemeente kan niet een van de voormalige zijn."),
        ({"nis_code": "12"}, "Een NIS-code bestaat uit vijf cijfers."),
        ({"merged_on": ""}, "Vul de datum van de samenvoeging in."),
        ({"merged_on": "2025-02-30"}, ""),
    ]
    for changes, message in cases:
        response = post_form(client, "/municipalities/merge", _valid(world, **changes))
        assert response.status_code == 422, changes
        assert message in _text(response), changes
    assert db.session.get(Municipality, world.north.id).merged_into_id is None
    assert (
        db.session.scalar(sa.select(Municipality).where(Municipality.slug == "middendorp")) is None
    )


def test_only_coordinators_record_mergers(client, world):
    login(client, world.secretary)
    assert client.get("/municipalities/merge").status_code == 403
    assert post_form(client, "/municipalities/merge", _valid(world)).status_code == 403
    assert db.session.get(Municipality, world.north.id).merged_into_id is None


def test_the_new_municipality_shows_the_former_ones_history(client, world):
    start = datetime(2024, 5, 14, 8, tzinfo=UTC)
    factories.MeetingFactory(
        municipality=world.south,
        title="Woonoverleg Zuiderdorp voorjaar 2024",
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    db.session.commit()
    _merged(world)
    login(client, world.coordinator)
    page = _text(client.get("/municipalities/middendorp"))
    assert "Woonoverleg Zuiderdorp voorjaar 2024" in page
    assert "voormalige gemeente Zuiderdorp" in page


def test_the_former_ones_links_redirect_and_their_feed_keeps_serving(client, world):
    start = datetime.now(UTC) + timedelta(days=20)
    new = _merged(world)
    factories.MeetingFactory(
        municipality=new,
        title="Eerste woonoverleg",
        start_at=start,
        end_at=start + timedelta(hours=2),
    )
    db.session.commit()
    login(client, world.secretary)  # the secretary of Noorderdorp now works for Middendorp
    response = client.get("/municipalities/noorderdorp")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/municipalities/middendorp")
    assert client.get(response.headers["Location"]).status_code == 200
    client.get("/logout")
    page = client.get("/calendar/noorderdorp")
    assert page.status_code == 308 and page.headers["Location"].endswith("/calendar/middendorp")
    feed = client.get("/calendar/noorderdorp.ics")
    assert feed.status_code == 200
    body = _text(feed)
    assert "Lokaal woonoverleg Middendorp" in body and "Eerste woonoverleg" in body


def test_a_merger_recorded_ahead_changes_nothing_until_its_date(client, world):
    record_merger(
        world.coordinator, world.platform.id, [world.north], "Middendorp", date(2099, 1, 1)
    )
    db.session.commit()
    login(client, world.coordinator)
    assert client.get("/municipalities/noorderdorp").status_code == 200
    assert client.get("/calendar/noorderdorp").status_code == 200


def test_the_cli_records_a_merger(runner, world):
    args = ["municipalities", "merge", "--platform", "kempen-test", "--into", "Middendorp"]
    result = runner.invoke(args=[*args, "--on", "2025-01-01", "noorderdorp", "zuiderdorp"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "middendorp"
    assert db.session.get(Municipality, world.north.id).merged_on == PAST
    bad = runner.invoke(args=[*args, "--on", "morgen", "noorderdorp"])
    assert bad.exit_code != 0 and "Geen geldige datum" in bad.output
    unknown = runner.invoke(args=[*args, "--on", "2025-01-01", "nergens"])
    assert unknown.exit_code != 0 and "Onbekende gemeente: nergens" in unknown.output
    again = runner.invoke(args=[*args, "--on", "2025-01-01", "noorderdorp"])
    assert again.exit_code != 0 and "Noorderdorp is al samengevoegd." in again.output
