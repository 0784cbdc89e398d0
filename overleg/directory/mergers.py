"""Merged municipalities (the 2025 mergers and those to come).

A coordinator records a merger: the former municipalities, the new one and the date. From that
date (a Brussels calendar day) the new municipality carries the duty, the former ones until then:

- each former municipality gets `merged_into` and `merged_on`; its rows stay its own (meetings,
  minutes, compliance of earlier years), and the pages of the new one show them as its history;
- the new municipality (made here unless one of that name exists on the platform) takes over the
  settings of the first former one when it is new, and in every case their standing invitees,
  the organisations that serve them, the users who work for them, their open action points and
  their meetings from the merger date on;
- the former ones' pages redirect to the new one from the date; their public feed serves the new
  one's (overleg/feeds).

Plain functions: they take the acting user (None for the demo and the CLI), audit and flush; the
caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from overleg.audit import services as audit
from overleg.directory.lineage import day_start
from overleg.directory.services import municipality_name_taken, unique_slug
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.models import (
    ActionPoint,
    ActionPointStatus,
    InviteeRole,
    Meeting,
    Municipality,
    StandingInvitee,
    User,
    meeting_municipality,
    organisation_municipality,
    user_municipality,
)

SINGLE_ROLES = frozenset({InviteeRole.CHAIR, InviteeRole.SECRETARY})

# The settings a newly made municipality copies from the first former one.
TAKEN_OVER_SETTINGS = (
    "meetings_per_year",
    "preferred_weekdays",
    "window_start",
    "window_end",
    "meeting_duration_minutes",
    "usual_location",
    "min_spacing_days",
)


@dataclass(frozen=True)
class Merger:
    """What a recorded merger changed."""

    municipality: Municipality
    created: bool
    invitees: int
    action_points: int
    meetings: int


def record_merger(
    user: User | None,
    platform_id: int,
    former: Sequence[Municipality],
    new_name: str,
    on: date,
    *,
    nis_code: str | None = None,
    actor_label: str = "cli",
) -> Merger:
    """Record that `former` became `new_name` on `on`; refused when a former municipality is of
    another platform, already merged, or the new one itself."""
    name = new_name.strip()
    _check_former(platform_id, former, name)
    successor = _existing(platform_id, name)
    created = successor is None
    if successor is None:
        successor = _new_municipality(platform_id, name, nis_code, former[0])
    elif successor.merged_into_id is not None:
        raise Refusal(_l("De nieuwe gemeente is zelf al samengevoegd."), field="new_name")
    ids = [m.id for m in former]
    for municipality in former:
        municipality.merged_into = successor
        municipality.merged_on = on
    merger = Merger(
        successor,
        created,
        invitees=_take_over_invitees(former, successor),
        action_points=_take_over_action_points(ids, successor),
        meetings=_take_over_meetings(ids, successor, on),
    )
    _take_over_links(ids, successor)
    db.session.flush()
    audit.record(
        user,
        "municipality.merge",
        successor,
        municipality_id=successor.id,
        summary=f"{', '.join(m.name for m in former)} -> {successor.name} ({on.isoformat()})",
        actor_label="" if user is not None else actor_label,
    )
    return merger


def _check_former(platform_id: int, former: Sequence[Municipality], name: str) -> None:
    if not former:
        raise Refusal(_l("Kies minstens één voormalige gemeente."), field="former")
    for municipality in former:
        if municipality.platform_id != platform_id:
            raise Refusal(_l("Kies gemeenten van uw eigen platform."), field="former")
        if municipality.merged_into_id is not None:
            raise Refusal(
                _l("%(name)s is al samengevoegd.", name=municipality.name), field="former"
            )
        if municipality.name.lower() == name.lower():
            raise Refusal(
                _l("De nieuwe gemeente kan niet een van de voormalige zijn."), field="new_name"
            )


def _existing(platform_id: int, name: str) -> Municipality | None:
    if not municipality_name_taken(platform_id, name):
        return None
    return db.session.scalar(
        sa.select(Municipality).where(
            Municipality.platform_id == platform_id,
            sa.func.lower(Municipality.name) == name.lower(),
        )
    )


def _new_municipality(
    platform_id: int, name: str, nis_code: str | None, model: Municipality
) -> Municipality:
    settings = {column: getattr(model, column) for column in TAKEN_OVER_SETTINGS}
    municipality = Municipality(
        platform_id=platform_id,
        name=name,
        slug=unique_slug(Municipality, name),
        nis_code=(nis_code or "").strip() or None,
        **settings,
    )
    db.session.add(municipality)
    db.session.flush()
    return municipality


def _take_over_invitees(former: Sequence[Municipality], successor: Municipality) -> int:
    """The former standing lists join the new one's: a person on several lists once, with the
    role of the first list that has them; a second chair or secretary joins as required (a
    meeting has one of each)."""
    listed = {s.contact_id for s in successor.standing_invitees}
    taken = {s.role for s in successor.standing_invitees} & SINGLE_ROLES
    added = 0
    for municipality in former:
        for entry in municipality.standing_invitees:
            if entry.contact_id in listed:
                continue
            role = InviteeRole.REQUIRED if entry.role in taken else entry.role
            taken |= {role} & SINGLE_ROLES
            listed.add(entry.contact_id)
            db.session.add(
                StandingInvitee(municipality=successor, contact=entry.contact, role=role)
            )
            added += 1
    return added


def _take_over_action_points(former_ids: list[int], successor: Municipality) -> int:
    """Open action points follow up at the new municipality's next meeting."""
    result = db.session.execute(
        sa.update(ActionPoint)
        .where(
            ActionPoint.municipality_id.in_(former_ids),
            ActionPoint.status == ActionPointStatus.OPEN,
        )
        .values(municipality_id=successor.id)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _take_over_meetings(former_ids: list[int], successor: Municipality, on: date) -> int:
    """Meetings of the former municipalities on or after the merger date are the new one's."""
    moved = list(
        db.session.scalars(
            sa.select(Meeting).where(
                Meeting.municipality_id.in_(former_ids),
                Meeting.start_at >= day_start(on),
            )
        )
    )
    for meeting in moved:
        meeting.municipality = successor
    _take_over_joint(former_ids, successor, on)
    return len(moved)


def _take_over_joint(former_ids: list[int], successor: Municipality, on: date) -> None:
    """In the joint meetings from the merger date on, the new municipality holds them (and is
    marked on their items) where a former one did."""
    joint = sa.select(meeting_municipality.c.meeting_id).where(
        meeting_municipality.c.municipality_id.in_(former_ids)
    )
    for meeting in db.session.scalars(
        sa.select(Meeting).where(Meeting.id.in_(joint), Meeting.start_at >= day_start(on))
    ):
        meeting.partners = _replaced(meeting.partners, former_ids, successor, meeting.municipality)
        for item in meeting.agenda_items:
            item.municipalities = _replaced(item.municipalities, former_ids, successor)


def _replaced(
    municipalities: Sequence[Municipality],
    former_ids: list[int],
    successor: Municipality,
    host: Municipality | None = None,
) -> list[Municipality]:
    """The list with the former municipalities replaced by the new one, each once, without the
    host."""
    result: list[Municipality] = []
    for municipality in municipalities:
        kept = successor if municipality.id in former_ids else municipality
        if kept not in result and kept is not host:
            result.append(kept)
    return result


def _take_over_links(former_ids: list[int], successor: Municipality) -> None:
    """Organisations that served a former municipality serve the new one; users who worked for
    one work for the new one too (and keep the former ones, for their history)."""
    for table, column in (
        (organisation_municipality, "organisation_id"),
        (user_municipality, "user_id"),
    ):
        owners = sa.select(table.c[column]).where(table.c.municipality_id.in_(former_ids))
        already = sa.select(table.c[column]).where(table.c.municipality_id == successor.id)
        rows = db.session.scalars(owners.where(table.c[column].not_in(already)).distinct())
        values = [{column: owner, "municipality_id": successor.id} for owner in rows]
        if values:
            db.session.execute(sa.insert(table), values)
