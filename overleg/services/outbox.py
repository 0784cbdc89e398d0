"""The outbox: mail is queued in the caller's transaction and delivered later.

`enqueue` adds the row to the current database session without committing: the mail exists exactly
when the change that causes it is committed, and not before.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from overleg.extensions import db
from overleg.models import OutboxMessage, OutboxStatus
from overleg.models.types import utcnow


def enqueue(
    message: EmailMessage,
    *,
    kind: str,
    to_address: str,
    to_name: str = "",
    meeting_id: int | None = None,
    invitation_id: int | None = None,
    domain: str = "overleg.local",
) -> OutboxMessage:
    """Queue one complete message for one recipient; a Message-ID is set if missing."""
    if not message["Message-ID"]:
        message["Message-ID"] = make_msgid(domain=domain)
    row = OutboxMessage(
        kind=kind,
        to_address=to_address,
        to_name=to_name,
        subject=str(message["Subject"] or ""),
        message_id=str(message["Message-ID"]),
        raw=message.as_bytes(),
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow(),
        meeting_id=meeting_id,
        invitation_id=invitation_id,
    )
    db.session.add(row)
    return row
