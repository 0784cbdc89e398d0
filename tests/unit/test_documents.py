"""Meeting documents without HTTP: the content checks, storage by hash, versions and removal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from overleg.documents import checks, services, storage
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import AuditEntry, DocumentBlob, DocumentChunk, DocumentVersion
from overleg.models.documents import CHUNK_BYTES
from overleg.models.types import utcnow
from tests import factories
from tests.support import documents as files

LIMITS = checks.Limits(max_bytes=1_000_000, max_unpacked=2_000_000)


def _refusal(name: str, content: bytes, limits: checks.Limits = LIMITS) -> str:
    with pytest.raises(Refusal) as caught:
        checks.inspect(name, content, limits)
    return str(caught.value)


# --- checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("nota.pdf", files.TINY_PDF, checks.Kind.PDF),
        ("plan.docx", files.docx(), checks.Kind.DOCX),
        ("verslag.odt", files.odt(), checks.Kind.ODT),
        ("foto.PNG", files.PNG, checks.Kind.PNG),
        ("cijfers.csv", b"gemeente;woningen\nNoorderdorp;12\n", checks.Kind.CSV),
        ("lees mij.txt", "Één regel in UTF-8\n".encode(), checks.Kind.TXT),
        ("oud.txt", "caf\xe9\n".encode("cp1252"), checks.Kind.TXT),
    ],
)
def test_good_files_are_known_by_their_content(app, name, content, kind):
    checked = checks.inspect(name, content, LIMITS)
    assert checked.kind is kind
    assert checked.filename == name


def test_an_executable_renamed_pdf_is_refused(app):
    assert "geen toegelaten bestand" in _refusal("nota.pdf", files.EXECUTABLE)


def test_a_pdf_named_docx_is_refused_for_its_name(app):
    assert "niet past bij de inhoud (PDF)" in _refusal("plan.docx", files.TINY_PDF)


def test_a_pdf_with_javascript_is_refused_with_the_reason(app):
    assert "de PDF bevat JavaScript" in _refusal("nota.pdf", files.PDF_WITH_JAVASCRIPT)


def test_a_launch_action_hidden_in_a_compressed_stream_is_found(app):
    message = _refusal("nota.pdf", files.PDF_WITH_HIDDEN_LAUNCH)
    assert "een actie die een programma start" in message


def test_embedded_files_are_refused(app):
    content = files.TINY_PDF.replace(
        b"/Type /Catalog", b"/Type /Catalog /Names << /EmbeddedFiles 3 0 R >>"
    )
    assert "ingesloten bestanden" in _refusal("nota.pdf", content)


def test_a_zip_bomb_disguised_as_docx_is_refused_before_unpacking(app):
    bomb = files.zip_bomb(3_000_000)
    assert len(bomb) < 20_000
    assert "pakt uit tot meer dan 2,0 MB" in _refusal("plan.docx", bomb)


def test_a_zip_that_is_no_office_file_is_refused(app):
    not_office = files._zip({"readme.txt": b"hello"})
    assert "geen gaaf Office" in _refusal("plan.docx", not_office)
    damaged = files.docx()[:-30]
    assert "geen gaaf Office" in _refusal("plan.docx", damaged)


def test_empty_and_too_large_files_are_refused(app):
    assert "is leeg" in _refusal("nota.pdf", b"")
    assert "groter dan 1,0 MB" in _refusal("nota.pdf", files.TINY_PDF + bytes(1_000_000))


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.txt", "map\\nota.pdf", "no\x07te.pdf", "a\u202etxt.pdf"]
)
def test_names_with_paths_or_control_characters_are_refused(app, name):
    message = _refusal(name, files.TINY_PDF)
    assert "bestandsnaam" in message


def test_human_sizes():
    assert checks.human_size(999) == "999 B"
    assert checks.human_size(12_400) == "12 kB"
    assert checks.human_size(3_450_000) == "3,5 MB"


# --- storage and versions -------------------------------------------------------------------


def test_one_blob_per_content_however_often_attached(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    other = factories.MeetingFactory(municipality=world.south)
    factories.document(meeting, filename="a.pdf")
    factories.document(meeting, filename="b.pdf")
    factories.document(other, filename="c.pdf")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentBlob)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 3


def test_a_large_file_is_stored_in_chunks_and_read_back(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    content = b"regel;waarde\n" * (CHUNK_BYTES // 6)
    document = factories.document(meeting, filename="groot.csv", content=content)
    blob_id = document.current.blob_id
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(DocumentChunk.blob_id == blob_id)) == 3
    )
    sizes = [len(chunk) for chunk in storage.stream(blob_id)]
    assert sizes == [CHUNK_BYTES, CHUNK_BYTES, len(content) - 2 * CHUNK_BYTES]
    assert storage.content(blob_id) == content


def test_a_new_version_replaces_the_shown_one_and_keeps_the_old(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    document = factories.document(meeting, filename="plan.pdf", title="Projectplan")
    version = services.replace_document(
        document,
        services.Upload("plan-v2.docx", files.docx()),
        user=world.secretary,
        now=utcnow(),
        settings=services.DocumentSettings(),
    )
    db.session.commit()
    assert version.number == 2
    assert document.current.filename == "plan-v2.docx"
    assert [v.filename for v in document.versions] == ["plan.pdf", "plan-v2.docx"]
    assert document.title == "Projectplan"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "document.replace")
    ).one()
    assert entry.details["version"] == 2 and len(entry.details["sha256"]) == 64


def test_one_refused_file_stores_none_of_them(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    with pytest.raises(Refusal):
        services.add_documents(
            meeting,
            [services.Upload("a.pdf", files.TINY_PDF), services.Upload("b.pdf", files.EXECUTABLE)],
            agenda_item=None,
            user=world.secretary,
            now=utcnow(),
            settings=services.DocumentSettings(),
        )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 0


def test_the_meeting_limit_counts_every_version(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    factories.document(meeting, filename="a.txt", content=b"x" * 600)
    settings = services.DocumentSettings(meeting_max_bytes=1000)
    with pytest.raises(Refusal, match="samen meer dan 1 kB"):
        services.add_documents(
            meeting,
            [services.Upload("b.txt", b"y" * 600)],
            agenda_item=None,
            user=None,
            now=utcnow(),
            settings=settings,
        )


def test_an_agenda_item_of_another_meeting_is_refused(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    item = factories.AgendaItemFactory(meeting=factories.MeetingFactory(municipality=world.north))
    with pytest.raises(Refusal, match="agendapunt van deze vergadering"):
        services.add_documents(
            meeting,
            [services.Upload("a.pdf", files.TINY_PDF)],
            agenda_item=item,
            user=None,
            now=utcnow(),
            settings=services.DocumentSettings(),
        )


def test_removal_before_the_invitations_deletes_an_unshared_blob(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    shared = factories.document(meeting, filename="a.pdf")
    factories.document(meeting, filename="b.pdf")  # the same content
    own = factories.document(meeting, filename="c.txt", content=b"alleen hier\n")
    services.remove_document(own, user=world.secretary, now=utcnow())
    services.remove_document(shared, user=world.secretary, now=utcnow())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentBlob)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 1
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("document.delete") == 2


def test_after_the_invitations_a_document_is_only_replaced(app, world):
    meeting = factories.MeetingFactory(
        municipality=world.north, invitations_sent_at=utcnow() - timedelta(days=1)
    )
    document = factories.document(meeting)
    assert not services.can_remove(document)
    with pytest.raises(Refusal, match="alleen vervangen"):
        services.remove_document(document, user=world.secretary, now=utcnow())


def test_a_cancelled_meeting_gets_no_documents(app, world):
    from overleg.models import MeetingStatus

    meeting = factories.MeetingFactory(municipality=world.north, status=MeetingStatus.CANCELLED)
    with pytest.raises(Refusal, match="geannuleerde"):
        factories.document(meeting)


def test_a_download_is_audited(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    document = factories.document(meeting)
    services.record_download(world.reader, document.current)
    db.session.commit()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "document.download")
    ).one()
    assert entry.user_id == world.reader.id
    assert entry.municipality_id == world.north.id


# --- with the minutes -----------------------------------------------------------------------


def test_approved_minutes_record_the_versions_they_refer_to(app, world):
    from overleg.minutes import services as minutes_services
    from overleg.models import MinutesAnnex
    from tests.pdftools import pdf_text
    from tests.unit.test_minutes_services import NOW, _meeting

    meeting = _meeting(world)
    next_one = _meeting(world, days_ago=10)
    item = meeting.agenda_items[2]
    plan = factories.document(meeting, filename="plan.pdf", title="Projectplan", agenda_item=item)
    factories.document(meeting, filename="cijfers.csv", content=b"a;b\n", title="Cijfers")
    minutes = minutes_services.ensure_minutes(meeting)
    minutes_services.circulate(minutes, expected_version=minutes.version, user=None, now=NOW)
    version = minutes_services.approve(
        minutes, expected_version=minutes.version, at_meeting=next_one, user=None, now=NOW
    )
    db.session.commit()

    annexes = db.session.scalars(sa.select(MinutesAnnex).order_by(MinutesAnnex.position)).all()
    assert [a.document_version.document.title for a in annexes] == ["Cijfers", "Projectplan"]
    assert all(a.minutes_version_id == version.id for a in annexes)
    text = " ".join(pdf_text(version.pdf).split())
    assert "Bijlagen" in text and "Projectplan (plan.pdf, versie 1" in text
    assert plan.current.sha256[:16] in text.replace(" ", "")

    # a version the minutes refer to stays, and a later replacement is not an annex
    services.replace_document(
        plan,
        services.Upload("plan-v2.pdf", files.TINY_PDF + b"%v2\n"),
        user=None,
        now=NOW,
        settings=services.DocumentSettings(),
    )
    db.session.commit()
    shown = services.annexes(meeting, minutes)
    assert [(a.title, a.number) for a in shown] == [("Cijfers", 1), ("Projectplan", 1)]
    assert not services.can_remove(plan)
    with pytest.raises(Refusal, match="verslag verwijst"):
        services.remove_document(plan, user=None, now=NOW)


def test_the_database_keeps_a_version_the_minutes_refer_to(app, world):
    """Also a deletion that bypasses the services' rule fails: the annex's foreign key has no
    cascade."""
    from sqlalchemy.exc import IntegrityError

    from overleg.models import MinutesAnnex

    meeting = factories.MeetingFactory(municipality=world.north)
    document = factories.document(meeting)
    minutes_version = factories.MinutesVersionFactory(
        minutes=factories.MinutesFactory(meeting=meeting), number=1
    )
    db.session.add(
        MinutesAnnex(minutes_version_id=minutes_version.id, document_version_id=document.current.id)
    )
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.delete(DocumentVersion).where(DocumentVersion.id == document.current.id)
        )
        db.session.flush()
    db.session.rollback()


def test_the_personal_data_export_lists_the_documents_a_contact_was_sent(app, world):
    from overleg.dataio import data_rights
    from overleg.meetings import invitations
    from overleg.models import Meeting

    meeting = factories.MeetingFactory(municipality=world.north)
    invitation = factories.InvitationFactory(meeting=meeting)
    factories.document(meeting, filename="plan.pdf", title="Projectplan")
    unsent = factories.MeetingFactory(municipality=world.north)
    factories.InvitationFactory(meeting=unsent, contact=invitation.contact)
    factories.document(unsent, filename="later.pdf", title="Nog niet verstuurd")
    invitations.send_invitations(db.session.get(Meeting, meeting.id), user=None, now=utcnow())
    db.session.commit()

    data = data_rights.personal_data(world.coordinator, invitation.contact)
    [sent] = data["documents_sent"]
    assert (sent["title"], sent["filename"], sent["version"]) == ("Projectplan", "plan.pdf", 1)
    assert len(sent["sha256"]) == 64 and sent["named_in_mail_at"]
    # a secretary of another municipality's export holds none of it
    other = factories.UserFactory(
        platform=world.platform, role=world.secretary.role, municipalities=[world.south]
    )
    assert data_rights.personal_data(other, invitation.contact)["documents_sent"] == []


# --- demo -----------------------------------------------------------------------------------


def test_the_demo_pdf_is_a_valid_pdf_the_checks_accept(app):
    from overleg.demo.documents import tiny_pdf
    from tests.pdftools import pdf_text

    content = tiny_pdf("Sociale woonprojecten: nota (één)", ["Eerste regel", "Tweede"])
    assert checks.inspect("nota.pdf", content, LIMITS).kind is checks.Kind.PDF
    text = pdf_text(content)
    assert "Sociale woonprojecten: nota (één)" in text and "Tweede" in text


def test_the_demo_has_documents_in_invitations_and_annexes(app):
    from datetime import UTC, datetime

    from overleg.auth.services import password_hasher
    from overleg.demo.platform import load_demo_data
    from overleg.models import Document, Meeting, MeetingStatus, Minutes, MinutesStatus

    load_demo_data(datetime(2026, 3, 20, 10, tzinfo=UTC), password_hasher(1, 1024))
    documents = db.session.scalars(sa.select(Document)).all()
    assert len(documents) > 20
    invited = db.session.scalars(
        sa.select(Meeting).where(Meeting.status == MeetingStatus.INVITED)
    ).first()
    assert invited is not None
    shown = services.listed(invited)
    assert shown and not any(d.new for d in shown)  # named in the invitation that went out
    approved = db.session.scalars(
        sa.select(Minutes).where(Minutes.status == MinutesStatus.APPROVED)
    ).first()
    annexes = services.annexes(approved.meeting, approved)
    assert annexes and all(len(annex.sha256) == 64 for annex in annexes)


def test_two_replacements_at_once_the_second_is_refused_not_lost(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    document = factories.document(meeting)
    assert len(document.versions) == 1  # what this person's request read
    # someone else's replacement is stored meanwhile (behind this session's back)
    db.session.execute(
        sa.insert(DocumentVersion).values(
            document_id=document.id,
            number=2,
            blob_id=document.current.blob_id,
            filename="theirs.pdf",
            mimetype="application/pdf",
            size=1,
            uploaded_at=utcnow(),
        )
    )
    with pytest.raises(Refusal, match="op hetzelfde moment"):
        services.replace_document(
            document,
            services.Upload("mine.pdf", files.TINY_PDF),
            user=world.secretary,
            now=utcnow(),
            settings=services.DocumentSettings(),
        )
