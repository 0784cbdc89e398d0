"""The reply mailbox reader against a real IMAP server (Dovecot, tests/support/dovecot.py).

Messages are delivered with IMAP APPEND; the reader handles each exactly once, across runs and
across a reader that stops between handling a message and moving it, and never deletes one.
"""

from __future__ import annotations

import imaplib
import ssl
from dataclasses import dataclass, field

import pytest
from imap_tools.errors import MailboxLoginError

from overleg.extensions import db
from overleg.mail import inbox
from overleg.mail.inbox import ImapSecurity, ImapSettings, read_mailbox
from overleg.models import InboundMessage, InboundOutcome
from tests.support.dovecot import ImapAccount


def message(number: int, *, answer: str = "accept", message_id: bool = True) -> bytes:
    header = f"Message-ID: <reply-{number}@client.example>\r\n" if message_id else ""
    return (
        f"From: invitee{number}@example.be\r\n"
        "To: antwoorden@overleg.example\r\n"
        f"Subject: Aanvaard: overleg {number}\r\n"
        f"{header}"
        f"X-Test-Answer: {answer}\r\n"
        "\r\n"
        f"Antwoord {number}\r\n"
    ).encode()


@dataclass
class Result:
    changed: bool
    reason: str


@dataclass
class Handler:
    """Stands in for the reply ingestion: counts its calls; 'accept' changes something."""

    calls: list[bytes] = field(default_factory=list)

    def __call__(self, raw: bytes, *, now=None) -> Result:
        self.calls.append(raw)
        if b"X-Test-Answer: accept" in raw:
            return Result(True, "aanvaard")
        return Result(False, "geen antwoord op een uitnodiging")


def settings_of(account: ImapAccount, **extra) -> ImapSettings:
    settings = ImapSettings.from_config(account.config(**extra))
    assert settings is not None
    return settings


def test_each_message_is_handled_once_across_two_runs(app, imap_account):
    imap_account.deliver(message(1), message(2, answer="other"), message(3))
    settings = settings_of(imap_account)
    handler = Handler()

    first = read_mailbox(settings, handler)
    assert (first.processed, first.rejected, first.already_read) == (2, 1, 0)
    assert first.reasons == ["geen antwoord op een uitnodiging"]
    second = read_mailbox(settings, handler)
    assert second.total == 0

    assert len(handler.calls) == 3
    # Moved, never deleted: the folders were made, the inbox is empty.
    assert imap_account.message_ids("INBOX") == []
    assert imap_account.message_ids("processed") == [
        "<reply-1@client.example>",
        "<reply-3@client.example>",
    ]
    assert imap_account.message_ids("rejected") == ["<reply-2@client.example>"]
    rows = db.session.scalars(db.select(InboundMessage).order_by(InboundMessage.uid)).all()
    assert [(r.uid, r.outcome) for r in rows] == [
        (1, InboundOutcome.PROCESSED),
        (2, InboundOutcome.REJECTED),
        (3, InboundOutcome.PROCESSED),
    ]
    assert {r.uidvalidity for r in rows} != {0} and rows[1].reason.startswith("geen antwoord")


@pytest.mark.parametrize("with_message_id", [True, False])
def test_a_crash_between_handling_and_moving_handles_nothing_twice(
    app, imap_account, monkeypatch, with_message_id
):
    """The reader stops after the handling was committed but before the message moved: the next
    run knows it (by Message-ID, or by UIDVALIDITY and UID without one) and only moves it."""
    imap_account.deliver(message(1, message_id=with_message_id), message(2))
    settings = settings_of(imap_account)
    handler = Handler()
    real_move = inbox.move

    def crash(*args, **kwargs):
        raise ConnectionResetError("the worker was killed")

    monkeypatch.setattr(inbox, "move", crash)
    with pytest.raises(ConnectionResetError):
        read_mailbox(settings, handler)
    assert len(handler.calls) == 1
    assert len(imap_account.message_ids("INBOX")) == 2

    monkeypatch.setattr(inbox, "move", real_move)
    report = read_mailbox(settings, handler)
    assert (report.already_read, report.processed) == (1, 1)
    assert len(handler.calls) == 2
    assert imap_account.message_ids("INBOX") == []
    assert len(imap_account.message_ids("processed")) == 2
    assert db.session.scalar(db.select(db.func.count(InboundMessage.id))) == 2


def test_a_crash_while_handling_leaves_the_message_to_be_handled_next_time(app, imap_account):
    imap_account.deliver(message(1))
    settings = settings_of(imap_account)

    def killed(raw, *, now=None):
        raise KeyboardInterrupt  # the process stops in the middle of the handling

    with pytest.raises(KeyboardInterrupt):
        read_mailbox(settings, killed)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(InboundMessage.id))) == 0

    handler = Handler()
    assert read_mailbox(settings, handler).processed == 1
    assert len(handler.calls) == 1
    assert imap_account.message_ids("processed") == ["<reply-1@client.example>"]


def test_the_same_message_delivered_twice_is_handled_once(app, imap_account):
    imap_account.deliver(message(1), message(1))
    handler = Handler()
    report = read_mailbox(settings_of(imap_account), handler)
    assert (report.processed, report.already_read) == (1, 1)
    assert len(handler.calls) == 1
    assert len(imap_account.message_ids("processed")) == 2


def test_a_handler_that_fails_rejects_the_message_with_the_reason(app, imap_account):
    imap_account.deliver(message(1), message(2))

    def broken(raw, *, now=None):
        if b"reply-1" in raw:
            raise ValueError("unreadable calendar")
        return Result(True, "aanvaard")

    report = read_mailbox(settings_of(imap_account), broken)
    assert (report.processed, report.rejected) == (1, 1)
    assert report.reasons == ["ValueError: unreadable calendar"]
    assert imap_account.message_ids("rejected") == ["<reply-1@client.example>"]


def test_existing_folders_are_used_and_other_names_can_be_chosen(app, imap_account):
    with imap_account.mailbox() as mailbox:
        mailbox.folder.create("Antwoorden")
        mailbox.folder.create("Verwerkt")
    imap_account.deliver(message(1), folder="Antwoorden")
    settings = settings_of(
        imap_account,
        IMAP_FOLDER="Antwoorden",
        IMAP_PROCESSED_FOLDER="Verwerkt",
        IMAP_REJECTED_FOLDER="Geweigerd",
    )
    assert read_mailbox(settings, Handler()).processed == 1
    assert imap_account.message_ids("Verwerkt") == ["<reply-1@client.example>"]
    assert imap_account.message_ids("Antwoorden") == []


@pytest.mark.parametrize("tls", ["on", "starttls"])
def test_tls_with_the_servers_certificate(app, imap_account, tls):
    imap_account.deliver(message(1))
    settings = settings_of(imap_account, tls=tls)
    assert settings.security is ImapSecurity(tls)
    assert read_mailbox(settings, Handler()).processed == 1


@pytest.mark.parametrize("tls", ["on", "starttls"])
def test_tls_refuses_a_certificate_it_does_not_trust(app, imap_account, tls):
    """Without IMAP_CA_FILE the system's authorities decide: a self-signed server is refused
    before any password is sent."""
    settings = settings_of(imap_account, tls=tls, IMAP_CA_FILE="")
    with pytest.raises(ssl.SSLCertVerificationError):
        read_mailbox(settings, Handler())


def test_xoauth2_with_an_access_token_instead_of_the_password(app, imap_account, tmp_path):
    imap_account.deliver(message(1))
    token = imap_account.server.access_token(imap_account.username)
    settings = settings_of(imap_account, IMAP_PASSWORD="", IMAP_ACCESS_TOKEN=token)
    assert read_mailbox(settings, Handler()).processed == 1
    # A token that ran out is refused, as Microsoft 365 and Google do.
    expired = imap_account.server.access_token(imap_account.username, lifetime=-60)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        read_mailbox(settings_of(imap_account, IMAP_ACCESS_TOKEN=expired), Handler())
    # From a file, read again at every connection (a refresher rewrites it).
    token_file = tmp_path / "token"
    token_file.write_text(imap_account.server.access_token(imap_account.username))
    imap_account.deliver(message(2))
    from_file = settings_of(imap_account, IMAP_ACCESS_TOKEN_FILE=str(token_file))
    assert read_mailbox(from_file, Handler()).processed == 1


def test_a_wrong_password_is_an_error_not_a_run(app, imap_account):
    settings = settings_of(imap_account, IMAP_PASSWORD="wrong")
    with pytest.raises(MailboxLoginError):
        read_mailbox(settings, Handler())


def test_settings_default_to_tls_on_port_993():
    assert ImapSettings.from_config({"IMAP_HOST": ""}) is None
    settings = ImapSettings.from_config({"IMAP_HOST": "imap.example.be", "IMAP_USERNAME": "u"})
    assert settings is not None
    assert (settings.security, settings.port) == (ImapSecurity.ON, 993)
    starttls = ImapSettings.from_config({"IMAP_HOST": "h", "IMAP_TLS": "starttls"})
    assert starttls is not None and starttls.port == 143
    off = ImapSettings.from_config({"IMAP_HOST": "h", "IMAP_TLS": "false"})
    assert off is not None and off.security is ImapSecurity.OFF


def test_the_access_token_is_read_from_its_file_at_each_connection(tmp_path):
    token = tmp_path / "token"
    token.write_text("first\n")
    settings = ImapSettings(host="h", username="u", access_token_file=str(token))
    assert settings.token() == "first"
    token.write_text("second")
    assert settings.token() == "second"
    assert ImapSettings(host="h", username="u", password="p").token() == ""
