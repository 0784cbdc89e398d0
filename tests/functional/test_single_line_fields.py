"""A line break in a single-line field is refused on the page, naming the field (issue 11, 3).

The contact form stored a name with a line break when it was posted directly (a browser's input
cannot hold one), and the answer page's substitute form did the same; the name then broke the
invitation's mail header.
"""

from __future__ import annotations

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import Contact, Invitation, OutboxMessage
from tests import factories
from tests.conftest import csrf_token, login, post_form


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_the_contact_form_refuses_a_name_with_a_line_break(client, world):
    organisation = world.north.standing_invitees[0].contact.organisation
    login(client, world.coordinator)
    before = _count(Contact)
    response = post_form(
        client,
        f"/organisations/{organisation.id}/contacts/new",
        {"first_name": "Jan", "last_name": "Peeters\r\nBcc: x@evil.be", "job_title": "a\tb"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Familienaam moet op één regel staan, zonder regeleinde of tab." in html
    assert "Functie moet op één regel staan" in html
    assert 'value="Jan"' in html
    assert _count(Contact) == before


def test_the_substitute_form_refuses_a_name_with_a_line_break(client, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    invitation = factories.InvitationFactory(meeting=meeting, token="t" * 43)
    db.session.commit()
    before = (_count(Invitation), _count(OutboxMessage))
    response = client.post(
        f"/rsvp/{invitation.token}/vervanger",
        data={
            "csrf_token": csrf_token(client, f"/rsvp/{invitation.token}"),
            "s-first_name": "Piet\nBcc: x@evil.be",
            "s-last_name": "Janssens",
            "s-email": "piet@example.be",
        },
    )
    assert response.status_code == 422
    assert "Voornaam van de vervanger moet op één regel staan" in response.get_data(as_text=True)
    assert (_count(Invitation), _count(OutboxMessage)) == before
