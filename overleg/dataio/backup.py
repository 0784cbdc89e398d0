"""Consistent online backups.

SQLite: the backup API copies the database in one step while the application keeps running. In WAL
mode a reader does not block writers, so the copy is a snapshot of one moment: every transaction
committed before it started is in it, none is half in it. The copy is written next to the target
and renamed into place only after `PRAGMA integrity_check` said "ok".

PostgreSQL: pg_dump does the same job (a consistent snapshot, writers not blocked);
`pg_dump_instructions` says how to run it for the configured database.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _


class BackupError(Exception):
    """The backup could not be made; the message says why (translated, for the operator)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    tables: int


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for other databases and in-memory SQLite."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        return None
    return Path(url.database)


def integrity_check(path: Path) -> str:
    """The answer of `PRAGMA integrity_check` ("ok" for a sound database)."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    return "\n".join(str(row[0]) for row in rows)


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the live database `source` to `target` consistently; returns what was written."""
    if not source.is_file():
        raise BackupError(_("De database %(path)s bestaat niet.", path=source))
    target = target.resolve()
    if target == source.resolve():
        raise BackupError(_("De back-up mag de database zelf niet overschrijven."))
    if target.exists() and not overwrite:
        raise BackupError(
            _("%(path)s bestaat al; kies een andere naam of gebruik --force.", path=target)
        )
    if not target.parent.is_dir():
        raise BackupError(_("De map %(path)s bestaat niet.", path=target.parent))
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    source_db = sqlite3.connect(source, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            # pages=-1: all pages in one step, so the copy is one snapshot (a step-wise copy
            # would restart whenever the application writes in between).
            source_db.backup(copy, pages=-1)
            # The copy is a self-contained file: no -wal/-shm sidecars needed to restore it.
            copy.execute("PRAGMA journal_mode=DELETE")
            tables = copy.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            copy.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(_("De back-up is mislukt: %(error)s", error=error)) from error
    finally:
        source_db.close()
    verdict = integrity_check(partial)
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(
            _("De kopie is niet in orde (integrity_check: %(verdict)s).", verdict=verdict)
        )
    os.replace(partial, target)
    return BackupResult(path=target, size_bytes=target.stat().st_size, tables=int(tables))


def pg_dump_instructions(database_url: str, target: Path) -> str:
    """How to back up a PostgreSQL database with pg_dump (the password is never printed)."""
    url = sa.make_url(database_url)
    parts = ["pg_dump", "--format=custom", f"--file={target}"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    parts.append(url.database or "")
    return "\n".join(
        [
            _(
                "Deze installatie gebruikt PostgreSQL: maak de back-up met pg_dump, dat een "
                "consistente momentopname neemt terwijl de toepassing blijft draaien:"
            ),
            "",
            "    " + " ".join(parts),
            "",
            _("Het wachtwoord komt uit PGPASSWORD of ~/.pgpass. Terugzetten in een lege database:"),
            "",
            f"    pg_restore --dbname={url.database or '<database>'} --no-owner {target}",
        ]
    )
