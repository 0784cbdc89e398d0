"""Two-factor login: TOTP codes (RFC 6238, pyotp) and recovery codes. No request in here.

- The secret is 160 random bits (base32). It is shown once, while it is set up (as a QR code drawn
  here by segno, and as text); after that no page shows it again.
- A code is accepted for the current 30-second step and one step either side (clocks drift), and
  only for a step later than the last one accepted: a code, once used, is never accepted again.
- Ten recovery codes stand in for the app, each once. They carry 80 random bits, so a SHA-256 of
  the code is enough to keep them (a slow hash is for guessable passwords).

Like every service these flush at most; the request commits. A failed check is not a `Refusal`:
the caller records it as a failed login attempt (the throttle counts it) and keeps that record.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from overleg.audit import services as audit
from overleg.auth.permissions import two_factor_required
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import Platform, RecoveryCode, User

STEP_SECONDS = 30
DRIFT_STEPS = 1  # one step before and after the current one
DIGITS = 6
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_LENGTH = 16  # 31**16: about 79 bits
_SPACES = re.compile(r"[\s-]+")
ISSUER = "overleg"


def new_secret() -> str:
    return pyotp.random_base32()  # 32 characters, 160 bits


def provisioning_uri(secret: str, user: User) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of `uri` as an inline SVG element (black on white, also in a dark theme)."""
    code = segno.make(uri, error="m")
    svg: str = code.svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title)
    return svg


def step_at(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code of one time step (for the tests and for checking)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def _digits(code: str) -> str:
    return _SPACES.sub("", code)


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The step within the window whose code is `code`, if later than `after`."""
    code = _digits(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = step_at(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every step is compared (in constant time), whichever matches.
        if hmac.compare_digest(code_at(secret, step), code) and (after is None or step > after):
            found = step
    return found


def accept_code(user: User, code: str, now: datetime) -> bool:
    """Check a code from the user's app; an accepted step is remembered and never accepted again."""
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


# --- recovery codes -----------------------------------------------------------------------


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_digits(code).lower().encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes for the user (the old ones stop working); only their hashes are
    kept, so the caller shows the returned codes once."""
    user.recovery_codes.clear()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    user.recovery_codes.extend(RecoveryCode(code_hash=_recovery_hash(code)) for code in codes)
    db.session.flush()
    return codes


def unused_recovery_codes(user: User) -> int:
    return sum(1 for code in user.recovery_codes if code.used_at is None)


def use_recovery_code(user: User, code: str, now: datetime) -> bool:
    """Spend one recovery code; False when it is not one of the user's unused codes."""
    if user.totp_secret is None or len(_digits(code)) != _RECOVERY_LENGTH:
        return False
    row = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    audit.record(
        user,
        "user.recovery_code_used",
        user,
        summary="Aangemeld met een herstelcode",
        details={"left": unused_recovery_codes(user)},
    )
    return True


def second_factor_ok(user: User, code: str, now: datetime) -> bool:
    """A code from the app or, failing that, one of the recovery codes."""
    return accept_code(user, code, now) or use_recovery_code(user, code, now)


# --- switching it on and off --------------------------------------------------------------


def switch_on(user: User, secret: str, code: str, now: datetime) -> list[str]:
    """Switch two-factor on with `secret`, once a code of it proves the app has it. Returns the
    ten recovery codes, to be shown once."""
    step = matching_step(secret, code, now, after=None)
    if step is None:
        raise Refusal(
            _l("Deze code klopt niet. Kijk of de klok van je toestel juist staat."), field="code"
        )
    user.totp_secret = secret
    user.totp_last_step = step
    codes = new_recovery_codes(user)
    audit.record(user, "user.two_factor_on", user, summary="Tweestapsverificatie aangezet")
    return codes


def switch_off(user: User) -> None:
    """Switch two-factor off (the caller checked the password or a code first)."""
    if two_factor_required(user):
        raise Refusal(
            _l("Tweestapsverificatie is verplicht voor coördinatoren van dit platform."),
        )
    _forget(user)
    audit.record(user, "user.two_factor_off", user, summary="Tweestapsverificatie uitgezet")


def reset(user: User, *, actor: User | None) -> None:
    """Switch two-factor off for someone who lost both the app and the recovery codes (on the
    command line, after checking who asks). Where the platform requires it, the coordinator
    sets it up again at the next login."""
    if not user.two_factor_enabled:
        return
    _forget(user)
    audit.record(
        actor,
        "user.two_factor_reset",
        user,
        summary=f"Tweestapsverificatie van {user.name} <{user.email}> uitgezet",
    )


def _forget(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes.clear()


def renew_recovery_codes(user: User) -> list[str]:
    codes = new_recovery_codes(user)
    audit.record(user, "user.recovery_codes_renewed", user, summary="Nieuwe herstelcodes gemaakt")
    return codes


def require_for_coordinators(platform: Platform, required: bool, *, actor: User) -> None:
    """The platform setting: coordinators log in with two-factor (those without it set it up at
    their next request). Who switches it on has two-factor already, or would be locked in the
    set-up at once."""
    if platform.require_two_factor_for_coordinators == required:
        return
    if required and not actor.two_factor_enabled:
        raise Refusal(
            _l("Zet eerst voor jezelf tweestapsverificatie aan."),
            field="require_two_factor_for_coordinators",
        )
    platform.require_two_factor_for_coordinators = required
    audit.record(
        actor,
        "platform.two_factor_required" if required else "platform.two_factor_optional",
        platform,
        summary=(
            "Tweestapsverificatie verplicht voor coördinatoren"
            if required
            else "Tweestapsverificatie niet meer verplicht voor coördinatoren"
        ),
    )
