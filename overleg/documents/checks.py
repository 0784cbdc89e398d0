"""What an uploaded file is, judged from its content, never from its name.

`inspect(name, content, limits)` answers the file's kind and the name it is stored under, or
raises a Refusal that says why the file is refused:
- the name: no path separators or control characters, not empty, not too long; its extension
  must be one of the allowed ones and agree with the content (an executable renamed .pdf is
  neither a PDF nor text, so it is refused);
- PDF (`%PDF-`): no JavaScript, launch actions or embedded files, also not inside compressed
  object streams or behind #xx-escaped names;
- Office Open XML and OpenDocument: a sound zip (every member's checksum read) holding the parts
  of its kind, whose members unpack to at most `limits.max_unpacked` bytes together (a zip bomb
  is refused before anything is unpacked: the declared sizes are checked first, and a member
  is never read past its declared size);
- PNG and JPEG by their signature; TXT and CSV: text in UTF-8 (or Windows-1252) without control
  characters.
Pure code: no database, no request.
"""

from __future__ import annotations

import enum
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from overleg.lib.refusal import Refusal

NAME_MAX = 150
ZIP_MEMBERS_MAX = 10_000
# A compressed PDF stream is unpacked to look for dangerous names, up to this much each.
PDF_STREAM_MAX = 16 * 1024 * 1024


class Kind(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    ODT = "odt"
    ODS = "ods"
    ODP = "odp"
    PNG = "png"
    JPEG = "jpeg"
    TXT = "txt"
    CSV = "csv"


MIMETYPES: dict[Kind, str] = {
    Kind.PDF: "application/pdf",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Kind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    Kind.ODT: "application/vnd.oasis.opendocument.text",
    Kind.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    Kind.ODP: "application/vnd.oasis.opendocument.presentation",
    Kind.PNG: "image/png",
    Kind.JPEG: "image/jpeg",
    Kind.TXT: "text/plain; charset=utf-8",
    Kind.CSV: "text/csv; charset=utf-8",
}
EXTENSIONS: dict[str, Kind] = {
    "pdf": Kind.PDF,
    "docx": Kind.DOCX,
    "xlsx": Kind.XLSX,
    "pptx": Kind.PPTX,
    "odt": Kind.ODT,
    "ods": Kind.ODS,
    "odp": Kind.ODP,
    "png": Kind.PNG,
    "jpg": Kind.JPEG,
    "jpeg": Kind.JPEG,
    "txt": Kind.TXT,
    "csv": Kind.CSV,
}
# Shown inline in the browser; everything else is downloaded as an attachment.
INLINE_KINDS = frozenset({Kind.PDF, Kind.PNG, Kind.JPEG})
# The main part each Office Open XML kind must hold.
OOXML_PARTS = {
    Kind.DOCX: "word/document.xml",
    Kind.XLSX: "xl/workbook.xml",
    Kind.PPTX: "ppt/presentation.xml",
}
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": Kind.ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": Kind.ODS,
    b"application/vnd.oasis.opendocument.presentation": Kind.ODP,
}
TEXT_KINDS = frozenset({Kind.TXT, Kind.CSV})
DANGEROUS_PDF_NAMES = {
    "JavaScript": _l("JavaScript"),
    "JS": _l("JavaScript"),
    "Launch": _l("een actie die een programma start"),
    "EmbeddedFile": _l("ingesloten bestanden"),
    "EmbeddedFiles": _l("ingesloten bestanden"),
}
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_unpacked: int


@dataclass(frozen=True)
class Checked:
    """An accepted file: what it is and the name it is stored and downloaded under."""

    kind: Kind
    filename: str

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.kind]


def inspect(name: str, content: bytes, limits: Limits) -> Checked:
    """The file's kind and its name; Refusal (on the field `files`) for a file refused."""
    filename = clean_name(name)
    if not content:
        raise Refusal(_l("%(name)s is leeg.", name=filename), field="files")
    if len(content) > limits.max_bytes:
        raise Refusal(
            _l(
                "%(name)s is groter dan %(limit)s.",
                name=filename,
                limit=human_size(limits.max_bytes),
            ),
            field="files",
        )
    kind = content_kind(filename, content, limits)
    claimed = EXTENSIONS.get(extension(filename))
    if claimed is None or (claimed is not kind and not {claimed, kind} <= TEXT_KINDS):
        raise Refusal(
            _l(
                "%(name)s heeft een naam die niet past bij de inhoud (%(kind)s). Geef het "
                "bestand de juiste extensie.",
                name=filename,
                kind=kind.value.upper(),
            ),
            field="files",
        )
    return Checked(claimed if kind in TEXT_KINDS else kind, filename)


def extension(filename: str) -> str:
    return filename.rpartition(".")[2].lower() if "." in filename else ""


def clean_name(name: str) -> str:
    """The file name as given, refused when it names a path or holds control characters."""
    if any(sep in name for sep in ("/", "\\")):
        raise Refusal(
            _l(
                "De bestandsnaam %(name)s bevat een / of \\: geef het bestand een naam zonder "
                "mappen.",
                name=repr(name),
            ),
            field="files",
        )
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        raise Refusal(
            _l("De bestandsnaam %(name)s bevat stuurtekens: hernoem het bestand.", name=repr(name)),
            field="files",
        )
    name = unicodedata.normalize("NFC", name).strip()
    if not name.strip("."):
        raise Refusal(_l("Het bestand heeft geen naam."), field="files")
    if len(name) > NAME_MAX:
        raise Refusal(
            _l("De bestandsnaam is langer dan %(max)d tekens: kort hem in.", max=NAME_MAX),
            field="files",
        )
    return name


def human_size(size: int) -> str:
    """'12 kB', '3,4 MB' (the Dutch decimal comma, as the pages show it)."""
    if size < 1000:
        return f"{size} B"
    if size < 1000 * 1000:
        return f"{round(size / 1000)} kB"
    return f"{size / 1_000_000:.1f} MB".replace(".", ",")


# --- the content --------------------------------------------------------------------------


def content_kind(filename: str, content: bytes, limits: Limits) -> Kind:
    if content.startswith(b"%PDF-"):
        check_pdf(filename, content)
        return Kind.PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if content.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if content.startswith(b"PK\x03\x04"):
        return zip_kind(filename, content, limits)
    if is_text(content):
        return Kind.CSV if extension(filename) == "csv" else Kind.TXT
    raise Refusal(
        _l(
            "%(name)s is geen toegelaten bestand: PDF, Word, Excel, PowerPoint, OpenDocument, "
            "PNG, JPEG, tekst of CSV.",
            name=filename,
        ),
        field="files",
    )


def is_text(content: bytes) -> bool:
    """Text in UTF-8 or Windows-1252, without control characters other than tab and newlines."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(
            unicodedata.category(char) == "Cc" and char not in "\t\r\n\f" for char in text
        )
    return False


def _pdf_names(data: bytes) -> Iterator[str]:
    for match in _PDF_NAME.finditer(data):
        raw = _PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        yield raw.decode("latin-1")


def _pdf_streams(content: bytes) -> Iterator[bytes]:
    """The unpacked content of each Flate-compressed stream (compressed object streams can hold
    the dictionaries the check looks for); a stream that does not unpack is skipped."""
    for match in _PDF_STREAM.finditer(content):
        start = match.end()
        end = content.find(b"endstream", start)
        if end < 0:
            return
        unpacker = zlib.decompressobj()
        try:
            yield unpacker.decompress(content[start:end], PDF_STREAM_MAX)
        except zlib.error:
            continue


def check_pdf(filename: str, content: bytes) -> None:
    """Refuse a PDF that runs code, starts programs or carries files."""
    for data in (content, *_pdf_streams(content)):
        for name in _pdf_names(data):
            reason = DANGEROUS_PDF_NAMES.get(name)
            if reason is not None:
                raise Refusal(
                    _l(
                        "%(name)s is geweigerd: de PDF bevat %(reason)s. Bewaar hem opnieuw als "
                        "gewone PDF (bijvoorbeeld via Afdrukken naar PDF).",
                        name=filename,
                        reason=reason,
                    ),
                    field="files",
                )


def _unsound(filename: str) -> Refusal:
    return Refusal(
        _l("%(name)s is geen gaaf Office- of OpenDocument-bestand.", name=filename),
        field="files",
    )


def zip_kind(filename: str, content: bytes, limits: Limits) -> Kind:
    """The Office or OpenDocument kind of a zip; refused when unsound or too large unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise _unsound(filename) from error
    check_unpacked_size(filename, members, limits)
    kind = _zip_content_kind(archive, members)
    if kind is None:
        raise _unsound(filename)
    _read_every_member(filename, archive, members)
    return kind


def check_unpacked_size(filename: str, members: list[zipfile.ZipInfo], limits: Limits) -> None:
    unpacked = sum(member.file_size for member in members)
    if len(members) > ZIP_MEMBERS_MAX or unpacked > limits.max_unpacked:
        raise Refusal(
            _l(
                "%(name)s pakt uit tot meer dan %(limit)s en is daarom geweigerd.",
                name=filename,
                limit=human_size(limits.max_unpacked),
            ),
            field="files",
        )


def _zip_content_kind(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> Kind | None:
    names = {member.filename for member in members}
    if members and members[0].filename == "mimetype" and members[0].file_size < 100:
        try:
            return ODF_MIMETYPES.get(archive.read("mimetype").strip())
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, OSError):
            return None
    if "[Content_Types].xml" not in names:
        return None
    for kind, part in OOXML_PARTS.items():
        if part in names:
            return kind
    return None


def _read_every_member(
    filename: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> None:
    """Read every member to its end: zipfile stops at the declared size and checks the CRC, so
    a member that lies about its size or is damaged is refused."""
    try:
        for member in members:
            if member.flag_bits & 0x1:
                raise _unsound(filename)  # encrypted
            with archive.open(member) as stream:
                while stream.read(1024 * 1024):
                    pass
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, OSError) as error:
        raise _unsound(filename) from error
