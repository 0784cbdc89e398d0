"""Migrations: one head, upgrade and downgrade step by step, and models that match the DDL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pytest_alembic import Config as AlembicTestConfig
from sqlalchemy import create_engine, text

from config import PROJECT_ROOT, TestingConfig
from overleg import create_app
from tests.support import databases


@pytest.fixture
def alembic_app(tmp_path):  # type: ignore[no-untyped-def]
    # Its own empty database (a file on SQLite, a new database on PostgreSQL), never the suite's.
    url = databases.fresh_database_url("overleg_migrations", tmp_path)
    app = create_app(
        {
            **{k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )
    with app.app_context():
        yield app


@pytest.fixture
def alembic_config():  # type: ignore[no-untyped-def]
    return AlembicTestConfig(
        config_options={
            "file": str(PROJECT_ROOT / "migrations" / "alembic.ini"),
            "script_location": str(PROJECT_ROOT / "migrations"),
        }
    )


@pytest.fixture
def alembic_engine(alembic_app):  # type: ignore[no-untyped-def]
    engine = create_engine(alembic_app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def test_single_head_revision(alembic_runner):  # type: ignore[no-untyped-def]
    assert len(alembic_runner.heads) == 1


def test_upgrade_to_head_and_down_to_base(alembic_runner):  # type: ignore[no-untyped-def]
    alembic_runner.migrate_up_to("heads")
    alembic_runner.migrate_down_to("base")


def test_up_down_consistency(alembic_runner):  # type: ignore[no-untyped-def]
    for revision in alembic_runner.history.revisions:
        alembic_runner.migrate_up_to(revision)
    for revision in reversed(alembic_runner.history.revisions):
        alembic_runner.migrate_down_to(revision)


def test_models_match_migrations(alembic_runner):  # type: ignore[no-untyped-def]
    from pytest_alembic.tests import test_model_definitions_match_ddl

    test_model_definitions_match_ddl(alembic_runner)


def test_answers_given_before_the_history_become_its_first_rows(alembic_runner, alembic_engine):  # type: ignore[no-untyped-def]
    """0006: an answer already given is kept as given through the link for the current SEQUENCE,
    and the meeting's significant version is its SEQUENCE."""
    import sqlalchemy as sa

    alembic_runner.migrate_up_before("0006")
    at = "2026-03-01 10:00:00"
    with alembic_engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO platform (id, name, slug, organiser_name, organiser_email, "
                "agency_email) VALUES (1, 'P', 'p', '', '', '')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO municipality (id, platform_id, name, slug, meetings_per_year, "
                "preferred_weekdays, window_start, window_end, meeting_duration_minutes, "
                "usual_location, min_spacing_days) "
                "VALUES (1, 1, 'Geel', 'geel', 4, '1', '09:00:00', '12:00:00', 120, '', 0)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO meeting (id, municipality_id, title, start_at, end_at, location, "
                "status, cancel_reason, ical_uid, ical_sequence, created_at, updated_at) VALUES "
                "(1, 1, 'W', :start, :end, '', 'invited', '', 'u@overleg', 2, :at, :at)"
            ),
            {"start": "2026-03-17 13:00:00", "end": "2026-03-17 15:00:00", "at": at},
        )
        for number, (status, responded) in enumerate(
            [("accepted", at), ("needs-action", None), ("declined", at)], start=1
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO invitation (id, meeting_id, role, rsvp_status, rsvp_comment, "
                    "responded_at, is_guest, guest_name, guest_organisation, created_at) VALUES "
                    "(:id, 1, 'required', :status, :comment, :responded, false, :name, '', :at)"
                ),
                {
                    "id": number,
                    "status": status,
                    "comment": f"c{number}",
                    "responded": responded,
                    "name": f"Gast {number}",
                    "at": at,
                },
            )
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT invitation_id, status, comment, sequence, source, counted "
                "FROM invitation_answer ORDER BY invitation_id"
            )
        ).all()
        significant = connection.execute(
            sa.text("SELECT significant_sequence FROM meeting")
        ).scalar_one()
    assert [tuple(row) for row in rows] == [
        (1, "accepted", "c1", 2, "link", True),
        (3, "declined", "c3", 2, "link", True),
    ]
    assert significant == 2
    alembic_runner.migrate_down_one()


# --- each platform its own theme catalogue (revision 0010) -----------------------------------

CATALOGUE_REVISION = "0010"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _platform_with_a_meeting(runner, n: int, theme_id: int) -> None:  # type: ignore[no-untyped-def]
    runner.insert_into(
        "platform",
        {
            "id": n,
            "name": f"Platform {n}",
            "slug": f"platform-{n}",
            "organiser_name": "",
            "organiser_email": "",
            "agency_email": "",
        },
    )
    runner.insert_into(
        "municipality",
        {
            "id": n,
            "platform_id": n,
            "name": f"Gemeente {n}",
            "slug": f"gemeente-{n}",
            "meetings_per_year": 2,
            "preferred_weekdays": "1,2",
            "window_start": time(9),
            "window_end": time(17),
            "meeting_duration_minutes": 120,
            "usual_location": "",
            "min_spacing_days": 90,
        },
    )
    runner.insert_into(
        "meeting",
        {
            "id": n,
            "municipality_id": n,
            "title": "Woonoverleg",
            "start_at": NOW,
            "end_at": NOW + timedelta(hours=2),
            "location": "",
            "status": "held",
            "cancel_reason": "",
            "ical_uid": f"uid-{n}",
            "ical_sequence": 0,
            "created_at": NOW,
            "updated_at": NOW,
        },
    )
    runner.insert_into(
        "agenda_item",
        {
            "id": n,
            "meeting_id": n,
            "position": 0,
            "kind": "theme",
            "title": "Kerncijfers",
            "theme_id": theme_id,
            "presenter": "",
            "duration_minutes": 15,
            "notes": "",
        },
    )


def test_each_platform_gets_its_own_catalogue_and_back(alembic_runner, alembic_engine):  # type: ignore[no-untyped-def]
    alembic_runner.migrate_up_before(CATALOGUE_REVISION)
    for order, code in enumerate(("kerncijfers", "energie"), start=1):
        # No ids given: the database numbers them, as it will the copies (PostgreSQL's sequence).
        alembic_runner.insert_into(
            "theme",
            {
                "code": code,
                "name": code.title(),
                "description": "",
                "is_mandatory": code == "kerncijfers",
                "active": True,
                "sort_order": order,
            },
        )
    with alembic_engine.connect() as connection:
        ids = dict(connection.execute(text("SELECT code, id FROM theme")).all())
    kerncijfers = ids["kerncijfers"]
    _platform_with_a_meeting(alembic_runner, 1, kerncijfers)
    _platform_with_a_meeting(alembic_runner, 2, kerncijfers)
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as connection:
        themes = connection.execute(
            text("SELECT id, platform_id, code, is_mandatory FROM theme ORDER BY id")
        ).all()
        items = dict(connection.execute(text("SELECT id, theme_id FROM agenda_item")).all())
    assert [(t.platform_id, t.code) for t in themes] == [
        (1, "kerncijfers"),
        (1, "energie"),
        (2, "kerncijfers"),
        (2, "energie"),
    ]
    platform_2_kerncijfers = themes[2].id
    assert items == {1: kerncijfers, 2: platform_2_kerncijfers}  # each its own platform's theme
    assert themes[2].is_mandatory
    alembic_runner.migrate_down_one()
    with alembic_engine.connect() as connection:
        back = connection.execute(text("SELECT id, code FROM theme ORDER BY id")).all()
        items = dict(connection.execute(text("SELECT id, theme_id FROM agenda_item")).all())
    assert [tuple(row) for row in back] == [
        (kerncijfers, "kerncijfers"),
        (ids["energie"], "energie"),
    ]
    assert items == {1: kerncijfers, 2: kerncijfers}


TOPIC_YEARS_REVISION = "0015"


def test_the_allocation_rules_stop_being_mandatory_after_the_reform(alembic_runner, alembic_engine):  # type: ignore[no-untyped-def]
    """0015: every platform's local allocation rules are mandatory until 2023 (the setting's
    default); the other themes keep no bound."""
    alembic_runner.migrate_up_before(TOPIC_YEARS_REVISION)
    alembic_runner.insert_into(
        "platform",
        {
            "id": 1,
            "name": "P",
            "slug": "p",
            "organiser_name": "",
            "organiser_email": "",
            "agency_email": "",
        },
    )
    for order, code in enumerate(("lokale_toewijzingsreglementen", "kerncijfers"), start=1):
        alembic_runner.insert_into(
            "theme",
            {
                "platform_id": 1,
                "code": code,
                "name": code.title(),
                "description": "",
                "is_mandatory": True,
                "active": True,
                "sort_order": order,
            },
        )
    alembic_runner.migrate_up_one()
    with alembic_engine.connect() as connection:
        years = connection.execute(
            text("SELECT code, mandatory_from_year, mandatory_until_year FROM theme ORDER BY id")
        ).all()
    assert [tuple(row) for row in years] == [
        ("lokale_toewijzingsreglementen", None, 2023),
        ("kerncijfers", None, None),
    ]
    alembic_runner.migrate_down_one()
