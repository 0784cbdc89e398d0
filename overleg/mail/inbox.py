"""The reply mailbox: read over IMAP, each message handled once, then moved, never deleted.

`read_mailbox(settings, handler)` (run by `flask --app overleg worker` every minute) takes the
messages of IMAP_FOLDER one at a time:
1. it fetches the raw bytes (BODY.PEEK: the message stays unseen in mail programs);
2. a message already known (by Message-ID, or by folder, UIDVALIDITY and UID when it has none) is
   not handled again: it only goes to the folder of its first outcome;
3. otherwise `handler(raw, now=...)` handles it, and its changes and an `InboundMessage` row (the
   outcome and its reason) are committed in ONE transaction;
4. the message is moved to IMAP_PROCESSED_FOLDER (the handler changed something) or to
   IMAP_REJECTED_FOLDER (it changed nothing; the reason is in the row).
A reader that stops between 3 and 4 finds the row at step 2 on its next run; one that stops before
3 has committed nothing and handles the message anew. The folders are created when missing.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.consts import MailMessageFlags

from overleg.extensions import db
from overleg.models import InboundMessage, InboundOutcome
from overleg.models.types import utcnow

REASON_LENGTH = 500
MESSAGE_ID_LENGTH = 998


class Outcome(Protocol):
    """What a handler says about one message: whether it changed anything, and why (not)."""

    @property
    def changed(self) -> bool: ...

    @property
    def reason(self) -> str: ...


class Handler(Protocol):
    def __call__(self, raw: bytes, *, now: datetime | None = None) -> Outcome: ...


class ImapSecurity(enum.StrEnum):
    ON = "on"  # implicit TLS (IMAPS, port 993)
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (port 143)
    OFF = "off"  # no encryption: only for a server on the same machine


def _security(raw: str) -> ImapSecurity:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "tls", "ssl", ""}:
        return ImapSecurity.ON
    if value in {"0", "false", "no", "none"}:
        return ImapSecurity.OFF
    return ImapSecurity(value)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    username: str
    port: int = 993
    security: ImapSecurity = ImapSecurity.ON
    password: str = ""
    access_token: str = ""
    access_token_file: str = ""
    ca_file: str = ""
    folder: str = "INBOX"
    processed_folder: str = "processed"
    rejected_folder: str = "rejected"
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImapSettings | None:
        """The IMAP settings, or None when IMAP_HOST is empty (no reply mailbox)."""
        host = str(config.get("IMAP_HOST") or "")
        if not host:
            return None
        security = _security(str(config.get("IMAP_TLS") or "on"))
        default_port = 993 if security is ImapSecurity.ON else 143
        return cls(
            host=host,
            port=int(config.get("IMAP_PORT") or default_port),
            security=security,
            username=str(config.get("IMAP_USERNAME") or ""),
            password=str(config.get("IMAP_PASSWORD") or ""),
            access_token=str(config.get("IMAP_ACCESS_TOKEN") or ""),
            access_token_file=str(config.get("IMAP_ACCESS_TOKEN_FILE") or ""),
            ca_file=str(config.get("IMAP_CA_FILE") or ""),
            folder=str(config.get("IMAP_FOLDER") or "INBOX"),
            processed_folder=str(config.get("IMAP_PROCESSED_FOLDER") or "processed"),
            rejected_folder=str(config.get("IMAP_REJECTED_FOLDER") or "rejected"),
            timeout=float(config.get("IMAP_TIMEOUT_SECONDS") or 30),
        )

    def token(self) -> str:
        """The XOAUTH2 access token (the file is read at every connection), or '' for a password."""
        if self.access_token_file:
            return Path(self.access_token_file).read_text(encoding="utf-8").strip()
        return self.access_token

    def folder_for(self, outcome: InboundOutcome) -> str:
        if outcome is InboundOutcome.PROCESSED:
            return self.processed_folder
        return self.rejected_folder


def _open(settings: ImapSettings) -> BaseMailBox:
    if settings.security is ImapSecurity.OFF:
        return MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout)
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    if settings.security is ImapSecurity.STARTTLS:
        return MailBoxStartTls(
            settings.host, settings.port, timeout=settings.timeout, ssl_context=context
        )
    return MailBox(settings.host, settings.port, timeout=settings.timeout, ssl_context=context)


def imap_connect(settings: ImapSettings) -> BaseMailBox:
    """An open, logged-in connection (XOAUTH2 when there is an access token, else a password)."""
    mailbox = _open(settings)
    try:
        token = settings.token()
        if token:
            mailbox.xoauth2(settings.username, token, initial_folder=None)
        else:
            mailbox.login(settings.username, settings.password, initial_folder=None)
        # imaplib keeps the capabilities from before the login; servers announce MOVE after it.
        _status, data = mailbox.client.capability()
        mailbox.client.capabilities = tuple(data[-1].decode().upper().split())
    except BaseException:
        mailbox.client.shutdown()
        raise
    return mailbox


Connect = Callable[[ImapSettings], BaseMailBox]


@dataclass
class ReadReport:
    processed: int = 0
    rejected: int = 0
    already_read: int = 0  # handled by an earlier run that stopped before moving them
    reasons: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.processed + self.rejected + self.already_read


@dataclass(frozen=True)
class Place:
    """Where a message sits: its folder, the folder's UIDVALIDITY and its UID."""

    folder: str
    uidvalidity: int
    uid: int


def read_mailbox(
    settings: ImapSettings,
    handler: Handler,
    *,
    now: datetime | None = None,
    limit: int = 50,
    connect: Connect = imap_connect,
    keep_going: Callable[[], bool] | None = None,
) -> ReadReport:
    """Handle the messages in the folder once each and move them; see the module docstring.

    `keep_going` is asked before each message (the worker's lease): False stops the run there;
    the messages not read stay in the folder for the next run."""
    report = ReadReport()
    mailbox = connect(settings)
    try:
        _ensure_folders(mailbox, settings)
        status = mailbox.folder.status(settings.folder, ["UIDVALIDITY"])
        uidvalidity = int(status["UIDVALIDITY"])
        mailbox.folder.set(settings.folder)
        for uid in mailbox.uids(AND(deleted=False))[:limit]:
            if keep_going is not None and not keep_going():
                break
            raw = fetch_raw(mailbox, uid)
            if raw is None:  # gone since the search (another client moved it)
                continue
            place = Place(settings.folder, uidvalidity, int(uid))
            outcome, reason, known = handle_once(place, raw, handler, now=now)
            move(mailbox, uid, settings.folder_for(outcome))
            _count(report, outcome, reason, known)
    finally:
        _logout(mailbox)
    return report


def _count(report: ReadReport, outcome: InboundOutcome, reason: str, known: bool) -> None:
    if known:
        report.already_read += 1
    elif outcome is InboundOutcome.PROCESSED:
        report.processed += 1
    else:
        report.rejected += 1
        report.reasons.append(reason)


def _ensure_folders(mailbox: BaseMailBox, settings: ImapSettings) -> None:
    for name in (settings.processed_folder, settings.rejected_folder):
        if not mailbox.folder.exists(name):
            mailbox.folder.create(name)


def fetch_raw(mailbox: BaseMailBox, uid: str) -> bytes | None:
    """The message exactly as stored, without marking it seen."""
    _status, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def move(mailbox: BaseMailBox, uid: str, folder: str) -> None:
    """Move one message; without MOVE, copy it and flag the original deleted (never expunged)."""
    if "MOVE" in mailbox.client.capabilities:
        mailbox.move(uid, folder)
    else:
        mailbox.copy(uid, folder)
        mailbox.flag(uid, MailMessageFlags.DELETED, True)


def _logout(mailbox: BaseMailBox) -> None:
    try:
        mailbox.logout()
    except (OSError, mailbox.client.error, mailbox.client.abort):
        mailbox.client.shutdown()


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header as written (whitespace folded), or None when there is none."""
    value = message_from_bytes(raw, policy=policy.compat32).get("Message-ID")
    text = " ".join(str(value or "").split())
    return text[:MESSAGE_ID_LENGTH] or None


def _known(message_id: str | None, place: Place) -> InboundMessage | None:
    same_place = sa.and_(
        InboundMessage.folder == place.folder,
        InboundMessage.uidvalidity == place.uidvalidity,
        InboundMessage.uid == place.uid,
    )
    condition = same_place if message_id is None else InboundMessage.message_id == message_id
    return db.session.scalars(sa.select(InboundMessage).where(condition)).first()


def handle_once(
    place: Place, raw: bytes, handler: Handler, *, now: datetime | None = None
) -> tuple[InboundOutcome, str, bool]:
    """(outcome, reason, already known): handle the message unless it is known. Commits."""
    message_id = message_id_of(raw)
    known = _known(message_id, place)
    if known is not None:
        return known.outcome, known.reason, True
    outcome, reason = _run_handler(handler, raw, now)
    db.session.add(
        InboundMessage(
            message_id=message_id,
            folder=place.folder,
            uidvalidity=place.uidvalidity,
            uid=place.uid,
            outcome=outcome,
            reason=reason[:REASON_LENGTH],
            read_at=utcnow(),
        )
    )
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another reader recorded it first: its changes count, ours are rolled back.
        db.session.rollback()
        known = _known(message_id, place)
        if known is None:
            raise
        return known.outcome, known.reason, True
    return outcome, reason, False


def _run_handler(handler: Handler, raw: bytes, now: datetime | None) -> tuple[InboundOutcome, str]:
    try:
        result = handler(raw, now=now)
    except sa.exc.OperationalError:
        raise  # the database is away or busy: the message stays and is read again next time
    except Exception as error:
        # A message the handler cannot cope with must not block the mailbox: it is rejected,
        # with the error as its reason, and the handler's half-done changes are rolled back.
        db.session.rollback()
        current_app.logger.exception("reply mailbox: the handler failed on a message")
        return InboundOutcome.REJECTED, f"{type(error).__name__}: {error}"
    outcome = InboundOutcome.PROCESSED if result.changed else InboundOutcome.REJECTED
    return outcome, str(result.reason)
