"""The logo of a platform's PDFs: an uploaded PNG or JPEG, re-encoded with Pillow.

Only the pixels survive: the upload is decoded (refused when it is not a PNG or JPEG, corrupt,
too large as a file or as a picture), scaled down to what a letterhead needs and encoded anew
without metadata (no EXIF, no comments, no embedded profiles or other chunks). What is stored is
therefore always a clean image that our own code wrote.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from overleg.lib.refusal import Refusal

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
# A logo is a letterhead: at most this many pixels on its longest side once stored.
STORED_SIDE = 1200
# A picture larger than this (in pixels) is refused before it is decoded (a decompression bomb).
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanLogo:
    data: bytes
    mimetype: str


def _refused() -> Refusal:
    return Refusal(
        _l("Dit bestand is geen bruikbare PNG- of JPEG-afbeelding. Kies een ander bestand."),
        field="logo",
    )


def _opened(data: bytes) -> Image.Image:
    """The picture, decoded and checked; a Refusal for anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=tuple(FORMATS)) as checked:
                width, height = checked.size
                if width * height > MAX_PIXELS:
                    raise _refused()
                checked.verify()  # the structure and checksums, before decoding
            picture = Image.open(BytesIO(data), formats=tuple(FORMATS))
            picture.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _refused() from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refused() from None
    return picture


def clean_logo(data: bytes, max_bytes: int) -> CleanLogo:
    """The uploaded file re-encoded, or a Refusal on the field "logo" that says why not."""
    if not data:
        raise Refusal(_l("Het gekozen bestand is leeg."), field="logo")
    if len(data) > max_bytes:
        raise Refusal(
            _l("Een logo is hoogstens %(size)s kB groot.", size=max_bytes // 1024), field="logo"
        )
    picture = _opened(data)
    source_format = picture.format or ""
    picture.thumbnail((STORED_SIDE, STORED_SIDE))
    output = BytesIO()
    if source_format == "JPEG":
        picture.convert("RGB").save(output, format="JPEG", quality=90, optimize=True)
    else:
        mode = picture.mode if picture.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
        picture.convert(mode).save(output, format="PNG", optimize=True)
    return CleanLogo(output.getvalue(), FORMATS.get(source_format, "image/png"))
