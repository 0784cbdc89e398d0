"""The main journeys in Chromium, each page checked with axe-core on the way.

1. The coordinator plans next year and sends the invitations of a meeting.
2. A housing actor answers through the personal link, on a phone-sized screen.
3. The secretary registers attendance, writes the minutes, meets an edit conflict, circulates
   them, gets them approved and downloads the PDF.
4. The coordinator reads the compliance view.
5. The actor's answer again, with the keyboard only.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from overleg.extensions import db
from overleg.lib.dates import BRUSSELS
from overleg.models import (
    Attendance,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    OutboxMessage,
    PollRespondent,
    RsvpStatus,
)
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import World
from tests.e2e.conftest import PHONE, LiveServer, assert_accessible, log_in


def submit(page: Page, button: Locator) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def _meetings_in(year: int, municipality_id: int) -> list[Meeting]:
    db.session.expire_all()
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.municipality_id == municipality_id)
        .order_by(Meeting.start_at)
    ).all()
    return [m for m in meetings if m.start_at.astimezone(BRUSSELS).year == year]


def test_coordinator_plans_a_year_and_sends_invitations(
    page: Page, live: LiveServer, live_world: World
):
    year = utcnow().astimezone(BRUSSELS).year + 1
    log_in(page, live, live_world.coordinator)
    page.get_by_role("link", name="Planning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planning van het woonoverleg")
    assert_accessible(page)

    page.get_by_label("Jaar").fill(str(year))
    submit(page, page.get_by_role("button", name="Voorstel maken"))
    expect(page.get_by_role("heading", name="Voorstellen")).to_be_visible()
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Bevestigen en alle vergaderingen aanmaken"))
    assert_accessible(page)

    planned = _meetings_in(year, live_world.north.id)
    assert len(planned) == live_world.north.meetings_per_year
    assert len(_meetings_in(year, live_world.south.id)) == live_world.south.meetings_per_year
    meeting = planned[0]

    page.goto(live(f"/meetings/{meeting.id}"))
    assert_accessible(page)
    # A link styled as a button (role="button").
    page.get_by_role("button", name="Uitnodigingen versturen").click()
    assert_accessible(page)
    submit(page, page.get_by_role("button", name=re.compile(r"^Verstuur \d+ uitnodiging")))
    assert_accessible(page)

    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.invitations_sent_at is not None
    assert meeting.status is MeetingStatus.INVITED
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.meeting_id == meeting.id)
    ).all()
    invited = [i for i in meeting.invitations if i.contact and i.contact.email]
    assert invited and len(queued) == len(invited)
    assert all(i.token for i in invited)


def test_coordinator_polls_availability_and_plans_with_the_answers(
    page: Page, live: LiveServer, live_world: World
):
    year = utcnow().astimezone(BRUSSELS).year + 1
    log_in(page, live, live_world.coordinator)
    page.goto(live("/planning"))
    page.get_by_label("Jaar").fill(str(year))
    submit(page, page.get_by_role("button", name="Voorstel maken"))
    page.get_by_text("Eerst de beschikbaarheid bevragen").click()
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Bevraging versturen"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bevraging {year}")
    assert_accessible(page)

    # The required contact of Zuiderdorp answers through the link in their mail: every slot
    # suits except the first.
    db.session.expire_all()
    contact = live_world.south.standing_invitees[0].contact
    respondent = db.session.scalars(
        sa.select(PollRespondent).where(PollRespondent.contact_id == contact.id)
    ).one()
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == contact.email)
    ).one()
    assert f"/poll/{respondent.token}".encode() in mail.raw
    offered = sorted(
        s.start_at for s in respondent.poll.slots if s.municipality_id == live_world.south.id
    )
    actor = page.context.new_page()
    actor.goto(live(f"/poll/{respondent.token}"))
    boxes = actor.get_by_role("checkbox")
    assert boxes.count() == len(offered) >= 3
    for index in range(1, boxes.count()):
        boxes.nth(index).check()
    submit(actor, actor.get_by_role("button", name="Antwoord bewaren"))
    expect(actor.get_by_text("Bedankt, uw antwoord is bewaard.")).to_be_visible()
    actor.close()

    page.reload()
    expect(page.get_by_text("1 van de 2 genodigden heeft geantwoord.")).to_be_visible()
    page.get_by_role("button", name="Plannen met deze antwoorden").click()
    expect(page.get_by_role("heading", name="Voorstellen")).to_be_visible()
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Bevestigen en alle vergaderingen aanmaken"))

    south = _meetings_in(year, live_world.south.id)
    assert len(south) == live_world.south.meetings_per_year
    assert all(m.start_at in offered[1:] for m in south)  # never the declined first slot
    db.session.expire_all()
    assert not db.session.get(PollRespondent, respondent.id).poll.is_open


def _sent_invitation(world: World) -> Invitation:
    meeting = factories.MeetingFactory(
        municipality=world.north, status=MeetingStatus.INVITED, title="Woonoverleg Noorderdorp"
    )
    factories.AgendaItemFactory(meeting=meeting, title="Lokale woonnoden")
    contact = world.north.standing_invitees[0].contact
    return factories.invitation_with_link(meeting=meeting, contact=contact)


def _answer_form_checks(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_actor_answers_through_the_personal_link_on_a_phone(
    new_page: Callable[..., Page], live: LiveServer, live_world: World
):
    invitation = _sent_invitation(live_world)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(live(f"/rsvp/{invitation.token}"))
    _answer_form_checks(page)
    # Nothing scrolls sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_label("Ik kom", exact=True).check()
    page.get_by_label("Opmerking (niet verplicht)").fill(
        "Ik breng de cijfers van de wachtlijst mee."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Antwoord bewaren").tap()
    assert_accessible(page)

    db.session.expire_all()
    answered = db.session.get(Invitation, invitation.id)
    assert answered.rsvp_status is RsvpStatus.ACCEPTED
    assert answered.rsvp_comment == "Ik breng de cijfers van de wachtlijst mee."


def test_actor_answers_with_the_keyboard_only(page: Page, live: LiveServer, live_world: World):
    invitation = _sent_invitation(live_world)
    page.goto(live(f"/rsvp/{invitation.token}"))
    _answer_form_checks(page)
    # The first Tab reaches the skip link, which is visible when focused and leads to the content.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Naar de inhoud")
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")

    # Tab into the answer group, then choose with the arrow keys (a radio group's keyboard model).
    answers = page.locator("main input[type=radio]")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    else:
        raise AssertionError("the answer choices cannot be reached with Tab")
    target = page.get_by_label("Ik kom niet", exact=True)
    for _ in range(answers.count()):
        if target.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(target).to_be_checked()
    # On to the comment field, type, then on to the button and press Enter.
    comment = page.get_by_label("Opmerking (niet verplicht)")
    while not comment.evaluate("el => el === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.type("Ik ben met verlof.")
    button = page.get_by_role("button", name="Antwoord bewaren")
    for _ in range(20):
        if button.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    # A visible focus indicator on the button.
    outline = button.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.boxShadow]; }"
    )
    assert outline[0] != "none" or outline[1] != "none", outline
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)

    db.session.expire_all()
    answered = db.session.get(Invitation, invitation.id)
    assert answered.rsvp_status is RsvpStatus.DECLINED
    assert answered.rsvp_comment == "Ik ben met verlof."


def test_coordinator_reads_the_compliance_view(page: Page, live: LiveServer, live_world: World):
    held = factories.HeldMeetingFactory(municipality=live_world.north)
    factories.AgendaItemFactory(meeting=held, title="Woonnood en wachtlijsten")
    log_in(page, live, live_world.coordinator)
    page.get_by_role("link", name="Naleving").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    main = page.locator("main")
    expect(main).to_contain_text("Noorderdorp")
    expect(main).to_contain_text("Zuiderdorp")
    assert "Verweg" not in main.inner_text()  # another platform's municipality


def _meeting_with_minutes_to_write(world: World) -> Meeting:
    start = (utcnow() - timedelta(days=7)).replace(hour=12, minute=0, second=0, microsecond=0)
    meeting = factories.HeldMeetingFactory(
        municipality=world.north, start_at=start, end_at=start + timedelta(hours=2)
    )
    factories.AgendaItemFactory(meeting=meeting, title="Verwelkoming", position=1)
    factories.AgendaItemFactory(meeting=meeting, title="Lokale woonnoden", position=2)
    for standing in world.north.standing_invitees:
        factories.InvitationFactory(meeting=meeting, contact=standing.contact)
    return meeting


def test_secretary_writes_minutes_meets_a_conflict_and_gets_them_approved(
    new_page: Callable[..., Page], live: LiveServer, live_world: World, tmp_path: Path
):
    meeting = _meeting_with_minutes_to_write(live_world)
    page = new_page()
    log_in(page, live, live_world.secretary)
    page.goto(live(f"/meetings/{meeting.id}"))
    assert_accessible(page)

    # Attendance.
    page.get_by_role("button", name="Aanwezigheden registreren").click()
    assert_accessible(page)
    page.locator("main select[name$='attendance']").first.select_option("present")
    submit(page, page.get_by_role("button", name="Aanwezigheden bewaren"))
    db.session.expire_all()
    assert any(
        i.attendance is Attendance.PRESENT for i in db.session.get(Meeting, meeting.id).invitations
    )

    # The minutes: start them, then open the editor.
    page.goto(live(f"/meetings/{meeting.id}/minutes"))
    assert_accessible(page)
    start = page.get_by_role("button", name="Verslag starten")
    if start.count():  # registering attendance may already have started them
        submit(page, start)
    page.get_by_role("button", name="Verslag bewerken").click()
    assert_accessible(page)

    # A colleague opens the same minutes in another browser and saves first.
    other = new_page()
    log_in(other, live, live_world.coordinator)
    other.goto(live(f"/meetings/{meeting.id}/minutes/edit"))
    other.get_by_label("Bespreking").first.fill("Versie van de coördinator.")
    submit(other, other.get_by_role("button", name="Verslag bewaren"))

    page.get_by_label("Bespreking").first.fill("Versie van de secretaris.")
    submit(page, page.get_by_role("button", name="Verslag bewaren"))
    # The conflict is shown: the other's saved text next to ours, ours kept in the field.
    expect(page.locator("main")).to_contain_text("Bewaard door de ander:")
    expect(page.locator("main")).to_contain_text("Versie van de coördinator.")
    expect(page.get_by_label("Bespreking").first).to_have_value("Versie van de secretaris.")
    assert_accessible(page)
    db.session.expire_all()
    minutes = db.session.scalars(sa.select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
    assert "Versie van de coördinator." in " ".join(n.discussion for n in minutes.notes)

    # Resolve: save the merged text on top of the current version.
    page.get_by_label("Bespreking").first.fill("Samengevoegde versie.")
    submit(page, page.get_by_role("button", name="Verslag bewaren"))
    db.session.expire_all()
    minutes = db.session.get(Minutes, minutes.id)
    assert "Samengevoegde versie." in " ".join(n.discussion for n in minutes.notes)

    # Circulate, then approve.
    page.goto(live(f"/meetings/{meeting.id}/minutes"))
    submit(page, page.get_by_role("button", name="Rondsturen ter opmerkingen"))
    assert_accessible(page)
    submit(page, page.get_by_role("button", name="Goedkeuren en vergrendelen"))
    assert_accessible(page)
    db.session.expire_all()
    minutes = db.session.get(Minutes, minutes.id)
    assert minutes.status is MinutesStatus.APPROVED

    # Download the PDF through the link on the page, with the browser's session.
    href = page.get_by_role("link", name="Verslag (pdf)").get_attribute("href")
    assert href
    pdf = page.request.get(live(href) if href.startswith("/") else href)
    assert pdf.status == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    body = pdf.body()
    assert body.startswith(b"%PDF-")
    # The PDF stays tagged (accessible): poppler's pdfinfo reads the structure flag.
    downloaded = tmp_path / "verslag.pdf"
    downloaded.write_bytes(body)
    info = subprocess.run(
        ["pdfinfo", str(downloaded)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    text = subprocess.run(
        ["pdftotext", str(downloaded), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Samengevoegde versie." in text
