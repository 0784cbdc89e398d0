"""The worker: leases per job, the daily jobs' hour, its log lines, and each job's real work."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from overleg.extensions import db
from overleg.mail import outbox
from overleg.meetings import invitations
from overleg.models import OutboxMessage, OutboxStatus, WorkerJob
from overleg.worker import jobs as worker_jobs
from overleg.worker import leases
from overleg.worker.jobs import Job
from overleg.worker.runner import Worker
from tests import factories

# 07:30 in Brussels (winter time: UTC+1).
MORNING = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
LEASE = timedelta(minutes=5)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def go_on():
    return True


def counting_job(name="job", *, daily_at_hour=None, fail=False):
    runs: list[datetime] = []

    def run(now, keep):
        runs.append(now)
        if fail:
            raise RuntimeError("the mail server\nsaid no")
        return f"run {len(runs)}"

    job = Job(name, run, lease=LEASE, every=timedelta(minutes=1), daily_at_hour=daily_at_hour)
    return job, runs


def test_a_lease_is_held_by_one_worker_until_released_or_run_out(app):
    assert leases.acquire("outbox", "a", now=MORNING, lease=LEASE)
    assert not leases.acquire("outbox", "b", now=MORNING + timedelta(minutes=1), lease=LEASE)
    assert leases.holder_of("outbox") == "a"
    leases.release("outbox", "b", now=MORNING, result="not mine")  # not the holder: nothing
    assert leases.holder_of("outbox") == "a"
    leases.release("outbox", "a", now=MORNING + timedelta(minutes=2), result="3 sent")
    assert leases.acquire("outbox", "b", now=MORNING + timedelta(minutes=2), lease=LEASE)
    # A worker that died holding a lease delays the job until the lease runs out.
    assert not leases.acquire("outbox", "c", now=MORNING + timedelta(minutes=6), lease=LEASE)
    assert leases.acquire("outbox", "c", now=MORNING + timedelta(minutes=7), lease=LEASE)
    row = db.session.get(WorkerJob, "outbox")
    assert (row.holder, row.last_result) == ("c", "3 sent")


def test_a_long_job_renews_its_lease_so_a_second_worker_waits(app, caplog):
    clock = Clock(MORNING)
    job_b, runs_b = counting_job()
    b = Worker([job_b], logging.getLogger("test.b"), holder="b", clock=clock)
    units = []

    def run(now, keep):
        for _unit in range(6):  # 12 minutes in all, more than twice the lease
            clock.now += timedelta(minutes=2)
            assert keep()
            units.append(clock.now)
            b.run_due()  # the second worker looks meanwhile
        return "done"

    job = Job("job", run, lease=LEASE, every=timedelta(minutes=1))
    a = Worker([job], logging.getLogger("test.a"), holder="a", clock=clock)
    with caplog.at_level(logging.INFO, "test.b"):
        a.run_due()
    assert len(units) == 6 and runs_b == []
    assert caplog.messages == ["job: overgeslagen, een ander proces voert deze taak uit (a)"] * 6
    assert db.session.get(WorkerJob, "job", populate_existing=True).lease_until is None
    clock.now += timedelta(minutes=1)
    b.run_due()  # given back: now the second worker runs it
    assert len(runs_b) == 1


def test_a_worker_whose_lease_was_taken_over_stops_and_leaves_it(app, caplog):
    clock = Clock(MORNING)
    units = []

    def run(now, keep):
        for _unit in range(3):
            if not keep():
                break
            units.append(clock.now)
            # one unit stalls past the lease, and another worker takes the job over meanwhile
            clock.now += timedelta(minutes=6)
            assert leases.acquire("job", "b", now=clock.now, lease=LEASE) == (len(units) == 1)
        return f"{len(units)} done"

    job = Job("job", run, lease=LEASE, every=timedelta(minutes=1))
    a = Worker([job], logging.getLogger("test.a"), holder="a", clock=clock)
    with caplog.at_level(logging.INFO, "test.a"):
        a.run_due()
    assert units == [MORNING]
    assert caplog.messages == [
        "job: 1 done",
        "job: gestopt, een ander proces nam deze taak over (b)",
    ]
    row = db.session.get(WorkerJob, "job", populate_existing=True)
    assert (row.holder, row.last_finished_at) == ("b", None)  # the release left b's lease alone
    assert row.lease_until is not None


def test_the_outbox_stops_on_a_lost_lease_and_the_new_holder_sends_the_rest(app, smtp):
    for index in range(4):
        message = outbox.row_values(
            outbox_message(), kind="test", to_address=f"p{index}@example.be", domain="example.be"
        )
        db.session.add(OutboxMessage(**message))
    db.session.commit()
    clock = Clock(datetime.now(UTC))
    settings = outbox.SmtpSettings.from_config({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port})
    assert leases.acquire("outbox", "a", now=clock.now, lease=LEASE)
    held = leases.Held("outbox", "a", LEASE, clock.now + LEASE, clock)
    asked = []

    def slow_server():
        asked.append(clock.now)
        if len(asked) == 3:  # two messages took longer than the lease; b took the job over
            clock.now += timedelta(minutes=6)
            assert leases.acquire("outbox", "b", now=clock.now, lease=LEASE)
        return held.keep()

    first = outbox.deliver_due(settings, keep_going=slow_server)
    assert len(first.sent) == 2 and held.lost
    assert db.session.query(OutboxMessage).filter_by(status=OutboxStatus.QUEUED).count() == 2
    second = outbox.deliver_due(settings, keep_going=lambda: True)  # b's run
    assert len(second.sent) == 2 and not second.interrupted
    addresses = sorted(to for m in smtp.messages for to in m.rcpt_tos)
    assert addresses == [f"p{index}@example.be" for index in range(4)]  # each one once


def test_a_renewal_needs_the_lease_to_be_ours(app):
    assert not leases.renew("job", "a", now=MORNING, lease=LEASE)  # no such job yet
    assert leases.acquire("job", "a", now=MORNING, lease=LEASE)
    assert leases.renew("job", "a", now=MORNING + timedelta(minutes=4), lease=LEASE)
    assert not leases.acquire("job", "b", now=MORNING + timedelta(minutes=6), lease=LEASE)
    assert not leases.renew("job", "b", now=MORNING + timedelta(minutes=6), lease=LEASE)
    leases.release("job", "a", now=MORNING + timedelta(minutes=7), result="done")
    assert not leases.renew("job", "a", now=MORNING + timedelta(minutes=7), lease=LEASE)


def test_a_job_whose_lease_is_held_elsewhere_is_skipped_with_a_log_line(app, caplog):
    job, runs = counting_job()
    assert leases.acquire("job", "other-machine:12", now=MORNING, lease=LEASE)
    worker = Worker([job], logging.getLogger("test.worker"), clock=Clock(MORNING))
    with caplog.at_level(logging.INFO, "test.worker"):
        worker.run_due()
    assert runs == []
    assert caplog.messages == [
        "job: overgeslagen, een ander proces voert deze taak uit (other-machine:12)"
    ]


def test_each_run_logs_one_line_and_gives_the_lease_back(app, caplog):
    job, runs = counting_job()
    clock = Clock(MORNING)
    worker = Worker([job], logging.getLogger("test.worker"), holder="me", clock=clock)
    with caplog.at_level(logging.INFO, "test.worker"):
        worker.run_due()
        worker.run_due()  # not due again within its minute
        clock.now += timedelta(minutes=1)
        worker.run_due()
    assert len(runs) == 2
    assert caplog.messages == ["job: run 1", "job: run 2"]
    assert leases.holder_of("job") == ""


def test_a_failing_job_is_logged_on_one_line_and_the_others_still_run(app, caplog):
    broken, _ = counting_job("broken", fail=True)
    fine, runs = counting_job("fine")
    worker = Worker([broken, fine], logging.getLogger("test.worker"), clock=Clock(MORNING))
    with caplog.at_level(logging.INFO, "test.worker"):
        worker.run_due()
    assert caplog.messages == [
        "broken: mislukt: RuntimeError: the mail server said no",
        "fine: run 1",
    ]
    assert len(runs) == 1 and leases.holder_of("broken") == ""
    assert db.session.get(WorkerJob, "broken").last_finished_at is None


def test_a_daily_job_runs_once_a_day_from_its_hour_whichever_worker_looks(app):
    job_a, runs = counting_job("reminders", daily_at_hour=8)
    job_b, runs_b = counting_job("reminders", daily_at_hour=8)
    clock = Clock(MORNING)
    a = Worker([job_a], logging.getLogger("test.a"), clock=clock)
    b = Worker([job_b], logging.getLogger("test.b"), clock=clock)

    def every_minute_until(end):
        while clock.now < end:
            a.run_due()
            b.run_due()
            clock.now += timedelta(minutes=1)

    every_minute_until(datetime(2026, 3, 2, 6, 59, tzinfo=UTC))  # 07:59 in Brussels
    assert runs == runs_b == []
    every_minute_until(datetime(2026, 3, 3, 6, 59, tzinfo=UTC))
    assert len(runs) + len(runs_b) == 1
    assert (runs + runs_b)[0] == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 in Brussels
    every_minute_until(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    assert len(runs) + len(runs_b) == 2


def test_a_daily_job_that_fails_is_tried_again(app):
    calls = []

    def run(now, keep):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database busy")
        return "done"

    job = Job("reminders", run, lease=LEASE, every=timedelta(minutes=1), daily_at_hour=8)
    clock = Clock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    worker = Worker([job], logging.getLogger("test.worker"), clock=clock)
    for _minute in range(3):
        worker.run_due()
        clock.now += timedelta(minutes=1)
    assert len(calls) == 2


def test_the_reminders_job_queues_the_reminders(app, world):
    meeting = factories.MeetingFactory(
        start_at=datetime(2026, 3, 6, 13, 0, tzinfo=UTC),
        end_at=datetime(2026, 3, 6, 15, 0, tzinfo=UTC),
    )
    factories.InvitationFactory(meeting=meeting)
    db.session.refresh(meeting)
    invitations.send_invitations(meeting, user=None, now=MORNING - timedelta(days=20))
    db.session.commit()
    job = worker_jobs.reminders_job(app.config)
    assert job.daily_at_hour == app.config["DAILY_JOBS_HOUR"]
    assert job.run(MORNING, go_on) == "1 herinnering(en) in de wachtrij."
    assert db.session.query(OutboxMessage).filter_by(kind="reminder").count() == 1


def test_the_outbox_job_delivers_over_smtp(app, smtp):
    message = outbox.row_values(
        outbox_message(), kind="test", to_address="iemand@example.be", domain="example.be"
    )
    db.session.add(OutboxMessage(**message))
    db.session.commit()
    assert worker_jobs.outbox_job({"SMTP_HOST": ""}).run(datetime.now(UTC), go_on) is None
    job = worker_jobs.outbox_job({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port})
    assert job is not None
    assert job.run(datetime.now(UTC), go_on) == (
        "verstuurd: 1, later opnieuw: 0, mislukt: 0, onderbroken: 0"
    )
    assert job.run(datetime.now(UTC), go_on) is None  # nothing to do: nothing to say
    assert [m.rcpt_tos for m in smtp.messages] == [["iemand@example.be"]]
    assert db.session.query(OutboxMessage).one().status is OutboxStatus.SENT


def outbox_message():
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "overleg@example.be"
    message["To"] = "iemand@example.be"
    message["Subject"] = "Test"
    message.set_content("Hallo")
    return message


def test_the_mailbox_job_reads_the_mailbox_when_configured(app, imap_account):
    from tests.unit.test_mail_inbox import Handler, message

    assert worker_jobs.mailbox_job({"IMAP_HOST": ""}, Handler()) is None
    assert worker_jobs.mailbox_job(imap_account.config(), None) is None
    imap_account.deliver(message(1), message(2, answer="no"))
    job = worker_jobs.mailbox_job(imap_account.config(), Handler())
    assert job is not None and job.every == timedelta(seconds=60)
    assert job.run(datetime.now(UTC), go_on) == "verwerkt: 1, geweigerd: 1, eerder gelezen: 0"
    assert job.run(datetime.now(UTC), go_on) is None


@pytest.mark.parametrize("smtp_host", ["", "127.0.0.1"])
def test_the_worker_command_runs_the_due_jobs_once(app, runner, smtp_host, caplog):
    app.config["SMTP_HOST"] = smtp_host
    with caplog.at_level(logging.INFO, "overleg.worker"):
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    started = [m for m in caplog.messages if " gestart: " in m]
    assert len(started) == 1
    assert started[0].endswith("outbox, reminders")
