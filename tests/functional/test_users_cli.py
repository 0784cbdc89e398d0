"""flask --app overleg users create|list|deactivate, through Click's runner."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from overleg.auth import accounts, services
from overleg.auth.accounts import LinkState
from overleg.extensions import db
from overleg.models import AuditEntry, OutboxMessage, Role, User
from tests.conftest import World

LINK = re.compile(r"^http://localhost/password/([A-Za-z0-9_-]{43})\n$")


def _create(runner, *extra: str, email: str = "nieuw@example.be", role: str = "secretary"):
    args = ["users", "create", "--platform", "kempen-test", "--email", email]
    args += ["--name", "Nieuwe Secretaris", "--role", role, *extra]
    return runner.invoke(args=args)


def _counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, OutboxMessage, AuditEntry)
    )


def test_create_prints_only_the_link_and_mails_it(runner, world: World):
    result = _create(runner, "--municipality", "noorderdorp", "--municipality", "zuiderdorp")
    assert result.exit_code == 0, result.output
    match = LINK.match(result.stdout)
    assert match, result.stdout
    assert "nieuw@example.be" in result.stderr and "7 dagen" in result.stderr
    user = db.session.scalar(sa.select(User).where(User.email == "nieuw@example.be"))
    assert user.password_hash is None and user.role is Role.SECRETARY
    assert [m.slug for m in user.municipalities] == ["noorderdorp", "zuiderdorp"]
    assert accounts.find_link(match.group(1))[0] is LinkState.VALID
    mail = db.session.scalar(sa.select(OutboxMessage))
    assert mail.to_address == "nieuw@example.be"
    assert match.group(0).strip().encode() in mail.raw.replace(b"=\r\n", b"")


def test_a_coordinator_needs_no_municipality(runner, world: World):
    result = _create(runner, role="coordinator", email="tweede@example.be")
    assert result.exit_code == 0, result.output
    assert LINK.match(result.stdout)


@pytest.mark.parametrize(
    ("extra", "email", "role", "message"),
    [
        ((), "nieuw@example.be", "secretary", "minstens één gemeente"),
        (("--municipality", "nergens"), "nieuw@example.be", "secretary", "Onbekende gemeente"),
        (("--municipality", "verweg"), "nieuw@example.be", "secretary", "hoort niet bij"),
        (("--municipality", "noorderdorp"), "SECRETARIS@example.be", "reader", "bestaat al"),
        (("--municipality", "noorderdorp"), "geen-adres", "reader", "geen geldig e-mailadres"),
        (("--municipality", "noorderdorp"), "nieuw@example.be", "admin", "Onbekende rol"),
    ],
)
def test_bad_input_says_why_exits_non_zero_and_changes_nothing(
    runner, world: World, extra, email, role, message
):
    before = _counts()
    result = _create(runner, *extra, email=email, role=role)
    assert result.exit_code != 0
    assert message in result.stderr and result.stdout == ""
    assert _counts() == before


def test_an_unknown_platform(runner, world: World):
    args = ["users", "create", "--platform", "nergens", "--email", "a@example.be"]
    result = runner.invoke(args=[*args, "--name", "A", "--role", "coordinator"])
    assert result.exit_code != 0 and "Onbekend platform: nergens" in result.stderr


def test_a_password_is_never_an_argument(runner, world: World):
    result = _create(runner, "--municipality", "noorderdorp", "--password", "geheim")
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(User).where(User.email == "nieuw@example.be")) is None


def test_list_shows_every_user_or_one_platforms(runner, world: World):
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 6  # the world: three users on each platform
    assert "ander@example.be\t" in result.stdout
    secretary = next(line for line in lines if line.startswith("secretaris@example.be"))
    assert secretary.split("\t")[2:6] == ["secretary", "kempen-test", "noorderdorp", "actief"]
    only = runner.invoke(args=["users", "list", "--platform", "kempen-test"])
    assert "ander@example.be" not in only.stdout and len(only.stdout.splitlines()) == 3
    assert runner.invoke(args=["users", "list", "--platform", "nergens"]).exit_code != 0


def test_deactivate_ends_the_sessions(runner, world: World):
    token = services.open_session(world.secretary, "192.0.2.1", "", services.LoginPolicy())
    db.session.commit()
    result = runner.invoke(args=["users", "deactivate", "Secretaris@Example.be"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not world.secretary.active
    assert services.user_for_session(token) is None
    listed = runner.invoke(args=["users", "list", "--platform", "kempen-test"]).stdout
    assert "gedeactiveerd" in listed


def test_the_last_coordinator_cannot_be_deactivated(runner, world: World):
    result = runner.invoke(args=["users", "deactivate", "coordinator@example.be"])
    assert result.exit_code != 0 and "laatste actieve coördinator" in result.stderr
    db.session.expire_all()
    assert world.coordinator.active
    unknown = runner.invoke(args=["users", "deactivate", "niemand@example.be"])
    assert unknown.exit_code != 0 and "Geen account" in unknown.stderr
