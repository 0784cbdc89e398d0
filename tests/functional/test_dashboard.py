"""The dashboard: upcoming meetings, municipalities to plan, and links to plan them."""

from __future__ import annotations

from tests import factories
from tests.conftest import login, post_form


def test_dashboard_lists_upcoming_visible_meetings_with_place_and_status(client, world):
    own = factories.MeetingFactory(municipality=world.north, location="Raadzaal Noord")
    other = factories.MeetingFactory(municipality=world.south)
    login(client, world.secretary)
    body = client.get("/").get_data(as_text=True)
    assert f"/meetings/{own.id}" in body
    assert "Raadzaal Noord" in body
    assert "Gepland" in body
    assert f"/meetings/{other.id}" not in body


def test_editor_gets_plan_links_for_municipalities_without_meeting(client, world):
    login(client, world.coordinator)
    body = client.get("/").get_data(as_text=True)
    assert "/meetings/new?municipality=zuiderdorp" in body
    assert 'href="/meetings/new"' in body


def test_reader_gets_no_plan_links(client, world):
    login(client, world.reader)
    body = client.get("/").get_data(as_text=True)
    assert "/meetings/new" not in body
    assert "Noorderdorp" in body  # still listed as a municipality without meeting


# --- Wat wacht op mij (issue 14) ---------------------------------------------------------------


def _waiting_section(body: str) -> str:
    start = body.index('aria-labelledby="waiting-heading"')
    return body[start : body.index("</section>", start)]


def test_the_coordinator_sees_what_is_waiting_with_links(client, world):
    from datetime import UTC, datetime

    from tests.unit.test_waiting import busy

    ids = busy(world.north, datetime.now(UTC))
    login(client, world.coordinator)
    section = _waiting_section(client.get("/").get_data(as_text=True))
    assert '<h2 id="waiting-heading">Wat wacht op mij</h2>' in section
    assert f'href="/meetings/{ids["invitations"]}/invitations/send"' in section
    assert f'href="/meetings/{ids["unanswered"]}/reminders/send"' in section
    assert f'href="/meetings/{ids["approval"]}/minutes"' in section
    assert 'href="/outbox?status=failed"' in section
    assert 'href="/planning/compliance?year=' in section
    assert "<ul" in section and "dingen wachten op u." in section


def test_the_secretary_sees_their_minutes_and_action_points_only(client, world):
    from datetime import UTC, datetime

    from tests.unit.test_waiting import busy

    now = datetime.now(UTC)
    north = busy(world.north, now)
    south = busy(world.south, now, tag=" zuid")
    login(client, world.secretary)
    section = _waiting_section(client.get("/").get_data(as_text=True))
    assert f'href="/meetings/{north["minutes"]}/minutes"' in section
    assert f"/meetings/{south['minutes']}/" not in section
    assert "/outbox" not in section and "reminders/send" not in section


def test_nothing_waiting_says_so(client, world):
    login(client, world.secretary)
    section = _waiting_section(client.get("/").get_data(as_text=True))
    assert "Er wacht niets op u." in section
    assert "<ul" not in section


def test_a_reader_gets_no_to_do_list(client, world):
    from datetime import UTC, datetime

    from tests.unit.test_waiting import busy

    busy(world.north, datetime.now(UTC))
    login(client, world.reader)
    body = client.get("/").get_data(as_text=True)
    assert "waiting-heading" not in body


def _dashboard_queries(client, users) -> list[int]:  # type: ignore[no-untyped-def]
    from tests.functional.test_directory_municipalities import count_queries

    counts = []
    for user in users:
        client.delete_cookie("session")
        login(client, user)
        client.get("/")
        with count_queries() as statements:
            assert client.get("/").status_code == 200
        counts.append(len(statements))
    return counts


def test_the_dashboard_issues_as_many_queries_with_ten_times_the_work(client, world):
    from datetime import UTC, datetime

    from tests.unit.test_waiting import busy

    now = datetime.now(UTC)
    users = (world.coordinator, world.secretary)
    busy(world.north, now)
    small = _dashboard_queries(client, users)
    for n in range(5):
        busy(world.north, now, tag=f" {n}")
        busy(world.south, now, tag=f" {n}")
    assert _dashboard_queries(client, users) == small


def test_a_meeting_planned_after_a_visit_is_on_the_next_visit(client, world):
    # The dashboard keeps its lists for a minute (DASHBOARD_CACHE_SECONDS), but never past a
    # committed change: the request that plans the meeting raises the database's revision.
    from tests.functional.test_meetings import create_data, ordinary_day

    login(client, world.coordinator)
    assert "Extra overleg" not in client.get("/").get_data(as_text=True)
    response = post_form(
        client, "/meetings/new", create_data(ordinary_day(), title="Extra overleg")
    )
    assert response.status_code == 302
    assert "Extra overleg" in client.get("/").get_data(as_text=True)


def test_a_second_visit_reads_the_kept_lists(client, world):
    from tests.functional.test_directory_municipalities import count_queries

    login(client, world.coordinator)
    with count_queries() as first:
        client.get("/")
    with count_queries() as second:
        body = client.get("/").get_data(as_text=True)
    assert "Wat wacht op mij" in body
    assert len(second) < len(first) - 5  # the lists: not one of their queries again
