"""Every route against every role of two platforms, generated from the URL map.

A new route fails `test_every_route_is_classified` until it is added to CASES below. Each case
says how to build its URL for an object of the user's own municipality ("own": Noorderdorp, the
secretary's), of another municipality on the same platform ("other": Zuiderdorp) and of a
municipality of another platform ("foreign": Verweg). The roles are the first platform's
coordinator, secretary and reader, and the second platform's ("outsider", "outsider_secretary",
"outsider_reader": Verweg is their municipality). Expected answers follow from the route's
@access level (overleg.auth.permissions) and the case's scope:
- anonymous: public routes answer, the rest redirect to /login (the JSON API under /api/ answers
  401 instead);
- a role below the route's level: 403;
- a scoped route for an object the user may not see: 404 (no information leak); a
  platform-scoped route (a theme of the catalogue) for an object of another platform: 404;
- a scoped route with edit=True for a reader: 403 (the reader is stopped earlier by EDITOR routes);
- otherwise: no 403, no 404, no 5xx and no redirect to /login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from overleg.auth import accounts
from overleg.auth.permissions import ROLES_FOR, Access, endpoint_access
from overleg.extensions import db
from overleg.lib.tokens import new_token
from overleg.models import Role
from tests import factories
from tests.conftest import World, csrf_token, login

Side = str  # "own", "other" or "foreign"
SIDES: tuple[Side, ...] = ("own", "other", "foreign")


@dataclass(frozen=True)
class Case:
    path: Callable[[dict[str, Any], Side], str]
    method: str = "GET"
    scoped: bool = False  # the URL names an object that belongs to a municipality
    platform_scoped: bool = False  # the URL names an object of the platform (a theme)
    edit: bool = False  # changing the object: readers may see but not do this
    data: dict[str, Any] = field(default_factory=dict)


def _static(path: str) -> Callable[[dict[str, Any], Side], str]:
    return lambda objects, side: path


def _confidential_item(municipality: Any) -> Any:
    """A confidential item (issue 16) on which every user of the municipality's platform is
    named, and a contact too: the matrix checks the roles; who is not named gets 404
    (tests/functional/test_confidential_pages.py)."""
    import sqlalchemy as sa

    from overleg.models import ConfidentialReader, User

    item = factories.AgendaItemFactory(
        meeting=factories.HeldMeetingFactory(municipality=municipality),
        confidential=True,
        confidential_reason="Persoonlijke situatie",
    )
    db.session.flush()
    for user_id in db.session.scalars(
        sa.select(User.id).where(User.platform_id == municipality.platform_id)
    ):
        db.session.add(ConfidentialReader(agenda_item_id=item.id, user_id=user_id))
    contact = factories.ContactFactory(organisation=factories.organisation_serving(municipality))
    db.session.add(ConfidentialReader(agenda_item_id=item.id, contact_id=contact.id))
    db.session.flush()
    return item


def _dataio_contact(municipality: Any) -> Any:
    organisation = factories.OrganisationFactory(platform=municipality.platform)
    organisation.municipalities.append(municipality)
    return factories.ContactFactory(organisation=organisation)


# Objects the cases refer to, built per municipality: BUILDERS[name](world, municipality).
BUILDERS: dict[str, Callable[[World, Any], Any]] = {
    "municipality": lambda world, municipality: municipality,
    "meeting": lambda world, municipality: factories.MeetingFactory(municipality=municipality),
    # a joint meeting (issue 16) hosted by the municipality, with one the users of the first
    # platform are not assigned to: its secretary sees the "own" one through the host only
    "joint_meeting": lambda world, municipality: factories.joint_meeting(municipality),
    # meetings: separate objects for the cases that delete them
    "agenda_item": lambda world, municipality: factories.AgendaItemFactory(
        meeting=factories.MeetingFactory(municipality=municipality)
    ),
    "doomed_agenda_item": lambda world, municipality: factories.AgendaItemFactory(
        meeting=factories.MeetingFactory(municipality=municipality)
    ),
    "invitation": lambda world, municipality: factories.InvitationFactory(
        meeting=factories.MeetingFactory(municipality=municipality)
    ),
    "doomed_invitation": lambda world, municipality: factories.InvitationFactory(
        meeting=factories.MeetingFactory(municipality=municipality)
    ),
    # directory: an organisation serving the municipality, its contacts, standing invitees;
    # separate objects for the cases that delete them
    "organisation": lambda world, municipality: factories.organisation_serving(municipality),
    "contact": lambda world, municipality: factories.ContactFactory(
        organisation=factories.organisation_serving(municipality)
    ),
    "doomed_contact": lambda world, municipality: factories.ContactFactory(
        organisation=factories.organisation_serving(municipality)
    ),
    "standing_invitee": lambda world, municipality: factories.StandingInviteeFactory(
        municipality=municipality,
        contact=factories.ContactFactory(organisation=factories.organisation_serving(municipality)),
    ),
    "doomed_standing_invitee": lambda world, municipality: factories.StandingInviteeFactory(
        municipality=municipality,
        contact=factories.ContactFactory(organisation=factories.organisation_serving(municipality)),
    ),
    "theme": lambda world, municipality: factories.ThemeFactory(platform=municipality.platform),
    # confidential items (issue 16): separate objects for the cases that change their readers
    # or make them public again
    "confidential_item": lambda world, municipality: _confidential_item(municipality),
    "doomed_confidential_item": lambda world, municipality: _confidential_item(municipality),
    # data in and out (issue 6): a contact of an organisation serving the municipality
    "dataio_contact": lambda world, municipality: _dataio_contact(municipality),
    # minutes (issue 4): a guest to remove and a stored minutes version
    "minutes_guest": lambda world, municipality: factories.GuestInvitationFactory(
        meeting=factories.HeldMeetingFactory(municipality=municipality)
    ),
    "minutes_version": lambda world, municipality: factories.MinutesVersionFactory(
        minutes=factories.MinutesFactory(
            meeting=factories.HeldMeetingFactory(municipality=municipality)
        ),
        number=1,
    ),
    # invitations and outbox (issue 3)
    "linked_invitation": lambda world, municipality: factories.invitation_with_link(
        meeting=factories.MeetingFactory(municipality=municipality)
    ),
    "outbox_message": lambda world, municipality: factories.outbox_message(
        factories.MeetingFactory(municipality=municipality)
    ),
    "feed_contact": lambda world, municipality: factories.ContactFactory(
        organisation=factories.organisation_serving(municipality), feed_token=new_token()
    ),
    "feed_user": lambda world, municipality: factories.UserFactory(
        platform=municipality.platform, feed_token=new_token()
    ),
    # accounts page (issue 12): users of the platform, managed by its coordinators
    "account": lambda world, municipality: factories.UserFactory(
        platform=municipality.platform, role=Role.SECRETARY, municipalities=[municipality]
    ),
    "invited_account": lambda world, municipality: factories.UserFactory(
        platform=municipality.platform,
        role=Role.READER,
        municipalities=[municipality],
        password_hash=None,
    ),
    "deactivated_account": lambda world, municipality: factories.UserFactory(
        platform=municipality.platform,
        role=Role.READER,
        municipalities=[municipality],
        active=False,
    ),
    # calendar answers (issue 13): a proposed new time of a meeting
    "counter_proposal": lambda world, municipality: factories.counter_proposal(
        factories.MeetingFactory(municipality=municipality)
    ),
    # availability poll (issue 5): polls belong to the platform, not to one municipality
    "poll": lambda world, municipality: factories.availability_poll(municipality),
    # accounts (issue 12): a one-time link to set a password
    "account_link": lambda world, municipality: _account_link(world),
    # remarks on circulated draft minutes (issue 14): a member's personal link
    "remark_link": lambda world, municipality: factories.remark_link(municipality),
    # meeting documents (issue 15): a document of a meeting, one to remove, and one of a meeting
    # whose invitee has a personal link
    "document": lambda world, municipality: factories.document(
        factories.MeetingFactory(municipality=municipality)
    ),
    "doomed_document": lambda world, municipality: factories.document(
        factories.MeetingFactory(municipality=municipality)
    ),
    "linked_document": lambda world, municipality: _linked_document(municipality),
    # the platform's logo (issue 12), served on its settings page
    "platform_logo": lambda world, municipality: factories.with_logo(municipality.platform),
}


def _account_link(world: World) -> Any:
    """A working reset link of the reader's (accounts, issue 12): its path."""
    url = accounts.issue_password_link(world.reader, "reset_password")
    db.session.commit()
    return SimpleNamespace(path=url.removeprefix("http://localhost"))


def _linked_document(municipality: Any) -> Any:
    """A document of a meeting, and the personal link of one of its invitees."""
    meeting = factories.MeetingFactory(municipality=municipality)
    invitation = factories.invitation_with_link(meeting=meeting)
    document = factories.document(meeting)
    return SimpleNamespace(token=invitation.token, document_id=document.id)


def _document(name: str, suffix: str) -> Callable[[dict[str, Any], Side], str]:
    def path(objects: dict[str, Any], side: Side) -> str:
        document = objects[name][side]
        return f"/meetings/{document.meeting_id}/documents/{document.id}/{suffix}"

    return path


def _minutes_url(name: str, suffix: str) -> Callable[[dict[str, Any], Side], str]:
    return lambda objects, side: f"/meetings/{objects[name][side].id}{suffix}"


def _directory(name: str, template: str) -> Callable[[dict[str, Any], Side], str]:
    """A directory URL: `template` is formatted with the object (o) and its municipality (m)."""

    def path(objects: dict[str, Any], side: Side) -> str:
        obj = objects[name][side]
        return template.format(o=obj, m=objects["municipality"][side])

    return path


def _link(name: str, suffix: str) -> Callable[[dict[str, Any], Side], str]:
    def path(objects: dict[str, Any], side: Side) -> str:
        invitation = objects[name][side]
        return f"/meetings/{invitation.meeting_id}/invitations/{invitation.id}/link/{suffix}"

    return path


def _rsvp(suffix: str = "") -> Callable[[dict[str, Any], Side], str]:
    return lambda objects, side: f"/rsvp/{objects['linked_invitation'][side].token}{suffix}"


def _outbox(suffix: str = "") -> Callable[[dict[str, Any], Side], str]:
    return lambda objects, side: f"/outbox/{objects['outbox_message'][side].id}{suffix}"


def _proposal(action: str) -> Callable[[dict[str, Any], Side], str]:
    def path(objects: dict[str, Any], side: Side) -> str:
        proposal = objects["counter_proposal"][side]
        return f"/meetings/{proposal.meeting_id}/proposals/{proposal.id}/{action}"

    return path


def _meeting(suffix: str = "") -> Callable[[dict[str, Any], Side], str]:
    return lambda objects, side: f"/meetings/{objects['meeting'][side].id}{suffix}"


def _item(name: str, suffix: str) -> Callable[[dict[str, Any], Side], str]:
    def path(objects: dict[str, Any], side: Side) -> str:
        item = objects[name][side]
        return f"/meetings/{item.meeting_id}/agenda/{item.id}/{suffix}"

    return path


def _confidential_reader_path(objects: dict[str, Any], side: Side) -> str:
    """Take the contact named on the confidential item off it (the users stay)."""
    import sqlalchemy as sa

    from overleg.models import ConfidentialReader

    item = objects["confidential_item"][side]
    reader_id = db.session.scalar(
        sa.select(ConfidentialReader.id).where(
            ConfidentialReader.agenda_item_id == item.id, ConfidentialReader.contact_id.is_not(None)
        )
    )
    return (
        f"/meetings/{item.meeting_id}/agenda/{item.id}/confidential/readers/{reader_id or 0}/remove"
    )


def _invitation(name: str, suffix: str) -> Callable[[dict[str, Any], Side], str]:
    def path(objects: dict[str, Any], side: Side) -> str:
        invitation = objects[name][side]
        return f"/meetings/{invitation.meeting_id}/invitees/{invitation.id}/{suffix}"

    return path


CASES: dict[str, Case] = {
    "planning.index": Case(_static("/planning")),
    "planning.confirm": Case(_static("/planning/confirm"), method="POST"),
    "planning.compliance": Case(_static("/planning/compliance")),
    "planning.poll_start": Case(_static("/planning/polls"), method="POST"),
    "planning.polls_index": Case(_static("/planning/polls")),
    "planning.poll": Case(_directory("poll", "/planning/polls/{o.id}"), scoped=True),
    "planning.poll_remind": Case(
        _directory("poll", "/planning/polls/{o.id}/remind"), method="POST", scoped=True
    ),
    "planning.poll_close": Case(
        _directory("poll", "/planning/polls/{o.id}/close"), method="POST", scoped=True
    ),
    "planning.poll_answer": Case(lambda o, side: f"/poll/{o['poll'][side].respondents[0].token}"),
    "planning.compliance_csv": Case(_static("/planning/compliance/report.csv?year=2026")),
    "planning.compliance_pdf": Case(_static("/planning/compliance/report.pdf?year=2026")),
    "dashboard.healthz": Case(_static("/healthz")),
    "dashboard.dashboard": Case(_static("/")),
    "dashboard.set_language": Case(_static("/taal"), method="POST", data={"language": "en"}),
    "auth.login": Case(_static("/login")),
    "auth.logout": Case(_static("/logout"), method="POST"),
    "auth.forgot_password": Case(_static("/password/forgot")),
    "auth.set_password": Case(lambda objects, side: objects["account_link"][side].path),
    "auth.login_code": Case(_static("/login/code")),
    # Mijn account (issue 12): every user, about their own account only
    "account.index": Case(_static("/account")),
    "account.change_password": Case(_static("/account/password"), method="POST"),
    "account.language": Case(_static("/account/language"), method="POST"),
    "account.two_factor_set_up": Case(_static("/account/two-factor")),
    "account.two_factor_off": Case(_static("/account/two-factor/off"), method="POST"),
    "account.recovery_codes": Case(_static("/account/two-factor/recovery-codes"), method="POST"),
    # meetings
    "meetings.index": Case(_static("/meetings")),
    "meetings.create": Case(_static("/meetings/new")),
    "meetings.detail": Case(_meeting(), scoped=True),
    "meetings.joint_meeting": Case(
        lambda objects, side: f"/meetings/{objects['joint_meeting'][side].id}/joint",
        scoped=True,
        edit=True,
    ),
    "meetings.edit": Case(_meeting("/edit"), scoped=True, edit=True),
    "meetings.cancel": Case(_meeting("/cancel"), scoped=True, edit=True),
    "meetings.held": Case(_meeting("/held"), method="POST", scoped=True, edit=True),
    "meetings.agenda": Case(_meeting("/agenda"), scoped=True, edit=True),
    "meetings.agenda_reorder": Case(
        _meeting("/agenda/reorder"), method="POST", scoped=True, edit=True
    ),
    "meetings.agenda_item_edit": Case(_item("agenda_item", "edit"), scoped=True, edit=True),
    "meetings.agenda_item_delete": Case(
        _item("doomed_agenda_item", "delete"), method="POST", scoped=True, edit=True
    ),
    "meetings.invitees": Case(_meeting("/invitees"), scoped=True, edit=True),
    "meetings.invitee_role": Case(
        _invitation("invitation", "role"),
        method="POST",
        scoped=True,
        edit=True,
        data={"role": "optional"},
    ),
    "meetings.invitee_delete": Case(
        _invitation("doomed_invitation", "delete"), method="POST", scoped=True, edit=True
    ),
    # invitations (issue 3)
    "meetings.meeting_ics": Case(_meeting("/invitation.ics"), scoped=True),
    "meetings.answers": Case(_meeting("/answers.json"), scoped=True),
    "meetings.send": Case(_meeting("/invitations/send"), scoped=True, edit=True),
    "meetings.send_reminders": Case(_meeting("/reminders/send"), scoped=True, edit=True),
    "meetings.revoke_link": Case(
        _link("linked_invitation", "revoke"), method="POST", scoped=True, edit=True
    ),
    "meetings.renew_link": Case(
        _link("linked_invitation", "renew"), method="POST", scoped=True, edit=True
    ),
    "meetings.rsvp": Case(_rsvp()),
    "meetings.substitute": Case(
        _rsvp("/vervanger"),
        method="POST",
        data={"s-first_name": "Piet", "s-last_name": "Janssens", "s-email": "piet@example.be"},
    ),
    "meetings.personal_ics": Case(_rsvp("/uitnodiging.ics")),
    # meeting documents (issue 15)
    "documents.index": Case(_meeting("/documents"), scoped=True),
    "documents.upload": Case(_meeting("/documents"), method="POST", scoped=True, edit=True),
    "documents.replace": Case(
        _document("document", "replace"), method="POST", scoped=True, edit=True
    ),
    "documents.remove": Case(
        _document("doomed_document", "remove"), method="POST", scoped=True, edit=True
    ),
    "documents.download": Case(_document("document", "versions/1"), method="POST", scoped=True),
    "documents.personal": Case(
        lambda o, side: (
            f"/rsvp/{o['linked_document'][side].token}/documenten/"
            f"{o['linked_document'][side].document_id}"
        )
    ),
    # outbox (issue 3): coordinators only, and only mail about their own platform
    "mail.index": Case(_static("/outbox")),
    "mail.mailbox": Case(_static("/outbox/mailbox")),
    "mail.show": Case(_outbox(), scoped=True),
    "mail.html_part": Case(_outbox("/html"), scoped=True),
    "mail.attachment": Case(_outbox("/bijlagen/0"), scoped=True),
    "mail.raw": Case(_outbox("/bericht.eml"), scoped=True),
    "mail.resend": Case(_outbox("/opnieuw"), method="POST", scoped=True),
    "mail.set_aside_replies": Case(_static("/outbox/replies")),
    "meetings.accept_proposal": Case(_proposal("accept"), scoped=True, edit=True),
    "meetings.decline_proposal": Case(_proposal("decline"), scoped=True, edit=True),
    # calendar feeds (issue 3)
    "feeds.index": Case(_static("/calendar")),
    "feeds.municipality_page": Case(_directory("municipality", "/calendar/{o.slug}")),
    "feeds.municipality_feed": Case(_directory("municipality", "/calendar/{o.slug}.ics")),
    "feeds.contact_feed": Case(_directory("feed_contact", "/calendar/personal/{o.feed_token}.ics")),
    "feeds.user_feed": Case(_directory("feed_user", "/calendar/user/{o.feed_token}.ics")),
    "feeds.subscription": Case(_static("/calendar/subscription")),
    "feeds.subscription_revoke": Case(_static("/calendar/subscription/revoke"), method="POST"),
    "feeds.contact_feed_revoke": Case(
        _directory("feed_contact", "/calendar/contacts/{o.id}/revoke"),
        method="POST",
        scoped=True,
        edit=True,
    ),
    # JSON API
    "api.municipalities": Case(_static("/api/v1/municipalities")),
    "api.meetings": Case(_static("/api/v1/meetings?year=2026")),
    # directory
    "directory.municipalities": Case(_static("/municipalities")),
    "directory.municipality_new": Case(_static("/municipalities/new")),
    "directory.municipality_merge": Case(_static("/municipalities/merge")),
    "directory.municipality": Case(
        _directory("municipality", "/municipalities/{o.slug}"), scoped=True
    ),
    "directory.municipality_edit": Case(
        _directory("municipality", "/municipalities/{o.slug}/edit"), scoped=True, edit=True
    ),
    "directory.standing_invitee_add": Case(
        _directory("municipality", "/municipalities/{o.slug}/invitees"),
        method="POST",
        scoped=True,
        edit=True,
    ),
    "directory.standing_invitee_role": Case(
        _directory("standing_invitee", "/municipalities/{m.slug}/invitees/{o.id}/role"),
        method="POST",
        scoped=True,
        edit=True,
        data={"role": "optional"},
    ),
    "directory.standing_invitee_remove": Case(
        _directory("doomed_standing_invitee", "/municipalities/{m.slug}/invitees/{o.id}/remove"),
        method="POST",
        scoped=True,
        edit=True,
    ),
    "directory.organisations": Case(_static("/organisations")),
    "directory.organisation_new": Case(_static("/organisations/new")),
    "directory.organisation": Case(
        _directory("organisation", "/organisations/{o.id}"), scoped=True
    ),
    "directory.organisation_edit": Case(
        _directory("organisation", "/organisations/{o.id}/edit"), scoped=True, edit=True
    ),
    "directory.organisation_archive": Case(
        _directory("organisation", "/organisations/{o.id}/archive"),
        method="POST",
        scoped=True,
        edit=True,
    ),
    "directory.organisation_unarchive": Case(
        _directory("organisation", "/organisations/{o.id}/unarchive"),
        method="POST",
        scoped=True,
        edit=True,
    ),
    "directory.contact_new": Case(
        _directory("organisation", "/organisations/{o.id}/contacts/new"), scoped=True, edit=True
    ),
    "directory.contact": Case(_directory("contact", "/contacts/{o.id}"), scoped=True),
    "directory.contact_edit": Case(
        _directory("contact", "/contacts/{o.id}/edit"), scoped=True, edit=True
    ),
    "directory.contact_archive": Case(
        _directory("contact", "/contacts/{o.id}/archive"), method="POST", scoped=True, edit=True
    ),
    "directory.contact_unarchive": Case(
        _directory("contact", "/contacts/{o.id}/unarchive"), method="POST", scoped=True, edit=True
    ),
    "directory.contact_delete": Case(
        _directory("doomed_contact", "/contacts/{o.id}/delete"),
        method="POST",
        scoped=True,
        edit=True,
        data={"confirm": "y"},
    ),
    "directory.themes": Case(_static("/themes")),
    "directory.theme": Case(_directory("theme", "/themes/{o.id}"), platform_scoped=True),
    "directory.theme_new": Case(_static("/themes/new")),
    "directory.theme_edit": Case(
        _directory("theme", "/themes/{o.id}/edit"), platform_scoped=True, edit=True
    ),
    "directory.theme_deactivate": Case(
        _directory("theme", "/themes/{o.id}/deactivate"),
        method="POST",
        platform_scoped=True,
        edit=True,
    ),
    "directory.theme_activate": Case(
        _directory("theme", "/themes/{o.id}/activate"),
        method="POST",
        platform_scoped=True,
        edit=True,
    ),
    # invitees by theme (issue 16)
    "directory.theme_invitee_add": Case(
        _directory("theme", "/themes/{o.id}/invitees"),
        method="POST",
        platform_scoped=True,
        edit=True,
        data={"who": ""},
    ),
    "directory.theme_invitee_remove": Case(
        _directory("theme", "/themes/{o.id}/invitees/0/remove"),
        method="POST",
        platform_scoped=True,
        edit=True,
    ),
    "audit.index": Case(_static("/audit")),
    # accounts page (issue 12): coordinators only, users of their own platform (the outsider,
    # a coordinator of another platform, gets 404)
    "users.index": Case(_static("/users")),
    "users.edit": Case(_directory("account", "/users/{o.id}/edit"), scoped=True),
    "users.invite": Case(_static("/users/invite")),
    "users.deactivate": Case(_directory("account", "/users/{o.id}/deactivate"), scoped=True),
    "users.reactivate": Case(
        _directory("deactivated_account", "/users/{o.id}/reactivate"), method="POST", scoped=True
    ),
    "users.resend": Case(
        _directory("invited_account", "/users/{o.id}/resend"), method="POST", scoped=True
    ),
    # platform settings (issue 12): coordinators, their own platform only
    "platforms.settings": Case(_static("/platform/settings")),
    "platforms.logo": Case(_static("/platform/logo")),
    # data in and out (issue 6)
    "dataio.import_directory": Case(_static("/organisations/import")),
    "dataio.export_directory": Case(_static("/organisations/export.csv")),
    # The personal-data export is the coordinator's, like erasure (issue 11): secretaries and
    # readers get 403 (test_data_rights_are_the_coordinators below).
    "dataio.personal_data": Case(
        lambda o, side: f"/contacts/{o['dataio_contact'][side].id}/personal-data.json",
        method="POST",
        scoped=True,
        edit=True,
    ),
    "dataio.erase": Case(
        lambda o, side: f"/contacts/{o['dataio_contact'][side].id}/erase",
        scoped=True,
        edit=True,
    ),
    # minutes (issue 4)
    "minutes.overview": Case(_minutes_url("meeting", "/minutes"), scoped=True),
    "minutes.start": Case(
        _minutes_url("meeting", "/minutes/start"), method="POST", scoped=True, edit=True
    ),
    "minutes.attendance": Case(
        _minutes_url("meeting", "/minutes/attendance"), scoped=True, edit=True
    ),
    "minutes.add_guest": Case(
        _minutes_url("meeting", "/minutes/guests"),
        method="POST",
        scoped=True,
        edit=True,
        data={"name": "Gast van de matrix"},
    ),
    "minutes.remove_guest": Case(
        lambda objects, side: (
            f"/meetings/{objects['minutes_guest'][side].meeting_id}/minutes/guests/"
            f"{objects['minutes_guest'][side].id}/delete"
        ),
        method="POST",
        scoped=True,
        edit=True,
    ),
    "minutes.edit": Case(_minutes_url("meeting", "/minutes/edit"), scoped=True, edit=True),
    "minutes.circulate": Case(
        _minutes_url("meeting", "/minutes/circulate"), method="POST", scoped=True, edit=True
    ),
    "minutes.remarks_page": Case(lambda o, side: f"/opmerkingen/{o['remark_link'][side].token}"),
    "minutes.remarks_pdf": Case(
        lambda o, side: f"/opmerkingen/{o['remark_link'][side].token}/ontwerpverslag.pdf"
    ),
    "minutes.to_draft": Case(
        _minutes_url("meeting", "/minutes/to-draft"), method="POST", scoped=True, edit=True
    ),
    "minutes.send": Case(
        _minutes_url("meeting", "/minutes/send"), method="POST", scoped=True, edit=True
    ),
    "minutes.approve": Case(
        _minutes_url("meeting", "/minutes/approve"), method="POST", scoped=True, edit=True
    ),
    "minutes.correct": Case(
        _minutes_url("meeting", "/minutes/correct"),
        method="POST",
        scoped=True,
        edit=True,
        data={"reason": "Tikfout"},
    ),
    # confidential items (issue 16)
    "minutes.confidential": Case(_item("confidential_item", "confidential"), scoped=True),
    "minutes.confidential_mark": Case(
        _item("confidential_item", "confidential/mark"),
        method="POST",
        scoped=True,
        edit=True,
        data={"reason": "Persoonlijke situatie"},
    ),
    "minutes.confidential_reader_add": Case(
        _item("confidential_item", "confidential/readers"),
        method="POST",
        scoped=True,
        edit=True,
    ),
    "minutes.confidential_reader_remove": Case(
        _confidential_reader_path, method="POST", scoped=True, edit=True
    ),
    "minutes.confidential_unmark": Case(
        _item("doomed_confidential_item", "confidential/unmark"),
        method="POST",
        scoped=True,
        edit=True,
    ),
    "minutes.minutes_pdf": Case(_minutes_url("meeting", "/minutes.pdf"), scoped=True),
    "minutes.minutes_docx": Case(_minutes_url("meeting", "/minutes.docx"), scoped=True),
    "minutes.verslag_pdf": Case(
        lambda objects, side: (
            f"/meetings/{objects['joint_meeting'][side].id}"
            f"/minutes/{objects['joint_meeting'][side].municipality.slug}.pdf"
        ),
        scoped=True,
    ),
    "minutes.verslag_docx": Case(
        lambda objects, side: (
            f"/meetings/{objects['joint_meeting'][side].id}"
            f"/minutes/{objects['joint_meeting'][side].municipality.slug}.docx"
        ),
        scoped=True,
    ),
    "minutes.agenda_pdf": Case(_minutes_url("meeting", "/agenda.pdf"), scoped=True),
    "minutes.version_pdf": Case(
        lambda objects, side: (
            f"/meetings/{objects['minutes_version'][side].minutes.meeting_id}"
            "/minutes/versions/1.pdf"
        ),
        scoped=True,
    ),
}

ROLES = (
    "anonymous",
    "coordinator",
    "secretary",
    "reader",
    "outsider",
    "outsider_secretary",
    "outsider_reader",
)
# The role of each user, and the sides whose municipality they see (and, for the platform-scoped
# cases, the sides of their platform).
ROLE_OF = {
    "coordinator": Role.COORDINATOR,
    "secretary": Role.SECRETARY,
    "reader": Role.READER,
    "outsider": Role.COORDINATOR,
    "outsider_secretary": Role.SECRETARY,
    "outsider_reader": Role.READER,
}
SEES = {
    "coordinator": {"own", "other"},
    "secretary": {"own"},
    "reader": {"own"},
    "outsider": {"foreign"},
    "outsider_secretary": {"foreign"},
    "outsider_reader": {"foreign"},
}
PLATFORM_SIDES = {
    role: {"foreign"} if role.startswith("outsider") else {"own", "other"} for role in ROLE_OF
}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - set(CASES))
    assert not missing, f"routes without an access-matrix case: {missing}"
    unclassified = sorted(e for e in endpoints if endpoint_access(app, e) is None)
    assert not unclassified, f"routes without @access(...): {unclassified}"


def test_data_rights_are_the_coordinators(app):
    """Decision (issue 11): answering an access request (the personal-data export) and an
    erasure request is the coordinator's duty. Only someone who sees the whole platform can
    answer completely; a secretary's export would either leak other municipalities' data or
    be incomplete."""
    assert endpoint_access(app, "dataio.personal_data") is Access.COORDINATOR
    assert endpoint_access(app, "dataio.erase") is Access.COORDINATOR


def _objects(world: World) -> dict[str, dict[Side, Any]]:
    """BUILDERS' objects for each side: Noorderdorp, Zuiderdorp and Verweg (the other
    platform's)."""
    municipalities = {"own": world.north, "other": world.south, "foreign": world.elsewhere}
    return {
        name: {side: build(world, municipalities[side]) for side in SIDES}
        for name, build in BUILDERS.items()
    }


def _users(world: World) -> dict[str, Any]:
    return {role: getattr(world, role) for role in ROLE_OF}


def _expected(level: Access, case: Case, role: str, side: Side) -> str:
    if level is Access.PUBLIC:
        return "ok"
    if role == "anonymous":
        return "login"
    if ROLE_OF[role] not in ROLES_FOR[level]:
        return "forbidden"
    if case.scoped or case.platform_scoped:
        sees = SEES[role] if case.scoped else PLATFORM_SIDES[role]
        if side not in sees:
            return "hidden"
        if case.edit and ROLE_OF[role] is Role.READER:
            return "forbidden"
    return "ok"


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(app, client, world, role):
    objects = _objects(world)
    users = _users(world)
    failures = []
    for endpoint, case in sorted(CASES.items()):
        level = endpoint_access(app, endpoint)
        assert level is not None, endpoint
        for side in SIDES if case.scoped or case.platform_scoped else ("own",):
            client.delete_cookie("session")
            if role != "anonymous":
                login(client, users[role])
            path = case.path(objects, side)
            if case.method == "GET":
                response = client.get(path)
            else:
                data = {"csrf_token": csrf_token(client), **case.data}
                response = client.open(path, method=case.method, data=data)
            status = response.status_code
            to_login = status == 302 and "/login?next=" in response.headers.get("Location", "")
            expected = _expected(level, case, role, side)
            if expected == "login" and path.startswith("/api/"):
                expected = "unauthorised"
            ok = {
                "unauthorised": status == 401,
                "ok": status < 500 and status not in (401, 403, 404) and not to_login,
                "login": to_login,
                "forbidden": status == 403,
                "hidden": status == 404,
            }[expected]
            if not ok:
                failures.append(f"{case.method} {path} ({endpoint}, {side}): {status}, {expected}")
    assert not failures, "\n".join(failures)
