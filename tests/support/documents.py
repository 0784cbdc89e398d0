"""Small files for the document tests: good ones of every kind and the bad ones the upload
refuses (built in memory, a few kB each)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PDF_WITH_JAVASCRIPT = TINY_PDF.replace(
    b"/Pages 2 0 R", b"/Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
)
# The same, hidden: the name #xx-escaped and the dictionary inside a compressed stream.
PDF_WITH_HIDDEN_LAUNCH = (
    b"%PDF-1.5\n3 0 obj\n<< /Length 40 /Filter /FlateDecode >>\nstream\n"
    + zlib.compress(b"<< /S /L#61unch /F (calc.exe) >>")
    + b"\nendstream\nendobj\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13)
    + b"IHDR"
    + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    + b"\x00\x00\x00\x00"
)
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


def _zip(members: dict[str, bytes], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members.items()):
            kind = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML word document (what the checks look for)."""
    return _zip(
        {
            "[Content_Types].xml": b"<?xml version='1.0'?><Types/>",
            "word/document.xml": b"<?xml version='1.0'?><w:document/>",
            **(extra or {}),
        }
    )


def odt() -> bytes:
    return _zip(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"},
        stored_first=True,
    )


def zip_bomb(unpacked: int) -> bytes:
    """A .docx look-alike with a member of `unpacked` zero bytes (a few kB packed)."""
    return docx({"word/media/zeros.bin": bytes(unpacked)})
