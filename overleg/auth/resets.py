""" "Wachtwoord vergeten?": the request, and the mail that follows it.

No answer, message or timing may tell whether an address has an account. So the request
(`request_password_reset`, called by the page) does exactly the same work for every address:
it counts recent requests for the limits and records one row, and does not even look the
address up. The mail sender (`flask outbox send`, overleg.mail.commands) then runs
`process_reset_requests`: for a request whose address belongs to an active account it issues a
one-time link (valid an hour) and queues the mail; for any other request it does nothing. The
page's answer does not depend on what the sender will find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from overleg.audit import services as audit
from overleg.auth.accounts import issue_password_link, queue_password_mail
from overleg.auth.services import normalise_email
from overleg.extensions import db
from overleg.mail import outbox
from overleg.models import AccountLinkPurpose, PasswordResetRequest, User
from overleg.models.types import utcnow

# Processed requests are kept this long (the limits only look back one window), then deleted.
KEPT = timedelta(days=1)


@dataclass(frozen=True)
class ResetPolicy:
    max_per_account: int = 3  # requests per e-mail address inside the window
    max_per_address: int = 10  # requests per client address inside the window
    window: timedelta = timedelta(minutes=15)


def reset_throttled(email: str, ip_address: str, policy: ResetPolicy, now: datetime) -> bool:
    """Whether the address or the client has asked too often inside the window (two counts,
    whatever the address)."""
    recent = sa.select(sa.func.count()).where(PasswordResetRequest.at >= now - policy.window)
    per_account = db.session.scalar(recent.where(PasswordResetRequest.email == email)) or 0
    per_address = db.session.scalar(recent.where(PasswordResetRequest.ip_address == ip_address))
    return per_account >= policy.max_per_account or (per_address or 0) >= policy.max_per_address


def request_password_reset(
    email: str,
    ip_address: str,
    *,
    policy: ResetPolicy,
    locale: str = "nl",
    now: datetime | None = None,
) -> bool:
    """Record a reset request; False when a limit refuses it (nothing recorded then). The same
    queries for every address: the account is looked up later, by the mail sender."""
    now = now or utcnow()
    email = normalise_email(email)[:254]
    ip_address = ip_address[:45]
    if reset_throttled(email, ip_address, policy, now):
        return False
    db.session.add(
        PasswordResetRequest(email=email, ip_address=ip_address, locale=locale[:5], at=now)
    )
    return True


def process_reset_requests(*, now: datetime | None = None, limit: int = 200) -> int:
    """Turn pending requests into links and mails for active accounts; how many mails were
    queued. Run by the mail sender; the caller commits. Claimed with FOR UPDATE SKIP LOCKED, so
    two senders never mail one request twice (PostgreSQL; SQLite has one writer)."""
    now = now or utcnow()
    pending = db.session.scalars(
        sa.select(PasswordResetRequest)
        .where(PasswordResetRequest.processed_at.is_(None))
        .order_by(PasswordResetRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    queued = 0
    for request in pending:
        request.processed_at = now
        user = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == request.email, User.active.is_(True))
        )
        if user is not None:
            url = issue_password_link(user, AccountLinkPurpose.RESET_PASSWORD, now=now)
            queue_password_mail(user, url, AccountLinkPurpose.RESET_PASSWORD, locale=request.locale)
            audit.record(user, "user.password_reset_mail", user, summary=user.email)
            queued += 1
    db.session.execute(
        sa.delete(PasswordResetRequest)
        .where(PasswordResetRequest.processed_at < now - KEPT)
        .execution_options(synchronize_session=False)
    )
    return queued


@outbox.register_producer
def _before_delivery(now: datetime) -> None:
    process_reset_requests(now=now)
