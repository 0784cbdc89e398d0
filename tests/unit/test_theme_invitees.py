"""Invitees by theme (issue 16 item 3), without HTTP: a theme on the agenda brings its extra
invitees, taken off it withdraws them, before and after the invitations went out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail.settings import MailSettings
from overleg.meetings import invitations, services, theme_invitees
from overleg.models import InviteeRole, MeetingStatus, OutboxMessage
from overleg.models.types import utcnow
from tests import factories


def _setup(world):  # type: ignore[no-untyped-def]
    meeting = factories.MeetingFactory(
        municipality=world.north,
        start_at=utcnow() + timedelta(days=20),
        status=MeetingStatus.PLANNED,
    )
    meeting.end_at = meeting.start_at + timedelta(hours=2)
    member = factories.ContactFactory(
        organisation=factories.organisation_serving(world.north), email="lid@example.be"
    )
    factories.InvitationFactory(meeting=meeting, contact=member)
    caw = factories.organisation_serving(world.north, name="CAW De Kempen")
    worker = factories.ContactFactory(organisation=caw, email="caw@example.be")
    theme = factories.ThemeFactory(platform=world.platform, name="Dak- en thuisloosheid x")
    theme_invitees.add(world.coordinator, theme, contact=worker)
    db.session.commit()
    return meeting, theme, worker


def _invited(meeting) -> set[str]:  # type: ignore[no-untyped-def]
    db.session.refresh(meeting)
    return {i.contact.email for i in meeting.invitations if i.contact is not None}


def _mails(kind: str) -> list[str]:
    return list(
        db.session.scalars(sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == kind))
    )


def _send(world, meeting) -> None:  # type: ignore[no-untyped-def]
    settings = MailSettings.from_config(current_app.config)
    invitations.send_invitations(meeting, user=world.coordinator, now=utcnow(), settings=settings)
    db.session.commit()


def test_on_and_off_before_the_invitations_went_out(world):
    meeting, theme, worker = _setup(world)
    item = services.add_agenda_item(
        meeting, services.AgendaItemData("Thuisloosheid", theme=theme), user=world.coordinator
    )
    assert _invited(meeting) == {"lid@example.be", "caw@example.be"}
    [brought] = [i for i in meeting.invitations if i.contact_id == worker.id]
    assert brought.role is InviteeRole.OPTIONAL
    assert theme_invitees.brought(meeting) == {brought.id: theme.id}
    assert theme_invitees.brought_by(meeting) == {brought.id: theme.name}
    services.remove_agenda_item(item, user=world.coordinator)
    assert _invited(meeting) == {"lid@example.be"}
    assert _mails("invitation") == [] and _mails("cancel") == []


def test_on_after_the_invitations_went_out_sends_them_the_invitation(world):
    meeting, theme, _worker = _setup(world)
    _send(world, meeting)
    assert _mails("invitation") == ["lid@example.be"]
    services.add_agenda_item(
        meeting, services.AgendaItemData("Thuisloosheid", theme=theme), user=world.coordinator
    )
    assert _invited(meeting) == {"lid@example.be", "caw@example.be"}
    assert sorted(_mails("invitation")) == ["caw@example.be", "lid@example.be"]


def test_off_after_the_invitations_went_out_cancels_for_them_alone(world):
    meeting, theme, _worker = _setup(world)
    item = services.add_agenda_item(
        meeting, services.AgendaItemData("Thuisloosheid", theme=theme), user=world.coordinator
    )
    _send(world, meeting)
    services.update_agenda_item(
        item, services.AgendaItemData("Thuisloosheid", theme=None), user=world.coordinator
    )
    assert _invited(meeting) == {"lid@example.be"}
    assert _mails("cancel") == ["caw@example.be"]
    [cancel] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "cancel"))
    assert b"METHOD:CANCEL" in cancel.raw


def test_someone_invited_for_another_reason_stays(world):
    meeting, theme, worker = _setup(world)
    services.add_invitee(meeting, worker, InviteeRole.REQUIRED, user=world.coordinator)
    item = services.add_agenda_item(
        meeting, services.AgendaItemData("Thuisloosheid", theme=theme), user=world.coordinator
    )
    services.remove_agenda_item(item, user=world.coordinator)
    assert _invited(meeting) == {"lid@example.be", "caw@example.be"}


def test_a_theme_invitee_for_one_municipality_and_an_organisation(world):
    meeting, theme, worker = _setup(world)
    police = factories.organisation_serving(world.north, name="Politiezone x")
    agents = [factories.ContactFactory(organisation=police) for _n in range(2)]
    factories.ContactFactory(organisation=police, archived_at=utcnow())
    theme_invitees.add(world.coordinator, theme, organisation=police, municipality=world.south)
    services.add_agenda_item(
        meeting, services.AgendaItemData("Thuisloosheid", theme=theme), user=world.coordinator
    )
    assert worker.id in {i.contact_id for i in meeting.invitations}
    assert not {a.id for a in agents} & {i.contact_id for i in meeting.invitations}
    south = factories.MeetingFactory(
        municipality=world.south, start_at=utcnow() + timedelta(days=30)
    )
    south.end_at = south.start_at + timedelta(hours=2)
    services.add_agenda_item(
        south, services.AgendaItemData("Thuisloosheid", theme=theme), user=world.coordinator
    )
    assert {a.id for a in agents} <= {i.contact_id for i in south.invitations}
    assert len(south.invitations) == 3  # the worker (all municipalities) and the two agents


def test_a_theme_brings_only_people_of_its_platform(world):
    theme = factories.ThemeFactory(platform=world.platform)
    stranger = factories.ContactFactory(
        organisation=factories.organisation_serving(world.elsewhere)
    )
    with pytest.raises(Refusal):
        theme_invitees.add(world.coordinator, theme, contact=stranger)
    with pytest.raises(Refusal):
        theme_invitees.add(world.coordinator, theme)
