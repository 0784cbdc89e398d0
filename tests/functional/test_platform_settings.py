"""The platform settings page: coordinators only, good and bad input, the logo upload."""

from __future__ import annotations

from datetime import time
from io import BytesIO

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.dates import to_local
from overleg.models import AuditEntry, Meeting, Platform
from tests.conftest import csrf_token, login
from tests.functional.test_two_factor_login import login_with_code, switch_on
from tests.support.html_forms import form_on
from tests.unit.test_platform_settings import picture

PAGE = "/platform/settings"


def _form(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return form_on(client.get(PAGE).get_data(as_text=True), PAGE, PAGE).data()


def _post(client, changes: dict, logo: tuple[bytes, str] | None = None):  # type: ignore[no-untyped-def]
    data: dict = {**_form(client), **changes, "csrf_token": csrf_token(client, PAGE)}
    if logo is not None:
        data["logo"] = (BytesIO(logo[0]), logo[1])
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def _platform(world) -> Platform:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(Platform, world.platform.id)


def test_the_coordinator_finds_the_page_in_the_navigation(app, client, world):
    login(client, world.coordinator)
    assert f'href="{PAGE}"' in client.get("/").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="Kempens Testplatform"' in page
    assert 'enctype="multipart/form-data"' in page
    client.delete_cookie("session")
    login(client, world.secretary)
    assert f'href="{PAGE}"' not in client.get("/").get_data(as_text=True)
    assert client.get(PAGE).status_code == 403


def test_good_settings_are_saved_with_the_logo(app, client, world):
    login(client, world.coordinator)
    response = _post(
        client,
        {
            "name": "Kempens Woonplatform",
            "organiser_name": "IGS Kempen",
            "organiser_email": "wonen@iok.be",
            "mail_signature": "Het team wonen\nIGS Kempen",
            "default_location": "IGS-gebouw",
            "default_start_time": "14:00",
            "default_end_time": "16:00",
        },
        logo=(picture("JPEG", size=(80, 40)), "logo.jpg"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    platform = _platform(world)
    assert (platform.name, platform.organiser_email) == ("Kempens Woonplatform", "wonen@iok.be")
    assert platform.logo_mimetype == "image/jpeg"
    served = client.get("/platform/logo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == platform.logo
    assert 'alt="Het huidige logo"' in client.get(PAGE).get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "platform.update"))
    # removing it
    assert _post(client, {"remove_logo": "y"}).status_code == 302
    assert not _platform(world).has_logo
    assert client.get("/platform/logo").status_code == 404


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": ""}, "Geef het platform een naam."),
        ({"name": "Ander platform"}, "Er bestaat al een platform met de naam"),
        ({"organiser_email": "wonen-at-iok.be"}, "Dit is geen geldig e-mailadres."),
        ({"default_start_time": "25:00"}, "Geef een geldig uur (uu:mm)."),
        ({"default_start_time": "16:00", "default_end_time": "14:00"}, "na het begin"),
        ({"mail_signature": "x" * 1001}, "Maximaal 1000 tekens."),
        ({"default_location": "twee\nregels"}, "één regel"),
    ],
)
def test_bad_input_keeps_what_was_typed_and_changes_nothing(app, client, world, changes, message):
    login(client, world.coordinator)
    typed = {"organiser_name": "Wat ik typte", **changes}
    response = _post(client, typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    assert message in body
    assert 'value="Wat ik typte"' in body
    platform = _platform(world)
    assert platform.version == 1 and platform.organiser_name != "Wat ik typte"


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"dit is geen afbeelding", "logo.png"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "logo.gif"),
        (None, "groot.png"),  # too large: filled in below
        (None, "kapot.png"),  # corrupt: filled in below
    ],
)
def test_a_bad_upload_is_refused_with_a_clear_message(app, client, world, data, filename):
    app.config["LOGO_MAX_BYTES"] = 2048
    if filename == "groot.png":
        data = picture("PNG", size=(400, 400), compress_level=0)
    elif filename == "kapot.png":
        data = picture("PNG", size=(20, 20)).replace(b"IDAT", b"IDAX")
    login(client, world.coordinator)
    response = _post(client, {"organiser_name": "Wat ik typte"}, logo=(data, filename))
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    expected = "hoogstens 2 kB" if filename == "groot.png" else "geen bruikbare PNG- of JPEG"
    assert expected in body
    assert 'value="Wat ik typte"' in body
    platform = _platform(world)
    assert not platform.has_logo and platform.organiser_name != "Wat ik typte"


def test_in_english(app, client, world):
    login(client, world.coordinator)
    client.post("/taal", data={"language": "en", "csrf_token": csrf_token(client)})
    page = client.get(PAGE).get_data(as_text=True)
    assert "Settings of the platform" in page
    body = _post(client, {"name": ""}, logo=(b"nope", "x.png")).get_data(as_text=True)
    assert "Give the platform a name." in body


def test_a_coordinator_of_another_platform_sees_only_their_own(app, client, world):
    login(client, world.outsider)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="Ander platform"' in page and "Kempens Testplatform" not in page


def test_a_meeting_made_after_the_settings_takes_their_place_and_hours(app, client, world):
    login(client, world.coordinator)
    world.north.usual_location = ""
    db.session.commit()
    changes = {
        "default_location": "IGS-gebouw, zaal 2",
        "default_start_time": "14:00",
        "default_end_time": "16:30",
    }
    assert _post(client, changes).status_code == 302
    form = form_on(
        client.get("/meetings/new").get_data(as_text=True), "/meetings/new", "/meetings/new"
    )
    data = {**form.data(), "municipality": "noorderdorp", "date": "2030-03-05", "status": "planned"}
    data.update(start_time="", end_time="", location="")
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalars(sa.select(Meeting).order_by(Meeting.id.desc())).first()
    assert meeting.location == "IGS-gebouw, zaal 2"
    assert (to_local(meeting.start_at).time(), to_local(meeting.end_at).time()) == (
        time(14),
        time(16, 30),
    )


# --- two-factor required of the coordinators -----------------------------------------------


def _two_factor_setting(client, required: bool):  # type: ignore[no-untyped-def]
    data = {**_form(client), "csrf_token": csrf_token(client, PAGE)}
    data.pop("require_two_factor_for_coordinators", None)
    if required:
        data["require_two_factor_for_coordinators"] = "y"
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_coordinator_requires_two_factor_of_the_coordinators(app, client, world):
    switch_on(world.coordinator)
    login_with_code(client, world.coordinator)
    assert "instellingen van het platform" in client.get("/account").get_data(as_text=True)
    response = _two_factor_setting(client, required=True)
    assert response.headers["Location"] == PAGE
    assert _platform(world).require_two_factor_for_coordinators
    assert _actions()[-1] == "platform.two_factor_required"
    assert _form(client)["require_two_factor_for_coordinators"] == ["y"]
    # The other platform is untouched.
    assert not world.outsider.platform.require_two_factor_for_coordinators
    _two_factor_setting(client, required=False)
    assert not _platform(world).require_two_factor_for_coordinators
    assert _actions()[-1] == "platform.two_factor_optional"


def test_who_has_no_two_factor_cannot_require_it(app, client, world):
    login(client, world.coordinator)
    response = _two_factor_setting(client, required=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Zet eerst voor jezelf tweestapsverificatie aan." in html
    assert form_on(html, PAGE, PAGE).value("require_two_factor_for_coordinators") == "y"
    assert not _platform(world).require_two_factor_for_coordinators
    assert "platform.update" not in _actions()


def test_only_coordinators_see_the_platform_setting(app, client, world):
    login(client, world.secretary)
    assert "instellingen van het platform" not in client.get("/account").get_data(as_text=True)
