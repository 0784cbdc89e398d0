"""The outbox: mail is queued in the caller's transaction and delivered later.

`enqueue` adds the row to the current database session without committing: the mail exists exactly
when the change that causes it is committed, and not before.

`deliver_due` is the sender (run by `flask --app overleg outbox send`). For each due row it
1. claims the row: a conditional UPDATE from `queued` to `sending` that only one sender can win,
   committed before any SMTP traffic, with a lease in `next_attempt_at`;
2. hands the stored bytes (with their Message-ID) to the SMTP server;
3. marks the row `sent`, or puts it back to `queued` with a growing delay after a temporary error
   (server down, timeout, 4xx), or `failed` with the reason after a permanent one (5xx) or too many
   attempts.
A sender that crashes between 2 and 3 leaves a `sending` row whose lease runs out. Such a row may or
may not have left the machine, and a message is never sent twice: it is marked `failed` with that
reason, visible to coordinators, who can check and resend it.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _

from overleg.extensions import db
from overleg.mail.messages import RawMessage
from overleg.models import OutboxMessage, OutboxStatus
from overleg.models.types import utcnow

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# How long a claimed row may stay `sending` before it counts as interrupted.
LEASE = timedelta(minutes=10)
INTERRUPTED_REASON = (
    "Verzending onderbroken (het verzendproces stopte tijdens het versturen). "
    "Het bericht is mogelijk al afgeleverd; controleer en verstuur opnieuw indien nodig."
)


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP: CRLF line endings, lines folded by the policy."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def _crlf(raw: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", raw)


def row_values(
    message: EmailMessage | RawMessage,
    *,
    kind: str,
    to_address: str,
    to_name: str = "",
    meeting_id: int | None = None,
    invitation_id: int | None = None,
    poll_id: int | None = None,
    domain: str = "overleg.local",
) -> dict[str, Any]:
    """The outbox row of one complete message for one recipient; a Message-ID is set if missing.

    `message` is an `EmailMessage` or, for bulk mail, the wire bytes of `build_raw_message`.
    """
    if isinstance(message, RawMessage):
        raw, subject, message_id = message.raw, message.subject, message.message_id
    else:
        if not message["Message-ID"]:
            message["Message-ID"] = make_msgid(domain=domain)
        raw = wire_bytes(message)
        subject = str(message["Subject"] or "")
        message_id = str(message["Message-ID"])
    now = utcnow()
    return {
        "kind": kind,
        "to_address": to_address,
        "to_name": to_name,
        "subject": subject[:300],
        "message_id": message_id,
        "raw": raw,
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "sent_at": None,
        "created_at": now,
        "meeting_id": meeting_id,
        "invitation_id": invitation_id,
        "poll_id": poll_id,
    }


def enqueue(
    message: EmailMessage | RawMessage,
    *,
    kind: str,
    to_address: str,
    to_name: str = "",
    meeting_id: int | None = None,
    invitation_id: int | None = None,
    poll_id: int | None = None,
    domain: str = "overleg.local",
) -> OutboxMessage:
    """Queue one complete message for one recipient; a Message-ID is set if missing."""
    row = OutboxMessage(
        **row_values(
            message,
            kind=kind,
            to_address=to_address,
            to_name=to_name,
            meeting_id=meeting_id,
            invitation_id=invitation_id,
            poll_id=poll_id,
            domain=domain,
        )
    )
    db.session.add(row)
    return row


def enqueue_all(rows: Sequence[dict[str, Any]]) -> None:
    """Queue many messages (values from `row_values`) with one INSERT in the caller's transaction.

    For bulk mail: no ORM objects are made (the ORM inserts outbox rows one statement at a time on
    SQLite, to learn each id), so nothing is returned; read the rows back by query if needed.
    """
    if rows:
        # The table, not the mapped class: a Core INSERT with many rows, no ORM bulk logic.
        table = cast(sa.Table, OutboxMessage.__table__)
        db.session.execute(sa.insert(table), list(rows))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 30.0
    mail_from: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The SMTP settings, or None when SMTP_HOST is empty (nothing leaves the machine)."""
        host = config.get("SMTP_HOST") or ""
        if not host:
            return None
        return cls(
            host=host,
            port=int(config.get("SMTP_PORT") or 25),
            username=config.get("SMTP_USERNAME") or "",
            password=config.get("SMTP_PASSWORD") or "",
            starttls=bool(config.get("SMTP_STARTTLS")),
            timeout=float(config.get("SMTP_TIMEOUT_SECONDS") or 30),
            mail_from=config.get("MAIL_FROM") or "",
        )


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    interrupted: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)

    def summary(self) -> str:
        """One line for the log of the sender."""
        return str(
            _(
                "verstuurd: %(sent)d, later opnieuw: %(retrying)d, mislukt: %(failed)d, "
                "onderbroken: %(interrupted)d",
                sent=len(self.sent),
                retrying=len(self.retrying),
                failed=len(self.failed),
                interrupted=len(self.interrupted),
            )
        )


class TemporaryError(Exception):
    pass


class PermanentError(Exception):
    pass


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failed ones: 1, 2, 4, ... min, max 6 h."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(FIRST_RETRY * factor, LONGEST_RETRY)


def recover_interrupted(now: datetime) -> list[int]:
    """Mark rows whose claim ran out while `sending` as failed (they may have gone out)."""
    ids = list(
        db.session.scalars(
            sa.select(OutboxMessage.id).where(
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.next_attempt_at <= now,
            )
        )
    )
    if ids:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.FAILED, last_error=INTERRUPTED_REASON)
        )
        db.session.commit()
    return ids


def due_ids(now: datetime, limit: int = 100) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def claim(message_id: int, now: datetime) -> bool:
    """Move one row from queued to sending; False when another sender got it first. Commits."""
    statement = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(
            status=OutboxStatus.SENDING,
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=now + LEASE,
        )
    )
    # An UPDATE answers with a CursorResult, which knows how many rows it changed.
    result = cast("sa.CursorResult[Any]", db.session.execute(statement))
    db.session.commit()
    return result.rowcount == 1


def _mark(message_id: int, **values: Any) -> None:
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
    )
    db.session.commit()


def _retry_or_fail(
    row_id: int, attempts_made: int, reason: str, now: datetime, **extra: Any
) -> OutboxStatus:
    if attempts_made >= MAX_ATTEMPTS:
        _mark(row_id, status=OutboxStatus.FAILED, last_error=reason[:2000], **extra)
        return OutboxStatus.FAILED
    _mark(
        row_id,
        status=OutboxStatus.QUEUED,
        last_error=reason[:2000],
        next_attempt_at=now + backoff(attempts_made),
        **extra,
    )
    return OutboxStatus.QUEUED


Connect = Callable[[SmtpSettings], smtplib.SMTP]


def smtp_connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, logged-in SMTP connection."""
    connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        connection.ehlo()
        if settings.starttls:
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if settings.username:
            connection.login(settings.username, settings.password)
    except BaseException:
        connection.close()
        raise
    return connection


def _classify(error: BaseException) -> type[Exception]:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return PermanentError if codes and all(500 <= c < 600 for c in codes) else TemporaryError
    if isinstance(error, smtplib.SMTPResponseException):
        return PermanentError if 500 <= error.smtp_code < 600 else TemporaryError
    return TemporaryError


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace')}"
            for addr, (code, msg) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        return f"SMTP {error.smtp_code}: {text}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


_NETWORK_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)


# Steps that turn pending requests into queued mail, run by every sender before it delivers
# (`outbox send` and the worker alike). overleg.auth.resets registers the forgotten-password
# requests: the page that takes such a request never looks the account up, the sender does.
Producer = Callable[[datetime], object]
_PRODUCERS: list[Producer] = []


def register_producer(producer: Producer) -> Producer:
    """Run `producer(now)` before every delivery (once per producer, however often imported)."""
    if producer not in _PRODUCERS:
        _PRODUCERS.append(producer)
    return producer


def produce_queued_mail(now: datetime) -> None:
    """Let every registered producer queue its mail, and commit it."""
    for producer in _PRODUCERS:
        producer(now)
    db.session.commit()


def deliver_due(
    settings: SmtpSettings,
    *,
    now: datetime | None = None,
    limit: int = 100,
    connect: Connect = smtp_connect,
    keep_going: Callable[[], bool] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DeliveryReport:
    """Deliver the due rows over one SMTP connection; see the module docstring. Commits.

    `keep_going` is asked before each row (the worker's lease, overleg.worker.leases): when it
    answers False the run stops there and the remaining rows stay queued for the next run.
    `clock` tells the time at which a row is claimed or retried: by default `now` plus what the
    run has taken so far, so a row claimed late in a long run gets its own LEASE (another
    sender would otherwise take it for interrupted while it is being sent)."""
    produce_queued_mail(now or utcnow())
    now = now or utcnow()  # after producing: what was just queued is due in this run
    clock = clock or _run_clock(now)
    report = DeliveryReport(interrupted=recover_interrupted(now))
    ids = due_ids(now, limit)
    if not ids:
        return report
    try:
        connection = connect(settings)
    except _NETWORK_ERRORS as error:
        # The server is down or refuses us: every due row stays queued, with the reason.
        reason = _describe(error)
        rows = db.session.execute(
            sa.select(OutboxMessage.id, OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
        ).all()
        for row_id, attempts in rows:
            status = _retry_or_fail(row_id, attempts + 1, reason, now, attempts=attempts + 1)
            (report.failed if status is OutboxStatus.FAILED else report.retrying).append(row_id)
        return report
    try:
        _send_rows(connection, ids, settings, clock, report, keep_going)
    finally:
        try:
            connection.quit()
        except _NETWORK_ERRORS:
            connection.close()
    return report


def _send_rows(
    connection: smtplib.SMTP,
    ids: Sequence[int],
    settings: SmtpSettings,
    clock: Callable[[], datetime],
    report: DeliveryReport,
    keep_going: Callable[[], bool] | None,
) -> None:
    """Claim and send each row over the open connection, until the rows or the connection end
    (or `keep_going` says stop)."""
    for row_id in ids:
        if keep_going is not None and not keep_going():
            break
        if not claim(row_id, clock()):
            continue
        row = db.session.get(OutboxMessage, row_id, populate_existing=True)
        if row is None:  # deleted since it was claimed
            continue
        sender = settings.mail_from or _header_address(row.raw, "From")
        try:
            connection.sendmail(sender, [row.to_address], _crlf(row.raw))
        except _NETWORK_ERRORS as error:
            reason = _describe(error)
            if _classify(error) is PermanentError:
                _mark(row_id, status=OutboxStatus.FAILED, last_error=reason[:2000])
                report.failed.append(row_id)
                continue
            status = _retry_or_fail(row_id, row.attempts, reason, clock())
            (report.failed if status is OutboxStatus.FAILED else report.retrying).append(row_id)
            gone = isinstance(error, smtplib.SMTPServerDisconnected) or not isinstance(
                error, smtplib.SMTPException
            )
            if gone:
                # The connection is gone: the remaining rows wait for the next run.
                break
            continue
        _mark(row_id, status=OutboxStatus.SENT, sent_at=utcnow(), last_error="")
        report.sent.append(row_id)


def _run_clock(started_at: datetime) -> Callable[[], datetime]:
    """`started_at` moved on by the time the run has taken since this call."""
    started = time.monotonic()

    def clock() -> datetime:
        return started_at + timedelta(seconds=time.monotonic() - started)

    return clock


def _header_address(raw: bytes, name: str) -> str:
    parsed = message_from_bytes(raw, policy=policy.default)
    header = parsed[name]
    addresses = getattr(header, "addresses", ())
    return addresses[0].addr_spec if addresses else ""


def parse(row: OutboxMessage) -> EmailMessage:
    """The stored message, parsed (for the mailbox page and tests)."""
    return message_from_bytes(row.raw, policy=policy.default)


def resend(row: OutboxMessage, *, now: datetime | None = None) -> OutboxMessage:
    """Send a message again. Does not commit.

    A failed row goes back to the queue as it is (same Message-ID: if it did arrive after all,
    mail programs treat the copy as the same message). A sent row is copied into a new row with a
    new Message-ID and Date, so it is delivered as a new message.
    """
    now = now or utcnow()
    if row.status in (OutboxStatus.FAILED, OutboxStatus.QUEUED):
        row.status = OutboxStatus.QUEUED
        row.attempts = 0
        row.next_attempt_at = now
        row.last_error = ""
        return row
    if row.status is OutboxStatus.SENDING:
        raise ValueError("message is being sent")
    message = parse(row)
    domain = row.message_id.rstrip(">").rpartition("@")[2] or "overleg.local"
    del message["Message-ID"]
    del message["Date"]
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)
    copy = OutboxMessage(
        kind=row.kind,
        to_address=row.to_address,
        to_name=row.to_name,
        subject=row.subject,
        message_id=str(message["Message-ID"]),
        raw=wire_bytes(message),
        status=OutboxStatus.QUEUED,
        next_attempt_at=now,
        meeting_id=row.meeting_id,
        invitation_id=row.invitation_id,
        poll_id=row.poll_id,
    )
    db.session.add(copy)
    return copy
