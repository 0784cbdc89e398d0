"""The audit page: coordinators read their platform's trail, newest first, filtered."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from overleg.audit import services as audit
from overleg.audit.queries import action_label
from overleg.extensions import db
from overleg.models import AuditEntry
from tests.conftest import login, post_form


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def _entry(user, action: str, municipality, summary: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    entry = audit.record(
        user,
        action,
        municipality,
        municipality_id=municipality.id if municipality is not None else None,
        summary=summary,
    )
    entry.at = at
    db.session.commit()


START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_action_labels_are_readable_dutch():
    assert action_label("meeting.update") == "Vergadering gewijzigd"
    assert action_label("standing_invitee.delete") == "Vaste uitnodigingslijst verwijderd"
    assert action_label("gizmo.frobnicate") == "gizmo frobnicate"  # unknown: shown as is


def test_the_coordinator_sees_the_platform_trail_newest_first(client, world):
    _entry(world.secretary, "municipality.update", world.north, "Oudste wijziging", START)
    _entry(
        world.coordinator,
        "meeting.cancel",
        world.south,
        "Nieuwste wijziging",
        START + timedelta(days=1),
    )
    _entry(world.coordinator, "theme.create", None, "Thema zonder gemeente", START)
    _entry(world.outsider, "municipality.update", world.elsewhere, "Ander platform", START)
    login(client, world.coordinator)
    body = _text(client.get("/audit"))
    assert body.index("Nieuwste wijziging") < body.index("Oudste wijziging")
    assert "Vergadering geannuleerd" in body and "Gemeente gewijzigd" in body
    assert "Thema zonder gemeente" in body
    assert "Ander platform" not in body
    assert world.secretary.name in body


def test_filters_by_municipality_user_and_action(client, world):
    _entry(world.secretary, "municipality.update", world.north, "Noord door secretaris", START)
    _entry(world.coordinator, "meeting.update", world.south, "Zuid door coördinator", START)
    _entry(world.coordinator, "meeting.cancel", world.north, "Noord geannuleerd", START)
    login(client, world.coordinator)

    north = _text(client.get("/audit?municipality=noorderdorp"))
    assert "Noord door secretaris" in north and "Noord geannuleerd" in north
    assert "Zuid door coördinator" not in north

    by_user = _text(client.get(f"/audit?user={world.secretary.id}"))
    assert "Noord door secretaris" in by_user and "Noord geannuleerd" not in by_user

    meetings = _text(client.get("/audit?action=meeting"))
    assert "Zuid door coördinator" in meetings and "Noord geannuleerd" in meetings
    assert "Noord door secretaris" not in meetings

    exact = _text(client.get("/audit?action=meeting.cancel"))
    assert "Noord geannuleerd" in exact and "Zuid door coördinator" not in exact


def test_unknown_filter_values_are_reported_not_errors(client, world):
    _entry(world.secretary, "municipality.update", world.north, "Een wijziging", START)
    login(client, world.coordinator)
    response = client.get("/audit?municipality=verweg&user=abc&action=x.y&page=-3")
    assert response.status_code == 200
    body = _text(response)
    assert "Een wijziging" in body  # invalid filters are ignored
    assert 'aria-invalid="true"' in body


def test_the_trail_pages(client, world):
    for i in range(60):
        _entry(
            world.coordinator,
            "meeting.update",
            world.north,
            f"Wijziging {i:02d}",
            START + timedelta(minutes=i),
        )
    login(client, world.coordinator)
    first = _text(client.get("/audit"))
    assert "Wijziging 59" in first and "Wijziging 09" not in first
    assert "Pagina 1 van 2" in first
    second = _text(client.get("/audit?page=2"))
    assert "Wijziging 09" in second and "Wijziging 59" not in second


def test_changes_made_through_the_pages_show_up(client, world):
    login(client, world.coordinator)
    post_form(client, "/themes/new", {"name": "Nieuw thema voor audit", "sort_order": "1"})
    body = _text(client.get("/audit"))
    assert "Thema aangemaakt" in body and "Nieuw thema voor audit" in body


def test_only_coordinators_read_the_audit(client, world):
    login(client, world.secretary)
    assert client.get("/audit").status_code == 403
    client.delete_cookie("session")
    login(client, world.reader)
    assert client.get("/audit").status_code == 403
    assert db.session.query(AuditEntry).count() == 0


def test_the_navigation_links_the_audit_only_for_coordinators(client, world):
    login(client, world.coordinator)
    assert 'href="/audit"' in _text(client.get("/"))
    client.delete_cookie("session")
    login(client, world.secretary)
    body = _text(client.get("/"))
    assert 'href="/audit"' not in body
    assert 'href="/municipalities"' in body  # what she may open stays in the navigation


def test_entries_link_to_their_object_and_show_changes_in_dutch(client, world):
    login(client, world.coordinator)
    org = world.north.organisations[0]
    entry = world.north.standing_invitees[0]
    post_form(
        client,
        f"/municipalities/noorderdorp/invitees/{entry.id}/role",
        {"role": "chair", "version": entry.version},
    )
    post_form(client, f"/organisations/{org.id}/archive")
    body = _text(client.get("/audit"))
    assert f'href="/organisations/{org.id}"' in body
    assert "Organisatie gearchiveerd" in body
    assert "<del>Verplicht uitgenodigd</del> → <ins>Voorzitter</ins>" in body


def test_the_trail_reads_as_sentences_in_dutch_and_english(client, world):
    _entry(world.coordinator, "poll.start", world.north, "Bevraging voor noord", START)
    entry = audit.record(
        None,
        "invitation.answer",
        world.north,
        municipality_id=world.north.id,
        summary="Overleg noord",
        details={"old": "needs-action", "new": "tentative"},
        actor_label="An Peeters (persoonlijke link)",
    )
    entry.at = START
    _entry(world.coordinator, "meeting.send_reminders", world.north, "Herinneringen", START)
    db.session.commit()
    login(client, world.coordinator)
    body = _text(client.get("/audit"))
    name = world.coordinator.name
    assert f"{name} vroeg de genodigden naar hun beschikbaarheid" in body
    assert "An Peeters (persoonlijke link) antwoordde misschien te komen" in body
    assert f"{name} stuurde een herinnering aan wie nog niet antwoordde" in body
    shown = re.sub(r'value="[^"]*"', "", body)  # the filter's option values are codes
    for code in ("poll start", "poll.start", "tentative", "send_reminders", "send reminders"):
        assert code not in shown
    post_form(client, "/taal", {"language": "en", "next": "/audit"})
    body = _text(client.get("/audit"))
    assert f"{name} asked the invitees when they are available" in body
    assert "answered that they might come" in body
