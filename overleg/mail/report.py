"""What a mailing put in the outbox, and who it could not mail, by name.

Every service that mails a list of people (invitations, updates, cancellations, reminders, the
minutes, polls) fills a `MailReport` as it builds the messages: one name in `mailed` per message
that went into the outbox, and everyone it left out in `not_mailed` with the reason. The counts
on the page (`flash_not_mailed`) and in the audit trail (`audit_note`, `audit_details`) are read
from it, so they are what went into the outbox, and nobody is left out without a word
(issue 11, finding 3: "13 invitations sent" while 12 went out).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import flash
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from overleg.models import OutboxMessage


class Reason(enum.StrEnum):
    NO_ADDRESS = "no-address"  # no address, one that cannot be used, or the person was erased
    UNBUILDABLE = "unbuildable"  # what is stored about them could not be made into a message


# The audit trail is written in Dutch, like its other summaries.
_AUDIT_REASONS = {
    Reason.NO_ADDRESS: "geen bruikbaar e-mailadres",
    Reason.UNBUILDABLE: "bericht kon niet opgemaakt worden",
}


@dataclass(frozen=True)
class NotMailed:
    name: str
    reason: Reason


@dataclass
class MailReport:
    """The outcome of one mailing: who got a message in the outbox, who did not and why."""

    mailed: list[str] = field(default_factory=list)
    not_mailed: list[NotMailed] = field(default_factory=list)
    # The outbox rows when they were added one by one (a bulk insert makes no row objects).
    rows: list[OutboxMessage] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many messages went into the outbox."""
        return len(self.mailed)

    def skip(self, name: str, reason: Reason) -> None:
        self.not_mailed.append(NotMailed(name, reason))

    def extend(self, other: MailReport) -> None:
        self.mailed.extend(other.mailed)
        self.not_mailed.extend(other.not_mailed)
        self.rows.extend(other.rows)

    def names(self, reason: Reason) -> list[str]:
        return [entry.name for entry in self.not_mailed if entry.reason is reason]

    def audit_note(self) -> str:
        """'' when everyone was mailed, else '; niet gemaild: An, Bert (geen bruikbaar ...)'."""
        parts = [
            f"{', '.join(names)} ({text})"
            for reason, text in _AUDIT_REASONS.items()
            if (names := self.names(reason))
        ]
        return f"; niet gemaild: {'; '.join(parts)}" if parts else ""

    def audit_details(self) -> dict[str, Any]:
        return {
            "mailed": self.count,
            "not_mailed": [{"name": n.name, "reason": n.reason.value} for n in self.not_mailed],
        }


def flash_not_mailed(
    report: MailReport, no_address: Callable[[str], LazyString] | None = None
) -> None:
    """Name everyone the mailing left out, on the page: a warning per reason.

    `no_address(names)` gives the page's own words for people without a usable address.
    """
    messages: dict[Reason, Callable[[str], LazyString]] = {
        Reason.NO_ADDRESS: no_address or _no_address,
        Reason.UNBUILDABLE: _unbuildable,
    }
    for reason, message in messages.items():
        names = report.names(reason)
        if names:
            flash(str(message(", ".join(names))), "warning")


def reason_label(reason: Reason) -> LazyString:
    """Why someone was not mailed, in a few words (for the command line)."""
    if reason is Reason.NO_ADDRESS:
        return _l("geen bruikbaar e-mailadres")
    return _l("naam of e-mailadres past niet in een bericht")


def _no_address(names: str) -> LazyString:
    return _l("Geen mail voor %(names)s: geen bruikbaar e-mailadres.", names=names)


def _unbuildable(names: str) -> LazyString:
    return _l(
        "Geen mail voor %(names)s: hun gegevens konden niet in een bericht gezet worden. Kijk "
        "naam en e-mailadres na.",
        names=names,
    )
