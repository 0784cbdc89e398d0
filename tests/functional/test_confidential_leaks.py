"""No confidential text reaches any output but the item's own page (issue 16 item 2).

A hypothesis property: a marker text put in a confidential item's discussion, decisions or
reason (plain, in Markdown, in a list, next to a name) appears in no page, PDF, DOCX, .ics, mail
(with its attachments), CSV, JSON API answer or personal-data export of a person not named on
the item, read by the coordinator, who IS named on it (so every output that could show it to
them is searched), and the item's own page does show it (the marker is really there). Every GET
of the access matrix is read for objects whose meetings carry such an item, plus the feeds, the
API lists, the annual report, the outbox and the mails a circulated, distributed verslag and a
sent invitation put in it.
"""

from __future__ import annotations

import email
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from overleg.extensions import db
from overleg.lib.tokens import new_token
from overleg.mail.settings import MailSettings
from overleg.meetings import invitations
from overleg.minutes import confidential, services
from overleg.models import InviteeRole, MeetingStatus, OutboxMessage
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import World, csrf_token, login
from tests.functional.test_access_matrix import BUILDERS, CASES
from tests.functional.test_platforms_apart import _text
from tests.pdftools import pdf_text

CONSONANTS = "bcdfghjklmnpqrstvwxz"
markers = st.text(alphabet=CONSONANTS, min_size=6, max_size=12).map(lambda s: f"Qk{s}Vz")
settings_for_leaks = settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WRAPPINGS = ("{m}", "**{m}**", "- {m}\n- tweede punt", "Mevrouw {m} (BE71 0961 2345 6769)")


def _meeting_with_secret(world: World, meeting: Any, text: dict[str, str]) -> Any:
    """A confidential item on `meeting`, marked by the coordinator, with `text` in it."""
    taker = factories.ContactFactory(
        organisation=factories.organisation_serving(meeting.municipality)
    )
    factories.InvitationFactory(meeting=meeting, contact=taker, role=InviteeRole.SECRETARY)
    member = factories.ContactFactory(
        organisation=factories.organisation_serving(meeting.municipality)
    )
    factories.InvitationFactory(meeting=meeting, contact=member)
    item = factories.AgendaItemFactory(meeting=meeting, title="Persoonlijke situatie")
    db.session.flush()
    confidential.mark_confidential(item, text["reason"], user=world.coordinator)
    confidential.save_confidential_note(
        item, text["discussion"], text["decisions"], user=world.coordinator
    )
    return item


def _distributed(world: World, text: dict[str, str]) -> list[Any]:
    """A held meeting whose verslag went round and out, and a coming one invited: their mails
    are in the outbox."""
    held = factories.HeldMeetingFactory(municipality=world.north)
    invitee = factories.ContactFactory(
        organisation=factories.organisation_serving(world.north), email="lid@example.be"
    )
    factories.InvitationFactory(meeting=held, contact=invitee)
    items = [_meeting_with_secret(world, held, text)]
    now = utcnow()
    minutes = services.ensure_minutes(held)
    services.circulate(minutes, expected_version=minutes.version, user=world.coordinator, now=now)
    mail = MailSettings.from_config(current_app.config)
    services.distribute(minutes, mail=mail, user=world.coordinator, now=now)
    coming = factories.MeetingFactory(
        municipality=world.north, start_at=now + timedelta(days=12), status=MeetingStatus.PLANNED
    )
    coming.end_at = coming.start_at + timedelta(hours=2)
    factories.InvitationFactory(meeting=coming, contact=invitee)
    items.append(_meeting_with_secret(world, coming, text))
    invitations.send_invitations(coming, user=world.coordinator, now=now, settings=mail)
    return items


def _joint_distributed(world: World, text: dict[str, str]) -> Any:
    """A held joint meeting of Noorderdorp and Zuiderdorp with a confidential item: its verslag
    per municipality went out to each municipality's members (issue 16 item 1)."""
    now = utcnow()
    held = factories.joint_meeting(
        world.north,
        world.south,
        start_at=now - timedelta(days=3),
        end_at=now - timedelta(days=3) + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    for municipality in (world.north, world.south):
        member = factories.ContactFactory(
            organisation=factories.organisation_serving(municipality),
            email=f"lid-{municipality.slug}@example.be",
        )
        factories.InvitationFactory(meeting=held, contact=member)
    item = _meeting_with_secret(world, held, text)
    minutes = services.ensure_minutes(held)
    services.circulate(minutes, expected_version=minutes.version, user=world.coordinator, now=now)
    services.distribute(
        minutes, mail=MailSettings.from_config(current_app.config), user=world.coordinator, now=now
    )
    return item


def _joint_paths(meeting: Any) -> list[str]:
    """Each municipality's verslag of a joint meeting, as PDF and as Word file."""
    return [
        f"/meetings/{meeting.id}/minutes/{municipality.slug}.{kind}"
        for municipality in meeting.all_municipalities
        for kind in ("pdf", "docx")
    ]


def _mail_text(raw: bytes) -> str:
    message = email.message_from_bytes(raw)
    parts = [str(message["Subject"] or "")]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if part.get_content_type() == "application/pdf":
            parts.append(pdf_text(payload))
        else:
            parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)


def _paths(objects: dict[str, Any], items: list[Any], world: World) -> list[str]:
    paths = [
        case.path(objects, "own")
        for endpoint, case in CASES.items()
        if case.method == "GET" and endpoint != "minutes.confidential"
    ]
    for item in items:
        meeting = item.meeting_id
        paths += [
            f"/meetings/{meeting}",
            f"/meetings/{meeting}/agenda",
            f"/meetings/{meeting}/minutes",
            f"/meetings/{meeting}/minutes/edit",
            f"/meetings/{meeting}/minutes.pdf",
            f"/meetings/{meeting}/minutes.docx",
            f"/meetings/{meeting}/agenda.pdf",
            f"/meetings/{meeting}/invitation.ics",
            f"/meetings/{meeting}/minutes/versions/1.pdf",
        ]
    year = utcnow().year
    return [
        *dict.fromkeys(paths),
        f"/calendar/{world.north.slug}.ics",
        f"/calendar/user/{world.coordinator.feed_token}.ics",
        f"/api/v1/meetings?municipality={world.north.slug}&year={year}",
        f"/api/v1/meetings?year={year}",
        "/api/v1/municipalities",
        f"/planning/compliance/report.csv?year={year}",
        f"/planning/compliance/report.pdf?year={year}",
        "/organisations/export.csv",
        "/outbox",
        "/audit",
        "/",
    ]


def _leaks(client: Any, paths: list[str], found: re.Pattern[str]) -> list[str]:
    leaks = []
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        if found.search(_text(response)):
            leaks.append(f"GET {path}")
    for message in db.session.query(OutboxMessage).order_by(OutboxMessage.id):
        if found.search(_mail_text(message.raw)):
            leaks.append(f"mail {message.kind} to {message.to_address}")
    return leaks


@settings_for_leaks
@example(marker="QkvrtrwVz", where="reason", wrapping="{m}")
@example(marker="QkbsprkVz", where="discussion", wrapping="**{m}**")
@example(marker="QkbslVz", where="decisions", wrapping="- {m}\n- tweede punt")
@given(
    marker=markers,
    where=st.sampled_from(("discussion", "decisions", "reason")),
    wrapping=st.sampled_from(WRAPPINGS),
)
def test_no_confidential_text_reaches_any_output_but_its_own_page(
    app, client, world, marker, where, wrapping
):
    text = {"discussion": "Besproken.", "decisions": "Opvolgen.", "reason": "Persoonlijk."}
    text[where] = wrapping.format(m=marker)
    objects = {name: {"own": build(world, world.north)} for name, build in BUILDERS.items()}
    world.coordinator.feed_token = new_token()
    items = [
        _meeting_with_secret(world, objects[name]["own"].meeting, text)
        for name in ("agenda_item", "linked_invitation", "minutes_guest")
    ]
    items += _distributed(world, text)
    joint = _joint_distributed(world, text)
    items.append(joint)
    db.session.commit()
    found = re.compile(re.escape(marker), re.IGNORECASE)
    login(client, world.coordinator)
    own_page = client.get(f"/meetings/{items[0].meeting_id}/agenda/{items[0].id}/confidential")
    assert found.search(own_page.get_data(as_text=True)), "the item's own page shows it"
    leaks = _leaks(client, [*_paths(objects, items, world), *_joint_paths(joint.meeting)], found)
    # The joint meeting's verslagen are really there, and went to each municipality's member.
    assert all(client.get(path).status_code == 200 for path in _joint_paths(joint.meeting))
    addresses = set(db.session.scalars(sa.select(OutboxMessage.to_address)))
    assert {"lid-noorderdorp@example.be", "lid-zuiderdorp@example.be"} <= addresses
    for invitation in items[0].meeting.invitations:  # the invitees are not named on the item
        response = client.post(
            f"/contacts/{invitation.contact_id}/personal-data.json",
            data={"csrf_token": csrf_token(client)},
        )
        assert response.status_code == 200
        named = invitation.role is InviteeRole.SECRETARY  # the minute taker is named
        if bool(found.search(_text(response))) != named:
            leaks.append(f"personal data of contact {invitation.contact_id} (named: {named})")
    client.delete_cookie("session")
    assert not leaks, "\n".join(leaks)
