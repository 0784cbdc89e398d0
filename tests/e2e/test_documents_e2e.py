"""Meeting documents in Chromium: the secretary attaches a document to an agenda item, the
invitation goes out with it, and the invited actor downloads it from the answer page on a
phone. Each page is checked with axe-core on the way."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from overleg.extensions import db
from overleg.models import Document, Invitation, Meeting, MeetingStatus, OutboxMessage
from tests import factories
from tests.conftest import World
from tests.e2e.conftest import PHONE, LiveServer, assert_accessible, log_in
from tests.support.documents import TINY_PDF


def _planned_meeting(world: World) -> tuple[Meeting, Invitation]:
    meeting = factories.MeetingFactory(
        municipality=world.north, status=MeetingStatus.PLANNED, title="Woonoverleg Noorderdorp"
    )
    factories.AgendaItemFactory(meeting=meeting, title="Verwelkoming", position=0)
    factories.AgendaItemFactory(meeting=meeting, title="Projectplan De Linde", position=1)
    contact = world.north.standing_invitees[0].contact
    invitation = factories.InvitationFactory(meeting=meeting, contact=contact)
    return meeting, invitation


def _attach(page: Page, live: LiveServer, meeting: Meeting, pdf: Path) -> None:
    page.goto(live(f"/meetings/{meeting.id}"))
    page.get_by_role("link", name="Documenten", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documenten")
    assert_accessible(page)
    page.get_by_label("Bestanden").set_input_files(str(pdf))
    page.get_by_label("Bij").select_option(label="2. Projectplan De Linde")
    page.get_by_label("Titel").fill("Projectplan De Linde")
    page.get_by_role("button", name="Opladen").click()
    # upload.js posts it with a progress bar and shows the page the server answers
    expect(page.get_by_text("1 document toegevoegd.")).to_be_visible()
    expect(page.get_by_role("heading", name="2. Projectplan De Linde")).to_be_visible()
    assert_accessible(page)


def _send_invitations(page: Page, live: LiveServer, meeting: Meeting) -> None:
    page.goto(live(f"/meetings/{meeting.id}"))
    expect(page.get_by_text("plan-de-linde.pdf")).to_be_visible()
    page.get_by_role("button", name="Uitnodigingen versturen").click()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Verstuur \d+ uitnodiging")).click()
    assert_accessible(page)


def test_secretary_attaches_a_document_and_the_actor_downloads_it_on_a_phone(
    page: Page,
    new_page: Callable[..., Page],
    live: LiveServer,
    live_world: World,
    tmp_path: Path,
):
    meeting, invitation = _planned_meeting(live_world)
    pdf = tmp_path / "plan-de-linde.pdf"
    pdf.write_bytes(TINY_PDF)
    log_in(page, live, live_world.secretary)
    _attach(page, live, meeting, pdf)
    _send_invitations(page, live, meeting)

    db.session.expire_all()
    [document] = db.session.scalars(sa.select(Document)).all()
    assert document.agenda_item.title == "Projectplan De Linde"
    sent = db.session.get(Invitation, invitation.id)
    raw = db.session.scalars(
        sa.select(OutboxMessage.raw).where(OutboxMessage.invitation_id == invitation.id)
    ).one()
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert "plan-de-linde.pdf" in {a.get_filename() for a in mail.iter_attachments()}
    text = mail.get_body(("plain",)).get_content()
    assert f"/rsvp/{sent.token}/documenten/{document.id}" in text

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(live(f"/rsvp/{sent.token}"))
    expect(phone.get_by_role("heading", name="Documenten")).to_be_visible()
    assert_accessible(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    link = phone.get_by_role("link", name="Projectplan De Linde")
    response = phone.request.get(live(link.get_attribute("href") or ""))
    assert response.status == 200
    assert response.body() == TINY_PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    # Tapping the link opens the PDF (inline: the browser shows it rather than saving it).
    with phone.expect_response(lambda r: "/documenten/" in r.url) as opened:
        link.tap()
    assert opened.value.status == 200
    assert opened.value.headers["content-type"] == "application/pdf"
    assert opened.value.headers["content-disposition"].startswith("inline;")
