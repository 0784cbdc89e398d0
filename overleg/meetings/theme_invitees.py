"""Invitees by theme (issue 16 item 3): a theme can carry extra invitees (ThemeInvitee), for one
municipality or for all. When the theme is put on a meeting's agenda they are added to the
meeting's invitees (an invitation through `services.add_invitee`, so whoever joins after the
invitations went out gets the REQUEST); when no theme on the agenda asks for them any more their
invitation is withdrawn (`services.remove_invitee`: a CANCEL to them alone if they had been
invited already). Someone invited for another reason (the standing list, by hand) is never
touched. `meetings.services` calls `follow_agenda` after every change of the agenda.

The catalogue side (which theme carries whom) is edited on the theme's page: `add` and `remove`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    Municipality,
    Organisation,
    Theme,
    ThemeInvitation,
    ThemeInvitee,
    User,
)


@dataclass(frozen=True)
class Wanted:
    contact: Contact
    role: InviteeRole
    theme_id: int


@dataclass
class Followed:
    """What following the agenda changed: the names added and withdrawn."""

    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


def _active(contact: Contact) -> bool:
    return contact.archived_at is None and contact.erased_at is None


def _contacts_of(organisation: Organisation | None) -> list[Contact]:
    return list(organisation.contacts) if organisation is not None else []


def wanted(meeting: Meeting) -> dict[int, Wanted]:
    """By contact id: the people the themes on the meeting's agenda ask for (a contact, or the
    active contacts of an organisation; for the meeting's municipality or for all)."""
    theme_ids = [item.theme_id for item in meeting.agenda_items if item.theme_id is not None]
    if not theme_ids:
        return {}
    rows = db.session.scalars(
        sa.select(ThemeInvitee)
        .where(
            ThemeInvitee.theme_id.in_(theme_ids),
            sa.or_(
                ThemeInvitee.municipality_id.is_(None),
                ThemeInvitee.municipality_id == meeting.municipality_id,
            ),
        )
        .order_by(ThemeInvitee.id)
    )
    found: dict[int, Wanted] = {}
    for row in rows:
        people = [row.contact] if row.contact is not None else _contacts_of(row.organisation)
        for contact in people:
            if _active(contact) and contact.id not in found:
                found[contact.id] = Wanted(contact, row.role, row.theme_id)
    return found


def brought(meeting: Meeting) -> dict[int, int]:
    """By invitation id: the theme that brought it, for the meeting's invitations."""
    ids = [i.id for i in meeting.invitations]
    return dict(
        db.session.execute(
            sa.select(ThemeInvitation.invitation_id, ThemeInvitation.theme_id).where(
                ThemeInvitation.invitation_id.in_(ids)
            )
        ).all()
    )


def brought_by(meeting: Meeting) -> dict[int, str]:
    """By invitation id: the name of the theme that brought it (the invitee list says so)."""
    return dict(
        db.session.execute(
            sa.select(ThemeInvitation.invitation_id, Theme.name)
            .join(Theme, ThemeInvitation.theme_id == Theme.id)
            .where(
                ThemeInvitation.invitation_id.in_(
                    sa.select(Invitation.id).where(Invitation.meeting_id == meeting.id)
                )
            )
        ).all()
    )


def add(
    user: User,
    theme: Theme,
    *,
    contact: Contact | None = None,
    organisation: Organisation | None = None,
    municipality: Municipality | None = None,
    role: InviteeRole = InviteeRole.OPTIONAL,
) -> ThemeInvitee:
    """Let `theme` bring a contact or an organisation's contacts (for one municipality or all)."""
    if (contact is None) == (organisation is None):
        raise Refusal(_l("Kies een persoon of een organisatie."), field="contact")
    platform_ids = {
        theme.platform_id,
        *(o.platform_id for o in (organisation, contact.organisation if contact else None) if o),
        *((municipality.platform_id,) if municipality is not None else ()),
    }
    if len(platform_ids) != 1:
        raise Refusal(_l("Kies iemand van het eigen platform."), field="contact")
    row = ThemeInvitee(theme=theme, contact=contact, organisation=organisation, role=role)
    row.municipality = municipality
    db.session.add(row)
    db.session.flush()
    who = contact.full_name if contact is not None else organisation.name if organisation else ""
    audit.record(user, "theme.invitee_add", theme, summary=f"{theme.name}: {who}")
    return row


def remove(user: User, theme: Theme, row_id: int) -> bool:
    """Stop `theme` bringing someone (meetings already invited keep their list)."""
    row = db.session.get(ThemeInvitee, row_id)
    if row is None or row.theme_id != theme.id:
        return False
    db.session.delete(row)
    db.session.flush()
    audit.record(user, "theme.invitee_remove", theme, summary=theme.name)
    return True


def of_theme(theme: Theme) -> list[ThemeInvitee]:
    return list(
        db.session.scalars(
            sa.select(ThemeInvitee)
            .where(ThemeInvitee.theme_id == theme.id)
            .order_by(ThemeInvitee.id)
        )
    )
