"""No lost updates through any edit form: two people, one stale form, a conflict page.

EDIT_FORMS lists every edit form of the app (two tests below fail when a new one is missing):
its row, the page that carries the form, and two valid changes. For each, generated:
1. two people open the same form;
2. the first saves a change; it is stored;
3. the second saves another change from the stale form: 409, a conflict page that shows, field by
   field, what the first changed (their value against the value the form started from) and who,
   with what the second typed still in the fields; nothing of the first change is overwritten;
4. saving the conflict page's form again is a deliberate choice and goes through.
The minutes have their own editor with the same behaviour (tests/functional/test_minutes_pages.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from overleg.extensions import db
from overleg.models import Role
from overleg.web.versions import VersionedForm
from tests import factories
from tests.conftest import World, login
from tests.support.html_forms import PageForm, form_on, forms_on

Change = dict[str, Any]
CONFLICT_RE = re.compile(r'<div class="conflict" role="alert">(.*?)</table>', re.S)


@dataclass(frozen=True)
class EditForm:
    form: str  # the VersionedForm subclass this route edits with
    build: Callable[[World], Any]
    page: Callable[[Any], str]  # the page that carries the form
    action: Callable[[Any], str]  # where the form posts
    first: Callable[[World], Change]  # what the first person changes
    second: Change  # what the second person changes, from the stale form
    shows: str  # how the first change reads on the conflict page
    read: Callable[[Any], object]  # the edited values of the row


def _meeting(world: World) -> Any:
    return factories.MeetingFactory(municipality=world.north)


def _item_path(item: Any, suffix: str = "") -> str:
    return f"/meetings/{item.meeting_id}/agenda/{item.id}/edit{suffix}"


EDIT_FORMS: dict[str, EditForm] = {
    "meetings.edit": EditForm(
        form="MeetingEditForm",
        build=_meeting,
        page=lambda m: f"/meetings/{m.id}/edit",
        action=lambda m: f"/meetings/{m.id}/edit",
        first=lambda world: {"title": "Titel van de eerste"},
        second={"location": "Plaats van de tweede"},
        shows="Titel van de eerste",
        read=lambda m: (m.title, m.location, m.start_at, m.end_at),
    ),
    "meetings.agenda_item_edit": EditForm(
        form="AgendaItemForm",
        build=lambda world: factories.AgendaItemFactory(meeting=_meeting(world)),
        page=_item_path,
        action=_item_path,
        first=lambda world: {"title": "Punt van de eerste"},
        second={"presenter": "De tweede"},
        shows="Punt van de eerste",
        read=lambda i: (i.title, i.presenter, i.duration_minutes, i.notes),
    ),
    "meetings.invitee_role": EditForm(
        form="InviteeRoleForm",
        build=lambda world: factories.InvitationFactory(meeting=_meeting(world)),
        page=lambda inv: f"/meetings/{inv.meeting_id}/invitees",
        action=lambda inv: f"/meetings/{inv.meeting_id}/invitees/{inv.id}/role",
        first=lambda world: {"role": "chair"},
        second={"role": "optional"},
        shows="Voorzitter",
        read=lambda inv: inv.role,
    ),
    "directory.municipality_edit": EditForm(
        form="MunicipalityForm",
        build=lambda world: world.north,
        page=lambda m: f"/municipalities/{m.slug}/edit",
        action=lambda m: f"/municipalities/{m.slug}/edit",
        first=lambda world: {"usual_location": "Zaal van de eerste"},
        second={"min_spacing_days": "60"},
        shows="Zaal van de eerste",
        read=lambda m: (m.usual_location, m.min_spacing_days, m.preferred_weekdays),
    ),
    "directory.standing_invitee_role": EditForm(
        form="StandingInviteeRoleForm",
        build=lambda world: world.north.standing_invitees[0],
        page=lambda entry: f"/municipalities/{entry.municipality.slug}",
        action=lambda e: f"/municipalities/{e.municipality.slug}/invitees/{e.id}/role",
        first=lambda world: {"role": "chair"},
        second={"role": "optional"},
        shows="Voorzitter",
        read=lambda entry: entry.role,
    ),
    "directory.organisation_edit": EditForm(
        form="OrganisationForm",
        build=lambda world: factories.organisation_serving(world.north),
        page=lambda org: f"/organisations/{org.id}/edit",
        action=lambda org: f"/organisations/{org.id}/edit",
        # Only the many-to-many links change: the row's version rises all the same.
        first=lambda world: {"municipalities": [str(world.north.id), str(world.south.id)]},
        second={"phone": "011 99 88 77"},
        shows="Noorderdorp, Zuiderdorp",
        read=lambda org: (sorted(m.slug for m in org.municipalities), org.phone, org.name),
    ),
    "directory.contact_edit": EditForm(
        form="ContactForm",
        build=lambda world: factories.ContactFactory(
            organisation=factories.organisation_serving(world.north)
        ),
        page=lambda c: f"/contacts/{c.id}/edit",
        action=lambda c: f"/contacts/{c.id}/edit",
        first=lambda world: {"job_title": "Functie van de eerste"},
        second={"phone": "011 99 88 77"},
        shows="Functie van de eerste",
        read=lambda c: (c.job_title, c.phone, c.first_name, c.last_name, c.email),
    ),
    "directory.theme_edit": EditForm(
        form="ThemeForm",
        build=lambda world: factories.ThemeFactory(platform=world.platform),
        page=lambda t: f"/themes/{t.id}/edit",
        action=lambda t: f"/themes/{t.id}/edit",
        first=lambda world: {"description": "Omschrijving van de eerste"},
        second={"sort_order": "7"},
        shows="Omschrijving van de eerste",
        read=lambda t: (t.description, t.sort_order, t.name, t.is_mandatory, t.active),
    ),
    "users.edit": EditForm(
        form="AssignmentForm",
        build=lambda world: factories.UserFactory(
            platform=world.platform, role=Role.SECRETARY, municipalities=[world.north]
        ),
        page=lambda u: f"/users/{u.id}/edit",
        action=lambda u: f"/users/{u.id}/edit",
        # Only the many-to-many links change: the row's version rises all the same.
        first=lambda world: {"municipalities": [str(world.north.id), str(world.south.id)]},
        second={"role": "reader"},
        shows="Noorderdorp, Zuiderdorp",
        read=lambda u: (u.role, sorted(m.slug for m in u.municipalities)),
    ),
    "platforms.settings": EditForm(
        form="PlatformSettingsForm",
        build=lambda world: world.platform,
        page=lambda p: "/platform/settings",
        action=lambda p: "/platform/settings",
        first=lambda world: {"organiser_name": "Organisator van de eerste"},
        second={"default_location": "Plaats van de tweede"},
        shows="Organisator van de eerste",
        read=lambda p: (p.organiser_name, p.default_location, p.name, p.mail_signature),
    ),
}


def _reread(obj: Any) -> Any:
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _person(app: Flask, world: World) -> Any:
    client = app.test_client()
    login(client, world.coordinator)
    return client


@pytest.mark.parametrize("endpoint", EDIT_FORMS)
def test_a_stale_form_gets_a_conflict_page_and_overwrites_nothing(app, world, endpoint):
    case = EDIT_FORMS[endpoint]
    obj = case.build(world)
    db.session.commit()
    page, action = case.page(obj), case.action(obj)
    first, second = _person(app, world), _person(app, world)
    # 1. both open the same form
    fresh = form_on(first.get(page).get_data(as_text=True), page, action)
    stale = form_on(second.get(page).get_data(as_text=True), page, action)
    before = case.read(obj)
    # 2. the first saves
    saved = first.post(action, data={**fresh.data(), **case.first(world)})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    obj = _reread(obj)
    stored, version = case.read(obj), obj.version
    assert stored != before
    # 3. the second saves from the stale form
    refused = second.post(action, data={**stale.data(), **case.second})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409, body
    notice = CONFLICT_RE.search(body)
    assert notice, "no conflict notice with the other person's changes"
    assert case.shows in notice.group(1)  # their value ...
    assert world.coordinator.name in notice.group(1)  # ... and who saved it
    again = form_on(body, page, action)
    for name, typed in case.second.items():
        assert again.value(name) == typed  # what the second typed is kept
    assert again.value("version") == str(version)
    obj = _reread(obj)
    assert (case.read(obj), obj.version) == (stored, version)  # nothing overwritten
    # 4. saving again is deliberate: it goes through
    assert second.post(action, data=again.data()).status_code == 302
    assert _reread(obj).version == version + 1


@pytest.mark.parametrize("endpoint", EDIT_FORMS)
def test_a_form_without_its_version_overwrites_nothing(app, world, endpoint):
    """A post that does not say which version it started from is a conflict too."""
    case = EDIT_FORMS[endpoint]
    obj = case.build(world)
    db.session.commit()
    page, action = case.page(obj), case.action(obj)
    person = _person(app, world)
    form = form_on(person.get(page).get_data(as_text=True), page, action).data()
    del form["version"], form["original"]
    obj = _reread(obj)
    before, version = case.read(obj), obj.version
    assert person.post(action, data={**form, **case.second}).status_code == 409
    obj = _reread(obj)
    assert (case.read(obj), obj.version) == (before, version)


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_versioned_form_is_in_the_table(app):
    forms = {cls.__name__ for cls in _subclasses(VersionedForm)}
    assert forms == {case.form for case in EDIT_FORMS.values()}


def test_every_edit_route_is_in_the_table(app):
    """A route that edits an existing row (…/edit, …/role, …/settings) is in EDIT_FORMS; the
    minutes keep their own editor and conflict page."""
    edit_routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.endswith(("/edit", "/role", "/settings"))
        and not rule.endpoint.startswith("minutes.")
    }
    assert edit_routes == set(EDIT_FORMS)


def test_a_move_on_a_stale_agenda_is_a_conflict(app, world):
    """The move buttons post a whole new order, computed from the page: from a stale page it
    would undo the other person's move. It is refused; the page shows the agenda as it is now."""
    meeting = _meeting(world)
    for position in range(4):
        factories.AgendaItemFactory(meeting=meeting, position=position)
    db.session.commit()
    page, action = f"/meetings/{meeting.id}/agenda", f"/meetings/{meeting.id}/agenda/reorder"
    first, second = _person(app, world), _person(app, world)
    first_page, second_page = first.get(page), second.get(page)
    move_up = form_on(first_page.get_data(as_text=True), page, action)  # first item's button
    stale = _move_forms(second_page.get_data(as_text=True), page, action)[-1]
    assert first.post(action, data=move_up.data()).status_code == 302
    moved = [item.id for item in _reread(meeting).agenda_items]
    refused = second.post(action, data=stale.data())
    assert refused.status_code == 409
    assert "Iemand anders heeft de agenda intussen gewijzigd" in refused.get_data(as_text=True)
    assert [item.id for item in _reread(meeting).agenda_items] == moved
    fresh = _move_forms(refused.get_data(as_text=True), page, action)[-1]
    assert second.post(action, data=fresh.data()).status_code == 302


def _move_forms(html: str, page: str, action: str) -> list[PageForm]:
    return [form for form in forms_on(html, page) if form.action == action]
