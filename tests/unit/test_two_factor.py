"""Two-factor services without HTTP: TOTP at a fixed time, no replay, recovery codes once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from overleg.auth import services, two_factor
from overleg.auth.permissions import must_set_up_two_factor
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import AuditEntry, LoginAttempt, RecoveryCode, Role
from tests import factories

# RFC 6238, appendix B: the SHA-1 test secret "12345678901234567890", 8 digits at T = 59 s is
# 94287082; its last six digits are the 6-digit code.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
NOW = datetime(2026, 12, 6, 10, 0, 15, tzinfo=UTC)


def _user(secret: str | None = RFC_SECRET, last_step: int | None = None):  # type: ignore[no-untyped-def]
    user = factories.UserFactory(totp_secret=secret, totp_last_step=last_step)
    db.session.flush()
    return user


def test_codes_follow_rfc_6238(app):
    at_59 = datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC)
    assert two_factor.code_at(RFC_SECRET, two_factor.step_at(at_59)) == "287082"
    assert two_factor.code_at(RFC_SECRET, 1) == pyotp.TOTP(RFC_SECRET).at(59)


def test_a_code_is_accepted_one_step_either_side(app):
    step = two_factor.step_at(NOW)
    for offset in (-1, 0, 1):
        code = two_factor.code_at(RFC_SECRET, step + offset)
        assert two_factor.matching_step(RFC_SECRET, code, NOW, None) == step + offset
    for offset in (-2, 2):
        code = two_factor.code_at(RFC_SECRET, step + offset)
        assert two_factor.matching_step(RFC_SECRET, code, NOW, None) is None


def test_spaces_in_a_code_do_not_matter_and_junk_is_refused(app):
    code = two_factor.code_at(RFC_SECRET, two_factor.step_at(NOW))
    assert two_factor.matching_step(RFC_SECRET, f"{code[:3]} {code[3:]}", NOW, None) is not None
    for junk in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert two_factor.matching_step(RFC_SECRET, junk, NOW, None) is None


def test_a_code_is_not_accepted_twice(app):
    user = _user()
    code = two_factor.code_at(RFC_SECRET, two_factor.step_at(NOW))
    assert two_factor.accept_code(user, code, NOW)
    assert user.totp_last_step == two_factor.step_at(NOW)
    # The same code, still inside its window, is refused: it was used.
    assert not two_factor.accept_code(user, code, NOW + timedelta(seconds=20))


def test_a_code_of_an_earlier_step_than_the_last_used_is_refused(app):
    step = two_factor.step_at(NOW)
    user = _user(last_step=step)
    earlier = two_factor.code_at(RFC_SECRET, step - 1)
    assert not two_factor.accept_code(user, earlier, NOW)
    later = two_factor.code_at(RFC_SECRET, step + 1)
    assert two_factor.accept_code(user, later, NOW)


def test_without_a_secret_no_code_is_accepted(app):
    user = _user(secret=None)
    assert not two_factor.accept_code(user, "123456", NOW)
    assert not two_factor.second_factor_ok(user, "123456", NOW)


def test_switching_on_needs_a_right_code_and_gives_ten_codes(app):
    user = _user(secret=None)
    secret = two_factor.new_secret()
    assert len(secret) == 32
    with pytest.raises(Refusal) as refused:
        two_factor.switch_on(user, secret, "000000", NOW)
    assert refused.value.field == "code"
    assert user.totp_secret is None

    codes = two_factor.switch_on(
        user, secret, two_factor.code_at(secret, two_factor.step_at(NOW)), NOW
    )
    db.session.flush()
    assert user.two_factor_enabled
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)  # only hashes are kept
    assert db.session.scalar(sa.select(AuditEntry.action)) == "user.two_factor_on"
    # The code that switched it on cannot log in afterwards.
    assert not two_factor.accept_code(
        user, two_factor.code_at(secret, two_factor.step_at(NOW)), NOW
    )


def test_a_recovery_code_works_once(app):
    user = _user()
    codes = two_factor.new_recovery_codes(user)
    assert two_factor.use_recovery_code(user, codes[3].upper().replace("-", " "), NOW)
    assert not two_factor.use_recovery_code(user, codes[3], NOW)
    assert two_factor.unused_recovery_codes(user) == 9
    assert two_factor.second_factor_ok(user, codes[4], NOW)
    assert db.session.scalars(sa.select(AuditEntry.action)).all() == [
        "user.recovery_code_used",
        "user.recovery_code_used",
    ]


def test_recovery_codes_are_the_users_own_and_die_when_renewed(app):
    user, other = _user(), _user()
    codes = two_factor.new_recovery_codes(user)
    assert not two_factor.use_recovery_code(other, codes[0], NOW)
    two_factor.renew_recovery_codes(user)
    db.session.flush()
    assert not two_factor.use_recovery_code(user, codes[0], NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10


def test_switching_off_forgets_the_secret_and_the_codes(app):
    user = _user()
    two_factor.new_recovery_codes(user)
    two_factor.switch_off(user)
    db.session.flush()
    assert not user.two_factor_enabled and user.totp_last_step is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_a_coordinator_cannot_switch_off_what_the_platform_requires(app):
    platform = factories.PlatformFactory(require_two_factor_for_coordinators=True)
    coordinator = factories.UserFactory(
        platform=platform, role=Role.COORDINATOR, totp_secret=RFC_SECRET
    )
    secretary = factories.UserFactory(
        platform=platform, role=Role.SECRETARY, totp_secret=RFC_SECRET
    )
    with pytest.raises(Refusal):
        two_factor.switch_off(coordinator)
    two_factor.switch_off(secretary)
    assert not secretary.two_factor_enabled


def test_who_must_set_up_two_factor(app):
    platform = factories.PlatformFactory(require_two_factor_for_coordinators=True)
    assert must_set_up_two_factor(factories.UserFactory(platform=platform))
    assert not must_set_up_two_factor(
        factories.UserFactory(platform=platform, totp_secret=RFC_SECRET)
    )
    assert not must_set_up_two_factor(factories.UserFactory(platform=platform, role=Role.SECRETARY))
    assert not must_set_up_two_factor(factories.UserFactory())


def test_the_qr_code_is_an_inline_svg(app):
    user = _user(secret=None)
    uri = two_factor.provisioning_uri(RFC_SECRET, user)
    assert uri.startswith("otpauth://totp/") and f"secret={RFC_SECRET}" in uri
    svg = two_factor.qr_svg(uri, "QR")
    assert svg.startswith("<svg") and "<title>QR</title>" in svg
    assert "style=" not in svg  # the Content-Security-Policy forbids inline styles


def test_a_failed_recheck_counts_and_is_throttled(app):
    user = _user()
    policy = services.LoginPolicy(max_failures_per_account=2)
    for _ in range(2):
        with pytest.raises(services.LoginRefused) as refused:
            services.recheck(user, lambda: False, "10.0.0.1", policy, NOW)
        assert refused.value.reason == "invalid"
    with pytest.raises(services.LoginRefused) as refused:
        services.recheck(user, lambda: True, "10.0.0.1", policy, NOW)
    assert refused.value.reason == "throttled"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 2


def test_a_reset_for_someone_who_lost_everything(app):
    user = _user()
    two_factor.new_recovery_codes(user)
    two_factor.reset(user, actor=None)
    db.session.flush()
    assert not user.two_factor_enabled
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.user_id, entry.object_id) == (
        "user.two_factor_reset",
        None,
        user.id,
    )
    two_factor.reset(user, actor=None)  # nothing to do: no second entry
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_the_command_line_switches_two_factor_off(app, runner):
    user = _user()
    two_factor.new_recovery_codes(user)
    db.session.commit()
    result = runner.invoke(args=["users", "two-factor-off", user.email.upper()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not db.session.get(type(user), user.id).two_factor_enabled
    assert db.session.scalar(sa.select(AuditEntry.action)) == "user.two_factor_reset"
    again = runner.invoke(args=["users", "two-factor-off", user.email])
    assert again.exit_code == 1
    assert "geen tweestapsverificatie" in again.output
    unknown = runner.invoke(args=["users", "two-factor-off", "niemand@example.be"])
    assert unknown.exit_code == 1
