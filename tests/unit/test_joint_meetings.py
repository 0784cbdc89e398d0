"""Joint meetings (issue 16), without HTTP: partners and their invitees, items marked for some
municipalities, counting once for each (compliance, planner), one verslag per municipality and
its distribution."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail.settings import MailSettings
from overleg.meetings import joint
from overleg.meetings.services import AgendaItemData, add_agenda_item, load_meeting_page
from overleg.minutes import services as minutes_services
from overleg.models import (
    AgendaItemNote,
    Invitation,
    InviteeRole,
    MeetingStatus,
    OutboxMessage,
)
from overleg.planning import services as planning
from overleg.planning.compliance import year_compliance, year_standings
from overleg.planning.planner import Assignment
from overleg.planning.settings import PlanSettings
from tests import factories
from tests.pdftools import pdf_text
from tests.unit.test_compliance import _mandatory

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
MAIL = MailSettings(base_url="http://x", mail_from="overleg@example.be")


def _held(world, when: datetime, **kwargs):  # type: ignore[no-untyped-def]
    return factories.joint_meeting(
        world.north,
        world.south,
        start_at=when,
        end_at=when + timedelta(hours=2),
        status=MeetingStatus.HELD,
        **kwargs,
    )


def _item(meeting, title: str, *marked, theme=None):  # type: ignore[no-untyped-def]
    ids = tuple(m.id for m in marked)
    return add_agenda_item(
        meeting, AgendaItemData(title=title, theme=theme, municipality_ids=ids or None)
    )


def test_partners_join_with_their_standing_invitees_and_leave_with_their_marks(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    north_person = world.north.standing_invitees[0].contact
    meeting.invitations.append(Invitation(contact=north_person, role=InviteeRole.REQUIRED))
    db.session.commit()

    chosen = joint.set_partners(meeting, [world.south.id], user=world.coordinator)
    assert chosen == [world.south] and meeting.is_joint
    assert meeting.all_municipalities == [world.north, world.south]
    invited = {i.contact_id for i in meeting.invitations}
    assert invited == {north_person.id, world.south.standing_invitees[0].contact_id}

    item = _item(meeting, "Wachtlijst Zuiderdorp", world.south)
    assert item.municipalities == [world.south]
    assert not item.is_for(world.north.id) and item.is_for(world.south.id)
    joint.set_partners(meeting, [], user=world.coordinator)
    assert not meeting.is_joint and item.municipalities == []  # for all again
    db.session.commit()


def test_partners_are_refused_from_another_platform_or_the_host(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    for wrong in (world.elsewhere.id, world.north.id, 10**6):
        with pytest.raises(Refusal) as refused:
            joint.set_partners(meeting, [wrong])
        assert refused.value.field == "partners"
    meeting.status = MeetingStatus.CANCELLED
    with pytest.raises(Refusal):
        joint.set_partners(meeting, [world.south.id])


def test_an_item_is_for_municipalities_of_the_meeting_only(app, world):
    meeting = _held(world, NOW - timedelta(days=3))
    with pytest.raises(Refusal) as refused:
        _item(meeting, "Elders", world.elsewhere)
    assert refused.value.field == "for_municipalities"
    # Marking every municipality is the same as marking none: for all.
    assert _item(meeting, "Voor allen", world.north, world.south).municipalities == []


def test_a_joint_meeting_counts_once_for_each_and_its_topics_for_whom_they_are(app, world):
    themes = _mandatory()
    meeting = _held(world, datetime(2026, 3, 10, 9, tzinfo=UTC))
    _item(meeting, "Voor allen", theme=themes[0])
    _item(meeting, "Alleen Noorderdorp", world.north, theme=themes[1])
    factories.MeetingFactory(
        municipality=world.south,
        start_at=datetime(2026, 5, 5, 9, tzinfo=UTC),
        end_at=datetime(2026, 5, 5, 11, tzinfo=UTC),
        status=MeetingStatus.HELD,
    )
    db.session.commit()
    rows = {
        r.name: r
        for r in year_compliance(
            [world.north, world.south], 2026, now=datetime(2027, 1, 5, tzinfo=UTC)
        )
    }
    assert (rows["Noorderdorp"].held, rows["Zuiderdorp"].held) == (1, 2)
    assert set(rows["Noorderdorp"].topics_covered) == {themes[0].name, themes[1].name}
    assert rows["Zuiderdorp"].topics_covered == (themes[0].name,)
    assert [line.meeting_id for line in rows["Noorderdorp"].meetings] == [meeting.id]


def test_the_planner_counts_a_joint_meeting_for_each(app, world):
    _held(world, datetime(2027, 2, 9, 9, tzinfo=UTC))
    db.session.commit()
    problem = planning.load_problem(
        PlanSettings(year=2027, platform_ids=(world.platform.id,)),
        now=datetime(2027, 1, 2, tzinfo=UTC),
    )
    existing = {r.slug: len(r.existing) for r in problem.municipalities}
    assert existing["noorderdorp"] == existing["zuiderdorp"] == 1


def _with_minutes(world):  # type: ignore[no-untyped-def]
    meeting = _held(world, NOW - timedelta(days=10))
    shared = _item(meeting, "Woonbeleidsvisie samen")
    north = _item(meeting, "Project Noorderdorp", world.north)
    south = _item(meeting, "Project Zuiderdorp", world.south)
    db.session.commit()
    meeting = load_meeting_page(meeting.id)
    minutes = minutes_services.ensure_minutes(meeting)
    for item, text in (
        (shared, "Samen besproken"),
        (north, "Noord besproken"),
        (south, "Zuid besproken"),
    ):
        minutes.notes.append(AgendaItemNote(agenda_item_id=item.id, discussion=text))
    db.session.commit()
    return meeting, minutes


def test_each_municipality_gets_its_own_verslag(app, world):
    meeting, minutes = _with_minutes(world)
    whole = minutes_services.minutes_html(meeting, minutes)
    north = minutes_services.minutes_html(meeting, minutes, world.north)
    south = minutes_services.minutes_html(meeting, minutes, world.south)
    assert all(t in whole for t in ("Samen besproken", "Noord besproken", "Zuid besproken"))
    assert "Samen besproken" in north and "Noord besproken" in north
    assert "Zuid besproken" not in north and "Project Zuiderdorp" not in north
    assert "Zuid besproken" in south and "Noord besproken" not in south
    pdf = pdf_text(minutes_services.minutes_pdf(meeting, minutes, world.south))
    assert "Project Zuiderdorp" in pdf and "Project Noorderdorp" not in pdf


def test_the_verslagen_go_to_the_members_of_each_municipality(app, world):
    meeting, minutes = _with_minutes(world)
    shared = factories.ContactFactory(organisation=world.north.organisations[0])
    meeting.invitations.append(Invitation(contact=shared, role=InviteeRole.OPTIONAL))
    for municipality in (world.north, world.south):
        meeting.invitations.append(
            Invitation(contact=municipality.standing_invitees[0].contact, role=InviteeRole.REQUIRED)
        )
    db.session.commit()
    minutes_services.circulate(minutes, expected_version=minutes.version, user=None, now=NOW)
    minutes_services.distribute(minutes, mail=MAIL, user=None, now=NOW)
    db.session.commit()

    def files(address: str) -> list[str]:
        row = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == address)
        ).one()
        message = email.message_from_bytes(row.raw)
        return sorted(
            p.get_filename() for p in message.walk() if p.get_content_disposition() == "attachment"
        )

    north_member = world.north.standing_invitees[0].contact.email
    south_member = world.south.standing_invitees[0].contact.email
    assert files(north_member) == ["verslag-noorderdorp-" + _day(meeting) + ".pdf"]
    assert files(south_member) == ["verslag-zuiderdorp-" + _day(meeting) + ".pdf"]
    # On no municipality's list (and the agency): every municipality's verslag.
    assert len(files(shared.email)) == 2
    assert len(files(world.platform.agency_email)) == 2


def _day(meeting) -> str:  # type: ignore[no-untyped-def]
    return meeting.start_at.astimezone(UTC).date().isoformat()


def test_a_meeting_of_one_municipality_sends_everyone_its_one_verslag(app, world):
    meeting = factories.HeldMeetingFactory(municipality=world.north)
    meeting.invitations.append(
        Invitation(contact=world.north.standing_invitees[0].contact, role=InviteeRole.REQUIRED)
    )
    db.session.commit()
    assert not meeting.is_joint and meeting.all_municipalities == [world.north]
    targets = minutes_services.recipients(meeting)
    assert targets and all(not r.municipality_ids for r in targets)


def test_the_planner_proposes_a_joint_session_when_asked(app, world):
    settings = PlanSettings(
        year=2027,
        platform_ids=(world.platform.id,),
        together=frozenset({"noorderdorp", "zuiderdorp"}),
    )
    problem = planning.load_problem(settings, now=datetime(2026, 12, 1, tzinfo=UTC))
    requests = {r.slug: r for r in problem.municipalities}
    host, other = requests["noorderdorp"], requests["zuiderdorp"]
    assert (host.count, other.count) == (2, 0)
    assert host.partners == (world.south.id,)
    assert host.name == "Noorderdorp + Zuiderdorp"
    assert host.people == {
        s.contact_id for m in (world.north, world.south) for s in m.standing_invitees
    }

    proposed = planning.propose(settings, now=datetime(2026, 12, 1, tzinfo=UTC))
    assignments = [Assignment(p.slug, p.start) for p in proposed.plan.proposals]
    assert [a.slug for a in assignments] == ["noorderdorp", "noorderdorp"]
    created = planning.confirm(proposed.problem, assignments, user=world.coordinator, now=NOW)
    db.session.commit()
    assert all(m.municipality_id == world.north.id for m in created)
    assert all([p.slug for p in m.partners] == ["zuiderdorp"] for m in created)
    south_people = {s.contact_id for s in world.south.standing_invitees}
    assert all(south_people <= {i.contact_id for i in m.invitations} for m in created)


def test_one_municipality_alone_is_not_a_joint_plan(app, world):
    settings = PlanSettings(
        year=2027, platform_ids=(world.platform.id,), together=frozenset({"noorderdorp"})
    )
    problem = planning.load_problem(settings, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert all(not r.partners and r.count == 2 for r in problem.municipalities)


def test_the_municipality_list_counts_a_joint_meeting_for_its_municipalities_only(app, world):
    from overleg.dashboard.services import municipalities_without_meeting
    from overleg.directory.services import municipality_overview

    third = factories.MunicipalityFactory(platform=world.platform, name="Derdedorp", slug="derde")
    when = NOW + timedelta(days=10)
    factories.joint_meeting(
        world.north, world.south, start_at=when, end_at=when + timedelta(hours=2)
    )
    db.session.commit()
    counts = {
        r.municipality.slug: r.meetings_this_year
        for r in municipality_overview(world.coordinator, NOW)
    }
    assert counts == {"noorderdorp": 1, "zuiderdorp": 1, "derde": 0}
    missing = municipalities_without_meeting(world.coordinator, NOW, NOW + timedelta(days=30))
    assert missing == [third]


def test_each_municipality_gets_its_own_word_verslag(app, world):
    from io import BytesIO

    from docx import Document

    from overleg.minutes.word import minutes_docx

    meeting, minutes = _with_minutes(world)

    def text(municipality=None) -> str:  # type: ignore[no-untyped-def]
        document = Document(BytesIO(minutes_docx(meeting, minutes, municipality=municipality)))
        return "\n".join(p.text for p in document.paragraphs)

    whole, north = text(), text(world.north)
    assert "Noord besproken" in whole and "Zuid besproken" in whole
    assert "Noord besproken" in north and "Samen besproken" in north
    assert "Zuid besproken" not in north and "Project Zuiderdorp" not in north


def test_the_dashboard_standings_count_an_item_only_for_whom_it_is_marked(app, world):
    # Every mandatory topic on one joint agenda, one of them marked for Noorderdorp alone:
    # Zuiderdorp still misses that topic, in the report and in the dashboard's standings.
    themes = _mandatory()
    meeting = _held(world, datetime(2026, 3, 10, 9, tzinfo=UTC))
    for theme in themes[1:]:
        _item(meeting, theme.name, theme=theme)
    _item(meeting, "Alleen Noorderdorp", world.north, theme=themes[0])
    db.session.commit()
    now = datetime(2026, 6, 1, tzinfo=UTC)
    municipalities = [world.north, world.south]
    report = {r.name: r.reasons for r in year_compliance(municipalities, 2026, now=now)}
    flags = {f.name: f.reasons for f in year_standings(municipalities, 2026, now=now)}
    assert flags == report
    assert "topics_missing" in flags["Zuiderdorp"]
    assert "topics_missing" not in flags["Noorderdorp"]
