"""The platform settings without HTTP: the logo's cleaning, the checks, what a change stores and
audits, and where the settings are used (mail signature, Reply-To, ORGANIZER, new meetings, the
logo in the PDFs)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin

from overleg.extensions import db
from overleg.lib import pdf
from overleg.lib.refusal import EditConflict, Refusal
from overleg.mail import outbox
from overleg.mail.settings import MailSettings, sender_for
from overleg.meetings import agenda_pdf, invitations
from overleg.meetings import services as meetings
from overleg.meetings.invitations import organiser_for
from overleg.minutes import services as minutes_services
from overleg.models import AuditEntry, OutboxMessage
from overleg.models.types import utcnow
from overleg.platforms import logo as logos
from overleg.platforms import services
from tests import factories
from tests.conftest import login
from tests.pdftools import pdf_images, pdf_text

LIMIT = 512 * 1024


def picture(fmt: str = "PNG", size: tuple[int, int] = (40, 20), **save: object) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def _settings(**changes: object) -> services.PlatformSettings:
    values: dict[str, object] = {
        "name": "Kempens Testplatform",
        "organiser_name": "IGS Kempen",
        "organiser_email": "wonen@iok.be",
    }
    return services.PlatformSettings(**{**values, **changes})  # type: ignore[arg-type]


def _update(world, settings=None, logo=None, version=None):  # type: ignore[no-untyped-def]
    return services.update_settings(
        world.coordinator,
        world.platform,
        settings or _settings(),
        logo or services.LogoChange(),
        max_logo_bytes=LIMIT,
        expected_version=version,
    )


# --- the logo -----------------------------------------------------------------------------------


def test_a_png_is_stored_anew_without_its_text_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "geheime notitie")
    cleaned = logos.clean_logo(picture("PNG", pnginfo=info), LIMIT)
    assert cleaned.mimetype == "image/png"
    assert b"geheime notitie" not in cleaned.data
    assert Image.open(BytesIO(cleaned.data)).size == (40, 20)


def test_a_jpeg_stays_a_jpeg_without_its_exif():
    exif = Image.Exif()
    exif[0x010E] = "camera van An"  # ImageDescription
    cleaned = logos.clean_logo(picture("JPEG", exif=exif.tobytes()), LIMIT)
    assert cleaned.mimetype == "image/jpeg"
    assert b"camera van An" not in cleaned.data
    assert Image.open(BytesIO(cleaned.data)).format == "JPEG"


def test_a_large_picture_is_scaled_down():
    cleaned = logos.clean_logo(picture("PNG", size=(3000, 600)), LIMIT)
    assert Image.open(BytesIO(cleaned.data)).size == (1200, 240)


@pytest.mark.parametrize(
    "data",
    [
        b"dit is geen afbeelding",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        picture("GIF"),
        picture("BMP"),
        picture("PNG", size=(200, 200))[:-20],  # cut off
        picture("PNG").replace(b"IDAT", b"IDAX"),  # a damaged chunk
        b"%PDF-1.7\n",
    ],
    ids=["text", "svg", "gif", "bmp", "truncated", "damaged", "pdf"],
)
def test_anything_but_a_whole_png_or_jpeg_is_refused(data):
    with pytest.raises(Refusal) as refused:
        logos.clean_logo(data, LIMIT)
    assert refused.value.field == "logo"


def test_too_large_a_file_or_picture_is_refused():
    with pytest.raises(Refusal, match="hoogstens 1 kB"):
        logos.clean_logo(picture("PNG", size=(400, 400)), 1024)
    with pytest.raises(Refusal):  # 100 million pixels, a few hundred kB as a file
        logos.clean_logo(picture("PNG", size=(10_000, 10_000)), 10 * LIMIT)
    with pytest.raises(Refusal, match="leeg"):
        logos.clean_logo(b"", LIMIT)


# --- the settings ---------------------------------------------------------------------------


def test_a_change_is_stored_and_audited_with_what_changed(app, world):
    changes = _update(
        world,
        _settings(
            name="Kempens Woonplatform",
            mail_signature="Het team wonen\r\nIGS Kempen  \r\n",
            default_location="IGS-gebouw, zaal 2",
            default_start_time=time(14),
            default_end_time=time(16),
        ),
        services.LogoChange(upload=picture()),
    )
    db.session.commit()
    platform = world.platform
    assert platform.name == "Kempens Woonplatform"
    assert platform.mail_signature == "Het team wonen\nIGS Kempen"
    assert (platform.default_start_time, platform.default_end_time) == (time(14), time(16))
    assert platform.logo_mimetype == "image/png" and platform.logo
    assert platform.version == 2
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "platform.update"))
    assert entry is not None and entry.user_id == world.coordinator.id
    assert entry.details["changes"]["name"] == ["Kempens Testplatform", "Kempens Woonplatform"]
    assert entry.details["changes"]["logo"][0] == ""  # the size, never the bytes
    assert entry.details["changes"]["logo"][1].endswith(" bytes")
    assert set(changes) >= {"name", "mail_signature", "logo", "logo_mimetype"}


def test_the_logo_stays_unless_replaced_or_removed(app, world):
    _update(world, logo=services.LogoChange(upload=picture()))
    stored = world.platform.logo
    _update(world, _settings(organiser_name="Iemand anders"))
    assert world.platform.logo == stored
    _update(world, logo=services.LogoChange(remove=True))
    assert world.platform.logo is None and not world.platform.has_logo


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": " "}, "name"),
        ({"name": "Ander platform"}, "name"),  # the other platform's name
        ({"organiser_email": "wonen-at-iok.be"}, "organiser_email"),
        ({"organiser_name": "x" * 201}, "organiser_name"),
        ({"mail_signature": "regel\n" * 13}, "mail_signature"),
        ({"mail_signature": "x" * 1001}, "mail_signature"),
        ({"mail_signature": "met een \x07 bel"}, "mail_signature"),
        ({"default_location": "x" * 301}, "default_location"),
        ({"default_location": "twee\nregels"}, "default_location"),
        ({"default_start_time": time(16), "default_end_time": time(14)}, "default_end_time"),
        ({"default_end_time": time(14)}, "default_start_time"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(app, world, changes, field):
    with pytest.raises(Refusal) as refused:
        _update(world, _settings(**changes), services.LogoChange(upload=picture()))
    assert refused.value.field == field
    db.session.rollback()
    assert world.platform.version == 1 and not world.platform.has_logo


def test_a_bad_logo_refuses_the_whole_change(app, world):
    with pytest.raises(Refusal) as refused:
        _update(world, _settings(name="Nieuwe naam"), services.LogoChange(upload=b"GIF89a..."))
    assert refused.value.field == "logo"
    db.session.rollback()
    assert world.platform.name == "Kempens Testplatform"


def test_a_change_from_an_older_version_is_a_conflict(app, world):
    _update(world, _settings(organiser_name="De eerste"), version=1)
    with pytest.raises(EditConflict):
        _update(world, _settings(organiser_name="De tweede"), version=1)


# --- where the settings are used -------------------------------------------------------------


def test_the_signature_is_the_setting_or_the_names_once(app, world):
    platform = world.platform
    platform.organiser_name = ""
    assert platform.signature_lines == ["Kempens Testplatform"]
    platform.organiser_name = "IGS Kempen"
    assert platform.signature_lines == ["IGS Kempen", "Kempens Testplatform"]
    platform.mail_signature = "Het team wonen\nwonen@iok.be"
    assert platform.signature_lines == ["Het team wonen", "wonen@iok.be"]


def test_the_organiser_is_the_reply_to_and_the_organizer(app, world):
    _update(world, _settings(organiser_name="IGS Kempen", organiser_email="wonen@iok.be"))
    settings = MailSettings(base_url="http://x", mail_from="overleg@example.be")
    sender = sender_for(world.platform, settings)
    assert (sender.address, sender.reply_to, sender.name) == (
        "overleg@example.be",
        "wonen@iok.be",
        "IGS Kempen",
    )
    organiser = organiser_for(world.platform, settings)
    assert (organiser.name, organiser.email) == ("IGS Kempen", "wonen@iok.be")


def test_a_new_meeting_takes_the_platforms_place_and_hours(app, world):
    world.north.usual_location = ""
    _update(
        world,
        _settings(
            default_location="IGS-gebouw", default_start_time=time(14), default_end_time=time(16)
        ),
    )
    assert meetings.default_location(world.north) == "IGS-gebouw"
    world.north.usual_location = "Raadzaal"
    assert meetings.default_location(world.north) == "Raadzaal"  # the municipality's first
    assert meetings.meeting_hours(world.north, None, None) == (time(14), time(16))
    assert meetings.meeting_hours(world.north, time(10), None) == (time(10), None)
    assert meetings.meeting_hours(world.north, None, time(17)) == (time(14), time(17))
    world.platform.default_start_time = world.platform.default_end_time = None
    assert meetings.meeting_hours(world.north, None, None) == (world.north.window_start, None)
    world.north.usual_location = ""
    meeting = meetings.create_meeting(
        world.north,
        start_at=datetime(2030, 3, 4, 13, tzinfo=UTC),
        end_at=datetime(2030, 3, 4, 15, tzinfo=UTC),
        now=datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert meeting.location == "IGS-gebouw"


def test_the_logo_is_in_the_agenda_pdf_and_nothing_else_is_fetched(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    assert pdf_images(agenda_pdf.render_agenda_pdf(meeting)) == []
    _update(world, logo=services.LogoChange(upload=picture(size=(300, 100))))
    db.session.commit()
    rendered = agenda_pdf.render_agenda(meeting)
    images = [row for row in pdf_images(rendered.content) if row["type"] == "image"]
    assert [(row["width"], row["height"]) for row in images] == [("300", "100")]
    assert rendered.blocked == ()
    assert "Agenda" in pdf_text(rendered.content)


def test_the_fetcher_serves_only_the_resources_it_was_given(app):
    resources = {pdf.LOGO_URL: pdf.Resource(picture(), "image/png")}
    html = (
        '<html lang="nl-BE"><head><title>t</title></head><body>'
        f'<img src="{pdf.LOGO_URL}" alt="logo"><img src="overleg-resource:other" alt="x">'
        '<img src="https://example.com/a.png" alt="y"></body></html>'
    )
    rendered = pdf.render_html_to_pdf(html, resources=resources, variant=None)
    assert set(rendered.blocked) == {"overleg-resource:other", "https://example.com/a.png"}
    assert len([r for r in pdf_images(rendered.content) if r["type"] == "image"]) == 1


def _invitation_mail(world):  # type: ignore[no-untyped-def]
    meeting = factories.MeetingFactory(municipality=world.north)
    factories.InvitationFactory(meeting=meeting)
    invitations.send_invitations(meeting, user=None, now=utcnow())
    row = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    message = outbox.parse(row)
    return (
        message,
        message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
        message.get_body(("html",)).get_content(),
    )


def test_an_invitation_is_signed_once_by_the_organiser_or_the_setting(app, world):
    world.platform.organiser_name = ""  # before: the platform's name twice
    _message, text, html = _invitation_mail(world)
    assert text.rstrip().endswith("Met vriendelijke groeten,\nKempens Testplatform")
    assert text.count("Kempens Testplatform") == 1
    assert "Met vriendelijke groeten,<br>Kempens Testplatform</p>" in html
    _update(world, _settings(mail_signature="Het team wonen\nIGS Kempen"))
    message, text, html = _invitation_mail(world)
    assert text.rstrip().endswith("Met vriendelijke groeten,\nHet team wonen\nIGS Kempen")
    assert "Het team wonen<br>IGS Kempen</p>" in html
    assert message["Reply-To"].addresses[0].addr_spec == "wonen@iok.be"
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    unfolded = calendar.get_content().replace("\r\n ", "")
    [organizer] = [line for line in unfolded.splitlines() if line.startswith("ORGANIZER")]
    assert "IGS Kempen" in organizer and organizer.endswith(":mailto:wonen@iok.be")


def _images(content: bytes) -> list[tuple[str, str]]:
    return [(r["width"], r["height"]) for r in pdf_images(content) if r["type"] == "image"]


def test_the_logo_is_on_the_minutes_and_the_yearly_report_too(app, client, world):
    meeting = factories.HeldMeetingFactory(municipality=world.north)
    minutes = minutes_services.ensure_minutes(meeting)
    _update(world, logo=services.LogoChange(upload=picture(size=(300, 100))))
    db.session.commit()
    assert _images(minutes_services.render_minutes(meeting, minutes).content) == [("300", "100")]
    login(client, world.coordinator)
    report = client.get(f"/planning/compliance/report.pdf?year={meeting.start_at.year}")
    assert report.status_code == 200
    assert _images(report.data) == [("300", "100")]
