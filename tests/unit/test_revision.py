"""The database's revision (overleg/models/revision.py): raised by every committed change, and
only then; the dashboard's kept lists rely on it to never be behind the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import DataRevision, Meeting, Municipality
from overleg.models.revision import current_revision


def _committed_revision() -> int:
    db.session.commit()
    revision = current_revision()
    assert revision is not None
    return revision


def test_a_committed_change_raises_the_revision_once(world):
    before = _committed_revision()
    world.north.name = "Noorderdorp-Oost"
    db.session.flush()
    world.south.name = "Zuiderdorp-West"  # pending: flushed by the commit itself
    assert _committed_revision() == before + 1


def test_a_pending_change_is_counted_without_a_flush_of_its_own(world):
    before = _committed_revision()
    start = datetime(2027, 3, 2, 13, 0, tzinfo=UTC)
    db.session.add(
        Meeting(
            municipality=world.north,
            title="Overleg",
            start_at=start,
            end_at=start + timedelta(hours=2),
        )
    )
    assert db.session.new
    assert _committed_revision() == before + 1


def test_reading_commits_no_new_revision(world):
    before = _committed_revision()
    db.session.scalars(sa.select(Municipality)).all()
    assert _committed_revision() == before


def test_a_rolled_back_change_is_not_counted_later(world):
    before = _committed_revision()
    world.north.name = "Teruggedraaid"
    db.session.flush()
    db.session.rollback()
    assert _committed_revision() == before


def test_a_bulk_update_through_the_session_counts(world):
    before = _committed_revision()
    db.session.execute(
        sa.update(Municipality).where(Municipality.id == world.north.id).values(name="Bulk")
    )
    assert _committed_revision() == before + 1


def test_a_savepoint_counts_with_the_transaction_around_it(world):
    before = _committed_revision()
    with db.session.begin_nested():
        world.north.name = "In een savepoint"
    assert current_revision() == before  # not yet: the transaction is still open
    assert _committed_revision() == before + 1


def test_a_missing_row_means_nothing_kept_and_is_made_again_by_the_next_change(world):
    db.session.commit()
    with db.engine.begin() as connection:  # past the session, as a table emptied by hand
        connection.execute(sa.delete(DataRevision))
    assert current_revision() is None
    world.north.name = "Opnieuw geteld"
    assert _committed_revision() == 1
    world.north.name = "En verder"
    assert _committed_revision() == 2


def test_the_worker_s_leases_and_logins_are_not_counted(world):
    from overleg.models import LoginAttempt
    from overleg.models.types import utcnow
    from overleg.worker import leases

    before = _committed_revision()
    now = utcnow()
    holder = leases.new_holder()
    assert leases.acquire("outbox", holder, now=now, lease=timedelta(minutes=5))  # commits
    leases.release("outbox", holder, now=now, result="ok")
    db.session.add(LoginAttempt(email="iemand@example.be", ip_address="127.0.0.1", at=now))
    assert _committed_revision() == before
    world.north.name = "Wel geteld"
    assert _committed_revision() == before + 1
