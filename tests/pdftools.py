"""Reading generated PDFs with poppler's command-line tools (pdftotext, pdfinfo, pdffonts)."""

from __future__ import annotations

import re
import subprocess
import tempfile
import zlib
from pathlib import Path


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(
            [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            check=True,
            timeout=120,
        )
    return result.stdout.decode("utf-8", "replace")


def pdf_text(pdf: bytes) -> str:
    """The text in reading order, whitespace collapsed to single spaces."""
    return " ".join(_run("pdftotext", pdf, "-enc", "UTF-8").split())


def pdf_text_in_content_order(pdf: bytes) -> str:
    """The text in the order it was drawn (a table cell by cell, not line by line across the
    columns), whitespace collapsed to single spaces."""
    return " ".join(_run("pdftotext", pdf, "-enc", "UTF-8", "-raw").split())


def pdf_info(pdf: bytes) -> dict[str, str]:
    info = {}
    for line in _run("pdfinfo", pdf).splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """One row per font: name and whether it is embedded ('emb' column: yes/no)."""
    lines = _run("pdffonts", pdf).splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni objectid gen: the last five columns are fixed.
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


def pdf_metadata_xml(pdf: bytes) -> str:
    """The XMP metadata stream, as printed by `pdfinfo -meta`."""
    return _run("pdfinfo", pdf, "-meta")


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def pdf_structure(pdf: bytes) -> bytes:
    """The file with every Flate stream inflated, so that dictionaries kept in compressed object
    streams (the catalog's /Lang, an /EmbeddedFile, ...) can be searched for."""
    parts = [pdf]
    for match in _STREAM.finditer(pdf):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_structure_tree(pdf: bytes) -> str:
    """The logical structure tree (tags) as printed by `pdfinfo -struct`."""
    return _run("pdfinfo", pdf, "-struct")


def pdf_images(pdf: bytes) -> list[dict[str, str]]:
    """One row per image in the document (`pdfimages -list`): its page, size and type."""
    rows = []
    for line in _run("pdfimages", pdf, "-list").splitlines()[2:]:
        parts = line.split()
        rows.append({"page": parts[0], "width": parts[3], "height": parts[4], "type": parts[2]})
    return rows
