"""The coordinators' accounts page (/users): the list, inviting, role and municipalities,
deactivating and reactivating, the invitation sent again; in Dutch and in English.

The lost-update table (test_lost_updates.py) and the access matrix (test_access_matrix.py) cover
the edit form's conflict page and who may reach which route; the services are tested without
HTTP in tests/unit/test_user_admin.py.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from overleg.auth import accounts
from overleg.extensions import db
from overleg.mail import outbox
from overleg.models import OutboxMessage, Role, User
from tests import factories
from tests.conftest import World, build_world, login, post_form
from tests.functional.test_english import english_app  # noqa: F401 (a fixture)
from tests.support.html_forms import form_on
from tests.unit.test_user_admin import _last_audit, _reread

LINK_RE = re.compile(r"https?://\S+/password/\S+")


def _user(email_address: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email_address))


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _invite_data(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Sara Peeters",
        "email": "sara.peeters@example.be",
        "role": "secretary",
        "municipalities": [str(world.south.id)],
    }
    data.update(changes)
    return data


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_role_municipalities_last_login_and_status(client, world: World):
    world.secretary.last_login_at = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    factories.UserFactory(platform=world.platform, name="Nog Niet Aanvaard", password_hash=None)
    factories.UserFactory(platform=world.platform, name="Al Vertrokken", active=False)
    db.session.commit()
    login(client, world.coordinator)

    page = client.get("/users")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert world.secretary.email in html and world.reader.email in html
    assert world.outsider.email not in html  # another platform
    assert "Secretaris" in html and "Lezer" in html and "Coördinator" in html
    assert "Noorderdorp" in html and "alle gemeenten" in html
    assert "1 apr 2026 01:30" in html  # Brussels time (23:30 UTC on 31 March)
    assert "nog nooit" in html
    assert "uitnodiging nog niet aanvaard" in html and "gedeactiveerd" in html
    assert 'href="/users"' in html  # in the navigation


def test_the_navigation_offers_the_page_to_coordinators_only(client, world: World):
    login(client, world.secretary)
    assert 'href="/users"' not in client.get("/").get_data(as_text=True)
    assert client.get("/users").status_code == 403


# --- inviting --------------------------------------------------------------------------------


def test_an_invited_user_gets_a_mail_with_a_link_to_set_a_password(
    app: Flask, client, world: World, smtp
):
    login(client, world.coordinator)
    page = client.get("/users/invite")
    assert page.status_code == 200

    response = post_form(client, "/users/invite", _invite_data(world))

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/users")
    invited = _user("sara.peeters@example.be")
    assert invited is not None
    assert (invited.name, invited.role, invited.password_hash, invited.active) == (
        "Sara Peeters",
        Role.SECRETARY,
        None,
        True,
    )
    assert [m.slug for m in invited.municipalities] == ["zuiderdorp"]
    assert invited.platform_id == world.platform.id
    entry = _last_audit("user.create")
    assert (entry.user_id, entry.object_id) == (world.coordinator.id, invited.id)
    listed = client.get("/users").get_data(as_text=True)
    assert "Sara Peeters" in listed and "uitnodiging nog niet aanvaard" in listed
    # the mail, through a real SMTP server
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp.port, timeout=5.0, mail_from="bounce@example.be"
    )
    assert len(outbox.deliver_due(settings).sent) == 1
    (received,) = smtp.messages
    assert received.rcpt_tos == ["sara.peeters@example.be"]
    parsed = email.message_from_bytes(received.content, policy=email.policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    link = LINK_RE.search(body.get_content())
    assert link, body.get_content()
    # the link is a working one-time link to set the invited user's password
    state, found = accounts.find_link(link.group(0).rsplit("/", 1)[1])
    assert state is accounts.LinkState.VALID
    assert found is not None and found.user_id == invited.id
    # ... and it opens the page where the invited user chooses one
    client.delete_cookie("session")
    chooser = client.get("/password/" + link.group(0).rsplit("/", 1)[1])
    assert chooser.status_code == 200
    assert "Kies je wachtwoord" in chooser.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Vul de naam in."),
        ({"email": "geen-adres"}, "Dit is geen geldig e-mailadres."),
        ({"email": "secretaris@example.be"}, "Er bestaat al een account met dit e-mailadres."),
        ({"email": "SECRETARIS@example.be"}, "Er bestaat al een account met dit e-mailadres."),
        (
            {"municipalities": []},
            "Kies minstens één gemeente voor een secretaris of een lezer.",
        ),
        ({"municipalities": ["abc"]}, "Kies alleen gemeenten uit de lijst."),
        ({"role": "admin"}, "Maak een geldige keuze."),
        ({"name": "Sara\nBcc: x@evil.be"}, "moet op één regel staan"),
        ({"name": "x" * 201}, "Maximaal 200 tekens."),
    ],
)
def test_bad_input_on_the_invitation_is_refused_and_kept(
    client, world: World, changes: dict[str, object], message: str
):
    login(client, world.coordinator)
    data = _invite_data(world, **changes)

    response = post_form(client, "/users/invite", data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert message in html
    form = form_on(html, "/users/invite", "/users/invite")
    for name in ("name", "email"):
        if "\n" not in str(data[name]):
            assert form.value(name) == data[name]  # what was typed is kept
    assert _outbox() == []
    assert _user("sara.peeters@example.be") is None


def test_every_error_of_the_invitation_comes_at_once(client, world: World):
    login(client, world.coordinator)
    data = _invite_data(world, email="geen-adres", municipalities=[])
    html = post_form(client, "/users/invite", data).get_data(as_text=True)
    assert "Dit is geen geldig e-mailadres." in html
    assert "Kies minstens één gemeente voor een secretaris of een lezer." in html


def test_a_municipality_of_another_platform_cannot_be_given(client, world: World):
    login(client, world.coordinator)
    data = _invite_data(world, municipalities=[str(world.elsewhere.id)])
    response = post_form(client, "/users/invite", data)
    assert response.status_code == 422
    assert "Kies alleen gemeenten uit de lijst." in response.get_data(as_text=True)
    assert _user("sara.peeters@example.be") is None


def test_a_coordinator_is_invited_without_municipalities(client, world: World):
    login(client, world.coordinator)
    data = _invite_data(world, role="coordinator", municipalities=[str(world.north.id)])
    assert post_form(client, "/users/invite", data).status_code == 302
    invited = _user("sara.peeters@example.be")
    assert invited is not None
    assert (invited.role, invited.municipalities) == (Role.COORDINATOR, [])


def test_the_invitation_needs_its_csrf_token(client, world: World):
    login(client, world.coordinator)
    response = client.post("/users/invite", data=_invite_data(world))
    assert response.status_code == 400
    assert _user("sara.peeters@example.be") is None


# --- sending the invitation again ------------------------------------------------------------


def test_the_invitation_is_sent_again_while_no_password_is_set(client, world: World):
    invited = factories.UserFactory(
        platform=world.platform, role=Role.READER, municipalities=[world.north], password_hash=None
    )
    login(client, world.coordinator)
    page = client.get(f"/users/{invited.id}/edit").get_data(as_text=True)
    assert "Uitnodiging opnieuw sturen" in page

    response = post_form(client, f"/users/{invited.id}/resend", follow_redirects=True)

    assert "Nieuwe uitnodiging" in response.get_data(as_text=True)
    (mail,) = _outbox()
    assert mail.to_address == invited.email
    assert _last_audit("user.reinvite").object_id == invited.id


def test_no_invitation_for_a_user_who_has_a_password(client, world: World):
    login(client, world.coordinator)
    page = client.get(f"/users/{world.secretary.id}/edit").get_data(as_text=True)
    assert "Uitnodiging opnieuw sturen" not in page

    response = post_form(client, f"/users/{world.secretary.id}/resend", follow_redirects=True)

    assert "heeft al een wachtwoord" in response.get_data(as_text=True)
    assert _outbox() == []


# --- role and municipalities -----------------------------------------------------------------


def _save_assignment(client, user: User, role: str, municipalities: list[str]):  # type: ignore[no-untyped-def]
    """Open the user's page as the logged-in coordinator, choose and save; the answer."""
    path = f"/users/{user.id}/edit"
    form = form_on(client.get(path).get_data(as_text=True), path, path)
    return client.post(path, data={**form.data(), "role": role, "municipalities": municipalities})


def test_role_and_municipalities_are_changed(client, world: World):
    login(client, world.coordinator)
    path = f"/users/{world.reader.id}/edit"
    form = form_on(client.get(path).get_data(as_text=True), path, path)
    assert form.value("role") == "reader"
    assert form.values["municipalities"] == [str(world.north.id)]

    response = _save_assignment(client, world.reader, "secretary", [str(world.south.id)])

    assert response.status_code == 302
    reader = _reread(world.reader)
    assert reader.role is Role.SECRETARY
    assert [m.slug for m in reader.municipalities] == ["zuiderdorp"]
    assert _last_audit("user.update").details["changes"]["role"] == ["reader", "secretary"]


def test_a_secretary_without_municipalities_is_refused_and_kept(client, world: World):
    login(client, world.coordinator)

    response = _save_assignment(client, world.secretary, "reader", [])

    html = response.get_data(as_text=True)
    path = f"/users/{world.secretary.id}/edit"
    assert response.status_code == 422
    assert "Kies minstens één gemeente voor een secretaris of een lezer." in html
    assert form_on(html, path, path).value("role") == "reader"  # what was chosen is kept
    secretary = _reread(world.secretary)
    assert (secretary.role, [m.slug for m in secretary.municipalities]) == (
        Role.SECRETARY,
        ["noorderdorp"],
    )


def test_the_last_coordinator_cannot_demote_themselves(client, world: World):
    login(client, world.coordinator)

    response = _save_assignment(client, world.coordinator, "secretary", [str(world.north.id)])

    assert response.status_code == 422
    assert "laatste actieve coördinator" in response.get_data(as_text=True)
    assert _reread(world.coordinator).role is Role.COORDINATOR


def test_a_coordinator_who_steps_down_lands_on_the_start_page(client, world: World):
    factories.UserFactory(platform=world.platform, role=Role.COORDINATOR)
    db.session.commit()
    login(client, world.coordinator)

    response = _save_assignment(client, world.coordinator, "secretary", [str(world.north.id)])

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/users").status_code == 403


# --- deactivating and reactivating -----------------------------------------------------------


def test_deactivation_asks_first_then_ends_every_session(app: Flask, client, world: World):
    their_browser = app.test_client()
    login(their_browser, world.secretary)
    assert their_browser.get("/meetings").status_code == 200
    login(client, world.coordinator)

    confirm = client.get(f"/users/{world.secretary.id}/deactivate")
    assert confirm.status_code == 200
    assert "Ja, deactiveren" in confirm.get_data(as_text=True)
    assert _reread(world.secretary).active  # asking changes nothing

    response = post_form(client, f"/users/{world.secretary.id}/deactivate")

    assert response.status_code == 302
    assert not _reread(world.secretary).active
    assert _last_audit("user.deactivate").user_id == world.coordinator.id
    # the secretary's old cookie is refused on the very next request
    refused = their_browser.get("/meetings")
    assert refused.status_code == 302
    assert "/login" in refused.headers["Location"]
    listed = client.get("/users").get_data(as_text=True)
    assert "gedeactiveerd" in listed


def test_deactivation_needs_its_csrf_token(client, world: World):
    login(client, world.coordinator)
    response = client.post(f"/users/{world.secretary.id}/deactivate")
    assert response.status_code == 400
    assert _reread(world.secretary).active


def test_the_last_coordinator_cannot_be_deactivated(client, world: World):
    login(client, world.coordinator)
    response = post_form(client, f"/users/{world.coordinator.id}/deactivate")
    assert response.status_code == 422
    assert "laatste actieve coördinator" in response.get_data(as_text=True)
    assert _reread(world.coordinator).active


def test_a_deactivated_user_is_reactivated(client, world: World):
    world.secretary.active = False
    db.session.commit()
    login(client, world.coordinator)

    response = post_form(client, f"/users/{world.secretary.id}/reactivate")

    assert response.status_code == 302
    assert _reread(world.secretary).active
    assert _last_audit("user.reactivate").object_id == world.secretary.id
    client.delete_cookie("session")
    login(client, world.secretary)  # the secretary's password works again


# --- platforms apart -------------------------------------------------------------------------


def test_a_coordinator_never_touches_a_user_of_another_platform(client, world: World):
    login(client, world.outsider)
    for path in (
        f"/users/{world.secretary.id}/edit",
        f"/users/{world.secretary.id}/deactivate",
    ):
        assert client.get(path).status_code == 404
    assert post_form(client, f"/users/{world.secretary.id}/deactivate").status_code == 404
    data = {"role": "reader", "municipalities": [str(world.north.id)], "version": "1"}
    assert post_form(client, f"/users/{world.secretary.id}/edit", data).status_code == 404
    secretary = _reread(world.secretary)
    assert (secretary.active, secretary.role) == (True, Role.SECRETARY)


def test_a_login_meanwhile_does_not_make_an_open_edit_form_a_conflict(app, world: World):
    """Logging in records the time of the login, but is no edit of the account: the version
    that a coordinator's open edit form carries stays the current one."""
    editor = app.test_client()
    login(editor, world.coordinator)
    form = form_on(
        editor.get(f"/users/{world.secretary.id}/edit").get_data(as_text=True),
        f"/users/{world.secretary.id}/edit",
        f"/users/{world.secretary.id}/edit",
    )
    login(app.test_client(), world.secretary)
    secretary = _reread(world.secretary)
    assert secretary.last_login_at is not None
    assert str(secretary.version) == form.value("version")
    data = {**form.data(), "role": "reader"}
    assert post_form(editor, f"/users/{world.secretary.id}/edit", data).status_code == 302
    assert _reread(world.secretary).role is Role.READER


# --- in English --------------------------------------------------------------------------------


def test_the_pages_and_their_messages_in_english(english_app: Flask):  # noqa: F811
    world = build_world()
    client = english_app.test_client()
    login(client, world.coordinator)
    post_form(client, "/taal", {"language": "en", "next": "/users"})

    listed = client.get("/users").get_data(as_text=True)
    assert "Users" in listed and "Invite a user" in listed and "Secretary" in listed

    data = _invite_data(world, email="geen-adres", municipalities=[])
    response = post_form(client, "/users/invite", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This is not a valid email address." in html
    assert form_on(html, "/users/invite", "/users/invite").value("email") == "geen-adres"

    refused = post_form(client, f"/users/{world.coordinator.id}/deactivate")
    assert "last active coordinator" in refused.get_data(as_text=True)
