"""The planner's dates and times (issue 11, findings 6 and 9), on both databases: the proposal
table, the poll's answer date and the years of the period and the compliance view."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import AvailabilityPoll, Meeting
from tests.conftest import login, post_form
from tests.functional.test_meeting_dates import _last_sunday
from tests.functional.test_planning import YEAR, _confirm_data, _query, _rows

OUT_OF_RANGE = "Kies een datum tussen 1 januari 2000 en 31 december 2100."


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize("action", ["check", "confirm"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_a_row_with_an_extreme_date_is_refused_on_the_row(client, world, action, day):
    login(client, world.coordinator)
    rows = [("noorderdorp", day, "23:30")]
    response = post_form(client, "/planning/confirm", _confirm_data(rows, action=action))
    assert response.status_code == 422
    assert OUT_OF_RANGE in response.get_data(as_text=True)
    assert _count(Meeting) == 0


def test_a_row_in_the_hour_the_clock_skips_is_refused_with_a_message_that_says_so(client, world):
    login(client, world.coordinator)
    spring = _last_sunday(YEAR, 3).isoformat()
    rows = [("noorderdorp", spring, "02:30")]
    response = post_form(client, "/planning/confirm", _confirm_data(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "02:30 bestaat niet op" in html and "van 02:00 naar 03:00" in html
    assert _count(Meeting) == 0


def test_a_row_in_the_hour_shown_twice_is_checked_on_real_time(client, world):
    login(client, world.coordinator)
    autumn = _last_sunday(YEAR, 10)
    rows = [("noorderdorp", autumn.isoformat(), "02:30")]
    response = post_form(client, "/planning/confirm", _confirm_data(rows, action="check"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422  # a Sunday at night breaks the planner's rules
    assert "02:30 (UTC+2)" in html  # the first 02:30, and the page says which


def test_a_poll_answer_date_out_of_range_is_refused(client, world):
    login(client, world.coordinator)
    rows = _rows(client.get(_query()).get_data(as_text=True))
    assert rows
    for answer_by in ("9999-12-31", "0001-01-01"):
        data = _confirm_data(rows, action="poll", poll_answer_by=answer_by)
        response = post_form(client, "/planning/polls", data)
        assert response.status_code == 422
        assert OUT_OF_RANGE in response.get_data(as_text=True)
    assert _count(AvailabilityPoll) == 0


@pytest.mark.parametrize("year", ["1999", "2101", "9999", "0", "99999999999999999999"])
def test_years_outside_the_range_are_refused_on_every_page(client, world, year):
    login(client, world.coordinator)
    for path in (f"/planning/compliance?year={year}", _query(year=year)):
        response = client.get(path)
        assert response.status_code == 200
        assert "Kies een jaar tussen 2000 en 2100." in response.get_data(as_text=True)
    assert client.get(f"/planning/compliance/report.csv?year={year}").status_code == 400
    response = client.get(f"/meetings?year={year}")
    assert "Kies een jaar tussen 2000 en 2100." in response.get_data(as_text=True)


def test_the_planner_counts_a_meeting_over_the_change_in_real_time(client, world):
    """01:30 summer time plus two hours is the second 02:30 (winter time), not 03:30."""
    world.north.meeting_duration_minutes = 120
    db.session.commit()
    login(client, world.coordinator)
    rows = [("noorderdorp", _last_sunday(YEAR, 10).isoformat(), "01:30")]
    response = post_form(client, "/planning/confirm", _confirm_data(rows, action="check"))
    assert "tot 02:30 (UTC+1)" in response.get_data(as_text=True)
