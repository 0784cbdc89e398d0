"""The coordinators' accounts page: the users of their platform, their role and municipalities.

Plain services (no request): they flush at most and write the audit trail; the request commits.
Creating a user, the set-password link and mail, switching an account off and on and the rule
that a platform keeps an active coordinator are overleg.auth.accounts'; this module puts them
behind the coordinator who acts, and adds changing a user's role and municipalities.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.auth import accounts
from overleg.auth.permissions import managed_accounts_filter
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import AccountLinkPurpose, Municipality, Platform, Role, User
from overleg.models.versioning import versioned_edit


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    INVITED = "invited"  # no password set yet: the invitation is not accepted
    DEACTIVATED = "deactivated"


def account_status(user: User) -> AccountStatus:
    if not user.active:
        return AccountStatus.DEACTIVATED
    if not has_password(user):
        return AccountStatus.INVITED
    return AccountStatus.ACTIVE


def has_password(user: User) -> bool:
    return bool(user.password_hash)


def platform_accounts(actor: User) -> list[User]:
    """The users whose accounts `actor` manages, by name, with their municipalities (2 queries)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(managed_accounts_filter(actor))
            .options(selectinload(User.municipalities))
            .order_by(User.name, User.id)
        )
    )


def platform_municipalities(platform_id: int) -> list[Municipality]:
    """The municipalities a user of this platform can be given, by name."""
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .where(Municipality.platform_id == platform_id)
            .order_by(Municipality.name)
        )
    )


@dataclass(frozen=True)
class Assignment:
    """What a user may reach: a role and, for a secretary or a reader, their municipalities."""

    role: Role
    municipality_ids: frozenset[int] = frozenset()


def chosen_municipalities(platform: Platform, assignment: Assignment) -> list[Municipality]:
    """The municipalities `assignment` names, checked for its role by the accounts' rule (none
    for a coordinator, at least one of the platform for a secretary or a reader)."""
    ids = assignment.municipality_ids
    found = list(
        db.session.scalars(
            sa.select(Municipality).where(Municipality.id.in_(ids)).order_by(Municipality.name)
        )
    )
    if len(found) != len(ids):
        raise Refusal(_l("Kies alleen gemeenten uit de lijst."), field="municipalities")
    return accounts.checked_municipalities(platform, assignment.role, found)


def _names(municipalities: Iterable[Municipality]) -> list[str]:
    return sorted(m.name for m in municipalities)


def _changes(
    before: User, role: Role, municipalities: Collection[Municipality]
) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if before.role is not role:
        changes["role"] = [before.role.value, role.value]
    if {m.id for m in before.municipalities} != {m.id for m in municipalities}:
        changes["municipalities"] = [_names(before.municipalities), _names(municipalities)]
    return changes


def change_assignment(
    actor: User, account: User, assignment: Assignment, *, expected_version: int | None
) -> bool:
    """Give `account` another role and municipalities; False when nothing changed.

    Refused when a municipality is not of the platform, when a secretary or a reader would have
    none, and when it would leave the platform without an active coordinator. A change from a
    form filled from an older version of the account is an EditConflict."""
    municipalities = chosen_municipalities(account.platform, assignment)
    changes = _changes(account, assignment.role, municipalities)
    with versioned_edit(account, expected_version):
        if not changes:
            return False
        accounts.ensure_coordinator_remains(account, role=assignment.role)
        account.role = assignment.role
        if "municipalities" in changes:
            account.municipalities = municipalities
    audit.record(actor, "user.update", account, summary=account.name, details={"changes": changes})
    return True


# --- invitations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """Who is invited, and with which role and municipalities."""

    name: str
    email: str
    assignment: Assignment


def invite_user(actor: User, invitation: Invitation) -> User:
    """Create the user on the coordinator's platform, without a password, and queue the mail
    with their link to set one. Refused (on its field) for a malformed or taken address, an
    empty name, municipalities that do not fit the role."""
    platform = actor.platform
    user = accounts.create_user(
        platform,
        email=invitation.email,
        name=invitation.name,
        role=invitation.assignment.role,
        municipalities=chosen_municipalities(platform, invitation.assignment),
        actor=actor,
    )
    _send_invitation(user)
    return user


def _send_invitation(user: User) -> None:
    url = accounts.issue_password_link(user, AccountLinkPurpose.SET_PASSWORD)
    accounts.queue_password_mail(user, url, AccountLinkPurpose.SET_PASSWORD)


def resend_invitation(actor: User, account: User) -> None:
    """A new mail with a new link, for a user who has not set a password yet; the links of the
    earlier invitations stop working."""
    if not account.active:
        raise Refusal(
            _l("%(name)s is gedeactiveerd. Heractiveer het account eerst.", name=account.name)
        )
    if has_password(account):
        raise Refusal(
            _l(
                "%(name)s heeft al een wachtwoord: een uitnodiging is niet meer nodig. Wie het "
                'vergat, vraagt een nieuw aan met "Wachtwoord vergeten?".',
                name=account.name,
            )
        )
    revoked = accounts.revoke_links(account, AccountLinkPurpose.SET_PASSWORD)
    _send_invitation(account)
    audit.record(
        actor,
        "user.reinvite",
        account,
        summary=f"{account.name} <{account.email}>",
        details={"links_revoked": revoked},
    )
