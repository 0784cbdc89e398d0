"""The theme catalogue: which meetings discussed what; coordinators maintain it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import AuditEntry, MeetingStatus, Theme
from tests import factories
from tests.conftest import login, post_form


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def _theme(code: str) -> Theme:
    return db.session.scalar(sa.select(Theme).where(Theme.code == code))


def _discuss(municipality, theme, title: str, **kwargs):  # type: ignore[no-untyped-def]
    meeting = factories.MeetingFactory(municipality=municipality, title=title, **kwargs)
    factories.AgendaItemFactory(meeting=meeting, theme_id=theme.id, title=f"Agendapunt {title}")
    return meeting


def test_the_catalogue_flags_mandatory_topics_and_lists_visible_meetings(client, world):
    theme = _theme("woonnood_wachtlijsten")
    past = datetime.now(UTC) - timedelta(days=60)
    _discuss(world.north, theme, "Overleg Noord", start_at=past, end_at=past + timedelta(hours=2))
    _discuss(world.north, theme, "Komend overleg Noord")  # next month
    _discuss(world.south, theme, "Overleg Zuid")
    _discuss(world.north, theme, "Geschrapt overleg", status=MeetingStatus.CANCELLED)
    login(client, world.secretary)
    body = _text(client.get("/themes"))
    assert "Lokale woonnoden en wachtlijsten" in body
    assert body.count("verplicht onderwerp") == 5  # the five topics of the decree
    assert "Overleg Noord" in body
    assert "Komend overleg Noord" in body  # the next planned one
    assert "Overleg Zuid" not in body  # not her municipality
    assert "Geschrapt overleg" not in body
    assert "1 vergadering" in body
    assert "Nieuw thema" not in body  # only coordinators maintain the catalogue


def test_the_theme_page_lists_every_meeting_with_its_agenda_items(client, world):
    theme = _theme("kerncijfers")
    start = datetime(2025, 3, 4, 13, 0, tzinfo=UTC)
    for i in range(3):
        _discuss(
            world.north,
            theme,
            f"Overleg {i}",
            start_at=start + timedelta(days=90 * i),
            end_at=start + timedelta(days=90 * i, hours=2),
        )
    login(client, world.coordinator)
    body = _text(client.get(f"/themes/{theme.id}"))
    assert all(f"Agendapunt Overleg {i}" in body for i in range(3))
    assert body.index("Overleg 2") < body.index("Overleg 0")  # newest first
    assert client.get("/themes/999999").status_code == 404


def test_a_coordinator_creates_edits_and_deactivates_a_theme(client, world):
    login(client, world.coordinator)
    assert client.get("/themes/new").status_code == 200
    created = post_form(
        client,
        "/themes/new",
        {"name": "Betaalbaar wonen", "description": "Prijzen en premies", "sort_order": "55"},
    )
    assert created.status_code == 302
    theme = db.session.scalar(sa.select(Theme).where(Theme.name == "Betaalbaar wonen"))
    assert theme.code == "betaalbaar_wonen"
    assert not theme.active  # an unticked checkbox means "not active"
    edited = post_form(
        client,
        f"/themes/{theme.id}/edit",
        {
            "name": "Betaalbaar wonen",
            "active": "y",
            "is_mandatory": "y",
            "sort_order": "5",
            "version": theme.version,
        },
    )
    assert edited.status_code == 302
    db.session.refresh(theme)
    assert theme.active and theme.is_mandatory and theme.sort_order == 5
    post_form(client, f"/themes/{theme.id}/deactivate")
    db.session.refresh(theme)
    assert not theme.active
    assert "niet aangeboden op nieuwe agenda" in _text(client.get(f"/themes/{theme.id}"))
    post_form(client, f"/themes/{theme.id}/activate")
    db.session.refresh(theme)
    assert theme.active
    actions = list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == "Theme")
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["theme.create", "theme.update", "theme.deactivate", "theme.activate"]


def test_theme_form_errors(client, world):
    login(client, world.coordinator)
    duplicate = post_form(
        client, "/themes/new", {"name": "kerncijfers wonen en premies", "sort_order": "1"}
    )
    assert duplicate.status_code == 422
    assert "Deze naam is al in gebruik." in _text(duplicate)
    bad = post_form(
        client, "/themes/new", {"name": "t" * 201, "description": "d" * 2001, "sort_order": "x"}
    )
    body = _text(bad)
    assert bad.status_code == 422
    assert "Maximaal 200 tekens." in body and "Maximaal 2000 tekens." in body
    assert 'value="x"' in body
    empty = post_form(client, "/themes/new", {"name": "  ", "sort_order": "1"})
    assert "Vul de naam van het thema in." in _text(empty)


def test_only_coordinators_maintain_themes(client, world):
    theme = _theme("kerncijfers")
    login(client, world.secretary)
    assert client.get("/themes/new").status_code == 403
    assert client.get(f"/themes/{theme.id}/edit").status_code == 403
    assert post_form(client, f"/themes/{theme.id}/deactivate").status_code == 403
    db.session.refresh(theme)
    assert theme.active


def test_the_theme_form_sets_the_years_a_theme_is_mandatory(client, world):
    theme = factories.ThemeFactory(platform=world.platform, name="Dakloosheid")
    login(client, world.coordinator)
    fields = {"name": "Dakloosheid", "is_mandatory": "y", "sort_order": "5", "active": "y"}
    refused = post_form(
        client,
        f"/themes/{theme.id}/edit",
        {**fields, "mandatory_from_year": "2026", "mandatory_until_year": "2025", "version": 1},
    )
    assert refused.status_code in (200, 422)
    assert "Het laatste jaar kan niet voor het eerste jaar liggen." in _text(refused)
    db.session.refresh(theme)
    assert theme.mandatory_from_year is None
    saved = post_form(
        client,
        f"/themes/{theme.id}/edit",
        {**fields, "mandatory_from_year": "2026", "mandatory_until_year": "", "version": 1},
    )
    assert saved.status_code == 302
    db.session.refresh(theme)
    assert (theme.mandatory_from_year, theme.mandatory_until_year) == (2026, None)
    assert "verplicht vanaf 2026" in _text(client.get(f"/themes/{theme.id}"))


def test_a_coordinator_gives_a_theme_an_extra_invitee(client, world):
    from overleg.models import ThemeInvitee

    theme = factories.ThemeFactory(platform=world.platform, name="Dakloosheid")
    caw = factories.organisation_serving(world.north, name="CAW Kempen")
    worker = factories.ContactFactory(organisation=caw, first_name="Wout", last_name="Maes")
    login(client, world.coordinator)
    page = _text(client.get(f"/themes/{theme.id}"))
    assert "Extra genodigden bij dit thema" in page and "Wout Maes (CAW Kempen)" in page
    added = post_form(
        client,
        f"/themes/{theme.id}/invitees",
        {"who": f"c:{worker.id}", "municipality": world.north.slug, "role": "optional"},
    )
    assert added.status_code == 302
    row = db.session.scalars(sa.select(ThemeInvitee)).one()
    assert (row.contact_id, row.municipality_id) == (worker.id, world.north.id)
    assert "Noorderdorp" in _text(client.get(f"/themes/{theme.id}"))
    post_form(client, f"/themes/{theme.id}/invitees", {"who": f"o:{caw.id}", "role": "required"})
    assert db.session.scalar(sa.select(sa.func.count(ThemeInvitee.id))) == 2
    post_form(client, f"/themes/{theme.id}/invitees/{row.id}/remove")
    assert db.session.scalar(sa.select(sa.func.count(ThemeInvitee.id))) == 1


def test_the_invitee_list_says_which_theme_brought_someone(client, world):
    from overleg.meetings import services as meeting_services
    from overleg.meetings import theme_invitees

    theme = factories.ThemeFactory(platform=world.platform, name="Dakloosheid")
    coach = factories.ContactFactory(
        organisation=factories.organisation_serving(world.north, name="CAW Kempen")
    )
    theme_invitees.add(world.coordinator, theme, contact=coach)
    meeting = factories.MeetingFactory(municipality=world.north)
    meeting_services.add_agenda_item(meeting, meeting_services.AgendaItemData("Dak", theme=theme))
    db.session.commit()
    login(client, world.coordinator)
    page = _text(client.get(f"/meetings/{meeting.id}/invitees"))
    assert coach.full_name in page and "via het thema Dakloosheid" in page
