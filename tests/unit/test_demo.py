"""The demo platform: coherent, calendar-aware, idempotent and deterministic."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa

from overleg.auth.services import password_hasher, verify_password
from overleg.dashboard.services import municipalities_without_meeting
from overleg.demo import platform as demo
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.lib.calendar_rules import reasons_to_avoid
from overleg.lib.dates import BRUSSELS, half_year_bounds
from overleg.meetings.services import STANDARD_AGENDA
from overleg.models import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Municipality,
    Organisation,
    Platform,
    Role,
    StandingInvitee,
    Theme,
    User,
)
from overleg.models.types import utcnow
from tests.conftest import post_form
from tests.support import databases

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
HASHER = password_hasher(time_cost=1, memory_cost=1024)


def _load(now: datetime = NOW) -> demo.DemoResult:
    return demo.load_demo_data(now, HASHER)


def _counts() -> dict[str, int]:
    models = (Platform, Municipality, Organisation, Contact, StandingInvitee, Meeting)
    counts = {
        m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models
    }
    for model in (AgendaItem, Invitation, User):
        counts[model.__name__] = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    return counts


def test_directory_of_the_demo_platform(app):
    result = _load()
    assert result.created
    platform = db.session.get(Platform, result.platform_id)
    assert platform.name == "Kempens Woonplatform (demo)"
    names = [m.name for m in platform.municipalities]
    # The 23 of the Kempen, and Ham and Tessenderlo that merged into Tessenderlo-Ham (2025).
    assert len(names) == 23 + 3
    assert {"Ham", "Tessenderlo", "Tessenderlo-Ham"} <= set(names)
    assert {"Geel", "Mol", "Turnhout", "Herentals", "Oud-Turnhout"} <= set(names)

    contacts = list(db.session.scalars(sa.select(Contact)))
    assert 130 <= len(contacts) <= 170
    with_email = [c.email for c in contacts if c.email]
    assert all(e.endswith(".example.be") for e in with_email)
    assert len(set(with_email)) == len(with_email)
    assert 1 <= len(contacts) - len(with_email) <= 10

    orgs = list(db.session.scalars(sa.select(Organisation)))
    companies = [o for o in orgs if o.type.code == "woonmaatschappij"]
    assert len(companies) >= 3
    assert all(len(o.municipalities) >= 3 for o in companies)
    for code in ("caw", "wonen_in_vlaanderen", "igs"):
        assert any(o.type.code == code for o in orgs), code
    for m in platform.municipalities:
        types = {o.type.code for o in m.organisations}
        assert {"gemeente", "ocmw", "woonmaatschappij", "igs"} <= types, m.name
        roles = [s.role for s in m.standing_invitees]
        assert roles.count(InviteeRole.CHAIR) == 1
        assert roles.count(InviteeRole.SECRETARY) == 1
        required_types = {
            s.contact.organisation.type.code
            for s in m.standing_invitees
            if s.role is InviteeRole.REQUIRED
        }
        assert {"igs", "woonmaatschappij"} <= required_types, m.name


def test_demo_accounts(app):
    _load()
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    coordinator = users[demo.COORDINATOR_EMAIL]
    secretary = users[demo.SECRETARY_EMAIL]
    reader = users[demo.READER_EMAIL]
    assert coordinator.role is Role.COORDINATOR
    assert secretary.role is Role.SECRETARY
    assert reader.role is Role.READER
    assert sorted(m.name for m in secretary.municipalities) == ["Geel", "Laakdal", "Meerhout"]
    assert coordinator.password_hash.startswith("$argon2id$")
    for user in (coordinator, secretary, reader):
        assert verify_password(user, "demo", HASHER)
        assert not verify_password(user, "Demo", HASHER)


def test_demo_coordinator_can_log_in(app, client):
    _load(utcnow())
    response = post_form(
        client, "/login", {"email": demo.COORDINATOR_EMAIL, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Lokaal woonoverleg" in page


def test_meetings_follow_the_calendar_and_the_status_rules(app):
    _load()
    everything = list(db.session.scalars(sa.select(Meeting).order_by(Meeting.start_at)))
    # The former municipalities' history goes back two years before their merger (below).
    meetings = [m for m in everything if m.municipality.merged_into_id is None]
    assert 100 <= len(meetings) <= 160
    assert meetings[0].start_at >= NOW - demo.HISTORY
    assert (
        meetings[-1].start_at < demo.planning_horizon(NOW) == datetime(2026, 12, 31, 23, tzinfo=UTC)
    )
    statuses = defaultdict(int)
    for meeting in meetings:
        local_start = meeting.start_at.astimezone(BRUSSELS)
        m = meeting.municipality
        assert not reasons_to_avoid(local_start.date()), (meeting.title, local_start)
        assert local_start.isoweekday() in m.preferred_weekday_list
        assert m.window_start <= local_start.time()
        assert meeting.end_at.astimezone(BRUSSELS).time() <= m.window_end
        statuses[meeting.status] += 1
        if meeting.status is MeetingStatus.HELD:
            assert meeting.end_at <= NOW
            assert all(i.attendance is not None for i in meeting.invitations)
            assert any(i.attendance is Attendance.PRESENT for i in meeting.invitations)
            assert meeting.invitations_sent_at is not None
        elif meeting.status in (MeetingStatus.PLANNED, MeetingStatus.INVITED):
            assert meeting.start_at > NOW
            assert all(i.attendance is None for i in meeting.invitations)
        if meeting.status is MeetingStatus.PLANNED:
            assert all(i.sent_at is None and i.token is None for i in meeting.invitations)
    assert statuses[MeetingStatus.HELD] >= 60
    assert statuses[MeetingStatus.PLANNED] + statuses[MeetingStatus.INVITED] >= 23
    assert statuses[MeetingStatus.CANCELLED] >= 1

    # The minutes feature wrote minutes for every held meeting.
    minutes = {m.meeting_id: m for m in db.session.scalars(sa.select(Minutes))}
    held = {m.id for m in everything if m.status is MeetingStatus.HELD}
    assert set(minutes) == held
    assert {m.status for m in minutes.values()} == {
        MinutesStatus.APPROVED,
        MinutesStatus.CIRCULATED,
    }

    # Every municipality has its next meetings planned: in the rest of this half-year and the next.
    second_half = datetime(2026, 6, 30, 22, tzinfo=UTC)
    assert len({m.municipality.name for m in meetings if m.start_at > second_half}) == 23 + 1
    assert len({m.municipality.name for m in meetings if NOW < m.start_at < second_half}) >= 15


def test_no_overlap_for_shared_required_invitees(app):
    _load()
    busy: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(Invitation.contact_id, Meeting.start_at, Meeting.end_at, Meeting.id)
        .join(Meeting)
        .where(Invitation.role != InviteeRole.OPTIONAL, Meeting.status != MeetingStatus.CANCELLED)
    )
    for contact_id, start, end, meeting_id in rows:
        busy[contact_id].append((start, end, meeting_id))
    shared = [c for c, slots in busy.items() if len({s[2] for s in slots}) > 5]
    assert shared, "the coordinator and housing company staff are required at many meetings"
    for contact_id in shared:
        slots = sorted(busy[contact_id])
        for (_s1, end1, _m1), (start2, _e2, _m2) in pairwise(slots):
            assert end1 + timedelta(minutes=30) <= start2, contact_id


def test_agendas_cover_the_mandatory_topics(app):
    _load()
    mandatory = set(db.session.scalars(sa.select(Theme.id).where(Theme.is_mandatory)))
    assert len(mandatory) == 5
    # The demo's agendas are the standard agenda of a new meeting, with themes in "Thema's".
    standard = [(kind, title) for kind, title, _minutes in STANDARD_AGENDA]
    standard_fixed = [(kind, title) for kind, title in standard if kind is not AgendaItemKind.THEME]
    covered: dict[tuple[int, int], set[int]] = defaultdict(set)
    for meeting in db.session.scalars(sa.select(Meeting)):
        items = meeting.agenda_items
        fixed = [(i.kind, i.title) for i in items if i.kind is not AgendaItemKind.THEME]
        assert fixed == standard_fixed
        kinds = [item.kind for item in meeting.agenda_items]
        assert kinds[0] is AgendaItemKind.WELCOME
        assert kinds[1] is AgendaItemKind.APPROVAL
        assert kinds[2] is AgendaItemKind.FOLLOW_UP
        assert kinds[-2:] == [AgendaItemKind.VARIA, AgendaItemKind.NEXT_MEETING]
        assert [i.position for i in meeting.agenda_items] == list(range(len(meeting.agenda_items)))
        themed = [i for i in meeting.agenda_items if i.kind is AgendaItemKind.THEME]
        assert themed and all(i.theme_id is not None for i in themed)
        year = meeting.start_at.astimezone(BRUSSELS).year
        covered[(meeting.municipality_id, year)] |= {i.theme_id for i in themed}
    complete = [key for key, themes in covered.items() if mandatory <= themes]
    incomplete = [key for key, themes in covered.items() if not mandatory <= themes]
    assert len(complete) >= 60
    assert len(incomplete) >= 1  # a gap for the compliance view to show


def test_planning_horizon_is_the_end_of_the_next_half_year():
    assert demo.planning_horizon(datetime(2026, 11, 23, 1, tzinfo=UTC)) == datetime(
        2027, 6, 30, 22, tzinfo=UTC
    )
    assert demo.planning_horizon(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == datetime(
        2026, 12, 31, 23, tzinfo=UTC
    )


def test_running_twice_changes_nothing(app):
    first = _load()
    before = _counts()
    second = _load(NOW + timedelta(days=40))
    assert not second.created
    assert second.platform_id == first.platform_id
    assert _counts() == before


def test_cli_loads_once_and_respects_if_empty(app, runner, world):
    # A platform exists already (the test world): --if-empty leaves everything alone.
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert demo.demo_platform() is None

    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "26 gemeenten" in result.output
    assert demo.demo_platform() is not None
    before = _counts()

    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "staan er al" in result.output
    assert _counts() == before


def _fingerprint() -> list[tuple]:
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.start_at, Meeting.id))
    return [
        (
            m.municipality.name,
            m.start_at,
            m.status,
            m.ical_uid,
            tuple(i.title for i in m.agenda_items),
            tuple(
                sorted((i.contact.email, i.contact.full_name, i.rsvp_status) for i in m.invitations)
            ),
        )
        for m in meetings
    ]


def test_the_same_now_gives_the_same_data(app):
    _load()
    first = _fingerprint()
    databases.clean(db)
    databases.prepare_schema(db)
    ensure_reference_data()
    _load()
    assert _fingerprint() == first


def test_now_must_be_timezone_aware(app):
    with pytest.raises(ValueError, match="timezone-aware"):
        demo.load_demo_data(datetime(2026, 3, 10, 9, 30), HASHER)  # noqa: DTZ001


def test_one_municipality_lost_its_meeting_this_half_year(app):
    _load()
    coordinator = db.session.scalar(sa.select(User).where(User.email == demo.COORDINATOR_EMAIL))
    start, end = half_year_bounds(NOW.astimezone(BRUSSELS).date())
    missing = municipalities_without_meeting(coordinator, start, end)
    assert len(missing) == 1
    meetings = db.session.scalars(
        sa.select(Meeting).where(
            Meeting.municipality_id == missing[0].id,
            Meeting.start_at >= start,
            Meeting.start_at < end,
        )
    ).all()
    assert [m.status for m in meetings] == [MeetingStatus.CANCELLED]
    assert meetings[0].cancel_reason


@pytest.mark.parametrize("email", [demo.COORDINATOR_EMAIL, demo.SECRETARY_EMAIL])
def test_main_pages_show_the_demo_platform(app, client, email):
    _load(utcnow())
    geel = db.session.scalar(sa.select(Municipality).where(Municipality.name == "Geel"))
    held = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.municipality_id == geel.id, Meeting.status == MeetingStatus.HELD)
        .order_by(Meeting.start_at.desc())
    ).first()
    response = post_form(client, "/login", {"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    expectations = {
        "/": "Lokaal woonoverleg",
        "/municipalities": "Laakdal",
        f"/municipalities/{geel.slug}": "Woonmaatschappij Netevallei",
        "/organisations": "Woonmaatschappij",
        "/meetings": "Lokaal woonoverleg",
        f"/meetings/{held.id}": "Goedkeuring verslag vorige vergadering",
        "/themes": "Lokale toewijzingsreglementen",
    }
    for path, text in expectations.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.get_data(as_text=True), path


def test_the_demo_shows_a_confidential_item_and_a_theme_with_an_extra_invitee(app):
    """Issue 16: Geel's latest held meeting had a confidential item that its verslag only
    mentions; the homelessness theme brings the CAW's coach to a planned meeting."""
    from overleg.demo import practice
    from overleg.meetings import theme_invitees
    from overleg.minutes import services as minutes_services
    from overleg.models import ConfidentialNote, ThemeInvitation, ThemeInvitee

    _load()
    item = db.session.scalars(sa.select(AgendaItem).where(AgendaItem.confidential)).one()
    assert item.meeting.municipality.name == practice.CONFIDENTIAL_IN
    assert item.meeting.status is MeetingStatus.HELD
    note = db.session.scalars(sa.select(ConfidentialNote)).one()
    assert note.discussion == practice.CONFIDENTIAL_DISCUSSION
    minutes = minutes_services.get_minutes(item.meeting)
    assert minutes is not None
    html = minutes_services.minutes_html(item.meeting, minutes)
    assert "Dit punt werd vertrouwelijk besproken" in html
    assert practice.CONFIDENTIAL_TITLE not in html and "afbetalingsplan" not in html
    row = db.session.scalars(sa.select(ThemeInvitee)).one()
    assert row.theme.code == practice.THEME_WITH_INVITEE and row.contact is not None
    brought = db.session.scalars(sa.select(ThemeInvitation)).one()
    meeting = db.session.get(Meeting, db.session.get(Invitation, brought.invitation_id).meeting_id)
    assert meeting.status is MeetingStatus.PLANNED
    assert theme_invitees.brought(meeting) == {brought.invitation_id: row.theme_id}


def test_the_demo_holds_a_joint_meeting_that_counts_for_both(app):
    from overleg.planning.compliance import year_compliance

    _load()
    joint = db.session.scalars(sa.select(Meeting).where(Meeting.partners.any())).one()
    assert [m.name for m in joint.all_municipalities] == ["Meerhout", "Balen"]
    marked = {i.title: [m.name for m in i.municipalities] for i in joint.agenda_items}
    assert marked["Sociale huurwoningen Meerhout-Centrum"] == ["Meerhout"]
    assert marked["Leegstand in de dorpskern van Balen"] == ["Balen"]
    year = joint.start_at.astimezone(BRUSSELS).year
    rows = year_compliance(list(joint.all_municipalities), year, now=NOW)
    assert all(joint.id in [line.meeting_id for line in row.meetings] for row in rows)


def test_the_demo_joint_meeting_has_two_verslagen_without_its_confidential_item(app):
    """Issue 16's "done when": two verslagen, each with its own items and those for both, and
    the confidential item out of both (named only as discussed confidentially)."""
    from overleg.demo import joint as demo_joint
    from overleg.demo import practice
    from overleg.minutes import services as minutes_services

    _load()
    joint = db.session.scalars(sa.select(Meeting).where(Meeting.partners.any())).one()
    assert [i.title for i in joint.agenda_items if i.confidential] == [practice.CONFIDENTIAL_TITLE]
    minutes = minutes_services.get_minutes(joint)
    assert minutes is not None
    meerhout, balen = joint.all_municipalities
    own = {owner: title for owner, _code, title, _said in demo_joint.ITEMS}
    for municipality, other in ((meerhout, balen), (balen, meerhout)):
        html = minutes_services.minutes_html(joint, minutes, municipality)
        assert own[municipality.name] in html and own[other.name] not in html
        assert "Dit punt werd vertrouwelijk besproken" in html
        assert practice.CONFIDENTIAL_TITLE not in html and "afbetalingsplan" not in html


def test_the_demo_holds_a_merged_municipality_with_its_history(app):
    _load()
    merged = db.session.scalar(
        sa.select(Municipality).where(Municipality.name == "Tessenderlo-Ham")
    )
    former = db.session.scalars(
        sa.select(Municipality).where(Municipality.merged_into_id == merged.id)
    ).all()
    assert sorted(m.name for m in former) == ["Ham", "Tessenderlo"]
    history = db.session.scalars(
        sa.select(Meeting).where(Meeting.municipality_id.in_([m.id for m in former]))
    ).all()
    assert len(history) >= 4
    assert all(m.start_at < datetime(2024, 12, 31, 23, tzinfo=UTC) for m in history)
    assert all(m.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED) for m in history)
