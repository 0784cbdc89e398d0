"""The one place that decides who may do what.

Two layers, both here:
- route level: every view is classified with @access(...); a before-request hook enforces it and
  refuses any endpoint that was not classified (fail closed);
- object level: views fetch municipality-owned objects through the helpers below, which answer 404
  for what the user may not see (no information leak) and 403 for what they may see but not change.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, g, has_request_context, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import ORMExecuteState, Session, aliased, with_loader_criteria

from overleg.extensions import db
from overleg.models import (
    ActionPoint,
    AgendaItem,
    AgendaItemNote,
    AvailabilityPoll,
    ConfidentialReader,
    Contact,
    Invitation,
    Meeting,
    Municipality,
    Organisation,
    OutboxMessage,
    Platform,
    RejectedReply,
    Role,
    Theme,
    User,
    agenda_item_municipality,
    meeting_municipality,
    organisation_municipality,
    user_municipality,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import QueryableAttribute
    from sqlalchemy.sql.elements import ColumnElement

F = TypeVar("F", bound=Callable[..., Any])


class Access(enum.StrEnum):
    PUBLIC = "public"  # anyone, also housing actors without an account
    USER = "user"  # any logged-in user; object checks decide the rest
    EDITOR = "editor"  # coordinators and secretaries
    COORDINATOR = "coordinator"


ROLES_FOR: dict[Access, frozenset[Role]] = {
    Access.USER: frozenset(Role),
    Access.EDITOR: frozenset({Role.COORDINATOR, Role.SECRETARY}),
    Access.COORDINATOR: frozenset({Role.COORDINATOR}),
}

_ACCESS_ATTR = "_overleg_access"
_BEFORE_TWO_FACTOR_ATTR = "_overleg_before_two_factor"


def access(level: Access, *, before_two_factor: bool = False) -> Callable[[F], F]:
    """Classify a view. A view without this decorator cannot be reached.

    `before_two_factor`: the view is open to a user who must set up two-factor first (the
    set-up pages, logging out); every other view sends that user to the set-up.
    """

    def decorate(view: F) -> F:
        setattr(view, _ACCESS_ATTR, level)
        setattr(view, _BEFORE_TWO_FACTOR_ATTR, before_two_factor)
        return view

    return decorate


def endpoint_access(app: Flask, endpoint: str | None) -> Access | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return Access.PUBLIC
    view = app.view_functions.get(endpoint)
    view = getattr(view, "view_class", view)
    return getattr(view, _ACCESS_ATTR, None)


def open_before_two_factor(app: Flask, endpoint: str | None) -> bool:
    view = app.view_functions.get(endpoint or "")
    view = getattr(view, "view_class", view)
    return bool(getattr(view, _BEFORE_TWO_FACTOR_ATTR, False))


def two_factor_required(user: User) -> bool:
    """Whether the user's platform requires a second factor of this user (its coordinators)."""
    return user.role is Role.COORDINATOR and user.platform.require_two_factor_for_coordinators


def must_set_up_two_factor(user: User) -> bool:
    """A coordinator without two-factor on a platform that requires it: nothing but the set-up
    (and logging out) until it is done."""
    return two_factor_required(user) and not user.two_factor_enabled


def _two_factor_first(app: Flask, user: User) -> ResponseReturnValue | None:
    """Send a user who must set up two-factor to the set-up, whatever else they asked for."""
    if not must_set_up_two_factor(user) or open_before_two_factor(app, request.endpoint):
        return None
    if request.path.startswith("/api/"):
        return {"error": "Two-factor set-up required", "status": 403}, 403
    return redirect(url_for("account.two_factor_set_up"))


def init_app(app: Flask) -> None:
    if not sa.event.contains(Session, "do_orm_execute", _only_visible_items):
        sa.event.listen(Session, "do_orm_execute", _only_visible_items)

    @app.before_request
    def enforce_route_access() -> ResponseReturnValue | None:
        if request.url_rule is None:  # 404 / 405 handled by Flask
            return None
        level = endpoint_access(app, request.endpoint)
        if level is None:
            app.logger.error("endpoint %s has no access classification", request.endpoint)
            abort(403)
        if level is Access.PUBLIC:
            return None
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                # An API client gets a status it can act on, not an HTML login page.
                return {"error": "Unauthorized", "status": 401}, 401
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role not in ROLES_FOR[level]:
            abort(403)
        return _two_factor_first(app, current_user)


def may_reach(app: Flask, user: object, endpoint: str) -> bool:
    """Whether the route-level check lets this user through (used to hide navigation links)."""
    level = endpoint_access(app, endpoint)
    if level is None:
        return False
    if level is Access.PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return getattr(user, "role", None) in ROLES_FOR[level]


def current_account() -> User:
    """The logged-in user, typed (Flask-Login's `current_user` is an untyped proxy).

    For views behind @access(USER) or stricter, where the route check has already sent anonymous
    visitors to the login page; anywhere else an anonymous visitor gets 401.
    """
    user = current_user._get_current_object()
    if not isinstance(user, User):
        abort(401)
    return user


# --- object level -------------------------------------------------------------------------


def sees_all_municipalities(user: User) -> bool:
    return user.role is Role.COORDINATOR


def visible_municipality_ids(user: User) -> sa.Select[int]:
    """A subquery of the ids of the municipalities this user may see."""
    if sees_all_municipalities(user):
        return sa.select(Municipality.id).where(Municipality.platform_id == user.platform_id)
    return sa.select(user_municipality.c.municipality_id).where(
        user_municipality.c.user_id == user.id
    )


def municipality_filter(
    user: User, column: ColumnElement[int | None] | QueryableAttribute[int | None]
) -> ColumnElement[bool]:
    """A WHERE clause restricting `column` (a municipality id) to what the user may see."""
    return column.in_(visible_municipality_ids(user))


@dataclass(frozen=True)
class MunicipalityScope:
    """The municipalities one user may see, for rows already loaded: `municipality_filter` in
    Python.

    Which municipalities' rows a user sees in any listing or export is decided by
    `visible_municipality_ids(user)` alone: queries filter with `municipality_filter`, loaded
    rows (the municipalities an organisation serves) go through this scope. The pages, the CSV
    export and the personal-data export therefore cannot disagree.
    """

    ids: frozenset[int]

    def sees(self, municipality_id: int | None) -> bool:
        return municipality_id is not None and municipality_id in self.ids

    def shown(self, municipalities: Iterable[Municipality]) -> list[Municipality]:
        """The ones the user may see, in the given order."""
        return [m for m in municipalities if self.sees(m.id)]

    def hidden(self, municipalities: Iterable[Municipality]) -> int:
        """How many the user may not see (a page may say "and 2 others", never which)."""
        return sum(1 for m in municipalities if not self.sees(m.id))


def municipality_scope(user: User) -> MunicipalityScope:
    """The user's `MunicipalityScope` (one query)."""
    return MunicipalityScope(frozenset(db.session.scalars(visible_municipality_ids(user))))


def municipality_exists_filter(
    user: User, column: ColumnElement[int | None] | QueryableAttribute[int | None]
) -> ColumnElement[bool]:
    """The rows `municipality_filter` keeps, as a correlated EXISTS for users who see the whole
    platform.

    For queries that read a page of rows in the order of another index (the newest meetings
    first, LIMIT 25): with `IN (every municipality of the platform)` SQLite collects every
    visible row and sorts them, with EXISTS it walks the time index and stops after the page.
    A secretary sees a few municipalities, for whom the IN list is the selective path. Use it
    as a plain WHERE condition (not negated: the two differ for a NULL column under NOT).
    """
    if not sees_all_municipalities(user):
        return municipality_filter(user, column)
    platform_municipality = aliased(Municipality)
    return sa.exists().where(
        platform_municipality.id == column,
        platform_municipality.platform_id == user.platform_id,
    )


def can_view_municipality(user: User, municipality: Municipality) -> bool:
    return can_view_municipality_id(user, municipality.id, municipality.platform_id)


def can_view_municipality_id(user: User, municipality_id: int, platform_id: int) -> bool:
    """`can_view_municipality` for a municipality known by its id and platform, not loaded."""
    if platform_id != user.platform_id:
        return False
    if sees_all_municipalities(user):
        return True
    return any(m.id == municipality_id for m in user.municipalities)


def can_edit_municipality(user: User, municipality: Municipality) -> bool:
    """Coordinators edit every municipality of the platform, secretaries their own."""
    if user.role is Role.READER:
        return False
    return can_view_municipality(user, municipality)


def may_edit_visible_municipalities(user: User) -> bool:
    """Whether `user` may edit the municipalities `visible_municipality_ids` gives them: the
    answer `can_edit_municipality` gives for each of those, without loading them (coordinators
    edit all of the platform, secretaries their own, readers none)."""
    return user.role is not Role.READER


def can_plan(user: User) -> bool:
    return user.role is Role.COORDINATOR


def can_view_audit(user: User) -> bool:
    return user.role is Role.COORDINATOR


def can_edit_directory(user: User) -> bool:
    return user.role in (Role.COORDINATOR, Role.SECRETARY)


def can_create_municipality(user: User) -> bool:
    return user.role is Role.COORDINATOR


def can_edit_themes(user: User) -> bool:
    return user.role is Role.COORDINATOR


def visible_themes_filter(user: User) -> ColumnElement[bool]:
    """The themes this user sees and may put on an agenda: their own platform's catalogue."""
    return Theme.platform_id == user.platform_id


def get_theme(user: User, theme_id: int, *, edit: bool = False) -> Theme:
    """A theme of the user's platform's catalogue; 404 for another platform's."""
    theme = db.session.get(Theme, _row_id(theme_id))
    if theme is None:
        abort(404)
    _require(theme.platform_id == user.platform_id, can_edit_themes(user) if edit else None)
    return theme


def can_edit_platform_settings(user: User) -> bool:
    return user.role is Role.COORDINATOR


def get_own_platform(user: User, *, edit: bool = False) -> Platform:
    """The user's own platform (the only one whose settings they see); 403 for a change by
    someone who may not make it."""
    platform = db.session.get(Platform, user.platform_id)
    if platform is None:
        abort(404)
    _require(True, can_edit_platform_settings(user) if edit else None)
    return platform


def public_calendar_filter(viewer: object) -> ColumnElement[bool]:
    """The municipalities the public calendar index shows `viewer`: every one to an anonymous
    visitor (their calendars are public), those of their own platform to a logged-in user,
    whose pages show nothing of another platform. A municipality's own calendar page and feed
    stay public to anyone with the link."""
    if isinstance(viewer, User):
        return Municipality.platform_id == viewer.platform_id
    return sa.true()


def can_view_outbox(user: User) -> bool:
    return user.role is Role.COORDINATOR


def can_manage_accounts(user: User) -> bool:
    """Inviting users, changing their role and municipalities, switching them off: the
    coordinators', for the users of their own platform."""
    return user.role is Role.COORDINATOR


def visible_organisations_filter(user: User) -> ColumnElement[bool]:
    """Organisations of the platform that serve at least one municipality the user sees.

    Coordinators also see organisations that serve no municipality yet.
    """
    platform_clause = Organisation.platform_id == user.platform_id
    if sees_all_municipalities(user):
        return platform_clause
    serving = sa.select(organisation_municipality.c.organisation_id).where(
        municipality_filter(user, organisation_municipality.c.municipality_id)
    )
    return sa.and_(platform_clause, Organisation.id.in_(serving))


def can_view_organisation(user: User, organisation: Organisation) -> bool:
    if organisation.platform_id != user.platform_id:
        return False
    if sees_all_municipalities(user):
        return True
    own = {m.id for m in user.municipalities}
    return any(m.id in own for m in organisation.municipalities)


def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    return can_edit_directory(user) and can_view_organisation(user, organisation)


def can_archive_organisation(user: User, organisation: Organisation) -> bool:
    """Archiving hides an organisation for every municipality it serves: a secretary may do it
    only when all of them are hers (a shared woonmaatschappij is the coordinator's call)."""
    if not can_edit_organisation(user, organisation):
        return False
    if sees_all_municipalities(user):
        return True
    own = {m.id for m in user.municipalities}
    return all(m.id in own for m in organisation.municipalities)


def _require(visible: bool, editable: bool | None = None) -> None:
    if not visible:
        abort(404)
    if editable is False:
        abort(403)


def get_municipality(user: User, slug: str, *, edit: bool = False) -> Municipality:
    municipality = db.session.scalar(sa.select(Municipality).where(Municipality.slug == slug))
    if municipality is None:
        abort(404)
    _require(
        can_view_municipality(user, municipality),
        can_edit_municipality(user, municipality) if edit else None,
    )
    return municipality


# Ids in URLs beyond what an integer column holds cannot name a row (and would make the
# database driver raise instead of answering "not found").
MAX_ID = 2**31 - 1


def _row_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        abort(404)
    return value


def can_view_meeting(user: User, meeting: Meeting) -> bool:
    """A meeting is seen by whoever sees its host or, for a joint meeting, one of the other
    municipalities that hold it (who then sees only the agenda items of their municipalities:
    `agenda_item_filter`)."""
    return any(can_view_municipality(user, m) for m in meeting.all_municipalities)


def can_edit_meeting(user: User, meeting: Meeting) -> bool:
    """A meeting is changed by whoever edits its host (coordinators: every meeting of the
    platform); the other municipalities of a joint meeting read it."""
    return can_edit_municipality(user, meeting.municipality)


def get_meeting(user: User, meeting_id: int, *, edit: bool = False) -> Meeting:
    meeting = db.session.get(Meeting, _row_id(meeting_id))
    if meeting is None:
        abort(404)
    _require(can_view_meeting(user, meeting), can_edit_meeting(user, meeting) if edit else None)
    return meeting


def meeting_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause for the meetings `user` may see (as `can_view_meeting`): hosted by a
    municipality they see, or held jointly with one. The municipalities of a joint meeting are
    all of one platform, so a coordinator's are those their platform hosts (EXISTS, see
    `municipality_exists_filter`)."""
    hosted = municipality_exists_filter(user, Meeting.municipality_id)
    if sees_all_municipalities(user):
        return hosted
    joint = sa.select(meeting_municipality.c.meeting_id).where(
        municipality_filter(user, meeting_municipality.c.municipality_id)
    )
    return sa.or_(hosted, Meeting.id.in_(joint))


def meeting_of_municipality(
    municipality: int | list[int] | sa.ColumnElement[int] | QueryableAttribute[int],
) -> ColumnElement[bool]:
    """A WHERE clause for the meetings a municipality (an id, a list of ids or a correlated
    column) holds: as host or jointly with others."""
    partner = meeting_municipality.c.municipality_id
    hosts: ColumnElement[bool]
    partners: ColumnElement[bool]
    if isinstance(municipality, list):
        hosts, partners = Meeting.municipality_id.in_(municipality), partner.in_(municipality)
    else:
        hosts, partners = Meeting.municipality_id == municipality, partner == municipality
    # Correlated to the enclosing query's municipality when given a column (never a FROM of
    # its own: that would count every joint meeting for every municipality).
    joint = (
        sa.select(meeting_municipality.c.meeting_id)
        .where(partners)
        .correlate_except(meeting_municipality)
    )
    return sa.or_(hosts, Meeting.id.in_(joint))


# --- agenda items of joint meetings -----------------------------------------------------------


def verslag_municipalities(user: User, meeting: Meeting) -> list[Municipality]:
    """The municipalities of a joint meeting whose own verslag `user` may read (none for a
    meeting of one municipality)."""
    if not meeting.is_joint:
        return []
    return [m for m in meeting.all_municipalities if can_view_municipality(user, m)]


def verslag_municipality(user: User, meeting: Meeting) -> Municipality | None:
    """Which minutes of a meeting `user` reads: None for the whole (a meeting of one
    municipality, or a joint one whose municipalities they all see), else the verslag of the
    first of the meeting's municipalities that is theirs."""
    theirs = verslag_municipalities(user, meeting)
    if not meeting.is_joint or len(theirs) == len(meeting.all_municipalities):
        return None
    if not theirs:
        abort(404)
    return theirs[0]


def hidden_agenda_items(user_id: int) -> sa.Select[tuple[int]]:
    """The agenda items that are only for municipalities the user does not see: marked for
    some municipalities of a joint meeting, none of them the user's."""
    item = agenda_item_municipality.c.agenda_item_id
    theirs = (
        sa.select(item)
        .where(
            agenda_item_municipality.c.municipality_id.in_(
                sa.select(user_municipality.c.municipality_id).where(
                    user_municipality.c.user_id == user_id
                )
            )
        )
        .correlate(None)
    )
    # Never correlated: the same list whatever query it filters.
    return sa.select(item).where(item.not_in(theirs)).correlate(None)


def read_as(user: User) -> None:
    """The rest of this request renders what `user` may read, though nobody is logged in (a
    user's personal calendar feed, reached by its secret address)."""
    g._overleg_reader = user


def _restricted_user() -> User | None:
    """The user the request reads for (`read_as`, else the logged-in user) when they do not see
    every municipality of their platform (secretaries, readers); None for coordinators,
    anonymous visitors and outside a request. Reads only what is already loaded: this runs
    inside every query."""
    if not has_request_context() or g.get("_overleg_scoping"):
        return None
    user = g.get("_overleg_reader") or g.get("_login_user")
    if not isinstance(user, User):
        return None
    g._overleg_scoping = True  # loading the user's role may itself run a query
    try:
        return None if sees_all_municipalities(user) else user
    finally:
        g._overleg_scoping = False


def _only_visible_items(state: ORMExecuteState) -> None:
    """Every query of a request of a secretary or reader leaves out the agenda items of a joint
    meeting that are not for their municipalities, with their notes and action points: the
    pages, PDFs, .ics, feeds, API and CSV cannot show them because they never load them."""
    if not state.is_select:
        return
    user = _restricted_user()
    if user is None:
        return
    user_id = user.id
    state.statement = state.statement.options(
        with_loader_criteria(
            AgendaItem,
            lambda cls: cls.id.not_in(hidden_agenda_items(user_id)),
            include_aliases=True,
        ),
        with_loader_criteria(
            AgendaItemNote,
            lambda cls: cls.agenda_item_id.not_in(hidden_agenda_items(user_id)),
            include_aliases=True,
        ),
        with_loader_criteria(
            ActionPoint,
            lambda cls: sa.or_(
                cls.agenda_item_id.is_(None),
                cls.agenda_item_id.not_in(hidden_agenda_items(user_id)),
            ),
            include_aliases=True,
        ),
    )


def get_organisation(user: User, organisation_id: int, *, edit: bool = False) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    _require(
        can_view_organisation(user, organisation),
        can_edit_organisation(user, organisation) if edit else None,
    )
    return organisation


def get_contact(user: User, contact_id: int, *, edit: bool = False) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.erased_at is not None:
        abort(404)
    _require(
        can_view_organisation(user, contact.organisation),
        can_edit_organisation(user, contact.organisation) if edit else None,
    )
    return contact


def get_agenda_item(user: User, meeting_id: int, item_id: int, *, edit: bool = False) -> AgendaItem:
    """An agenda item of this meeting; 404 for an item of another meeting, and for a
    confidential item `user` is not named on (may_read_confidential)."""
    meeting = get_meeting(user, meeting_id, edit=edit)
    item = db.session.get(AgendaItem, _row_id(item_id))
    if item is None or item.meeting_id != meeting.id or not may_read_confidential(user, item):
        abort(404)
    return item


def confidential_readers_filter(user: User) -> ColumnElement[bool]:
    """The ConfidentialReader rows that name `user`: as a user, or as a contact of the same
    platform with the user's e-mail address (the minute taker who also has an account)."""
    same_person = sa.select(Contact.id).where(
        sa.func.lower(Contact.email) == user.email.lower(),
        Contact.email != "",
        Contact.organisation_id.in_(
            sa.select(Organisation.id).where(Organisation.platform_id == user.platform_id)
        ),
    )
    return sa.or_(
        ConfidentialReader.user_id == user.id,
        ConfidentialReader.contact_id.in_(same_person),
    )


def may_read_confidential(user: User, item: AgendaItem) -> bool:
    """THE rule for the confidential part of an agenda item (its title, reason, notes and
    decisions): only the people named on it read it, whatever their role."""
    if not item.confidential:
        return True
    named = db.session.scalar(
        sa.select(sa.func.count(ConfidentialReader.id)).where(
            ConfidentialReader.agenda_item_id == item.id, confidential_readers_filter(user)
        )
    )
    return bool(named)


def get_confidential_item(
    user: User, meeting_id: int, item_id: int, *, edit: bool = False
) -> AgendaItem:
    """An agenda item for its confidential page: 404 when it is confidential and `user` is not
    named on it (nothing tells such an item exists), 403 when `edit` and the user may not edit
    the meeting."""
    item = get_agenda_item(user, meeting_id, item_id)
    if edit:
        _require(True, can_edit_municipality(user, item.meeting.municipality))
    return item


def get_invitation(
    user: User, meeting_id: int, invitation_id: int, *, edit: bool = False
) -> Invitation:
    """An invitation of this meeting; 404 for an invitation of another meeting."""
    meeting = get_meeting(user, meeting_id, edit=edit)
    invitation = db.session.get(Invitation, _row_id(invitation_id))
    if invitation is None or invitation.meeting_id != meeting.id:
        abort(404)
    return invitation


def get_poll(user: User, poll_id: int) -> AvailabilityPoll:
    """An availability poll of the user's platform (polls are part of planning)."""
    poll = db.session.get(AvailabilityPoll, _row_id(poll_id))
    if poll is None or poll.platform_id != user.platform_id:
        abort(404)
    _require(True, can_plan(user))
    return poll


def managed_accounts_filter(user: User) -> ColumnElement[bool]:
    """The users whose accounts `user` manages: a coordinator's, those of their own platform."""
    if not can_manage_accounts(user):
        return sa.false()
    return User.platform_id == user.platform_id


def get_account(user: User, account_id: int) -> User:
    """A user whose account `user` manages; 404 for a user of another platform (or none)."""
    account = db.session.scalar(
        sa.select(User).where(User.id == _row_id(account_id), managed_accounts_filter(user))
    )
    if account is None:
        abort(404)
    return account


def visible_contacts_filter(user: User) -> ColumnElement[bool]:
    """Contacts (joined with their Organisation) the user may see and invite: not erased."""
    return sa.and_(visible_organisations_filter(user), Contact.erased_at.is_(None))


def visible_polls_filter(user: User) -> ColumnElement[bool]:
    """Availability polls this user may see: planning is the coordinator's, polls of their own
    platform (as `get_poll`)."""
    if not can_plan(user):
        return sa.false()
    return AvailabilityPoll.platform_id == user.platform_id


def outbox_filter(user: User) -> ColumnElement[bool]:
    """Outbox messages this user may see: coordinators, mail about their platform's meetings
    and availability polls."""
    if not can_view_outbox(user):
        return sa.false()
    meetings = sa.select(Meeting.id).where(meeting_filter(user))
    polls = sa.select(AvailabilityPoll.id).where(visible_polls_filter(user))
    return sa.or_(OutboxMessage.meeting_id.in_(meetings), OutboxMessage.poll_id.in_(polls))


def set_aside_replies_filter(user: User) -> ColumnElement[bool]:
    """Calendar answers set aside (changed nothing) this user may see: coordinators, those that
    concern their platform."""
    if not can_view_outbox(user):
        return sa.false()
    return RejectedReply.platform_id == user.platform_id


def get_outbox_message(user: User, message_id: int) -> OutboxMessage:
    """An outbox message of the user's platform; 404 otherwise (also for non-coordinators)."""
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.id == message_id, outbox_filter(user))
    )
    if message is None:
        abort(404)
    return message


def visible_municipalities(user: User) -> list[Municipality]:
    """The municipalities `user` may see, by name."""
    return list(
        db.session.scalars(
            sa.select(Municipality)
            .where(municipality_filter(user, Municipality.id))
            .order_by(Municipality.name)
        )
    )
