"""PDF documents rendered by WeasyPrint from the templates under templates/pdf/.

The features own their documents (the agenda: overleg/meetings/agenda_pdf.py, the minutes:
overleg/minutes); this module renders any of them and reads no database itself.

Safety: the only resources a document may load are our own files under static/ (the vendored
fonts), data: URLs and the resources the caller hands over by name (the platform's logo, as
re-encoded on upload, at LOGO_URL). Every other URL (http, https, ftp, file outside static/, ...)
is refused by `StaticOnlyFetcher` before anything is opened, whatever a secretary typed into the
notes.

Accessibility and archiving: the documents are tagged (PDF/UA-1 by default, the PDF_VARIANT
setting chooses another variant such as "pdf/a-3a"), carry title, author and language (nl-BE) in
their metadata and embed (a subset of) the vendored DejaVu Sans fonts.

Speed: the static stylesheet (templates/pdf/_style.css, with the @font-face rules of the vendored
fonts) is parsed once per thread into a `weasyprint.CSS` bound to a `FontConfiguration` that is
kept with it, so the fonts are read and registered with fontconfig once, not for every document
(`_shared_style`). The documents keep only their per-document rules (page footer, watermark) in
their own <style>, which still wins over the shared sheet in the cascade.

`render_template` needs an application context (for the configuration and the templates); no
request is needed, so the functions also run from the CLI and the outbox worker.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app
from flask_babel import force_locale
from weasyprint import CSS, HTML
from weasyprint.css import ColorProfile
from weasyprint.pdf import VARIANTS
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from config import PROJECT_ROOT
from overleg.lib.dates import BRUSSELS

if TYPE_CHECKING:
    from overleg.models import Platform

STATIC_ROOT = (PROJECT_ROOT / "static").resolve()
STYLESHEET = PROJECT_ROOT / "templates" / "pdf" / "_style.css"
DEFAULT_VARIANT = "pdf/ua-1"
# A data: URL larger than this is refused (a pasted photo must not blow up the document).
MAX_DATA_URL_BYTES = 512 * 1024
# Where a document finds the platform's logo (templates/pdf/_base.html); served from memory.
LOGO_URL = "overleg-resource:logo"
LOGO_TYPES = frozenset({"image/png", "image/jpeg"})


@dataclass(frozen=True)
class Resource:
    """Bytes a document may load by name (`StaticOnlyFetcher(resources=...)`)."""

    body: bytes
    mimetype: str


def platform_resources(platform: Platform) -> dict[str, Resource]:
    """What a document of `platform` may load besides static/: its logo, when it has one."""
    if platform.logo_mimetype not in LOGO_TYPES or not platform.logo:
        return {}
    return {LOGO_URL: Resource(platform.logo, platform.logo_mimetype)}


class BlockedResourceError(ValueError):
    """A document tried to load something that is neither under static/ nor a data: URL."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only files under static/, small data: URLs and the
    `resources` it was given (by their exact URL).

    Nothing is fetched over the network and no file outside static/ is read; refused URLs are
    remembered in `blocked` (WeasyPrint logs them and leaves the resource out of the document).
    """

    def __init__(
        self, static_root: Path = STATIC_ROOT, resources: Mapping[str, Resource] | None = None
    ) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.static_root = static_root.resolve()
        self.resources = dict(resources or {})
        self.blocked: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        given = self.resources.get(url)
        if given is not None:
            return URLFetcherResponse(
                url, body=given.body, headers={"Content-Type": given.mimetype}
            )
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            if len(url) > MAX_DATA_URL_BYTES:
                return self._refuse(url[:60] + "...")
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._static_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
                )
        return self._refuse(url)

    def _static_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve()
        except (OSError, ValueError):
            return None
        if not path.is_relative_to(self.static_root) or not path.is_file():
            return None
        return path

    def _refuse(self, url: str) -> URLFetcherResponse:
        self.blocked.append(url)
        raise BlockedResourceError(f"resource not allowed in documents: {url}")


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int
    blocked: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


_SRGB = "overleg-srgb"


def _srgb_profile() -> ColorProfile:
    data = (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
    return ColorProfile(
        BytesIO(data), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )


_style_cache = threading.local()


def _shared_style() -> tuple[FontConfiguration, CSS]:
    """The font configuration and the parsed static stylesheet of this thread, built once.

    Parsing the stylesheet registers its @font-face fonts (read through `StaticOnlyFetcher`, so
    only from static/) with the font configuration; both are reused for every later document.
    One pair per thread: a Pango font map must not be shared between threads.
    """
    cached = getattr(_style_cache, "value", None)
    if cached is None:
        font_config = FontConfiguration()
        stylesheet = CSS(
            string=STYLESHEET.read_text(encoding="utf-8"),
            base_url=STATIC_ROOT.as_uri() + "/",
            url_fetcher=StaticOnlyFetcher(),
            font_config=font_config,
        )
        cached = _style_cache.value = (font_config, stylesheet)
    return cached


def pdf_variant() -> str | None:
    """The configured PDF variant ("pdf/ua-1" by default); "none" or "" renders plain PDF."""
    variant = str(current_app.config.get("PDF_VARIANT", DEFAULT_VARIANT) or "").strip().lower()
    return None if variant in ("", "none") else variant


def render_html_to_pdf(
    html: str,
    *,
    variant: str | bool | None = True,
    resources: Mapping[str, Resource] | None = None,
) -> RenderedPdf:
    """Render an HTML string to PDF with the restricted fetcher and the configured variant.

    `variant=True` takes the PDF_VARIANT setting, `None`/`False` renders untagged plain PDF
    (used by the benchmark as the bare reference). `resources` are what the document may load
    besides static/ (`platform_resources`).
    """
    fetcher = StaticOnlyFetcher(resources=resources)
    chosen = pdf_variant() if variant is True else (variant or None)
    options: dict[str, Any] = {}
    color_profiles: dict[str, ColorProfile] = {}
    if chosen:
        if chosen not in VARIANTS:
            raise ValueError(f"unknown PDF_VARIANT {chosen!r}; one of {sorted(VARIANTS)}")
        options["pdf_variant"] = chosen
        options["pdf_tags"] = True
        if VARIANTS[chosen][1].get("output_intent") == "srgb":
            # WeasyPrint's own sRGB output intent leaves its .icc file open (a ResourceWarning);
            # hand it the same profile from memory instead.
            color_profiles[_SRGB] = _srgb_profile()
            options["output_intent"] = _SRGB
    font_config, stylesheet = _shared_style()
    document = HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[stylesheet],
        font_config=font_config,
        color_profiles=color_profiles,
        **options,
    )
    content = document.write_pdf(**options)
    return RenderedPdf(content, len(document.pages), tuple(fetcher.blocked))


_WATERMARK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="595" height="842" viewBox="0 0 595 842">'
    '<text x="297" y="421" transform="rotate(-45 297 421)" text-anchor="middle" '
    'font-family="OverlegSans" font-size="96" font-weight="bold" fill="#000" '
    'fill-opacity="0.07">{text}</text></svg>'
)


def watermark_data_url(text: str) -> str:
    """An SVG page background with `text` diagonally across it, as a data: URL."""
    svg = _WATERMARK_SVG.format(text=text.replace("&", "&amp;").replace("<", "&lt;"))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_pdf_html(template: str, **context: Any) -> str:
    """The HTML of templates/pdf/<template> with `context`, in Dutch (the documents are nl-BE).

    Rendered straight from the Jinja environment, without Flask's context processors (they need
    a request), so it also works from the CLI, the demo loader and the benchmark.
    """
    with force_locale("nl"):
        return current_app.jinja_env.get_template(f"pdf/{template}").render(
            watermark_data_url=watermark_data_url, logo_url=LOGO_URL, **context
        )


def render_pdf_template(template: str, *, platform: Platform, **context: Any) -> RenderedPdf:
    """Render templates/pdf/<template> with `context` and turn it into a PDF that may show the
    platform's logo."""
    return render_html_to_pdf(
        render_pdf_html(template, platform=platform, **context),
        resources=platform_resources(platform),
    )


def local_date_label(value: datetime) -> str:
    """The Brussels date of `value` as in a file name: 2026-03-17."""
    return value.astimezone(BRUSSELS).strftime("%Y-%m-%d")


def dated_pdf_filename(kind: str, slug: str, moment: datetime) -> str:
    """A document's file name: "<kind>-<slug>-<Brussels date>.pdf"."""
    return f"{kind}-{slug}-{local_date_label(moment)}.pdf"
