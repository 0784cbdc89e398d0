"""The documents page: uploading good and bad files, replacing, removing, and the downloads of
staff (audited POSTs) and of invitees (their personal link)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from overleg.documents import services
from overleg.extensions import db
from overleg.models import AuditEntry, Document, DocumentVersion
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import csrf_token, login
from tests.support import documents as files


def _meeting(world, **kwargs):
    meeting = factories.MeetingFactory(municipality=world.north, **kwargs)
    item = factories.AgendaItemFactory(meeting=meeting, title="Projectplan De Linde", position=1)
    return meeting, item


def _upload(client, meeting, *named_files, item="", title=""):
    data = {
        "csrf_token": csrf_token(client, f"/meetings/{meeting.id}/documents"),
        "agenda_item": str(item),
        "title": title,
        "files": [(io.BytesIO(content), name) for name, content in named_files],
    }
    return client.post(
        f"/meetings/{meeting.id}/documents", data=data, content_type="multipart/form-data"
    )


def _download(client, document, number=1):
    token = csrf_token(client, f"/meetings/{document.meeting_id}/documents")
    return client.post(
        f"/meetings/{document.meeting_id}/documents/{document.id}/versions/{number}",
        data={"csrf_token": token},
    )


def _documents():
    return db.session.scalars(sa.select(Document).order_by(Document.id)).all()


def test_a_secretary_attaches_a_pdf_to_an_agenda_item(client, world):
    meeting, item = _meeting(world)
    login(client, world.secretary)
    response = _upload(client, meeting, ("plan.pdf", files.TINY_PDF), item=item.id, title="Plan")
    assert response.status_code == 302
    [document] = _documents()
    assert (document.title, document.agenda_item_id) == ("Plan", item.id)
    page = client.get(f"/meetings/{meeting.id}/documents").get_data(as_text=True)
    assert "Projectplan De Linde" in page and "Plan" in page and "plan.pdf" in page
    assert "1 document toegevoegd." in page
    audit = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "document.upload" in audit


def test_several_files_at_once_each_become_a_document(client, world):
    meeting, _item = _meeting(world)
    login(client, world.secretary)
    response = _upload(
        client,
        meeting,
        ("plan.docx", files.docx()),
        ("cijfers.csv", b"a;b\n1;2\n"),
        ("foto.png", files.PNG),
    )
    assert response.status_code == 302
    assert sorted(d.title for d in _documents()) == ["cijfers", "foto", "plan"]


def test_a_download_streams_the_file_with_its_headers_and_is_audited(client, world):
    meeting, _item = _meeting(world)
    pdf = factories.document(meeting, filename="Nota été.pdf")
    docx = factories.document(meeting, filename="plan.docx", content=files.docx())
    login(client, world.reader)
    response = _download(client, pdf)
    assert response.status_code == 200
    assert response.get_data() == files.TINY_PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        "inline; filename=\"Nota ete.pdf\"; filename*=UTF-8''Nota%20%C3%A9t%C3%A9.pdf"
    )
    response = _download(client, docx)
    assert response.headers["Content-Disposition"].startswith('attachment; filename="plan.docx"')
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    downloads = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "document.download")
    ).all()
    assert [entry.user_id for entry in downloads] == [world.reader.id, world.reader.id]


def test_a_reader_sees_the_documents_but_cannot_upload(client, world):
    meeting, _item = _meeting(world)
    factories.document(meeting, title="Woonplan")
    login(client, world.reader)
    page = client.get(f"/meetings/{meeting.id}/documents").get_data(as_text=True)
    assert "Woonplan" in page and "Opladen" not in page
    assert _upload(client, meeting, ("plan.pdf", files.TINY_PDF)).status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("nota.pdf", files.EXECUTABLE, "nota.pdf is geen toegelaten bestand"),
        ("nota.pdf", b"", "nota.pdf is leeg."),
        ("nota.pdf", files.PDF_WITH_JAVASCRIPT, "de PDF bevat JavaScript"),
        ("plan.docx", files.zip_bomb(3_000_000), "plan.docx pakt uit tot meer dan 2,0 MB"),
        ("../../nota.pdf", files.TINY_PDF, "bevat een / of"),
        ("map/nota.pdf", files.TINY_PDF, "geef het bestand een naam zonder mappen"),
        ("no\x1bta.pdf", files.TINY_PDF, "stuurtekens"),
        ("groot.txt", b"x" * 5000, "groot.txt is groter dan 4 kB"),
    ],
)
def test_bad_files_are_refused_on_the_form(app, client, world, name, content, message):
    app.config["DOCUMENT_MAX_UNPACKED_BYTES"] = 2_000_000
    app.config["DOCUMENT_MAX_BYTES"] = 4000
    meeting, _item = _meeting(world)
    login(client, world.secretary)
    response = _upload(client, meeting, (name, content))
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert message in page
    assert _documents() == []


def test_no_file_chosen_is_refused(client, world):
    meeting, _item = _meeting(world)
    login(client, world.secretary)
    response = _upload(client, meeting)
    assert response.status_code == 422
    assert "Kies een of meer bestanden." in response.get_data(as_text=True)


def test_the_meeting_limit_is_kept(app, client, world):
    app.config["DOCUMENTS_PER_MEETING_MAX_BYTES"] = 5000
    meeting, _item = _meeting(world)
    factories.document(meeting, filename="a.txt", content=b"a" * 4000)
    login(client, world.secretary)
    response = _upload(client, meeting, ("b.txt", b"b" * 2000))
    assert response.status_code == 422
    assert "samen meer dan 5 kB" in response.get_data(as_text=True)


def test_a_replacement_keeps_the_old_version(client, world):
    meeting, _item = _meeting(world)
    document = factories.document(meeting, title="Plan")
    login(client, world.secretary)
    path = f"/meetings/{meeting.id}/documents/{document.id}/replace"
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, f"/meetings/{meeting.id}/documents"),
            "file": (io.BytesIO(files.docx()), "plan-v2.docx"),
            "title": "",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting.id}/documents").get_data(as_text=True)
    assert "Versie 2 staat klaar." in page and "Vorige versies" in page
    assert [v.filename for v in db.session.get(Document, document.id).versions] == [
        "nota.pdf",
        "plan-v2.docx",
    ]
    assert _download(client, document, 1).get_data() == files.TINY_PDF


def test_a_refused_replacement_is_flashed(client, world):
    meeting, _item = _meeting(world)
    document = factories.document(meeting)
    login(client, world.secretary)
    response = client.post(
        f"/meetings/{meeting.id}/documents/{document.id}/replace",
        data={
            "csrf_token": csrf_token(client, f"/meetings/{meeting.id}/documents"),
            "file": (io.BytesIO(files.EXECUTABLE), "nota.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "geen toegelaten bestand" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 1


def test_removal_before_and_after_the_invitations(client, world):
    meeting, _item = _meeting(world)
    document = factories.document(meeting, title="Weg ermee")
    login(client, world.secretary)
    page = client.get(f"/meetings/{meeting.id}/documents").get_data(as_text=True)
    assert "Document verwijderen" in page
    token = csrf_token(client, f"/meetings/{meeting.id}/documents")
    path = f"/meetings/{meeting.id}/documents/{document.id}/remove"
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert _documents() == []

    sent, _item = _meeting(world, invitations_sent_at=utcnow() - timedelta(hours=1))
    kept = factories.document(sent, title="Blijft")
    page = client.get(f"/meetings/{sent.id}/documents").get_data(as_text=True)
    assert "Document verwijderen" not in page
    response = client.post(
        f"/meetings/{sent.id}/documents/{kept.id}/remove",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "alleen vervangen" in response.get_data(as_text=True)
    assert len(_documents()) == 1


# --- the invitee's personal link ------------------------------------------------------------


def test_an_invitee_downloads_through_the_personal_link(client, world):
    meeting, _item = _meeting(world)
    invitation = factories.invitation_with_link(meeting=meeting)
    document = factories.document(meeting, filename="plan.docx", content=files.docx())
    response = client.get(f"/rsvp/{invitation.token}/documenten/{document.id}")
    assert response.status_code == 200
    assert response.get_data() == files.docx() or response.get_data()[:2] == b"PK"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    # an invitee's download is no staff download: nothing in the trail, nothing written
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_the_personal_link_gives_nothing_else(client, world):
    meeting, _item = _meeting(world)
    invitation = factories.invitation_with_link(meeting=meeting)
    other_meeting, _other_item = _meeting(world)
    other_document = factories.document(other_meeting)
    document = factories.document(meeting)
    assert client.get(f"/rsvp/{invitation.token}/documenten/{other_document.id}").status_code == 404
    assert client.get(f"/rsvp/{'x' * 43}/documenten/{document.id}").status_code == 404
    invitation.token_revoked_at = utcnow()
    db.session.commit()
    assert client.get(f"/rsvp/{invitation.token}/documenten/{document.id}").status_code == 404


def test_the_pages_that_list_documents_take_as_many_queries_for_two_as_for_ten(client, world):
    """No query per document: the documents page, the meeting page and the answer page."""
    from bench.pages import queries_for

    counts = []
    for number in (2, 10):
        meeting, item = _meeting(world)
        invitation = factories.invitation_with_link(meeting=meeting)
        for index in range(number):
            document = factories.document(
                meeting,
                filename=f"nota-{index}.txt",
                content=f"nota {index}\n".encode(),
                agenda_item=item if index % 2 else None,
            )
            services.replace_document(
                document,
                services.Upload(f"nota-{index}-v2.txt", f"versie 2 {index}\n".encode()),
                user=None,
                now=utcnow(),
                settings=services.DocumentSettings(),
            )
        db.session.commit()
        login(client, world.secretary)
        counts.append(
            [
                len(queries_for(client, db.engine, path)[1])
                for path in (
                    f"/meetings/{meeting.id}/documents",
                    f"/meetings/{meeting.id}",
                    f"/rsvp/{invitation.token}",
                )
            ]
        )
    assert counts[0] == counts[1]
