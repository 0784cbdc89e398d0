"""The planner page: propose, adjust by hand (re-checked), confirm in one transaction."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.dates import BRUSSELS
from overleg.models import AuditEntry, InviteeRole, Meeting, MeetingStatus
from tests import factories
from tests.conftest import csrf_token, login, post_form

YEAR = datetime.now(BRUSSELS).year + 1


def _rows(html: str) -> list[tuple[str, str, str]]:
    slugs = re.findall(r'name="rows-(\d+)-slug"[^>]*value="([^"]*)"', html)
    days = dict(re.findall(r'name="rows-(\d+)-day"[^>]*value="([^"]*)"', html))
    times = dict(re.findall(r'name="rows-(\d+)-start_time"[^>]*value="([^"]*)"', html))
    return [(slug, days[i], times[i]) for i, slug in slugs]


def _confirm_data(rows, action="confirm", **extra):  # type: ignore[no-untyped-def]
    data = {
        "year": str(YEAR),
        "half": "",
        "max_per_day": "2",
        "avoid_public_holidays": "y",
        "avoid_flemish_holiday": "y",
        "avoid_school_holidays": "y",
        "action": action,
    }
    for i, (slug, day, start) in enumerate(rows):
        data[f"rows-{i}-slug"] = slug
        data[f"rows-{i}-day"] = day
        data[f"rows-{i}-start_time"] = start
    data.update(extra)
    return data


def _query(**overrides: str) -> str:
    args = {
        "year": str(YEAR),
        "half": "",
        "max_per_day": "2",
        "avoid_public_holidays": "y",
        "avoid_flemish_holiday": "y",
        "avoid_school_holidays": "y",
    }
    args.update(overrides)
    return "/planning?" + "&".join(f"{k}={v}" for k, v in args.items())


def test_page_without_period_shows_the_form(client, world):
    login(client, world.coordinator)
    response = client.get("/planning")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{YEAR}"' in html
    assert "Voorstel maken" in html
    assert "Voorstellen" not in html


def test_plan_proposes_every_missing_meeting_and_a_calendar(client, world):
    login(client, world.coordinator)
    response = client.get(_query())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    rows = _rows(html)
    # Two municipalities of the coordinator's platform, two meetings a year each.
    assert sorted(slug for slug, _, _ in rows) == [
        "noorderdorp",
        "noorderdorp",
        "zuiderdorp",
        "zuiderdorp",
    ]
    assert "verweg" not in html  # another platform
    assert "Kalender" in html and "januari" in html
    assert "Voorkeursdag" in html  # the explanation per proposal


def test_invalid_period_input_is_reported_next_to_the_field(client, world):
    login(client, world.coordinator)
    response = client.get(_query(year="twintig", max_per_day="0"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Geef een jaartal" in html
    assert "Kies een aantal van 1 tot 6" in html
    assert 'value="twintig"' in html


def test_no_required_invitees_is_named_and_nothing_planned(client, world):
    db.session.delete(world.south.standing_invitees[0])
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(_query()).get_data(as_text=True)
    assert "Geen plan mogelijk" in html
    assert "Zuiderdorp heeft geen verplichte genodigden" in html
    assert "rows-0-slug" not in html


def test_confirm_creates_all_meetings_in_one_go_with_agenda_and_invitees(client, world):
    login(client, world.coordinator)
    rows = _rows(client.get(_query()).get_data(as_text=True))
    response = post_form(client, "/planning/confirm", _confirm_data(rows))
    assert response.status_code == 302, response.get_data(as_text=True)
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.start_at)).all()
    assert len(meetings) == 4
    assert all(m.status is MeetingStatus.PLANNED for m in meetings)
    assert all(len(m.agenda_items) >= 5 for m in meetings)
    assert all(
        {i.contact_id for i in m.invitations}
        == {s.contact_id for s in m.municipality.standing_invitees}
        for m in meetings
    )
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("meeting.create") == 4 and "planning.apply" in actions
    # Planning again: nothing is missing any more.
    html = client.get(_query()).get_data(as_text=True)
    assert "In deze periode ontbreekt geen enkele vergadering" in html


def test_hand_adjustment_onto_a_holiday_is_refused_and_kept(client, world):
    login(client, world.coordinator)
    rows = _rows(client.get(_query()).get_data(as_text=True))
    slug, _day, start = rows[0]
    rows[0] = (slug, f"{YEAR}-12-25", start)
    response = post_form(client, "/planning/confirm", _confirm_data(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is een vrije dag" in html and "Kerstmis" in html
    assert f'value="{YEAR}-12-25"' in html  # what was typed is kept
    assert "⚠" in html
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_hand_adjustment_that_overlaps_a_shared_person_is_refused(client, world):
    shared = factories.ContactFactory()
    for municipality in (world.north, world.south):
        factories.StandingInviteeFactory(
            municipality=municipality, contact=shared, role=InviteeRole.CHAIR
        )
    login(client, world.coordinator)
    rows = _rows(client.get(_query()).get_data(as_text=True))
    north = next(i for i, r in enumerate(rows) if r[0] == "noorderdorp")
    south = next(i for i, r in enumerate(rows) if r[0] == "zuiderdorp")
    rows[south] = ("zuiderdorp", rows[north][1], rows[north][2])
    response = post_form(client, "/planning/confirm", _confirm_data(rows, action="check"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "zit dan al in een andere vergadering" in html
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_check_without_conflicts_says_so_and_creates_nothing(client, world):
    login(client, world.coordinator)
    rows = _rows(client.get(_query()).get_data(as_text=True))
    response = post_form(client, "/planning/confirm", _confirm_data(rows, action="check"))
    assert response.status_code == 200
    assert "geen enkel voorstel breekt een harde regel" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_garbage_in_a_row_is_a_form_error_not_a_500(client, world):
    login(client, world.coordinator)
    rows = [("noorderdorp", "31-02-xx", "25:99")]
    response = post_form(client, "/planning/confirm", _confirm_data(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Geef een geldige datum." in html and "Geef een geldig uur" in html


def test_unknown_municipality_in_a_row_is_refused(client, world):
    login(client, world.coordinator)
    rows = [("verweg", f"{YEAR}-03-16", "09:00")]  # another platform's municipality
    response = post_form(client, "/planning/confirm", _confirm_data(rows))
    assert response.status_code == 422
    assert "Onbekende gemeente" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 0


def test_secretary_and_reader_may_not_plan(client, world):
    for user in (world.secretary, world.reader):
        client.delete_cookie("session")
        login(client, user)
        assert client.get("/planning").status_code == 403
        token = csrf_token(client)
        assert client.post("/planning/confirm", data={"csrf_token": token}).status_code == 403


def test_existing_meeting_reduces_what_is_missing(client, world):
    start = datetime.combine(date(YEAR, 3, 16), time(9), tzinfo=BRUSSELS)
    factories.MeetingFactory(
        municipality=world.north, start_at=start, end_at=start + timedelta(hours=2)
    )
    login(client, world.coordinator)
    rows = _rows(client.get(_query()).get_data(as_text=True))
    assert [r[0] for r in rows].count("noorderdorp") == 1
    north_day = next(date.fromisoformat(d) for s, d, _ in rows if s == "noorderdorp")
    assert abs((north_day - start.date()).days) >= world.north.min_spacing_days


def test_a_municipality_can_be_left_out_knowingly(client, world):
    db.session.delete(world.south.standing_invitees[0])
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(_query() + "&skip=zuiderdorp").get_data(as_text=True)
    rows = _rows(html)
    assert [r[0] for r in rows] == ["noorderdorp", "noorderdorp"]
    response = post_form(client, "/planning/confirm", {**_confirm_data(rows), "skip": "zuiderdorp"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 2
    # Another platform's municipality is not a choice.
    html = client.get(_query() + "&skip=verweg").get_data(as_text=True)
    assert "rows-0-slug" not in html
    assert "Kies gemeenten uit de lijst." in html


def test_problems_name_the_municipalities_by_their_names(app):
    from overleg.planning.planner import Problem
    from overleg.planning.texts import problem_text

    collision = Problem(
        "collision",
        ("gemeente-a", "gemeente-b"),
        {"name": "Aarschot", "number": 1, "rules": ("overlap",), "people": ("An Peeters",)},
    )
    overloaded = Problem(
        "person_overloaded",
        ("gemeente-a", "gemeente-b"),
        {"person": "An Peeters", "needed": 9, "capacity": 4, "max_per_day": 1},
    )
    names = {"gemeente-a": "Aarschot", "gemeente-b": "Balen"}
    with app.test_request_context():
        texts = [problem_text(collision, names), problem_text(overloaded, names)]
    assert "Betrokken gemeenten: Balen." in texts[0]
    assert "(gemeenten: Aarschot, Balen)" in texts[1]
    assert not any("gemeente-" in text for text in texts)
