"""A NUL or another control character in a path, query or form answers 400, never 500 (issue 11).

PostgreSQL refuses NUL in text (psycopg.DataError) and SQLite would store it: one check before
every request keeps both away from the database. The suite runs on both databases.
"""

from __future__ import annotations

import pytest

from overleg.extensions import db
from overleg.models import AuditEntry, Contact
from tests import factories
from tests.conftest import login, post_form

ANONYMOUS_GETS = ["/calendar/a%00b.ics", "/calendar/a%00b", "/login?next=/%00", "/rsvp/a%00b"]


@pytest.mark.parametrize("path", ANONYMOUS_GETS)
def test_control_characters_in_public_paths_answer_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "stuurteken" in response.get_data(as_text=True)


def test_a_nul_in_the_login_address_answers_400(client, world):
    response = post_form(client, "/login", {"email": "a\x00b@example.be", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    ["/meetings?q=%00", "/organisations?q=a%00", "/meetings?year=20%0026", "/audit?action=%1b"],
)
def test_control_characters_in_query_parameters_answer_400(client, world, path):
    login(client, world.coordinator)
    assert client.get(path).status_code == 400


def test_a_nul_in_a_form_changes_nothing(client, world):
    organisation = factories.OrganisationFactory(platform=world.platform)
    db.session.commit()
    login(client, world.coordinator)
    contacts = db.session.query(Contact).count()
    entries = db.session.query(AuditEntry).count()
    response = post_form(
        client,
        f"/organisations/{organisation.id}/contacts/new",
        {"first_name": "Jan\x00", "last_name": "Peeters", "email": "jan@example.be"},
    )
    assert response.status_code == 400
    assert "stuurteken" in response.get_data(as_text=True)
    assert db.session.query(Contact).count() == contacts
    assert db.session.query(AuditEntry).count() == entries


def test_line_breaks_and_tabs_in_form_values_are_left_to_the_form(client, world):
    """Text areas may hold them; whether a single-line field does is the form's to say."""
    organisation = factories.OrganisationFactory(platform=world.platform)
    db.session.commit()
    login(client, world.coordinator)
    response = post_form(
        client,
        f"/organisations/{organisation.id}/contacts/new",
        {"first_name": "", "last_name": "a\r\nb\tc"},
    )
    assert response.status_code == 422  # the form itself refuses the empty first name
    assert "stuurteken" not in response.get_data(as_text=True)


def test_the_api_answers_json(client, world):
    login(client, world.coordinator)
    response = client.get("/api/v1/meetings?municipality=a%00b")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Bad Request", "status": 400}
