"""The outbox sender against a real SMTP server (aiosmtpd): delivery, outages, exactly once."""

from __future__ import annotations

import email
import email.policy
import itertools
import socket
from datetime import timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib import ical
from overleg.mail import outbox
from overleg.meetings import invitations
from overleg.models import OutboxMessage, OutboxStatus
from overleg.models.types import utcnow
from tests import factories
from tests.icaljs import assert_agrees_with_icalendar
from tests.smtp_server import free_port


def _settings(port: int, timeout: float = 5.0) -> outbox.SmtpSettings:
    return outbox.SmtpSettings(
        host="127.0.0.1", port=port, timeout=timeout, mail_from="bounce@example.be"
    )


def _queued(n: int = 2):  # type: ignore[no-untyped-def]
    meeting = factories.MeetingFactory()
    rows = [factories.outbox_message(meeting, to_address=f"p{i}@example.be") for i in range(n)]
    return [row.id for row in rows]


def _row(row_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, row_id, populate_existing=True)


def test_invitations_arrive_with_the_right_structure(app, smtp, tmp_path):
    meeting = factories.MeetingFactory(title='Woonoverleg; "Geel", 2026 ✓')
    factories.AgendaItemFactory(meeting=meeting, title="Lokale woonnoden")
    first = factories.InvitationFactory(meeting=meeting)
    second = factories.InvitationFactory(meeting=meeting)
    db.session.refresh(meeting)
    invitations.send_invitations(meeting, user=None, now=utcnow())
    db.session.commit()

    report = outbox.deliver_due(_settings(smtp.port))
    assert len(report.sent) == 2
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(
        [first.contact.email, second.contact.email]
    )
    for received in smtp.messages:
        assert len(received.rcpt_tos) == 1
        assert received.mail_from == "bounce@example.be"
        parsed = email.message_from_bytes(received.content, policy=email.policy.default)
        assert parsed["To"].addresses[0].addr_spec == received.rcpt_tos[0]
        assert parsed["Cc"] is None
        other = ({first.contact.email, second.contact.email} - set(received.rcpt_tos)).pop()
        assert other.encode() not in received.content
        assert parsed.get_content_type() == "multipart/mixed"
        alternative = next(
            p for p in parsed.walk() if p.get_content_type() == "multipart/alternative"
        )
        kinds = [p.get_content_type() for p in alternative.iter_parts()]
        assert kinds == ["text/plain", "text/html", "text/calendar"]
        calendar_part = list(alternative.iter_parts())[2]
        calendar = ical.parse(calendar_part.get_content().encode())
        assert calendar_part.get_param("method") == str(calendar["METHOD"]) == "REQUEST"
        assert str(calendar.events[0]["SUMMARY"]) == meeting.title
        attachment = next(
            a for a in parsed.iter_attachments() if a.get_filename() == "uitnodiging.ics"
        )
        assert ical.parse(attachment.get_content())["METHOD"] == "REQUEST"
        assert "Lokale woonnoden" in parsed.get_body(("plain",)).get_content()
    # the .ics that arrived, read by ical.js as well: same instant as the database
    files = []
    for received in smtp.messages:
        parsed = email.message_from_bytes(received.content, policy=email.policy.default)
        files += [
            a.get_payload(decode=True)
            for a in parsed.iter_attachments()
            if a.get_filename() == "uitnodiging.ics"
        ]
    for js in assert_agrees_with_icalendar(tmp_path, *files):
        assert js["events"][0]["start_utc"] == meeting.start_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    statuses = {_row(i).status for i in report.sent}
    assert statuses == {OutboxStatus.SENT}


def test_each_message_is_delivered_once(app, smtp):
    ids = _queued(3)
    outbox.deliver_due(_settings(smtp.port))
    outbox.deliver_due(_settings(smtp.port))
    outbox.deliver_due(_settings(smtp.port), now=utcnow() + timedelta(days=1))
    assert len(smtp.messages) == 3
    ids_sent = {
        email.message_from_bytes(m.content, policy=email.policy.default)["Message-ID"]
        for m in smtp.messages
    }
    assert ids_sent == {_row(i).message_id for i in ids}


def test_outage_keeps_everything_queued_and_delivers_once_after(app, smtp):
    ids = _queued(2)
    smtp.stop()
    now = utcnow()
    report = outbox.deliver_due(_settings(smtp.port), now=now)
    assert sorted(report.retrying) == sorted(ids)
    for row_id in ids:
        row = _row(row_id)
        assert row.status is OutboxStatus.QUEUED
        assert row.attempts == 1
        assert "Connection" in row.last_error or "refused" in row.last_error.lower()
        assert row.next_attempt_at > now
    smtp.start()
    # before the backoff has passed nothing is tried
    assert outbox.deliver_due(_settings(smtp.port), now=now).total == 0
    assert smtp.messages == []
    later = now + timedelta(minutes=5)
    report = outbox.deliver_due(_settings(smtp.port), now=later)
    assert sorted(report.sent) == sorted(ids)
    outbox.deliver_due(_settings(smtp.port), now=later + timedelta(hours=1))
    assert len(smtp.messages) == 2
    assert all(_row(i).status is OutboxStatus.SENT and _row(i).last_error == "" for i in ids)


def test_a_server_that_does_not_answer_times_out_and_keeps_the_mail(app):
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(5)  # accepts connections but never greets
    try:
        ids = _queued(1)
        report = outbox.deliver_due(_settings(listener.getsockname()[1], timeout=0.3))
    finally:
        listener.close()
    assert report.retrying == ids
    row = _row(ids[0])
    assert row.status is OutboxStatus.QUEUED and row.last_error


def test_permanent_refusal_fails_with_reason_temporary_is_retried(app, smtp):
    smtp.handler.refuse["p0@example.be"] = "550 5.1.1 Onbekende gebruiker"
    smtp.handler.refuse["p1@example.be"] = "451 4.3.0 Probeer later"
    ids = _queued(3)
    report = outbox.deliver_due(_settings(smtp.port))
    failed, retry, sent = _row(ids[0]), _row(ids[1]), _row(ids[2])
    assert failed.status is OutboxStatus.FAILED and "550" in failed.last_error
    assert "Onbekende gebruiker" in failed.last_error
    assert retry.status is OutboxStatus.QUEUED and "451" in retry.last_error
    assert sent.status is OutboxStatus.SENT
    assert report.failed == [ids[0]] and report.retrying == [ids[1]]


def test_too_many_attempts_end_in_failed(app):
    ids = _queued(1)
    port = free_port()  # nobody listens
    now = utcnow()
    for attempt in range(outbox.MAX_ATTEMPTS):
        outbox.deliver_due(_settings(port), now=now + timedelta(days=attempt))
    row = _row(ids[0])
    assert row.status is OutboxStatus.FAILED
    assert row.attempts == outbox.MAX_ATTEMPTS


def test_backoff_grows_and_is_capped():
    delays = [outbox.backoff(n) for n in range(1, 12)]
    assert delays[0] == timedelta(minutes=1)
    assert delays[1] == timedelta(minutes=2)
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert delays[-1] == outbox.LONGEST_RETRY


def test_a_claimed_row_is_not_claimed_twice(app):
    (row_id,) = _queued(1)
    now = utcnow()
    assert outbox.claim(row_id, now) is True
    assert outbox.claim(row_id, now) is False
    assert outbox.due_ids(now) == []


def test_crash_between_sending_and_marking_never_sends_twice(app, smtp):
    (row_id,) = _queued(1)
    now = utcnow()
    assert outbox.claim(row_id, now)  # the sender claimed it, then died
    # while the lease runs, nobody touches it
    assert outbox.deliver_due(_settings(smtp.port), now=now + timedelta(minutes=1)).total == 0
    report = outbox.deliver_due(_settings(smtp.port), now=now + outbox.LEASE + timedelta(seconds=1))
    assert report.interrupted == [row_id]
    row = _row(row_id)
    assert row.status is OutboxStatus.FAILED
    assert "onderbroken" in row.last_error
    assert smtp.messages == []


def test_resend(app, smtp):
    failed_id, sent_id = _queued(2)
    outbox.deliver_due(_settings(smtp.port))
    failed = _row(failed_id)
    failed.status = OutboxStatus.FAILED
    failed.last_error = "550 weg"
    db.session.commit()
    assert outbox.resend(failed) is failed
    copy = outbox.resend(_row(sent_id))
    db.session.commit()
    assert copy.id != sent_id and copy.message_id != _row(sent_id).message_id
    assert outbox.parse(copy)["Message-ID"] == copy.message_id
    outbox.deliver_due(_settings(smtp.port))
    assert len(smtp.messages) == 4
    count = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    assert count == 3


def test_cli_send_without_smtp_host_sends_nothing(app, runner):
    _queued(1)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "SMTP_HOST" in result.output
    assert db.session.scalar(sa.select(OutboxMessage.status)) is OutboxStatus.QUEUED


def test_cli_send_delivers(app, runner, smtp):
    _queued(2)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_TIMEOUT_SECONDS=5)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "verstuurd: 2" in result.output
    assert len(smtp.messages) == 2


def test_a_row_claimed_late_in_a_long_run_gets_its_own_lease(app, smtp):
    # Eleven minutes pass per row (a slow server): the third row's claim and retry count from
    # when it was taken, not from the start of the run, else a second sender would take the
    # row for interrupted (its LEASE run out) while this one is still sending it.
    smtp.handler.refuse["p1@example.be"] = "550 5.1.1 Onbekende gebruiker"
    smtp.handler.refuse["p2@example.be"] = "451 4.3.0 Probeer later"
    ids = _queued(3)
    start = utcnow()
    ticks = itertools.count()

    def clock():  # type: ignore[no-untyped-def]
        return start + next(ticks) * timedelta(minutes=11)

    report = outbox.deliver_due(_settings(smtp.port), now=start, clock=clock)
    assert report.sent == [ids[0]] and report.failed == [ids[1]] and report.retrying == [ids[2]]
    refused, retried = _row(ids[1]), _row(ids[2])
    # Refused for good: its claim's deadline stays, one LEASE after the second tick.
    assert refused.next_attempt_at == start + timedelta(minutes=11) + outbox.LEASE
    # Retried: the first retry's backoff counts from the tick at which it failed.
    assert retried.next_attempt_at == start + timedelta(minutes=33) + outbox.backoff(1)
