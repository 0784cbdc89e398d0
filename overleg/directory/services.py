"""Municipalities, organisations, contacts, standing invitee lists and themes.

Plain functions: they take the acting user, model objects and plain values, add an audit entry for
every change and flush; the request commits (overleg.web.application). A change the rules refuse
raises a `Refusal`; an update made from a form filled from an older version of its row raises
`EditConflict` (overleg.models.versioning: `expected_version` is the version the form started
from, None for no check). Authorisation of the object itself happens in the view (through
overleg.auth.permissions) before these are called; what a user may *choose* (municipalities,
contacts) is checked here against the same permission helpers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy.orm import selectinload

from overleg.audit import services as audit
from overleg.auth.permissions import (
    meeting_filter,
    meeting_of_municipality,
    municipality_filter,
    municipality_scope,
    sees_all_municipalities,
    visible_municipalities,
    visible_organisations_filter,
    visible_themes_filter,
)
from overleg.directory.lineage import brussels_today, not_retired
from overleg.extensions import db
from overleg.lib.dates import BRUSSELS, year_bounds
from overleg.lib.refusal import Refusal
from overleg.models import (
    ActionPoint,
    AgendaItem,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Organisation,
    OrganisationType,
    Platform,
    StandingInvitee,
    Theme,
    User,
)
from overleg.models import organisation_municipality as om
from overleg.models.versioning import versioned_edit
from overleg.web.pagination import Page, paginate

ORGANISATIONS_PER_PAGE = 50
THEME_MEETINGS_PER_PAGE = 50

# Standing invitees are listed chair first, then the secretary, then required and optional.
ROLE_ORDER = {
    InviteeRole.CHAIR: 0,
    InviteeRole.SECRETARY: 1,
    InviteeRole.REQUIRED: 2,
    InviteeRole.OPTIONAL: 3,
}


# Path segments that a slug must not take (/municipalities/new is a page of its own).
RESERVED_SLUGS = frozenset({"new"})


def _name_in_use() -> Refusal:
    return Refusal(_l("Deze naam is al in gebruik."), field="name")


def _organisation_name_in_use() -> Refusal:
    return Refusal(
        _l(
            "Er bestaat al een organisatie met deze naam. Zoek ze op in de lijst of vraag de "
            "coördinator om ze aan je gemeente te koppelen."
        ),
        field="name",
    )


def _already_listed() -> Refusal:
    return Refusal(_l("Deze persoon staat al op de vaste uitnodigingslijst."), field="contact")


def _flush(refused: Callable[[], Refusal]) -> None:
    """Flush; a unique constraint hit (someone else was faster) becomes the refusal.

    Like every refusal, it leaves the session to be rolled back by whoever catches it (a request
    does so in overleg.web.refusals).
    """
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise refused() from None


def record_changes(
    user: User,
    action: str,
    obj: Any,
    changes: dict[str, list[Any]],
    *,
    summary: str,
    municipality_id: int | None = None,
) -> None:
    """An audit entry with what an update changed; none when it changed nothing."""
    if changes:
        audit.record(
            user,
            action,
            obj,
            municipality_id=municipality_id,
            summary=summary,
            details={"changes": changes},
        )


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes in `values` on `obj`; return {name: [old, new]} for what changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [old, new]
            setattr(obj, name, new)
    return changes


# --- municipalities -----------------------------------------------------------------------


@dataclass(frozen=True)
class MunicipalitySettings:
    """The editable settings of a municipality, as a form delivers them."""

    name: str
    meetings_per_year: int = 2
    preferred_weekdays: tuple[int, ...] = (1, 2, 3, 4)
    window_start: time = time(9, 0)
    window_end: time = time(17, 0)
    usual_location: str = ""
    min_spacing_days: int = 90
    meeting_duration_minutes: int = 120
    nis_code: str | None = None

    def as_columns(self) -> dict[str, Any]:
        return {
            "name": self.name.strip(),
            "meetings_per_year": self.meetings_per_year,
            "preferred_weekdays": ",".join(str(d) for d in sorted(set(self.preferred_weekdays))),
            "window_start": self.window_start,
            "window_end": self.window_end,
            "usual_location": self.usual_location.strip(),
            "min_spacing_days": self.min_spacing_days,
            "meeting_duration_minutes": self.meeting_duration_minutes,
            "nis_code": (self.nis_code or "").strip() or None,
        }


@dataclass(frozen=True)
class MunicipalityRow:
    """One line of the municipality list."""

    municipality: Municipality
    meetings_this_year: int
    next_meeting: Meeting | None
    last_held_meeting: Meeting | None

    @property
    def behind_schedule(self) -> bool:
        """Fewer meetings held or planned this year than the municipality's target."""
        return self.meetings_this_year < self.municipality.meetings_per_year


def municipality_overview(user: User, now: datetime) -> list[MunicipalityRow]:
    """The visible municipalities with their meeting count this year, next and last held meeting.

    Two queries whatever the number of municipalities and meetings.
    """
    year_start, year_end = year_bounds(now.astimezone(BRUSSELS).year)
    not_cancelled = Meeting.status != MeetingStatus.CANCELLED
    same_municipality = meeting_of_municipality(Municipality.id)
    count_this_year = (
        sa.select(sa.func.count(Meeting.id))
        .where(
            same_municipality,
            not_cancelled,
            Meeting.start_at >= year_start,
            Meeting.start_at < year_end,
        )
        .correlate(Municipality)
        .scalar_subquery()
    )
    next_id = (
        sa.select(Meeting.id)
        .where(same_municipality, not_cancelled, Meeting.start_at >= now)
        .order_by(Meeting.start_at, Meeting.id)
        .limit(1)
        .correlate(Municipality)
        .scalar_subquery()
    )
    last_held_id = (
        sa.select(Meeting.id)
        .where(same_municipality, Meeting.status == MeetingStatus.HELD)
        .order_by(Meeting.start_at.desc(), Meeting.id.desc())
        .limit(1)
        .correlate(Municipality)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Municipality, count_this_year, next_id, last_held_id)
        .where(municipality_filter(user, Municipality.id), not_retired(brussels_today(now)))
        .order_by(Municipality.name)
    ).all()
    wanted = {i for _, _, n, h in rows for i in (n, h) if i is not None}
    meetings = (
        {m.id: m for m in db.session.scalars(sa.select(Meeting).where(Meeting.id.in_(wanted)))}
        if wanted
        else {}
    )
    return [
        MunicipalityRow(
            municipality=m,
            meetings_this_year=int(count or 0),
            next_meeting=meetings.get(n) if n is not None else None,
            last_held_meeting=meetings.get(h) if h is not None else None,
        )
        for m, count, n, h in rows
    ]


@dataclass
class MunicipalityDetail:
    municipality: Municipality
    organisations: list[Organisation]
    standing_invitees: list[StandingInvitee]
    meetings: list[Meeting]
    candidates: list[Contact] = field(default_factory=list)
    # The municipalities merged into this one (directory/lineage.py): their meetings are
    # among `meetings`, its history.
    former: list[Municipality] = field(default_factory=list)


def municipality_detail(
    municipality: Municipality, former: Sequence[Municipality] = ()
) -> MunicipalityDetail:
    """Everything the municipality page shows, in a fixed number of queries; the meetings
    include those of the `former` municipalities merged into it."""
    organisations = list(
        db.session.scalars(
            sa.select(Organisation)
            .join(Organisation.municipalities)
            .where(Municipality.id == municipality.id, Organisation.archived_at.is_(None))
            .options(selectinload(Organisation.type), selectinload(Organisation.contacts))
            .order_by(Organisation.name)
        )
    )
    invitees = list(
        db.session.scalars(
            sa.select(StandingInvitee)
            .where(StandingInvitee.municipality_id == municipality.id)
            .options(
                selectinload(StandingInvitee.contact)
                .selectinload(Contact.organisation)
                .selectinload(Organisation.type)
            )
        )
    )
    invitees.sort(
        key=lambda s: (ROLE_ORDER[s.role], s.contact.last_name.lower(), s.contact.first_name)
    )
    meetings = list(
        db.session.scalars(
            sa.select(Meeting)
            .where(meeting_of_municipality([municipality.id, *(m.id for m in former)]))
            .order_by(Meeting.start_at.desc())
        )
    )
    on_list = {s.contact_id for s in invitees}
    candidates = [
        c
        for org in organisations
        for c in org.contacts
        if c.archived_at is None and c.erased_at is None and c.id not in on_list
    ]
    candidates.sort(key=lambda c: (c.organisation.name.lower(), c.last_name.lower(), c.first_name))
    return MunicipalityDetail(
        municipality, organisations, invitees, meetings, candidates, list(former)
    )


def _name_taken(
    model: type[Municipality] | type[Organisation] | type[Theme],
    platform_id: int,
    name: str,
    exclude_id: int | None,
) -> bool:
    """Whether another row of `model` on the platform already has this name (any case)."""
    statement = sa.select(model.id).where(
        model.platform_id == platform_id,
        sa.func.lower(model.name) == name.strip().lower(),
    )
    if exclude_id is not None:
        statement = statement.where(model.id != exclude_id)
    return db.session.scalar(statement.limit(1)) is not None


def municipality_name_taken(platform_id: int, name: str, exclude_id: int | None = None) -> bool:
    """Whether another municipality of the platform already has this name (any case)."""
    return _name_taken(Municipality, platform_id, name, exclude_id)


def unique_slug(
    model: type[Municipality] | type[Theme] | type[Platform],
    text: str,
    column: str = "slug",
    separator: str = "-",
    *,
    within: sa.ColumnElement[bool] | None = None,
) -> str:
    """A slug for `text` not yet used in `model.<column>` (among the rows `within` selects, when
    the column is unique per platform): 'geel', 'geel-2', 'geel-3', ..."""
    max_length = getattr(model, column).type.length
    base = slugify(text, max_length=max_length - 4, separator=separator) or "x"
    statement = sa.select(getattr(model, column)).where(
        sa.or_(
            getattr(model, column) == base,
            getattr(model, column).startswith(f"{base}{separator}", autoescape=True),
        )
    )
    if within is not None:
        statement = statement.where(within)
    taken = set(db.session.scalars(statement))
    taken |= RESERVED_SLUGS
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{separator}{n}"
    return candidate


def create_municipality(user: User, settings: MunicipalitySettings) -> Municipality:
    """A new municipality on the user's platform, with a unique slug made from its name."""
    if municipality_name_taken(user.platform_id, settings.name):
        raise _name_in_use()
    columns = settings.as_columns()
    municipality = Municipality(
        platform_id=user.platform_id, slug=unique_slug(Municipality, columns["name"]), **columns
    )
    db.session.add(municipality)
    _flush(_name_in_use)
    audit.record(
        user,
        "municipality.create",
        municipality,
        municipality_id=municipality.id,
        summary=municipality.name,
    )
    return municipality


def update_municipality(
    user: User,
    municipality: Municipality,
    settings: MunicipalitySettings,
    *,
    expected_version: int | None = None,
) -> dict[str, list[Any]]:
    """Change the settings. The slug stays: public calendar feeds and links use it."""
    with versioned_edit(municipality, expected_version):
        if municipality_name_taken(municipality.platform_id, settings.name, municipality.id):
            raise _name_in_use()
        changes = apply_changes(municipality, settings.as_columns())
        record_changes(
            user,
            "municipality.update",
            municipality,
            changes,
            summary=municipality.name,
            municipality_id=municipality.id,
        )
        _flush(_name_in_use)
    return changes


# --- standing invitee list ----------------------------------------------------------------


def add_standing_invitee(
    user: User, municipality: Municipality, contact_id: int, role: InviteeRole
) -> StandingInvitee:
    """Put a contact on the standing list. Only active contacts of organisations serving the
    municipality qualify; anything else is refused as an unknown choice."""
    contact = db.session.scalar(
        sa.select(Contact)
        .join(Contact.organisation)
        .join(Organisation.municipalities)
        .where(
            Contact.id == contact_id,
            Contact.archived_at.is_(None),
            Contact.erased_at.is_(None),
            Organisation.archived_at.is_(None),
            Municipality.id == municipality.id,
        )
    )
    if contact is None:
        raise Refusal(
            _l("Kies een persoon van een organisatie die voor deze gemeente werkt."),
            field="contact",
        )
    exists = db.session.scalar(
        sa.select(StandingInvitee.id).where(
            StandingInvitee.municipality_id == municipality.id,
            StandingInvitee.contact_id == contact.id,
        )
    )
    if exists is not None:
        raise _already_listed()
    entry = StandingInvitee(municipality=municipality, contact=contact, role=role)
    db.session.add(entry)
    _flush(_already_listed)
    audit.record(
        user,
        "standing_invitee.create",
        entry,
        municipality_id=municipality.id,
        summary=f"{contact.full_name} ({contact.organisation.name})",
        details={"contact_id": contact.id, "role": role.value},
    )
    return entry


def get_standing_invitee(municipality: Municipality, entry_id: int) -> StandingInvitee | None:
    """The entry with this id on this municipality's list, or None (an id of another list)."""
    return db.session.scalar(
        sa.select(StandingInvitee).where(
            StandingInvitee.id == entry_id, StandingInvitee.municipality_id == municipality.id
        )
    )


def change_standing_invitee_role(
    user: User, entry: StandingInvitee, role: InviteeRole, *, expected_version: int | None = None
) -> bool:
    with versioned_edit(entry, expected_version):
        if entry.role == role:
            return False
        old = entry.role
        entry.role = role
        audit.record(
            user,
            "standing_invitee.update",
            entry,
            municipality_id=entry.municipality_id,
            summary=entry.contact.full_name,
            details={"changes": {"role": [old.value, role.value]}},
        )
    return True


def remove_standing_invitee(user: User, entry: StandingInvitee) -> None:
    """Take a contact off the standing list; invitations of existing meetings stay."""
    audit.record(
        user,
        "standing_invitee.delete",
        entry,
        municipality_id=entry.municipality_id,
        summary=entry.contact.full_name,
        details={"contact_id": entry.contact_id, "role": entry.role.value},
    )
    db.session.delete(entry)
    db.session.flush()


# --- organisations ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFields:
    name: str
    type_id: int
    email: str = ""
    phone: str = ""
    website: str = ""

    def as_columns(self) -> dict[str, Any]:
        return {
            "name": self.name.strip(),
            "type_id": self.type_id,
            "email": self.email.strip().lower(),
            "phone": self.phone.strip(),
            "website": self.website.strip(),
        }


@dataclass(frozen=True)
class OrganisationSearch:
    """What the organisation list is filtered on; empty values do not filter."""

    q: str = ""
    type_code: str = ""
    municipality_id: int | None = None
    include_archived: bool = False


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    matching_contacts: list[Contact]
    municipalities: list[Municipality]  # those it serves that the user may see
    hidden_municipalities: int  # how many others it serves (never which)


def organisation_types() -> list[OrganisationType]:
    return list(
        db.session.scalars(
            sa.select(OrganisationType).order_by(OrganisationType.sort_order, OrganisationType.name)
        )
    )


def _matches(contact: Contact, needle: str) -> bool:
    if contact.erased_at is not None:
        return False
    haystack = f"{contact.first_name} {contact.last_name} {contact.email}".lower()
    return needle in haystack


def _name_or_contact_matches(needle: str) -> sa.ColumnElement[bool]:
    """The organisation's name, or a contact's full name, last name or address, holds `needle`."""
    full_name = Contact.first_name + " " + Contact.last_name
    contact_hit = (
        sa.select(Contact.id)
        .where(
            Contact.organisation_id == Organisation.id,
            Contact.erased_at.is_(None),
            sa.or_(
                full_name.icontains(needle, autoescape=True),
                Contact.last_name.icontains(needle, autoescape=True),
                Contact.email.icontains(needle, autoescape=True),
            ),
        )
        .exists()
    )
    return sa.or_(Organisation.name.icontains(needle, autoescape=True), contact_hit)


def search_organisations(
    user: User, search: OrganisationSearch, page: int = 1, per_page: int = ORGANISATIONS_PER_PAGE
) -> Page[OrganisationRow]:
    """Visible organisations matching the search, by name; a query also finds organisations one
    of whose contacts has a matching name or e-mail address; each row names only the
    municipalities the user may see. A fixed number of queries whatever the page holds."""
    statement = sa.select(Organisation).where(visible_organisations_filter(user))
    if not search.include_archived:
        statement = statement.where(Organisation.archived_at.is_(None))
    if search.type_code:
        statement = statement.where(
            Organisation.type_id.in_(
                sa.select(OrganisationType.id).where(OrganisationType.code == search.type_code)
            )
        )
    if search.municipality_id is not None:
        statement = statement.where(
            Organisation.id.in_(
                sa.select(om.c.organisation_id).where(
                    om.c.municipality_id == search.municipality_id,
                    municipality_filter(user, om.c.municipality_id),
                )
            )
        )
    needle = search.q.strip()
    if needle:
        statement = statement.where(_name_or_contact_matches(needle))
    statement = statement.options(
        selectinload(Organisation.type),
        selectinload(Organisation.municipalities),
        selectinload(Organisation.contacts),
    ).order_by(Organisation.name, Organisation.id)
    result = paginate(statement, page, per_page)
    lowered = needle.lower()
    scope = municipality_scope(user)
    rows = [
        OrganisationRow(
            organisation=org,
            matching_contacts=[c for c in org.contacts if _matches(c, lowered)] if lowered else [],
            municipalities=scope.shown(org.municipalities),
            hidden_municipalities=scope.hidden(org.municipalities),
        )
        for org in result.items
    ]
    return Page(items=rows, page=result.page, per_page=result.per_page, total=result.total)


def organisation_name_taken(platform_id: int, name: str, exclude_id: int | None = None) -> bool:
    """Whether another organisation of the platform (archived ones too) has this name."""
    return _name_taken(Organisation, platform_id, name, exclude_id)


def _served_municipalities(
    user: User, current: list[Municipality], chosen_ids: set[int]
) -> list[Municipality]:
    """The new set of municipalities an organisation serves.

    The user decides only over the municipalities she may see; links to other municipalities
    (a woonmaatschappij serving a secretary's municipality and others) are kept untouched.
    A chosen id the user may not see is refused.
    """
    allowed = {m.id: m for m in visible_municipalities(user)}
    unknown = chosen_ids - set(allowed)
    if unknown:
        raise Refusal(_l("Kies alleen gemeenten die je kunt beheren."), field="municipalities")
    kept = [m for m in current if m.id not in allowed]
    result = kept + [allowed[i] for i in sorted(chosen_ids)]
    if not sees_all_municipalities(user) and not chosen_ids:
        # A secretary would lose sight of the organisation she is editing.
        raise Refusal(_l("Kies minstens één van je gemeenten."), field="municipalities")
    return sorted(result, key=lambda m: m.name)


def create_organisation(
    user: User, fields: OrganisationFields, municipality_ids: set[int]
) -> Organisation:
    if organisation_name_taken(user.platform_id, fields.name):
        raise _organisation_name_in_use()
    served = _served_municipalities(user, [], municipality_ids)
    organisation = Organisation(platform_id=user.platform_id, **fields.as_columns())
    organisation.municipalities = served
    db.session.add(organisation)
    _flush(_organisation_name_in_use)
    audit.record(
        user,
        "organisation.create",
        organisation,
        summary=organisation.name,
        details={"municipalities": [m.slug for m in served]},
    )
    return organisation


def update_organisation(
    user: User,
    organisation: Organisation,
    fields: OrganisationFields,
    municipality_ids: set[int],
    *,
    expected_version: int | None = None,
) -> dict[str, list[Any]]:
    with versioned_edit(organisation, expected_version):
        if organisation_name_taken(organisation.platform_id, fields.name, organisation.id):
            raise _organisation_name_in_use()
        served = _served_municipalities(user, list(organisation.municipalities), municipality_ids)
        changes = apply_changes(organisation, fields.as_columns())
        before = sorted(m.slug for m in organisation.municipalities)
        after = sorted(m.slug for m in served)
        if before != after:
            organisation.municipalities = served
            changes["municipalities"] = [before, after]
        record_changes(
            user, "organisation.update", organisation, changes, summary=organisation.name
        )
        _flush(_organisation_name_in_use)
    return changes


def set_organisation_archived(
    user: User, organisation: Organisation, archived: bool, now: datetime
) -> bool:
    """Archive (or bring back) an organisation. Its contacts, invitations and minutes stay."""
    if (organisation.archived_at is not None) == archived:
        return False
    organisation.archived_at = now if archived else None
    audit.record(
        user,
        "organisation.archive" if archived else "organisation.unarchive",
        organisation,
        summary=organisation.name,
    )
    return True


def load_organisation_page(organisation: Organisation) -> Organisation:
    """The organisation with its type, municipalities and contacts loaded (three queries)."""
    return db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.id == organisation.id)
        .options(
            selectinload(Organisation.type),
            selectinload(Organisation.municipalities),
            selectinload(Organisation.contacts),
        )
        .execution_options(populate_existing=True)
    ).one()


# --- contacts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactFields:
    first_name: str
    last_name: str
    job_title: str = ""
    email: str = ""
    phone: str = ""

    def as_columns(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name.strip(),
            "last_name": self.last_name.strip(),
            "job_title": self.job_title.strip(),
            "email": self.email.strip().lower(),
            "phone": self.phone.strip(),
        }


def contact_email_taken(organisation_id: int, email: str, exclude_id: int | None = None) -> bool:
    """Whether another (not erased) contact of the organisation has this e-mail address."""
    email = email.strip().lower()
    if not email:
        return False
    statement = sa.select(Contact.id).where(
        Contact.organisation_id == organisation_id,
        sa.func.lower(Contact.email) == email,
        Contact.erased_at.is_(None),
    )
    if exclude_id is not None:
        statement = statement.where(Contact.id != exclude_id)
    return db.session.scalar(statement.limit(1)) is not None


def create_contact(user: User, organisation: Organisation, fields: ContactFields) -> Contact:
    if contact_email_taken(organisation.id, fields.email):
        raise Refusal(_l("Iemand van deze organisatie heeft dit e-mailadres al."), field="email")
    contact = Contact(organisation=organisation, **fields.as_columns())
    db.session.add(contact)
    db.session.flush()
    audit.record(
        user,
        "contact.create",
        contact,
        summary=f"{contact.full_name} ({organisation.name})",
    )
    return contact


def update_contact(
    user: User, contact: Contact, fields: ContactFields, *, expected_version: int | None = None
) -> dict[str, list[Any]]:
    with versioned_edit(contact, expected_version):
        if contact_email_taken(contact.organisation_id, fields.email, contact.id):
            raise Refusal(
                _l("Iemand van deze organisatie heeft dit e-mailadres al."), field="email"
            )
        changes = apply_changes(contact, fields.as_columns())
        record_changes(user, "contact.update", contact, changes, summary=contact.full_name)
    return changes


def set_contact_archived(user: User, contact: Contact, archived: bool, now: datetime) -> bool:
    """Archive (or bring back) a contact: no longer offered for new invitations, history kept."""
    if (contact.archived_at is not None) == archived:
        return False
    contact.archived_at = now if archived else None
    audit.record(
        user,
        "contact.archive" if archived else "contact.unarchive",
        contact,
        summary=contact.full_name,
    )
    return True


def contact_references(contact: Contact) -> dict[str, int]:
    """How often the contact appears in meetings and minutes (invitations, action points)."""
    invitations = db.session.scalar(
        sa.select(sa.func.count(Invitation.id)).where(Invitation.contact_id == contact.id)
    )
    actions = db.session.scalar(
        sa.select(sa.func.count(ActionPoint.id)).where(ActionPoint.owner_contact_id == contact.id)
    )
    return {"invitations": int(invitations or 0), "action_points": int(actions or 0)}


def can_delete_contact(contact: Contact) -> bool:
    """Only a contact who was never invited nor owns an action point may be deleted."""
    return not any(contact_references(contact).values())


def delete_contact(user: User, contact: Contact) -> None:
    """Delete a contact entered by mistake; refused when meetings or minutes mention them."""
    if not can_delete_contact(contact):
        raise Refusal(
            _l(
                "Deze persoon staat op uitnodigingen of in verslagen en kan niet verwijderd "
                "worden. Archiveer de persoon."
            )
        )
    entries = list(
        db.session.scalars(
            sa.select(StandingInvitee).where(StandingInvitee.contact_id == contact.id)
        )
    )
    for entry in entries:
        db.session.delete(entry)
    audit.record(
        user,
        "contact.delete",
        contact,
        summary=f"{contact.full_name} ({contact.organisation.name})",
        details={"standing_lists": [e.municipality_id for e in entries]},
    )
    db.session.delete(contact)
    db.session.flush()


@dataclass
class ContactDetail:
    contact: Contact
    standing_lists: list[StandingInvitee]
    invitations: list[Invitation]
    references: dict[str, int]


def contact_detail(user: User, contact: Contact, invitation_limit: int = 50) -> ContactDetail:
    """The contact with the standing lists and recent invitations the user may see."""
    return ContactDetail(
        contact,
        standing_lists_of(user, contact),
        invitations_of(user, contact, newest_first=True, limit=invitation_limit),
        contact_references(contact),
    )


def standing_lists_of(user: User, contact: Contact) -> list[StandingInvitee]:
    """The standing lists the contact is on, of the municipalities the user may see, by name
    (the contact page and the personal-data export)."""
    return list(
        db.session.scalars(
            sa.select(StandingInvitee)
            .join(StandingInvitee.municipality)
            .where(
                StandingInvitee.contact_id == contact.id,
                municipality_filter(user, StandingInvitee.municipality_id),
            )
            .options(selectinload(StandingInvitee.municipality))
            .order_by(Municipality.name)
        )
    )


def invitations_of(
    user: User, contact: Contact, *, newest_first: bool, limit: int | None = None
) -> list[Invitation]:
    """The contact's invitations to meetings the user may see, with their meetings and
    municipalities (the contact page and the personal-data export)."""
    order = (
        (Meeting.start_at.desc(), Invitation.id.desc())
        if newest_first
        else (
            Meeting.start_at,
            Invitation.id,
        )
    )
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .join(Invitation.meeting)
            .where(
                Invitation.contact_id == contact.id,
                meeting_filter(user),
            )
            .options(selectinload(Invitation.meeting).selectinload(Meeting.municipality))
            .order_by(*order)
            .limit(limit)
        )
    )


# --- themes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeFields:
    name: str
    description: str = ""
    is_mandatory: bool = False
    active: bool = True
    sort_order: int = 100
    # The years the theme is mandatory (both included; None: no bound): the list of mandatory
    # topics changes with the law.
    mandatory_from_year: int | None = None
    mandatory_until_year: int | None = None

    def as_columns(self) -> dict[str, Any]:
        first, last = self.mandatory_from_year, self.mandatory_until_year
        if first is not None and last is not None and last < first:
            raise Refusal(
                _l("Het laatste jaar kan niet voor het eerste jaar liggen."),
                field="mandatory_until_year",
            )
        return {
            "name": self.name.strip(),
            "description": self.description.strip(),
            "is_mandatory": self.is_mandatory,
            "mandatory_from_year": first,
            "mandatory_until_year": last,
            "active": self.active,
            "sort_order": self.sort_order,
        }


@dataclass(frozen=True)
class ThemeUsage:
    theme: Theme
    meeting_count: int  # meetings held (started before now) that discussed it
    last_discussed: datetime | None
    recent_meetings: list[Meeting]  # the latest of those, newest first
    next_planned: Meeting | None  # the first coming meeting with the theme on its agenda


def _theme_meetings(user: User) -> sa.Select[int | None, int, datetime]:
    """(theme_id, meeting_id, start_at) of visible, not cancelled meetings with that theme."""
    return (
        sa.select(AgendaItem.theme_id, Meeting.id.label("meeting_id"), Meeting.start_at)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(
            AgendaItem.theme_id.is_not(None),
            Meeting.status != MeetingStatus.CANCELLED,
            meeting_filter(user),
        )
        .distinct()
    )


def _first_per_theme(pairs: sa.Subquery, *, newest: bool, limit: int) -> list[tuple[int, int]]:
    """(theme_id, meeting_id) of the first `limit` meetings per theme (a window function)."""
    order = (
        (pairs.c.start_at.desc(), pairs.c.meeting_id.desc())
        if newest
        else (pairs.c.start_at, pairs.c.meeting_id)
    )
    ranked = sa.select(
        pairs.c.theme_id,
        pairs.c.meeting_id,
        sa.func.row_number().over(partition_by=pairs.c.theme_id, order_by=order).label("rank"),
    ).subquery()
    return [
        (theme_id, meeting_id)
        for theme_id, meeting_id in db.session.execute(
            sa.select(ranked.c.theme_id, ranked.c.meeting_id).where(ranked.c.rank <= limit)
        )
    ]


def theme_catalogue(user: User, now: datetime, recent_limit: int = 3) -> list[ThemeUsage]:
    """Every theme with how often, when last and in which recent meetings it was discussed,
    and the next planned meeting that has it on the agenda.

    Only meetings the user may see count; cancelled ones never do. A fixed number of queries
    whatever the number of meetings: themes, the aggregate, the latest and the next meetings per
    theme (window functions), and those meetings with their municipalities.
    """
    themes = list(
        db.session.scalars(
            sa.select(Theme)
            .where(visible_themes_filter(user))
            .order_by(Theme.sort_order, Theme.name, Theme.id)
        )
    )
    pairs = _theme_meetings(user).subquery()
    past = sa.select(pairs).where(pairs.c.start_at < now).subquery()
    future = sa.select(pairs).where(pairs.c.start_at >= now).subquery()
    stats = {
        theme_id: (int(count), last)
        for theme_id, count, last in db.session.execute(
            sa.select(past.c.theme_id, sa.func.count(), sa.func.max(past.c.start_at)).group_by(
                past.c.theme_id
            )
        )
    }
    recent_pairs = _first_per_theme(past, newest=True, limit=recent_limit)
    next_pairs = _first_per_theme(future, newest=False, limit=1)
    meeting_ids = {meeting_id for _, meeting_id in recent_pairs + next_pairs}
    meetings = (
        {
            m.id: m
            for m in db.session.scalars(
                sa.select(Meeting)
                .where(Meeting.id.in_(meeting_ids))
                .options(selectinload(Meeting.municipality))
            )
        }
        if meeting_ids
        else {}
    )
    recent: dict[int, list[Meeting]] = defaultdict(list)
    for theme_id, meeting_id in recent_pairs:
        recent[theme_id].append(meetings[meeting_id])
    upcoming = {theme_id: meetings[meeting_id] for theme_id, meeting_id in next_pairs}
    usages = []
    for theme in themes:
        count, last = stats.get(theme.id, (0, None))
        ordered = sorted(recent.get(theme.id, []), key=lambda m: m.start_at, reverse=True)
        usages.append(ThemeUsage(theme, count, last, ordered, upcoming.get(theme.id)))
    return usages


def theme_meetings(
    user: User, theme: Theme, page: int = 1, per_page: int = THEME_MEETINGS_PER_PAGE
) -> Page[Meeting]:
    """The visible, not cancelled meetings that had this theme on the agenda, newest first."""
    with_theme = sa.select(AgendaItem.meeting_id).where(AgendaItem.theme_id == theme.id)
    statement = (
        sa.select(Meeting)
        .where(
            Meeting.id.in_(with_theme),
            Meeting.status != MeetingStatus.CANCELLED,
            meeting_filter(user),
        )
        .options(
            selectinload(Meeting.municipality),
            selectinload(Meeting.agenda_items),
        )
        .order_by(Meeting.start_at.desc(), Meeting.id.desc())
    )
    return paginate(statement, page, per_page)


def theme_name_taken(platform_id: int, name: str, exclude_id: int | None = None) -> bool:
    """Whether another theme of the platform's catalogue already has this name (any case)."""
    return _name_taken(Theme, platform_id, name, exclude_id)


def create_theme(user: User, fields: ThemeFields) -> Theme:
    """A new theme in the catalogue of the user's platform."""
    if theme_name_taken(user.platform_id, fields.name):
        raise _name_in_use()
    columns = fields.as_columns()
    code = unique_slug(
        Theme, columns["name"], "code", "_", within=Theme.platform_id == user.platform_id
    )
    theme = Theme(platform_id=user.platform_id, code=code, **columns)
    db.session.add(theme)
    _flush(_name_in_use)
    audit.record(user, "theme.create", theme, summary=theme.name)
    return theme


def update_theme(
    user: User, theme: Theme, fields: ThemeFields, *, expected_version: int | None = None
) -> dict[str, list[Any]]:
    """Change a theme; its code stays (agenda items and the compliance rules refer to it)."""
    with versioned_edit(theme, expected_version):
        if theme_name_taken(theme.platform_id, fields.name, theme.id):
            raise _name_in_use()
        changes = apply_changes(theme, fields.as_columns())
        record_changes(user, "theme.update", theme, changes, summary=theme.name)
        _flush(_name_in_use)
    return changes


def set_theme_active(user: User, theme: Theme, active: bool) -> bool:
    """Deactivate a theme (no longer offered on new agendas) or bring it back."""
    if theme.active == active:
        return False
    theme.active = active
    audit.record(
        user, "theme.activate" if active else "theme.deactivate", theme, summary=theme.name
    )
    return True


def organisations_for_choice(user: User) -> list[Organisation]:
    """The visible, not archived organisations with their contacts, by name (a theme's extra
    invitees are chosen among them)."""
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(visible_organisations_filter(user), Organisation.archived_at.is_(None))
            .options(selectinload(Organisation.contacts))
            .order_by(Organisation.name)
        )
    )
