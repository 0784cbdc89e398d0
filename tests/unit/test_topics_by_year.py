"""The list of mandatory topics by year (issue 16 item 5), without HTTP: the catalogue carries
the list as it changed, compliance and the dashboard judge each year by its own list and say
which one they used, a coordinator sets a theme's years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from overleg.dashboard import waiting
from overleg.directory import services
from overleg.directory.reference_data import ALLOCATION_RULES, mandatory_years
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import AgendaItem, Theme
from overleg.planning.compliance import topic_list_sentence, year_compliance
from tests import factories

ALLOCATION_NAME = "Lokale toewijzingsreglementen"


def _theme(platform, code: str) -> Theme:  # type: ignore[no-untyped-def]
    return db.session.scalars(
        sa.select(Theme).where(Theme.platform_id == platform.id, Theme.code == code)
    ).one()


def _held(municipality, year: int, themes) -> None:  # type: ignore[no-untyped-def]
    """A meeting held in March of `year` that discussed `themes`."""
    start = datetime(year, 3, 10, 8, tzinfo=UTC)
    meeting = factories.HeldMeetingFactory(
        municipality=municipality, start_at=start, end_at=start + timedelta(hours=2)
    )
    meeting.agenda_items.extend(AgendaItem(theme_id=t.id, title=t.name) for t in themes)
    db.session.commit()


def test_the_catalogue_carries_the_allocation_rules_until_the_reform(world):
    rules = _theme(world.platform, ALLOCATION_RULES)
    assert rules.is_mandatory
    assert (rules.mandatory_from_year, rules.mandatory_until_year) == (None, 2023)
    assert rules.mandatory_in(2023) and not rules.mandatory_in(2024)
    housing = _theme(world.platform, "sociale_woonprojecten")
    assert (housing.mandatory_from_year, housing.mandatory_until_year) == (None, None)
    assert housing.mandatory_in(2000) and housing.mandatory_in(2100)


def test_the_reform_year_is_a_setting(app):
    app.config["ALLOCATION_RULES_OPTIONAL_FROM"] = 2026
    platform = factories.PlatformFactory()
    assert _theme(platform, ALLOCATION_RULES).mandatory_until_year == 2025
    assert mandatory_years(ALLOCATION_RULES, 2030) == (None, 2029)
    assert mandatory_years("kerncijfers", 2030) == (None, None)


@pytest.mark.parametrize(
    ("first", "last", "year"),
    [(a, b, y) for a in (None, 2020, 2024) for b in (None, 2022, 2024) for y in (2019, 2022, 2024)],
)
def test_the_query_and_the_row_read_the_years_alike(world, first, last, year):
    theme = factories.ThemeFactory(
        platform=world.platform,
        is_mandatory=True,
        mandatory_from_year=first,
        mandatory_until_year=last,
    )
    in_query = db.session.scalar(
        sa.select(sa.func.count()).where(Theme.id == theme.id, Theme.mandatory_in_year(year))
    )
    assert bool(in_query) == theme.mandatory_in(year)


def test_each_year_is_judged_by_its_own_list(world):
    """2023 still asks for the allocation rules, 2025 no longer: the same agenda without them
    misses a topic in 2023 and none in 2025, and each row names the list it used."""
    in_2025 = list(
        db.session.scalars(
            sa.select(Theme)
            .where(Theme.platform_id == world.platform.id, Theme.mandatory_in_year(2025))
            .order_by(Theme.sort_order)
        )
    )
    assert ALLOCATION_NAME not in [t.name for t in in_2025]
    _held(world.north, 2023, in_2025)
    _held(world.north, 2025, in_2025)
    [old] = year_compliance([world.north], 2023, now=datetime(2026, 1, 5, tzinfo=UTC))
    [new] = year_compliance([world.north], 2025, now=datetime(2026, 1, 5, tzinfo=UTC))
    assert old.topics_missing == (ALLOCATION_NAME,)
    assert ALLOCATION_NAME in old.topic_list and len(old.topic_list) == 5
    assert new.topics_missing == ()
    assert new.topic_list == tuple(t.name for t in in_2025)
    sentence = topic_list_sentence(2025, [new])
    assert sentence.startswith("Verplichte thema's van 2025: Geplande sociale woonprojecten")
    assert ALLOCATION_NAME not in sentence
    assert ALLOCATION_NAME in topic_list_sentence(2023, [old])


def test_a_theme_made_mandatory_from_a_year_counts_from_then_on(world):
    theme = factories.ThemeFactory(
        platform=world.platform, is_mandatory=True, mandatory_from_year=2026
    )
    now = datetime(2027, 1, 5, tzinfo=UTC)
    [before] = year_compliance([world.north], 2025, now=now)
    [after] = year_compliance([world.north], 2026, now=now)
    assert theme.name not in before.topic_list + before.topics_missing
    assert theme.name in after.topics_missing


def test_the_dashboard_says_which_list_it_used(world):
    now = datetime.now(UTC)
    lines = waiting.municipalities_at_risk(world.coordinator, now, waiting.Settings())
    year = now.year
    assert lines, "no meeting held this year: the municipalities are flagged"
    for line in lines:
        assert f"Verplichte thema's van {year}: " in line.text


def test_a_coordinator_sets_the_years_of_a_theme(world):
    theme = services.create_theme(
        world.coordinator,
        services.ThemeFields("Dakloosheid", is_mandatory=True, mandatory_from_year=2026),
    )
    assert theme.mandatory_from_year == 2026 and theme.mandatory_until_year is None
    changes = services.update_theme(
        world.coordinator,
        theme,
        services.ThemeFields(
            "Dakloosheid", is_mandatory=True, mandatory_from_year=2026, mandatory_until_year=2030
        ),
        expected_version=theme.version,
    )
    assert changes["mandatory_until_year"] == [None, 2030]


def test_until_before_from_is_refused(world):
    with pytest.raises(Refusal) as refused:
        services.create_theme(
            world.coordinator,
            services.ThemeFields(
                "Dakloosheid", mandatory_from_year=2026, mandatory_until_year=2025
            ),
        )
    assert refused.value.field == "mandatory_until_year"
    assert "laatste jaar" in str(refused.value.message)
