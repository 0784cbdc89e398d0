"""Joint meetings (issue 16): one woonoverleg held by several municipalities of a platform.

The host stays `Meeting.municipality` (every URL, query and older row keeps working); the others
are `Meeting.partners`. A joint meeting counts once for each of them (compliance, planner, the
municipality pages, the API's lists); its invitee list and attendance are shared; each agenda
item is for all of them (no marks) or for the ones marked, and the minutes make one verslag per
municipality of its items and those for all (overleg/minutes). Who sees which items is decided
in overleg/auth/permissions.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from overleg.audit import services as audit
from overleg.directory.lineage import brussels_today, not_retired
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    AgendaItem,
    Contact,
    Invitation,
    Meeting,
    MeetingStatus,
    Municipality,
    StandingInvitee,
    User,
)
from overleg.models.types import utcnow


def partner_candidates(meeting: Meeting) -> list[Municipality]:
    """The municipalities that may hold the meeting with its host: the others of its platform
    that still exist, by name."""
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .where(
                Municipality.platform_id == meeting.municipality.platform_id,
                Municipality.id != meeting.municipality_id,
                not_retired(brussels_today(utcnow())),
            )
            .order_by(Municipality.name)
        )
    )


def set_partners(
    meeting: Meeting, partner_ids: Iterable[int], *, user: User | None = None
) -> list[Municipality]:
    """Make the meeting joint with these municipalities (none: the host's own again).

    A municipality that joins brings its standing invitees onto the shared invitee list; one
    that leaves takes its marks off the agenda items (an item only for it is then for all).
    Refused for a cancelled meeting and for a municipality of another platform or the host.
    """
    if meeting.status is MeetingStatus.CANCELLED:
        raise Refusal(_l("Een geannuleerde vergadering kan niet meer gewijzigd worden."))
    wanted = set(partner_ids)
    chosen = [m for m in partner_candidates(meeting) if m.id in wanted]
    if len(chosen) != len(wanted):
        raise Refusal(_l("Kies gemeenten van het eigen platform."), field="partners")
    leaving = {m.id for m in meeting.partners} - wanted
    joining = [m for m in chosen if m not in meeting.partners]
    meeting.partners = chosen
    for item in meeting.agenda_items:
        item.municipalities = [m for m in item.municipalities if m.id not in leaving]
    invited = _invite_standing(meeting, joining)
    db.session.flush()
    if user is not None:
        audit.record(
            user,
            "meeting.joint",
            meeting,
            municipality_id=meeting.municipality_id,
            summary=f"{meeting.title}: " + (", ".join(m.name for m in chosen) or "-"),
            details={"partners": [m.slug for m in chosen], "invited": invited},
        )
    return chosen


def _invite_standing(meeting: Meeting, joining: Sequence[Municipality]) -> int:
    """Put the active standing invitees of the joining municipalities on the shared list."""
    if not joining:
        return 0
    already = {i.contact_id for i in meeting.invitations}
    standing = db.session.scalars(
        sa.select(StandingInvitee)
        .join(Contact, Contact.id == StandingInvitee.contact_id)
        .where(
            StandingInvitee.municipality_id.in_([m.id for m in joining]),
            Contact.archived_at.is_(None),
            Contact.erased_at.is_(None),
        )
        .order_by(StandingInvitee.municipality_id, StandingInvitee.id)
    )
    added = 0
    for entry in standing:
        if entry.contact_id in already:
            continue
        already.add(entry.contact_id)
        meeting.invitations.append(Invitation(contact_id=entry.contact_id, role=entry.role))
        added += 1
    return added


def item_municipalities(meeting: Meeting, ids: Iterable[int]) -> list[Municipality]:
    """The municipalities of the meeting an item is marked for; none when all are chosen (an
    item for all). Refused for a municipality that does not hold the meeting."""
    wanted = set(ids)
    holding = meeting.all_municipalities
    chosen = [m for m in holding if m.id in wanted]
    if len(chosen) != len(wanted):
        raise Refusal(_l("Kies gemeenten die deze vergadering houden."), field="for_municipalities")
    return [] if len(chosen) == len(holding) else chosen


def items_for(items: Iterable[AgendaItem], municipality: Municipality) -> list[AgendaItem]:
    """The items of one municipality's verslag: those for it and those for all."""
    return [item for item in items if item.is_for(municipality.id)]


def municipality_of(meeting: Meeting, slug: str) -> Municipality | None:
    """The municipality with this slug among those that hold the meeting."""
    return next((m for m in meeting.all_municipalities if m.slug == slug), None)
