"""Merged municipalities, without HTTP: the merger service, the lineage and compliance before
and after the merger date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from overleg.directory import lineage
from overleg.directory.mergers import record_merger
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    ActionPointStatus,
    AuditEntry,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    StandingInvitee,
)
from overleg.planning.compliance import year_compliance
from tests import factories

ON = date(2025, 1, 1)


def _meeting(municipality, when: datetime, status=MeetingStatus.HELD):  # type: ignore[no-untyped-def]
    return factories.MeetingFactory(
        municipality=municipality, start_at=when, end_at=when + timedelta(hours=2), status=status
    )


def _merge(world, on: date = ON, name: str = "Middendorp"):  # type: ignore[no-untyped-def]
    merger = record_merger(
        world.coordinator, world.platform.id, [world.north, world.south], name, on
    )
    db.session.commit()
    return merger


def test_a_merger_makes_the_new_municipality_with_the_former_settings(app, world):
    world.north.meetings_per_year = 3
    world.north.usual_location = "Raadzaal Noorderdorp"
    merger = _merge(world)
    new = merger.municipality
    assert merger.created
    assert (new.name, new.slug, new.platform_id) == ("Middendorp", "middendorp", world.platform.id)
    assert (new.meetings_per_year, new.usual_location) == (3, "Raadzaal Noorderdorp")
    for former in (world.north, world.south):
        assert (former.merged_into_id, former.merged_on) == (new.id, ON)
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "municipality.merge")
    )
    assert entry is not None and "Noorderdorp, Zuiderdorp -> Middendorp" in entry.summary


def test_the_new_municipality_takes_over_invitees_links_and_open_action_points(app, world):
    chair = factories.ContactFactory(organisation=world.north.organisations[0])
    other_chair = factories.ContactFactory(organisation=world.south.organisations[0])
    factories.StandingInviteeFactory(
        municipality=world.north, contact=chair, role=InviteeRole.CHAIR
    )
    factories.StandingInviteeFactory(
        municipality=world.south, contact=other_chair, role=InviteeRole.CHAIR
    )
    held = _meeting(world.north, datetime(2024, 10, 1, 8, tzinfo=UTC))
    open_point = factories.ActionPointFactory(meeting=held)
    done = factories.ActionPointFactory(meeting=held, status=ActionPointStatus.DONE)
    db.session.commit()

    new = _merge(world).municipality

    roles = {s.contact_id: s.role for s in new.standing_invitees}
    assert len(roles) == 4  # the world's two woonmaatschappij contacts and the two chairs
    assert list(roles.values()).count(InviteeRole.CHAIR) == 1  # the second chair is required
    assert roles[other_chair.id] is InviteeRole.REQUIRED
    # The former lists stay as they were (their history).
    assert (
        db.session.scalar(
            sa.select(sa.func.count(StandingInvitee.id)).where(
                StandingInvitee.municipality_id == world.north.id
            )
        )
        == 2
    )
    assert {o.name for o in new.organisations} == {
        "Woonmaatschappij Noorderdorp",
        "Woonmaatschappij Zuiderdorp",
    }
    assert new in world.secretary.municipalities and world.north in world.secretary.municipalities
    db.session.refresh(open_point)
    db.session.refresh(done)
    assert open_point.municipality_id == new.id
    assert done.municipality_id == world.north.id


def test_meetings_from_the_merger_date_on_are_the_new_municipalitys(app, world):
    before = _meeting(world.north, datetime(2024, 12, 31, 18, tzinfo=UTC))  # 19:00 in Brussels
    after = _meeting(world.north, datetime(2025, 1, 2, 8, tzinfo=UTC), MeetingStatus.PLANNED)
    db.session.commit()
    new = _merge(world).municipality
    assert db.session.get(Meeting, before.id).municipality_id == world.north.id
    assert db.session.get(Meeting, after.id).municipality_id == new.id


@pytest.mark.parametrize(
    ("name", "field"),
    [("Noorderdorp", "new_name"), ("noorderdorp", "new_name")],
)
def test_the_new_one_cannot_be_a_former_one(app, world, name, field):
    with pytest.raises(Refusal) as refused:
        record_merger(world.coordinator, world.platform.id, [world.north], name, ON)
    assert refused.value.field == field


def test_refusals(app, world):
    with pytest.raises(Refusal) as refused:
        record_merger(world.coordinator, world.platform.id, [], "Middendorp", ON)
    assert refused.value.field == "former"
    with pytest.raises(Refusal) as refused:
        record_merger(world.coordinator, world.platform.id, [world.elsewhere], "Middendorp", ON)
    assert refused.value.field == "former"
    _merge(world)
    with pytest.raises(Refusal) as refused:
        record_merger(world.coordinator, world.platform.id, [world.north], "Anders", ON)
    assert refused.value.field == "former"


def test_an_existing_municipality_can_absorb_another(app, world):
    merger = record_merger(world.coordinator, world.platform.id, [world.south], "noorderdorp", ON)
    assert not merger.created
    assert merger.municipality.id == world.north.id
    assert merger.municipality.meetings_per_year == world.north.meetings_per_year


def test_lineage(app, world):
    new = _merge(world).municipality
    assert lineage.current_successor(world.north, date(2024, 12, 31)) is world.north
    assert lineage.current_successor(world.north, ON) is new
    assert lineage.current_successor(new, ON) is new
    assert [m.name for m in lineage.predecessors(new)] == ["Noorderdorp", "Zuiderdorp"]
    assert lineage.duty_starts([new.id, world.north.id]) == {new.id: ON}
    # A later merger: the chain is followed to its end.
    later = record_merger(
        world.coordinator, world.platform.id, [new], "Grootdorp", date(2031, 1, 1)
    )
    assert lineage.current_successor(world.north, date(2031, 1, 1)) is later.municipality
    assert {m.name for m in lineage.predecessors(later.municipality)} == {
        "Middendorp",
        "Noorderdorp",
        "Zuiderdorp",
    }


def _rows(year: int, municipalities, now: datetime):  # type: ignore[no-untyped-def]
    return {row.name: row for row in year_compliance(municipalities, year, now=now)}


def test_compliance_counts_the_former_ones_until_the_merger_and_the_new_one_from_it(app, world):
    for month in (3, 10):
        _meeting(world.north, datetime(2024, month, 10, 8, tzinfo=UTC))
        _meeting(world.south, datetime(2024, month, 11, 8, tzinfo=UTC))
    db.session.commit()
    new = _merge(world).municipality
    for month in (4, 11):
        _meeting(new, datetime(2025, month, 10, 8, tzinfo=UTC))
    db.session.commit()
    everyone = list(db.session.scalars(sa.select(Municipality).where(
        Municipality.platform_id == world.platform.id)))  # fmt: skip
    now = datetime(2026, 2, 1, tzinfo=UTC)

    before = _rows(2024, everyone, now)
    assert set(before) == {"Noorderdorp", "Zuiderdorp"}  # no duty for the new one yet
    assert (before["Noorderdorp"].required, before["Noorderdorp"].held) == (2, 2)

    after = _rows(2025, everyone, now)
    assert set(after) == {"Middendorp"}  # the former ones have no duty after the date
    assert (after["Middendorp"].required, after["Middendorp"].held) == (2, 2)
    assert "meetings_missing" not in after["Middendorp"].reasons


def test_a_merger_during_the_year_splits_the_duty(app, world):
    _meeting(world.north, datetime(2027, 3, 10, 8, tzinfo=UTC))
    db.session.commit()
    new = _merge(world, on=date(2027, 7, 1)).municipality
    _meeting(new, datetime(2027, 6, 20, 8, tzinfo=UTC))  # before its start: not counted
    _meeting(new, datetime(2027, 10, 5, 8, tzinfo=UTC))
    db.session.commit()
    rows = _rows(2027, [world.north, world.south, new], datetime(2028, 1, 10, tzinfo=UTC))
    assert set(rows) == {"Noorderdorp", "Zuiderdorp", "Middendorp"}
    north, new_row = rows["Noorderdorp"], rows["Middendorp"]
    # Half a year each: one meeting of the two, and the topics only asked of a whole year.
    assert (north.required, north.held, north.topics_missing) == (1, 1, ())
    assert (new_row.required, new_row.held) == (1, 1)
    assert rows["Zuiderdorp"].reasons == ("meetings_missing",)
    assert [line.start.month for line in new_row.meetings] == [10]


def test_joint_meetings_from_the_merger_date_on_are_held_by_the_new_one(app, world):
    third = factories.MunicipalityFactory(platform=world.platform, name="Derdedorp", slug="derde")
    later = factories.joint_meeting(
        third, world.north, world.south,
        start_at=datetime(2025, 3, 4, 9, tzinfo=UTC), end_at=datetime(2025, 3, 4, 11, tzinfo=UTC),
    )  # fmt: skip
    item = factories.AgendaItemFactory(meeting=later)
    item.municipalities.append(world.south)
    earlier = factories.joint_meeting(
        third, world.north,
        start_at=datetime(2024, 3, 4, 9, tzinfo=UTC), end_at=datetime(2024, 3, 4, 11, tzinfo=UTC),
    )  # fmt: skip
    db.session.commit()
    new = _merge(world).municipality
    assert [m.name for m in later.partners] == ["Middendorp"]
    assert item.municipalities == [new]
    assert earlier.partners == [world.north]
