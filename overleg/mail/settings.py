"""The sender settings every mail of overleg uses, and who can be mailed at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from overleg.mail.messages import HeaderInjectionError, Sender, clean_address, one_line
from overleg.models import Contact, Platform


@dataclass(frozen=True)
class MailSettings:
    """What the mail needs from the configuration (no request needed)."""

    base_url: str
    mail_from: str
    attach_agenda_pdf: bool = True
    # Where calendar answers go (the ORGANIZER of invitations); "" for the platform's address.
    reply_mailbox: str = ""
    # The meeting's documents are attached to the invitation when together at most this big.
    attach_documents_max_bytes: int = 10 * 1000 * 1000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            base_url=str(config.get("BASE_URL", "")).rstrip("/"),
            mail_from=str(config.get("MAIL_FROM", "")),
            attach_agenda_pdf=bool(config.get("ATTACH_AGENDA_PDF", True)),
            reply_mailbox=str(config.get("REPLY_MAILBOX", "") or "").strip(),
            attach_documents_max_bytes=int(
                config.get("DOCUMENTS_ATTACH_MAX_BYTES", cls.attach_documents_max_bytes)
            ),
        )


def sender_for(platform: Platform, settings: MailSettings) -> Sender:
    reply_to = platform.organiser_email or ""
    try:
        if reply_to:
            clean_address(reply_to)
    except HeaderInjectionError:
        reply_to = ""
    return Sender(
        address=settings.mail_from,
        name=one_line(platform.organiser_name or platform.name),
        reply_to=reply_to,
    )


def mailable_contact(contact: Contact | None) -> bool:
    """Whether mail can go to this person: not erased, with a usable address."""
    if contact is None or contact.erased_at is not None or not contact.email:
        return False
    try:
        clean_address(contact.email)
    except HeaderInjectionError:
        return False
    return True
