"""The meeting search without HTTP: every criterion, the Brussels days, and who finds what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from overleg.extensions import db
from overleg.lib.dates import LAST_DAY
from overleg.meetings.search import MeetingSearch, search_meetings, theme_choices
from overleg.models import MeetingStatus
from tests import factories


def _meeting(municipality, start, **kwargs):
    return factories.MeetingFactory(
        municipality=municipality, start_at=start, end_at=start + timedelta(hours=2), **kwargs
    )


@pytest.fixture
def meetings(world):
    """Three meetings of Noorderdorp and one of Zuiderdorp and of the other platform."""
    housing = factories.ThemeFactory(platform=world.platform, name="Sociale huur")
    spring = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Voorjaar 50%")
    factories.AgendaItemFactory(meeting=spring, theme=housing)
    # 00:30 in Brussels on 1 July (22:30 UTC on 30 June): a day boundary in local time
    summer = _meeting(
        world.north,
        datetime(2026, 6, 30, 22, 30, tzinfo=UTC),
        title="Zomeroverleg",
        status=MeetingStatus.HELD,
    )
    autumn = _meeting(world.north, datetime(2026, 10, 6, 13, 0, tzinfo=UTC), title="Najaar")
    south = _meeting(world.south, datetime(2026, 3, 11, 13, 0, tzinfo=UTC), title="Voorjaar zuid")
    factories.AgendaItemFactory(meeting=south, theme=housing)
    _meeting(world.elsewhere, datetime(2026, 3, 12, 13, 0, tzinfo=UTC), title="Voorjaar verweg")
    db.session.commit()
    return {"spring": spring, "summer": summer, "autumn": autumn, "south": south, "theme": housing}


def _titles(user, **criteria) -> list[str]:
    statement = search_meetings(user, MeetingSearch(**criteria))
    return [meeting.title for meeting in db.session.scalars(statement)]


def test_without_criteria_everything_visible_newest_first(app, world, meetings):
    assert _titles(world.coordinator) == [
        "Najaar",
        "Zomeroverleg",
        "Voorjaar zuid",
        "Voorjaar 50%",
    ]


def test_a_secretary_searches_only_their_municipalities(app, world, meetings):
    assert _titles(world.secretary, title="voorjaar") == ["Voorjaar 50%"]
    assert _titles(world.secretary, theme_id=meetings["theme"].id) == ["Voorjaar 50%"]
    assert _titles(world.secretary, municipality_id=world.south.id) == []
    assert _titles(world.outsider, title="voorjaar") == ["Voorjaar verweg"]


def test_title_in_any_case_and_wildcards_taken_literally(app, world, meetings):
    assert _titles(world.coordinator, title="  VOORJAAR ") == ["Voorjaar zuid", "Voorjaar 50%"]
    assert _titles(world.coordinator, title="50%") == ["Voorjaar 50%"]
    assert _titles(world.coordinator, title="%") == ["Voorjaar 50%"]
    assert _titles(world.coordinator, title="_") == []


def test_theme_municipality_status_and_year(app, world, meetings):
    assert _titles(world.coordinator, theme_id=meetings["theme"].id) == [
        "Voorjaar zuid",
        "Voorjaar 50%",
    ]
    assert _titles(world.coordinator, municipality_id=world.south.id) == ["Voorjaar zuid"]
    assert _titles(world.coordinator, status=MeetingStatus.HELD) == ["Zomeroverleg"]
    assert _titles(world.coordinator, year=2027) == []
    criteria = {"title": "voorjaar", "municipality_id": world.north.id, "year": 2026}
    assert _titles(world.coordinator, **criteria) == ["Voorjaar 50%"]


def test_date_range_counts_brussels_days_both_ends_included(app, world, meetings):
    # The summer meeting starts on 1 July in Brussels, although on 30 June in UTC.
    assert _titles(world.coordinator, date_from=date(2026, 7, 1)) == ["Najaar", "Zomeroverleg"]
    assert _titles(world.coordinator, date_to=date(2026, 6, 30)) == [
        "Voorjaar zuid",
        "Voorjaar 50%",
    ]
    one_day = {"date_from": date(2026, 3, 10), "date_to": date(2026, 3, 10)}
    assert _titles(world.coordinator, **one_day) == ["Voorjaar 50%"]
    assert _titles(world.coordinator, date_to=LAST_DAY)[0] == "Najaar"


def test_theme_choices_are_the_users_platforms_catalogue(app, world, meetings):
    other = factories.ThemeFactory(platform=world.elsewhere.platform, name="Elders")
    db.session.commit()
    names = {choice.name for choice in theme_choices(world.secretary)}
    assert "Sociale huur" in names and other.name not in names
