"""`flask --app overleg backup`: a consistent copy while the application keeps writing."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestingConfig
from overleg import create_app
from overleg.dataio import backup
from overleg.extensions import db

ROWS_PER_TRANSACTION = 3


def _settings(url: str) -> dict:
    settings = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = url
    return settings


@pytest.fixture
def file_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The app on a SQLite file (the backup is about files), whatever the suite's database."""
    path = tmp_path / "live.db"
    app = create_app(_settings(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        yield app, path
        db.session.remove()
        db.engine.dispose()


class Writer(threading.Thread):
    """Commits transactions of ROWS_PER_TRANSACTION audit rows until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.committed: list[int] = []  # transaction numbers, appended after COMMIT returned
        self.stop = threading.Event()
        self.started_enough = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        number = 0
        try:
            while not self.stop.is_set():
                number += 1
                with self.engine.begin() as conn:
                    for part in range(ROWS_PER_TRANSACTION):
                        conn.execute(
                            sa.text(
                                "INSERT INTO audit_entry (at, actor_label, action, object_type, "
                                "summary, details) VALUES (CURRENT_TIMESTAMP, 'writer', "
                                ":action, 'Test', :summary, '{}')"
                            ),
                            {"action": f"tx.{number}", "summary": str(part)},
                        )
                self.committed.append(number)
                if number >= 30:
                    self.started_enough.set()
        except BaseException as error:  # reported by the test
            self.error = error
            self.started_enough.set()
        finally:
            self.engine.dispose()


def test_backup_under_concurrent_writes_restores_with_every_committed_row(file_app, tmp_path):
    app, live_path = file_app
    writer = Writer(app.config["SQLALCHEMY_DATABASE_URI"])
    writer.start()
    assert writer.started_enough.wait(timeout=60)
    committed_before = list(writer.committed)
    target = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    # Let the writer go on a little after the copy, then stop it.
    after = len(writer.committed)
    while len(writer.committed) < after + 10 and writer.error is None:
        writer.stop.wait(0.01)
    writer.stop.set()
    writer.join(timeout=60)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert "integriteit in orde" in result.output

    # Restore: the backup file becomes a database of its own and the app runs on it.
    restored = tmp_path / "restored.db"
    shutil.copyfile(target, restored)
    assert backup.integrity_check(restored) == "ok"
    restored_app = create_app(_settings(f"sqlite:///{restored}"))
    with restored_app.app_context():
        rows = db.session.execute(
            sa.text("SELECT action, count(*) FROM audit_entry GROUP BY action")
        ).all()
        db.session.remove()
        db.engine.dispose()
    counts = {action: n for action, n in rows}
    # Every transaction committed before the backup started is there, and whole.
    for number in committed_before:
        assert counts.get(f"tx.{number}") == ROWS_PER_TRANSACTION, number
    # No transaction is there in part: a snapshot, not a copy torn by the writer.
    assert set(counts.values()) == {ROWS_PER_TRANSACTION}
    # The snapshot holds a prefix of the committed transactions.
    numbers = sorted(int(action.split(".")[1]) for action in counts)
    assert numbers == list(range(1, len(numbers) + 1))
    # The live database has moved on (the writer was not blocked by the backup).
    live = sqlite3.connect(live_path)
    try:
        live_count = live.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    finally:
        live.close()
    assert live_count == len(writer.committed) * ROWS_PER_TRANSACTION
    assert live_count > sum(counts.values())


def test_backup_refuses_to_overwrite_unless_forced(file_app, tmp_path):
    app, _path = file_app
    target = tmp_path / "b.db"
    target.write_bytes(b"keep me")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "bestaat al" in result.output
    assert target.read_bytes() == b"keep me"
    result = runner.invoke(args=["backup", "--force", str(target)])
    assert result.exit_code == 0, result.output
    assert backup.integrity_check(target) == "ok"
    assert not list(tmp_path.glob(".b.db.partial-*"))


def test_backup_into_a_missing_directory_fails_cleanly(file_app, tmp_path):
    app, _path = file_app
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nope" / "b.db")])
    assert result.exit_code != 0 and "bestaat niet" in result.output


def test_postgresql_gets_pg_dump_instructions_without_the_password(tmp_path):
    app = create_app(_settings("postgresql+psycopg://overleg:geheim@db.example.be:5433/overleg"))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert "--host=db.example.be" in result.output and "--port=5433" in result.output
    assert "geheim" not in result.output
    assert not (tmp_path / "x.dump").exists()


def test_sqlite_file_of_urls():
    path = Path("/srv/overleg/overleg.db")
    assert backup.sqlite_file(f"sqlite:///{path}") == path
    assert backup.sqlite_file("sqlite://") is None
    assert backup.sqlite_file("postgresql+psycopg://u@h/d") is None


def test_the_backup_holds_the_meeting_documents_byte_for_byte(file_app, tmp_path):
    """Documents live in the database (issue 15): one backup holds them, and the restored
    database gives back the same bytes under the same hash."""
    import hashlib

    from overleg.documents import services as documents
    from overleg.documents import storage
    from overleg.models import DocumentVersion
    from tests import factories

    app, _live_path = file_app
    content = b"%PDF-1.4\n" + bytes(range(256)) * 9000 + b"\n%%EOF\n"  # three chunks
    meeting = factories.MeetingFactory()
    document = factories.document(meeting, filename="plan.pdf", content=content)
    digest = document.current.sha256
    target = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output

    restored_app = create_app(_settings(f"sqlite:///{target}"))
    with restored_app.app_context():
        version = db.session.scalars(sa.select(DocumentVersion)).one()
        restored = storage.content(version.blob_id)
        listed = [d.title for d in documents.documents_of(version.document.meeting)]
        db.session.remove()
        db.engine.dispose()
    assert restored == content
    assert hashlib.sha256(restored).hexdigest() == digest
    assert listed == ["plan"]
