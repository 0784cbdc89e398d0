"""Building mail messages: one complete RFC 5322 message per recipient.

Every message overleg sends is built here with the standard library's `EmailMessage` and then
handed to `overleg.services.outbox.enqueue(...)` inside the transaction of the change that causes
it. Typical use (minutes with a PDF)::

    message = build_message(
        sender=mail_sender(platform),
        to_address=contact.email,
        to_name=contact.full_name,
        subject=_("Verslag ..."),
        text=text_body,
        html=html_body,
        attachments=[Attachment("verslag.pdf", pdf_bytes, "application/pdf")],
    )
    outbox.enqueue(message, kind="minutes", to_address=contact.email, meeting_id=meeting.id)

Header values that come from user input (names, subjects, addresses) are checked: control
characters such as CR and LF are refused (`HeaderInjectionError`), and text that looks like an
RFC 2047 encoded word (``=?utf-8?b?...?=``) is neutralised so a recipient's mail program cannot be
tricked into decoding it into something else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from overleg.models.types import utcnow

# Any ASCII control character (CR and LF above all) and the Unicode line separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
# An RFC 2047 encoded word: =?charset?B|Q?text?=
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+$")


class HeaderInjectionError(ValueError):
    """A header value derived from input contains characters that could add headers."""


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message (e.g. the .ics invitation, the agenda or minutes PDF)."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass(frozen=True)
class Sender:
    """Who a message comes from, and where answers go."""

    address: str
    name: str = ""
    reply_to: str = ""


def clean_header_text(value: str, *, field: str = "header") -> str:
    """A header value that is safe to use: no control characters, no encoded-word tricks.

    CR, LF and other control characters are refused (they would start a new header line);
    a literal ``=?...?=`` sequence is broken up with a space so that it shows as typed instead of
    being decoded by the recipient's mail program.
    """
    if _CONTROL.search(value):
        raise HeaderInjectionError(f"{field} contains a line break or control character")
    return _ENCODED_WORD.sub(lambda m: m.group(0).replace("=?", "= ?"), value).strip()


def clean_address(value: str, *, field: str = "address") -> str:
    """A plain mailbox address (local@domain), refused when it could carry more than that."""
    value = value.strip()
    if _CONTROL.search(value) or not _ADDRESS.match(value):
        raise HeaderInjectionError(f"{field} is not a single plain e-mail address")
    return value


def _address(address: str, name: str, field: str) -> Address:
    addr = clean_address(address, field=field)
    display = clean_header_text(name, field=f"{field} name") if name else ""
    local, _, domain = addr.rpartition("@")
    return Address(display_name=display, username=local, domain=domain)


def build_message(
    *,
    sender: Sender,
    to_address: str,
    to_name: str = "",
    subject: str,
    text: str,
    html: str | None = None,
    calendar: bytes | None = None,
    calendar_method: str | None = None,
    attachments: Sequence[Attachment] = (),
    message_id_domain: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> EmailMessage:
    """One complete message to one recipient.

    The body is multipart/alternative with text/plain, then text/html (when given), then
    text/calendar with ``method=<calendar_method>`` (when `calendar` is given), which is how
    Outlook, Gmail, Apple Mail and Thunderbird recognise an invitation. The same calendar should
    also be passed as an attachment (``invitation.ics``) for programs that only look there;
    attachments turn the message into multipart/mixed around the alternative part.

    Raises `HeaderInjectionError` when a header value contains CR/LF or control characters.
    """
    if calendar is not None and not calendar_method:
        raise ValueError("calendar_method is required with a calendar part")
    message = EmailMessage()
    message["From"] = _address(sender.address, sender.name, "sender")
    message["To"] = _address(to_address, to_name, "recipient")
    if sender.reply_to:
        message["Reply-To"] = _address(sender.reply_to, sender.name, "reply-to")
    message["Subject"] = clean_header_text(subject, field="subject")
    message["Date"] = format_datetime(utcnow())
    domain = message_id_domain or sender.address.rpartition("@")[2] or "overleg.local"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (extra_headers or {}).items():
        message[clean_header_text(name, field="header name")] = clean_header_text(value, field=name)

    message.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    if calendar is not None:
        method = clean_header_text(calendar_method or "", field="calendar method").upper()
        if not re.fullmatch(r"[A-Z-]+", method):
            raise HeaderInjectionError("calendar method must be an iTIP method name")
        message.add_alternative(
            calendar.decode("utf-8"),
            subtype="calendar",
            charset="utf-8",
            params={"method": method},
        )
    for attachment in attachments:
        maintype, _, subtype = attachment.mimetype.partition("/")
        filename = clean_header_text(attachment.filename, field="attachment name")
        params = {}
        if maintype == "text":
            params["charset"] = "utf-8"  # iCalendar and our text files are UTF-8
        if attachment.mimetype == "text/calendar" and calendar_method:
            params["method"] = calendar_method.upper()
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=filename,
            params=params,
        )
    return message


def parts_by_type(message: EmailMessage) -> dict[str, list[EmailMessage]]:
    """The leaf parts of a message grouped by content type (used by the mailbox page and tests)."""
    result: dict[str, list[EmailMessage]] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        result.setdefault(part.get_content_type(), []).append(part)  # type: ignore[arg-type]
    return result
