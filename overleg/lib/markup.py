"""The small, safe Markdown subset of the minutes: paragraphs, lists, bold, italic and links.

Text is converted by `markdown` and the result is sanitised by `nh3` (an allow-list HTML
sanitiser): every other tag is dropped (its text kept; the content of script and style is dropped
entirely), no attributes except a link's href survive, and links keep only the http, https and
mailto schemes and never point at this machine or a private network (a PDF viewer or browser
should not be steered to internal services by a note).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_safe_link(url: str) -> bool:
    """True for http(s) links to a public host and for mailto: links."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        return True
    if scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or host in _LOCAL_HOSTNAMES or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A name; numeric forms such as 2130706433 or 0x7f.1 are refused as well.
        return not host.replace(".", "").isdigit() and not host.startswith("0x")
    return address.is_global


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if is_safe_link(value) else None
    return value


def sanitize_html(html: str) -> str:
    """Keep only the allowed tags and safe links of an HTML fragment."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """The safe HTML of a note written in the Markdown subset (empty Markup for empty text)."""
    if not text or not text.strip():
        return Markup("")
    html = markdown.markdown(text, output_format="html")
    return Markup(sanitize_html(html))  # noqa: S704  # nosec B704 - sanitised by nh3 above


def lines(text: str | None) -> list[str]:
    """The non-empty lines of a one-item-per-line field (decisions)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
