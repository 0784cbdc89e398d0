"""The documents reach the invitees: listed with their size and personal links in the
invitation (attached when small), through a real SMTP server; on the answer page and in the
agenda PDF; a document added or replaced later is named in the next update mail."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from overleg.documents import checks, services
from overleg.extensions import db
from overleg.mail import outbox
from overleg.meetings import agenda_pdf, invitations
from overleg.meetings import services as meeting_services
from overleg.models import Meeting
from overleg.models.types import utcnow
from tests import factories
from tests.pdftools import pdf_text
from tests.support import documents as files

PDF_SIZE = checks.human_size(len(files.TINY_PDF))


def _smtp(port: int) -> outbox.SmtpSettings:
    return outbox.SmtpSettings(
        host="127.0.0.1", port=port, timeout=5.0, mail_from="bounce@example.be"
    )


def _meeting_with_documents(world):
    meeting = factories.MeetingFactory(municipality=world.north)
    item = factories.AgendaItemFactory(meeting=meeting, title="Projectplan De Linde", position=1)
    invitation = factories.InvitationFactory(meeting=meeting)
    factories.document(meeting, filename="plan.pdf", title="Projectplan", agenda_item=item)
    factories.document(meeting, filename="cijfers.csv", content=b"a;b\n1;2\n", title="Cijfers")
    return db.session.get(Meeting, meeting.id), invitation


def _received(smtp):
    return [email.message_from_bytes(m.content, policy=email.policy.default) for m in smtp.messages]


def test_the_invitation_lists_links_to_and_attaches_the_documents(app, world, smtp):
    meeting, invitation = _meeting_with_documents(world)
    invitations.send_invitations(meeting, user=None, now=utcnow())
    db.session.commit()
    outbox.deliver_due(_smtp(smtp.port))
    [parsed] = _received(smtp)
    token = db.session.get(type(invitation), invitation.id).token
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    document = services.documents_of(meeting)[1]  # the agenda item's, after the meeting's own
    link = f"http://localhost/rsvp/{token}/documenten/{document.id}"
    assert f"Projectplan (plan.pdf, {PDF_SIZE}; bij agendapunt 1. Projectplan De Linde)" in text
    assert link in text and f'href="{link}"' in html
    assert "Cijfers (cijfers.csv, 8 B)" in text
    assert "De documenten zitten ook in de bijlage." in text
    attached = {a.get_filename(): a for a in parsed.iter_attachments()}
    assert attached["plan.pdf"].get_content_type() == "application/pdf"
    assert attached["plan.pdf"].get_payload(decode=True) == files.TINY_PDF
    assert attached["cijfers.csv"].get_payload(decode=True) == b"a;b\n1;2\n"
    # the link in the mail works without an account
    with app.test_client() as anonymous:
        response = anonymous.get(link.removeprefix("http://localhost"))
        assert response.status_code == 200 and response.get_data() == files.TINY_PDF


def test_documents_above_the_limit_are_only_linked(app, world, smtp):
    app.config["DOCUMENTS_ATTACH_MAX_BYTES"] = 100
    meeting, _invitation = _meeting_with_documents(world)
    invitations.send_invitations(meeting, user=None, now=utcnow())
    db.session.commit()
    outbox.deliver_due(_smtp(smtp.port))
    [parsed] = _received(smtp)
    names = {a.get_filename() for a in parsed.iter_attachments()}
    assert "plan.pdf" not in names and "cijfers.csv" not in names
    text = parsed.get_body(("plain",)).get_content()
    assert "/documenten/" in text and "De documenten zitten ook in de bijlage" not in text


def test_a_document_added_after_the_invitation_is_named_in_the_next_update(app, world, smtp):
    meeting, _invitation = _meeting_with_documents(world)
    now = utcnow()
    invitations.send_invitations(meeting, user=None, now=now)
    db.session.commit()
    outbox.deliver_due(_smtp(smtp.port))
    [plan, _cijfers] = [d for d in services.documents_of(meeting) if d.title == "Projectplan"] + [
        d for d in services.documents_of(meeting) if d.title == "Cijfers"
    ]
    services.replace_document(
        plan,
        services.Upload("plan-v2.docx", files.docx()),
        user=world.secretary,
        now=now + timedelta(minutes=5),
        settings=services.DocumentSettings(),
    )
    factories.document(meeting, filename="nota.txt", content=b"nieuw\n", title="Nieuwe nota")
    meeting = db.session.get(Meeting, meeting.id)
    meeting_services.update_meeting(
        meeting,
        title=meeting.title,
        start_at=meeting.start_at + timedelta(hours=1),
        end_at=meeting.end_at + timedelta(hours=1),
        location=meeting.location,
        user=world.secretary,
        now=now + timedelta(minutes=10),
    )
    db.session.commit()
    outbox.deliver_due(_smtp(smtp.port), now=now + timedelta(minutes=11))
    update = _received(smtp)[-1]
    text = update.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Nieuw of vervangen sinds de uitnodiging: Nieuwe nota, Projectplan." in text
    assert "Projectplan (plan-v2.docx" in text and "nieuw of vervangen" in text
    assert "- Cijfers (cijfers.csv, 8 B)" in text.splitlines()  # named, not as new
    # once named, the next update no longer calls them new
    assert all(d.current.announced_at is not None for d in services.documents_of(meeting))


def test_the_answer_page_lists_the_documents_with_links(client, world):
    meeting, _invitation = _meeting_with_documents(world)
    invitation = factories.invitation_with_link(meeting=meeting)
    page = client.get(f"/rsvp/{invitation.token}").get_data(as_text=True)
    assert "Documenten" in page and "Projectplan" in page and PDF_SIZE in page
    assert f"/rsvp/{invitation.token}/documenten/" in page


def test_the_agenda_pdf_lists_the_documents_per_item(app, world):
    meeting, _invitation = _meeting_with_documents(world)
    text = " ".join(pdf_text(agenda_pdf.render_agenda_pdf(meeting)).split())
    assert f"Documenten: Projectplan (plan.pdf, {PDF_SIZE})" in text
    assert "Documenten bij de vergadering" in text and "Cijfers (cijfers.csv, 8 B)" in text


def test_a_confidential_items_documents_stay_with_the_people_named_on_it(client, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    item = factories.AgendaItemFactory(meeting=meeting, title="Dossier familie X", position=1)
    item.confidential = True
    db.session.commit()
    invitation = factories.invitation_with_link(meeting=meeting)
    document = factories.document(meeting, filename="dossier.pdf", agenda_item=item)
    meeting = db.session.get(Meeting, meeting.id)
    assert services.listed(meeting) == []
    assert services.for_mail(meeting, attach_max_bytes=10**7).attachments == []
    assert client.get(f"/rsvp/{invitation.token}/documenten/{document.id}").status_code == 404
    page = client.get(f"/rsvp/{invitation.token}").get_data(as_text=True)
    assert "dossier.pdf" not in page and "Dossier familie X" not in page
