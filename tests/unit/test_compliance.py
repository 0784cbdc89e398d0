"""The compliance service, without HTTP."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import MeetingStatus, Minutes, MinutesStatus, Platform, Theme
from overleg.planning.compliance import (
    Standing,
    spreadsheet_safe,
    year_compliance,
    year_standings,
)
from tests import factories

YEAR = 2026
# The mandatory topics in force in YEAR: four, as the local allocation rules are no longer
# mandatory since the woonmaatschappij reform (ALLOCATION_RULES_OPTIONAL_FROM, 2024).
TOPICS_IN_FORCE = 4


def _held(municipality, month: int, themes=()):  # type: ignore[no-untyped-def]
    start = datetime(YEAR, month, 10, 8, tzinfo=UTC)
    meeting = factories.MeetingFactory(
        municipality=municipality,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    for theme in themes:
        factories.AgendaItemFactory(meeting=meeting, theme_id=theme.id, title=theme.name)
    return meeting


def _mandatory(platform_slug: str = "kempen-test", year: int = YEAR) -> list[Theme]:
    """The themes of the platform's own catalogue (the world's, by default) mandatory in
    `year`."""
    return list(
        db.session.scalars(
            sa.select(Theme)
            .join(Theme.platform)
            .where(Platform.slug == platform_slug, Theme.mandatory_in_year(year))
            .order_by(Theme.sort_order)
        )
    )


def _approve_and_send(meeting, sent: datetime) -> None:  # type: ignore[no-untyped-def]
    db.session.add(
        Minutes(
            meeting_id=meeting.id,
            status=MinutesStatus.APPROVED,
            approved_at=sent,
            sent_to_agency_at=sent,
        )
    )
    db.session.commit()


def test_a_complete_year_is_compliant(app, world):
    themes = _mandatory()
    first = _held(world.north, 3, themes[:3])
    second = _held(world.north, 10, themes[3:])
    _approve_and_send(first, datetime(YEAR, 4, 1, tzinfo=UTC))
    _approve_and_send(second, datetime(YEAR, 11, 2, tzinfo=UTC))
    now = datetime(YEAR + 1, 1, 15, tzinfo=UTC)
    [row] = year_compliance([world.north], YEAR, now=now)
    assert row.held == 2 and row.required == 2
    assert row.topics_missing == ()
    assert len(row.topics_covered) == TOPICS_IN_FORCE
    assert row.minutes_approved == 2 and row.minutes_sent == 2
    assert row.last_sent_to_agency_at == datetime(YEAR, 11, 2, tzinfo=UTC)
    assert row.standing is Standing.COMPLIANT


def test_a_finished_year_with_a_shortfall_is_overdue_and_names_the_missing_topics(app, world):
    themes = _mandatory()
    meeting = _held(world.north, 3, themes[:2])
    _approve_and_send(meeting, datetime(YEAR, 4, 1, tzinfo=UTC))
    [row] = year_compliance([world.north], YEAR, now=datetime(YEAR + 1, 1, 2, tzinfo=UTC))
    assert row.standing is Standing.OVERDUE
    assert set(row.reasons) == {"meetings_missing", "topics_missing"}
    assert row.topics_missing == tuple(t.name for t in themes[2:])


def test_mid_year_without_enough_planned_meetings_is_at_risk(app, world):
    meeting = _held(world.north, 3, _mandatory())
    _approve_and_send(meeting, datetime(YEAR, 4, 1, tzinfo=UTC))
    now = datetime(YEAR, 5, 1, tzinfo=UTC)
    [row] = year_compliance([world.north], YEAR, now=now)
    assert row.standing is Standing.AT_RISK
    assert "not_enough_planned" in row.reasons
    # A planned meeting later in the year puts it back on track.
    later = datetime(YEAR, 10, 6, 8, tzinfo=UTC)
    factories.MeetingFactory(
        municipality=world.north, start_at=later, end_at=later + timedelta(hours=2)
    )
    [row] = year_compliance([world.north], YEAR, now=now)
    assert row.standing is Standing.ON_TRACK and row.upcoming == 1


def test_minutes_not_sent_a_month_after_the_meeting_are_overdue(app, world):
    _held(world.north, 3, _mandatory())
    [row] = year_compliance([world.north], YEAR, now=datetime(YEAR, 5, 1, tzinfo=UTC))
    assert row.minutes_late == 1
    assert row.standing is Standing.OVERDUE


def test_cancelled_meetings_and_other_years_do_not_count(app, world):
    meeting = _held(world.north, 3, _mandatory())
    meeting.status = MeetingStatus.CANCELLED
    start = datetime(YEAR - 1, 6, 1, 8, tzinfo=UTC)
    factories.MeetingFactory(
        municipality=world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    db.session.commit()
    [row] = year_compliance([world.north], YEAR, now=datetime(YEAR, 2, 1, tzinfo=UTC))
    assert row.held == 0 and len(row.topics_missing) == TOPICS_IN_FORCE


def test_more_topics_per_year_can_be_required(app, world):
    themes = _mandatory()
    _held(world.north, 3, themes)
    [row] = year_compliance(
        [world.north], YEAR, now=datetime(YEAR, 4, 1, tzinfo=UTC), topics_per_year=2
    )
    assert len(row.topics_missing) == TOPICS_IN_FORCE
    _held(world.north, 9, themes)
    [row] = year_compliance(
        [world.north], YEAR, now=datetime(YEAR, 10, 1, tzinfo=UTC), topics_per_year=2
    )
    assert row.topics_missing == ()


def test_spreadsheet_formulas_are_neutralised():
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("+32 14 00") == "'+32 14 00"
    assert spreadsheet_safe("-2") == "'-2"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("\tx") == "'\tx"
    assert spreadsheet_safe("\rx") == "'\rx"
    assert spreadsheet_safe("Geel") == "Geel"
    assert spreadsheet_safe(None) == ""


def test_each_platform_is_judged_by_its_own_mandatory_themes(app, world):
    """A topic discussed under the other platform's theme of the same name does not count, and a
    mandatory theme a platform added to its own catalogue counts for it alone."""
    foreign = _mandatory("ander")
    meeting = _held(world.north, 3, foreign)  # the other platform's themes on this agenda
    _approve_and_send(meeting, datetime(YEAR, 4, 1, tzinfo=UTC))
    extra = factories.ThemeFactory(platform=world.elsewhere.platform, is_mandatory=True)
    [north, elsewhere] = year_compliance(
        [world.north, world.elsewhere], YEAR, now=datetime(YEAR + 1, 1, 2, tzinfo=UTC)
    )
    assert north.topics_covered == ()
    assert north.topics_missing == tuple(t.name for t in _mandatory())
    assert extra.name in elsewhere.topics_missing
    assert extra.name not in north.topics_missing


def test_the_late_minutes_name_their_meetings(app, world):
    late = _held(world.north, 3)
    sent = _held(world.north, 4)
    _approve_and_send(sent, datetime(YEAR, 4, 20, tzinfo=UTC))
    _held(world.north, 5)  # still inside the grace period on 1 June
    [row] = year_compliance([world.north], YEAR, now=datetime(YEAR, 6, 1, tzinfo=UTC))
    assert [line.meeting_id for line in row.late_minutes] == [late.id]
    assert row.late_minutes[0].minutes_status is None


def test_a_missing_topic_points_at_the_next_meeting_whose_agenda_could_take_it(app, world):
    themes = _mandatory()  # four in force: the first two are held, the last two missing
    _held(world.north, 3, themes[:2])
    first = factories.MeetingFactory(
        municipality=world.north, start_at=datetime(YEAR, 9, 8, 8, tzinfo=UTC)
    )
    second = factories.MeetingFactory(
        municipality=world.north, start_at=datetime(YEAR, 11, 3, 8, tzinfo=UTC)
    )
    factories.AgendaItemFactory(meeting=second, theme_id=themes[3].id, title=themes[3].name)
    db.session.commit()
    [row] = year_compliance([world.north], YEAR, now=datetime(YEAR, 6, 1, tzinfo=UTC))
    gaps = {gap.theme: gap for gap in row.topic_gaps}
    assert tuple(gaps) == row.topics_missing == (themes[2].name, themes[3].name)
    assert (gaps[themes[2].name].meeting_id, gaps[themes[2].name].on_agenda) == (first.id, False)
    assert (gaps[themes[3].name].meeting_id, gaps[themes[3].name].on_agenda) == (second.id, True)
    assert gaps[themes[3].name].meeting_start == second.start_at
    # Once the year is over no meeting can take them any more.
    [row] = year_compliance([world.north], YEAR, now=datetime(YEAR + 1, 1, 5, tzinfo=UTC))
    assert all(gap.meeting_id is None for gap in row.topic_gaps)


def _random_year(world, seed: int) -> list:  # type: ignore[no-untyped-def]
    """Twelve municipalities of both platforms with meetings of every status in and around YEAR,
    mandatory and other themes on their agendas and minutes in every state."""
    rng = random.Random(seed)
    statuses = list(MeetingStatus)
    municipalities = [world.north, world.south, world.elsewhere]
    for n in range(9):
        platform = world.north.platform if n % 3 else world.elsewhere.platform
        municipalities.append(
            factories.MunicipalityFactory(platform=platform, meetings_per_year=rng.randint(1, 4))
        )
    themes = _mandatory()
    for month, covered in ((2, themes[:3]), (3, themes[3:])):  # Noorderdorp: all done early
        _approve_and_send(_held(world.north, month, covered), datetime(YEAR, 4, 1, tzinfo=UTC))
    for municipality in municipalities[1:]:
        themes = [t for t in _all_themes() if t.platform_id == municipality.platform_id]
        for _n in range(rng.randint(0, 5)):
            start = datetime(YEAR, 1, 1, 8, tzinfo=UTC) + timedelta(days=rng.randint(-40, 400))
            meeting = factories.MeetingFactory(
                municipality=municipality,
                start_at=start,
                end_at=start + timedelta(hours=2),
                status=rng.choice(statuses),
            )
            items = [
                factories.AgendaItemFactory(meeting=meeting, theme_id=theme.id, title=theme.name)
                for theme in rng.sample(themes, rng.randint(0, min(4, len(themes))))
            ]
            _random_joint(rng, meeting, municipalities, items)
            _random_minutes(rng, meeting)
    # One municipality merges into another in the middle of the year (issue 16).
    municipalities[-1].merged_into_id = municipalities[-4].id
    municipalities[-1].merged_on = date(YEAR, 7, 1)
    db.session.commit()
    return municipalities


def _random_joint(rng: random.Random, meeting, municipalities, items) -> None:  # type: ignore[no-untyped-def]
    """Now and then a joint meeting with other municipalities of its platform, and items marked
    for some of them."""
    others = [
        m
        for m in municipalities
        if m.platform_id == meeting.municipality.platform_id and m.id != meeting.municipality_id
    ]
    if not others or rng.random() < 0.3:
        return
    meeting.partners.extend(rng.sample(others, rng.randint(1, min(2, len(others)))))
    holders = [meeting.municipality, *meeting.partners]
    for item in items:
        if rng.random() < 0.8:
            item.municipalities.extend(rng.sample(holders, rng.randint(1, len(holders) - 1)))


def _all_themes() -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).order_by(Theme.id)))


def _random_minutes(rng: random.Random, meeting) -> None:  # type: ignore[no-untyped-def]
    status = rng.choice([None, *MinutesStatus])
    if status is None:
        return
    sent = meeting.start_at + timedelta(days=rng.randint(1, 60)) if rng.random() < 0.5 else None
    db.session.add(Minutes(meeting_id=meeting.id, status=status, sent_to_agency_at=sent))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dashboard_standings_are_the_reports_standings(app, world, seed):
    """`year_standings` (counted by the database, for the dashboard) judges every municipality
    exactly as `year_compliance` (the report) does, at every moment of the year and after it."""
    municipalities = _random_year(world, seed)
    moments = [datetime(YEAR, month, 15, 12, tzinfo=UTC) for month in (1, 4, 7, 10, 12)]
    seen: set[Standing] = set()
    for now in [*moments, datetime(YEAR + 1, 1, 3, tzinfo=UTC)]:
        for topics in (1, 2):
            report = year_compliance(municipalities, YEAR, now=now, topics_per_year=topics)
            flags = year_standings(municipalities, YEAR, now=now, topics_per_year=topics)
            assert [
                (f.municipality_id, f.name, f.standing, f.reasons, f.topic_list) for f in flags
            ] == [
                (r.municipality_id, r.name, r.standing, r.reasons, r.topic_list) for r in report
            ], (now, topics)
            seen.update(f.standing for f in flags)
    assert seen == set(Standing)  # the data reaches every standing
