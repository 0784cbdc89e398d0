"""Meeting documents: adding, replacing and removing them, and what the other features read.

Plain typed functions; they add and flush, never commit. A change the rules refuse raises
Refusal. The rules:
- a file is accepted only when overleg.documents.checks says what it is, within the size limits
  (`DocumentSettings`, from the configuration), and the meeting's documents stay within the
  meeting's limit;
- a new version replaces the shown one and the old ones stay;
- before the invitations went out a document can be removed; afterwards only replaced (the
  invitees may have it), and never once approved minutes refer to one of its versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.documents import checks, storage
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail.messages import Attachment
from overleg.models import (
    AgendaItem,
    Document,
    DocumentBlob,
    DocumentVersion,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesAnnex,
    MinutesStatus,
    MinutesVersion,
    User,
)

TITLE_MAX = 200
MB = 1000 * 1000


@dataclass(frozen=True)
class DocumentSettings:
    """The limits of the documents (README: Configuration)."""

    max_bytes: int = 25 * MB
    meeting_max_bytes: int = 100 * MB
    max_unpacked_bytes: int = 250 * MB

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DocumentSettings:
        return cls(
            max_bytes=int(config.get("DOCUMENT_MAX_BYTES", cls.max_bytes)),
            meeting_max_bytes=int(
                config.get("DOCUMENTS_PER_MEETING_MAX_BYTES", cls.meeting_max_bytes)
            ),
            max_unpacked_bytes=int(
                config.get("DOCUMENT_MAX_UNPACKED_BYTES", cls.max_unpacked_bytes)
            ),
        )

    @property
    def limits(self) -> checks.Limits:
        return checks.Limits(max_bytes=self.max_bytes, max_unpacked=self.max_unpacked_bytes)


@dataclass(frozen=True)
class Upload:
    """A file as it came in: the name the browser gave and its bytes."""

    name: str
    content: bytes


# --- reading --------------------------------------------------------------------------------


def documents_of(meeting: Meeting) -> list[Document]:
    """The meeting's documents with their versions and blobs, in agenda order (the meeting's own
    documents first), then by title. One query per relation, whatever their number."""
    documents = db.session.scalars(
        sa.select(Document)
        .where(Document.meeting_id == meeting.id)
        .options(
            selectinload(Document.versions).selectinload(DocumentVersion.blob),
            selectinload(Document.agenda_item),
        )
    ).all()
    return sorted(documents, key=_agenda_order)


def shared_of(meeting: Meeting) -> list[Document]:
    """The documents every invitee gets (mail, answer page, agenda PDF, minutes' annexes): not
    those of a confidential agenda item, which only the people named on it read."""
    return [d for d in documents_of(meeting) if not on_confidential_item(d)]


def on_confidential_item(document: Document) -> bool:
    return document.agenda_item is not None and document.agenda_item.confidential


def _agenda_order(document: Document) -> tuple[int, str, int]:
    position = -1 if document.agenda_item is None else document.agenda_item.position
    return position, document.title.lower(), document.id


def by_item(documents: Sequence[Document]) -> dict[int | None, list[Document]]:
    """The documents per agenda item id (None: the meeting's own)."""
    grouped: dict[int | None, list[Document]] = {}
    for document in documents:
        grouped.setdefault(document.agenda_item_id, []).append(document)
    return grouped


def get_document(meeting: Meeting, document_id: int) -> Document | None:
    """The meeting's document with this id (None for one of another meeting)."""
    document = db.session.get(Document, document_id)
    if document is None or document.meeting_id != meeting.id:
        return None
    return document


def version_of(document: Document, number: int) -> DocumentVersion | None:
    return next((v for v in document.versions if v.number == number), None)


def stored_bytes(meeting: Meeting) -> int:
    """What the meeting's documents take together, every version counted."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(DocumentVersion.size), 0))
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.meeting_id == meeting.id)
    )
    return int(total or 0)


def can_remove(document: Document) -> bool:
    """Before the invitations went out, and while no minutes refer to it."""
    return document.id in removable([document])


def removable(documents: Sequence[Document]) -> set[int]:
    """The ids of the documents that may still be removed (one query for all of them)."""
    candidates = [d for d in documents if d.meeting.invitations_sent_at is None]
    in_minutes = storage.versions_in_minutes({v.id for d in candidates for v in d.versions})
    return {d.id for d in candidates if not any(v.id in in_minutes for v in d.versions)}


# --- for the mails to the invitees -----------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A document as the invitees' mail and pages show it (its shown version)."""

    id: int
    title: str
    filename: str
    size: int
    item: str  # "2. Projectplan", or "" for a document of the whole meeting
    # Added or replaced since the invitations went out, and not yet named in a mail.
    new: bool

    @property
    def size_label(self) -> str:
        return checks.human_size(self.size)


@dataclass(frozen=True)
class MailDocuments:
    listed: list[Listed]
    attachments: list[Attachment]

    @property
    def new(self) -> list[Listed]:
        return [document for document in self.listed if document.new]


def listed(meeting: Meeting) -> list[Listed]:
    """The meeting's documents as the invitees see them, in agenda order."""
    numbers = {item.id: index for index, item in enumerate(meeting.agenda_items, start=1)}
    sent = meeting.invitations_sent_at is not None
    return [
        Listed(
            id=document.id,
            title=document.title,
            filename=document.current.filename,
            size=document.current.size,
            item=(
                f"{numbers.get(document.agenda_item.id, '')}. {document.agenda_item.title}"
                if document.agenda_item is not None
                else ""
            ),
            new=sent and document.current.announced_at is None,
        )
        for document in shared_of(meeting)
    ]


def for_mail(meeting: Meeting, *, attach_max_bytes: int = 0) -> MailDocuments:
    """What a mail about `meeting` lists, and the files it attaches: every document's shown
    version when together they weigh at most `attach_max_bytes` (0: none attached)."""
    documents = shared_of(meeting)
    shown = listed(meeting)
    total = sum(document.current.size for document in documents)
    attachments = []
    if documents and total <= attach_max_bytes:
        attachments = [
            Attachment(
                document.current.filename,
                storage.content(document.current.blob_id),
                document.current.mimetype.partition(";")[0],
            )
            for document in documents
        ]
    return MailDocuments(shown, attachments)


def mark_announced(meeting: Meeting, now: datetime) -> None:
    """The shown versions were named in a mail that went out: an update mail no longer names
    them as new."""
    for document in documents_of(meeting):
        if document.current.announced_at is None:
            document.current.announced_at = now


def sent_to(invitation_ids: Sequence[int]) -> list[DocumentVersion]:
    """The document versions named in mails to these invitations' meetings (a person's data
    export): every version that was announced while the invitation had been sent."""
    if not invitation_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(DocumentVersion)
            .join(Document, Document.id == DocumentVersion.document_id)
            .join(Invitation, Invitation.meeting_id == Document.meeting_id)
            .where(
                Invitation.id.in_(invitation_ids),
                Invitation.sent_at.is_not(None),
                DocumentVersion.announced_at.is_not(None),
            )
            .options(
                selectinload(DocumentVersion.document).selectinload(Document.meeting),
                selectinload(DocumentVersion.blob),
            )
            .order_by(DocumentVersion.announced_at, DocumentVersion.id)
        ).unique()
    )


# --- with the minutes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Annex:
    """A document version the minutes refer to, as the minutes name it."""

    title: str
    filename: str
    number: int
    size: int
    sha256: str


def _annex(version: DocumentVersion) -> Annex:
    return Annex(
        version.document.title, version.filename, version.number, version.size, version.sha256
    )


def annexes(meeting: Meeting, minutes: Minutes) -> list[Annex]:
    """The annexes the minutes name: the versions their latest approval recorded, or, while
    they are not approved, the shown version of each of the meeting's documents."""
    if minutes.status is MinutesStatus.APPROVED and minutes.versions:
        recorded = recorded_annexes(minutes.versions[-1])
        if recorded:
            return [_annex(version) for version in recorded]
    return [_annex(document.current) for document in shared_of(meeting)]


def recorded_annexes(minutes_version: MinutesVersion) -> list[DocumentVersion]:
    return list(
        db.session.scalars(
            sa.select(DocumentVersion)
            .join(MinutesAnnex, MinutesAnnex.document_version_id == DocumentVersion.id)
            .where(MinutesAnnex.minutes_version_id == minutes_version.id)
            .options(selectinload(DocumentVersion.document), selectinload(DocumentVersion.blob))
            .order_by(MinutesAnnex.position)
        )
    )


def record_annexes(minutes_version: MinutesVersion) -> list[DocumentVersion]:
    """On approval: the shown version of each of the meeting's documents becomes an annex of
    this frozen version of the minutes (by its hash); those versions can no longer be
    removed."""
    db.session.flush()  # the minutes version's id
    versions = [document.current for document in shared_of(minutes_version.minutes.meeting)]
    db.session.add_all(
        MinutesAnnex(
            minutes_version_id=minutes_version.id, document_version_id=version.id, position=index
        )
        for index, version in enumerate(versions)
    )
    return versions


# --- changing -------------------------------------------------------------------------------


def _checked(
    uploads: Sequence[Upload], meeting: Meeting, settings: DocumentSettings
) -> list[tuple[Upload, checks.Checked]]:
    """Every file checked before any is stored: one refused file stores none of them."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise Refusal(_l("Een geannuleerde vergadering krijgt geen documenten meer."))
    if not uploads:
        raise Refusal(_l("Kies een of meer bestanden."), field="files")
    checked = [
        (upload, checks.inspect(upload.name, upload.content, settings.limits)) for upload in uploads
    ]
    total = stored_bytes(meeting) + sum(len(upload.content) for upload, _ in checked)
    if total > settings.meeting_max_bytes:
        raise Refusal(
            _l(
                "De documenten van deze vergadering zouden samen meer dan %(limit)s worden. "
                "Verwijder of verklein eerst een document.",
                limit=checks.human_size(settings.meeting_max_bytes),
            ),
            field="files",
        )
    return checked


def _title(title: str, checked: checks.Checked) -> str:
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        raise Refusal(_l("De titel is langer dan %(max)d tekens.", max=TITLE_MAX), field="title")
    return title or checked.filename.rpartition(".")[0] or checked.filename


def _new_version(
    document: Document,
    upload: Upload,
    checked: checks.Checked,
    blob: DocumentBlob,
    *,
    user: User | None,
    now: datetime,
) -> DocumentVersion:
    number = document.versions[-1].number + 1 if document.versions else 1
    version = DocumentVersion(
        number=number,
        blob=blob,
        filename=checked.filename,
        mimetype=checked.mimetype,
        size=len(upload.content),
        uploaded_at=now,
        uploaded_by_id=user.id if user is not None else None,
    )
    document.versions.append(version)
    return version


def add_documents(
    meeting: Meeting,
    uploads: Sequence[Upload],
    *,
    agenda_item: AgendaItem | None,
    title: str = "",
    user: User | None,
    now: datetime,
    settings: DocumentSettings,
) -> list[Document]:
    """One document per file, on `agenda_item` or on the meeting. `title` names a single file
    (several files are named after their file names)."""
    if agenda_item is not None and agenda_item.meeting_id != meeting.id:
        raise Refusal(_l("Kies een agendapunt van deze vergadering."), field="agenda_item")
    added = []
    for upload, checked in _checked(uploads, meeting, settings):
        # The blob first: storing it may roll back to a savepoint (the same content stored at
        # the same moment), which must not take the new document with it.
        blob = storage.store(upload.content)
        document = Document(
            meeting=meeting,
            agenda_item=agenda_item,
            title=_title(title if len(uploads) == 1 else "", checked),
            created_at=now,
        )
        db.session.add(document)
        version = _new_version(document, upload, checked, blob, user=user, now=now)
        db.session.flush()
        _record_document(
            user, "document.upload", document, version, f"Document toegevoegd: {document.title}"
        )
        added.append(document)
    return added


def replace_document(
    document: Document,
    upload: Upload,
    *,
    title: str = "",
    user: User | None,
    now: datetime,
    settings: DocumentSettings,
) -> DocumentVersion:
    """A new version that replaces the shown one; the earlier versions stay."""
    [(upload, checked)] = _checked([upload], document.meeting, settings)
    new_title = _title(title, checked) if title.strip() else document.title
    blob = storage.store(upload.content)
    try:
        with db.session.begin_nested():
            document.title = new_title
            version = _new_version(document, upload, checked, blob, user=user, now=now)
            db.session.flush()
    except IntegrityError as error:  # the same version number, stored by someone else first
        raise Refusal(
            _l(
                "Iemand anders voegde op hetzelfde moment een nieuwe versie toe. Laad de pagina "
                "opnieuw en probeer nog eens."
            )
        ) from error
    _record_document(
        user,
        "document.replace",
        document,
        version,
        f"Document vervangen (versie {version.number}): {document.title}",
    )
    return version


def remove_document(document: Document, *, user: User | None, now: datetime) -> None:
    """Remove a document with its versions: only before the invitations went out, never one the
    minutes refer to. A blob no other document uses goes with it."""
    meeting = document.meeting
    if meeting.invitations_sent_at is not None:
        raise Refusal(
            _l(
                "De uitnodigingen zijn verstuurd: dit document kan niet meer verwijderd worden, "
                "alleen vervangen door een nieuwe versie."
            )
        )
    if storage.versions_in_minutes({v.id for v in document.versions}):
        raise Refusal(_l("Een goedgekeurd verslag verwijst naar dit document: het blijft."))
    blob_ids = {v.blob_id for v in document.versions}
    _record_document(
        user,
        "document.delete",
        document,
        document.current,
        f"Document verwijderd: {document.title}",
    )
    db.session.delete(document)
    db.session.flush()
    storage.forget_unused(blob_ids)


def record_download(user: User, version: DocumentVersion) -> None:
    """A download by someone with an account is in the audit trail."""
    document = version.document
    _record_document(
        user,
        "document.download",
        document,
        version,
        f"Document gedownload (versie {version.number}): {document.title}",
    )


def _record_document(
    user: User | None, action: str, document: Document, version: DocumentVersion, summary: str
) -> None:
    meeting = document.meeting
    if user is None:
        return
    audit.record(
        user,
        action,
        document,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: {summary}",
        details={
            "meeting_id": meeting.id,
            "version": version.number,
            "filename": version.filename,
            "sha256": version.blob.sha256,
            "size": version.size,
        },
    )
