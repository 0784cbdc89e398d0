"""Joint meetings through the pages (issue 16): setting one up, marking agenda items, and access
that stays exact: a secretary of one of the municipalities sees the meeting and the items of
theirs (and those for all), never the others' items, in any output."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.tokens import new_token
from overleg.meetings.services import AgendaItemData, add_agenda_item
from overleg.minutes import services as minutes_services
from overleg.models import (
    AgendaItem,
    AgendaItemNote,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Role,
)
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import login, post_form
from tests.pdftools import pdf_text

NORTH_ONLY, SOUTH_ONLY, SHARED = (
    "Punt alleen Noorderdorp",
    "Punt alleen Zuiderdorp",
    "Punt voor allen",
)
NORTH_NOTE, SOUTH_NOTE = "Notitie over het noorden", "Notitie over het zuiden"


def _south_secretary(world):  # type: ignore[no-untyped-def]
    return factories.UserFactory(
        platform=world.platform,
        email="secretaris-zuid@example.be",
        role=Role.SECRETARY,
        municipalities=[world.south],
        feed_token=new_token(),
    )


@pytest.fixture
def joint(world):  # type: ignore[no-untyped-def]
    """A held joint meeting of Noorderdorp (host) and Zuiderdorp with minutes: an item for each
    and one for all."""
    start = utcnow() - timedelta(days=5)
    meeting = factories.joint_meeting(
        world.north, world.south, start_at=start, end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD, title="Gezamenlijk woonoverleg Noord en Zuid",
    )  # fmt: skip
    items = {}
    for title, marked in (
        (SHARED, ()),
        (NORTH_ONLY, (world.north.id,)),
        (SOUTH_ONLY, (world.south.id,)),
    ):
        items[title] = add_agenda_item(
            meeting, AgendaItemData(title=title, municipality_ids=marked or None)
        )
    minutes = minutes_services.ensure_minutes(meeting)
    minutes.notes.append(AgendaItemNote(agenda_item_id=items[NORTH_ONLY].id, discussion=NORTH_NOTE))
    minutes.notes.append(AgendaItemNote(agenda_item_id=items[SOUTH_ONLY].id, discussion=SOUTH_NOTE))
    db.session.commit()
    return meeting


def _text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    if response.mimetype == "application/pdf":
        return pdf_text(response.data)
    # iCalendar folds long lines (RFC 5545 3.1): unfold them.
    return response.get_data(as_text=True).replace("\r\n ", "")


def _docx_text(data: bytes) -> str:
    from io import BytesIO

    from docx import Document

    return "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)


def _outputs(client, meeting: Meeting, slug: str, token: str | None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Everything a user reads about the meeting: page, PDFs, .ics, feed, API, minutes."""
    base = f"/meetings/{meeting.id}"
    paths = {
        "page": base,
        "agenda.pdf": f"{base}/agenda.pdf",
        "invitation.ics": f"{base}/invitation.ics",
        "minutes": f"{base}/minutes",
        "minutes.pdf": f"{base}/minutes.pdf",
        "verslag": f"{base}/minutes/{slug}.pdf",
        "api": f"/api/v1/meetings?municipality={slug}",
    }
    if token:
        paths["feed"] = f"/calendar/user/{token}.ics"
    return {name: _text(client.get(path)) for name, path in paths.items()}


def test_a_partners_secretary_sees_the_meeting_and_only_items_for_her(client, world, joint):
    secretary = _south_secretary(world)
    db.session.commit()
    login(client, secretary)
    outputs = _outputs(client, joint, "zuiderdorp", secretary.feed_token)
    for name, text in outputs.items():
        assert NORTH_ONLY not in text, name
        assert NORTH_NOTE not in text, name
    for name in (
        "page",
        "agenda.pdf",
        "invitation.ics",
        "minutes",
        "minutes.pdf",
        "verslag",
        "feed",
    ):
        assert SOUTH_ONLY in outputs[name], name
        assert SHARED in outputs[name], name
    assert SOUTH_NOTE in outputs["minutes"] and SOUTH_NOTE in outputs["verslag"]
    listed = json.loads(outputs["api"])
    assert [m["municipalities"] for m in listed if m["id"] == joint.id] == [
        ["noorderdorp", "zuiderdorp"]
    ]
    # Not the host's verslag, not the frozen whole, no item of the host.
    assert client.get(f"/meetings/{joint.id}/minutes/noorderdorp.pdf").status_code == 404
    assert client.get(f"/meetings/{joint.id}/minutes/noorderdorp.docx").status_code == 404
    for path in ("minutes.docx", "minutes/zuiderdorp.docx"):
        word = client.get(f"/meetings/{joint.id}/{path}")
        assert word.status_code == 200
        assert NORTH_ONLY.encode() not in _docx_text(word.data).encode(), path
        assert SOUTH_NOTE in _docx_text(word.data), path
    north_item = db.session.scalar(sa.select(AgendaItem.id).where(AgendaItem.title == NORTH_ONLY))
    assert client.get(f"/meetings/{joint.id}/agenda/{north_item}/edit").status_code in (403, 404)
    assert client.get(f"/meetings/{joint.id}/edit").status_code == 403  # the host edits it


def test_the_hosts_secretary_does_not_see_the_partners_items(client, world, joint):
    login(client, world.secretary)
    outputs = _outputs(client, joint, "noorderdorp", None)
    for name, text in outputs.items():
        assert SOUTH_ONLY not in text and SOUTH_NOTE not in text, name
    assert NORTH_ONLY in outputs["page"] and NORTH_NOTE in outputs["verslag"]
    south_item = db.session.scalar(sa.select(AgendaItem.id).where(AgendaItem.title == SOUTH_ONLY))
    assert client.get(f"/meetings/{joint.id}/agenda/{south_item}/edit").status_code == 404


def test_the_coordinator_reads_the_whole_and_each_verslag(client, world, joint):
    login(client, world.coordinator)
    whole = _text(client.get(f"/meetings/{joint.id}/minutes.pdf"))
    assert NORTH_NOTE in whole and SOUTH_NOTE in whole
    north = _text(client.get(f"/meetings/{joint.id}/minutes/noorderdorp.pdf"))
    assert NORTH_NOTE in north and SOUTH_NOTE not in north and SHARED in north
    page = _text(client.get(f"/meetings/{joint.id}"))
    assert "Verslag Noorderdorp (pdf)" in page and "Verslag Zuiderdorp (pdf)" in page
    assert "Gezamenlijk woonoverleg" in page
    assert client.get(f"/meetings/{joint.id}/minutes/verweg.pdf").status_code == 404
    # The meeting is on both municipalities' pages and in both lists of the API.
    for slug in ("noorderdorp", "zuiderdorp"):
        assert joint.title in _text(client.get(f"/municipalities/{slug}"))
        ids = [
            m["id"] for m in json.loads(_text(client.get(f"/api/v1/meetings?municipality={slug}")))
        ]
        assert joint.id in ids


def test_an_outsider_sees_nothing_of_it(client, world, joint):
    login(client, world.outsider)
    assert client.get(f"/meetings/{joint.id}").status_code == 404
    assert client.get(f"/meetings/{joint.id}/minutes/zuiderdorp.pdf").status_code == 404


def test_a_coordinator_makes_a_meeting_joint(client, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    db.session.commit()
    login(client, world.coordinator)
    form = _text(client.get(f"/meetings/{meeting.id}/joint"))
    assert "Zuiderdorp" in form and "Verweg" not in form
    response = post_form(
        client, f"/meetings/{meeting.id}/joint", {"partners": [str(world.south.id)]}
    )
    assert response.status_code == 302
    stored = db.session.get(Meeting, meeting.id)
    assert [m.slug for m in stored.partners] == ["zuiderdorp"]
    south_person = world.south.standing_invitees[0].contact_id
    assert south_person in {i.contact_id for i in stored.invitations}
    assert "Gezamenlijk woonoverleg met Zuiderdorp." in _text(
        client.get(response.headers["Location"])
    )

    # Items can now be marked; a municipality that does not hold the meeting is refused.
    add = {
        "title": "Enkel Zuiderdorp",
        "theme": "",
        "duration_minutes": "15",
        "for_municipalities": [str(world.south.id)],
    }
    assert post_form(client, f"/meetings/{meeting.id}/agenda", add).status_code == 302
    item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.title == "Enkel Zuiderdorp"))
    assert [m.slug for m in item.municipalities] == ["zuiderdorp"]
    bad = post_form(
        client,
        f"/meetings/{meeting.id}/agenda",
        add | {"title": "Elders", "for_municipalities": [str(world.elsewhere.id)]},
    )
    assert bad.status_code == 200 and "Geen gemeente van deze vergadering" in _text(bad)
    assert db.session.scalar(sa.select(AgendaItem).where(AgendaItem.title == "Elders")) is None

    # Back to a meeting of one municipality.
    assert post_form(client, f"/meetings/{meeting.id}/joint", {}).status_code == 302
    assert not db.session.get(Meeting, meeting.id).partners


@pytest.mark.parametrize("value", ["x", "999999", "3"])
def test_bad_partners_are_refused_on_the_form(client, world, value):
    meeting = factories.MeetingFactory(municipality=world.north)
    db.session.commit()
    login(client, world.coordinator)
    response = post_form(client, f"/meetings/{meeting.id}/joint", {"partners": [value]})
    assert response.status_code == 200
    assert "field-error" in _text(response)
    assert not db.session.get(Meeting, meeting.id).partners


def test_only_coordinators_make_a_meeting_joint(client, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    db.session.commit()
    login(client, world.secretary)
    assert client.get(f"/meetings/{meeting.id}/joint").status_code == 403
    response = post_form(
        client, f"/meetings/{meeting.id}/joint", {"partners": [str(world.south.id)]}
    )
    assert response.status_code == 403
    assert not db.session.get(Meeting, meeting.id).partners


def test_invitees_of_a_joint_meeting_are_shared(client, world, joint):
    contact = world.south.standing_invitees[0].contact
    joint.invitations.append(Invitation(contact=contact, role=InviteeRole.REQUIRED))
    db.session.commit()
    secretary = _south_secretary(world)
    db.session.commit()
    login(client, secretary)
    assert contact.full_name in _text(client.get(f"/meetings/{joint.id}"))


def test_the_planning_page_proposes_and_confirms_a_joint_session(client, world):
    from tests.functional.test_planning import YEAR, _confirm_data, _query, _rows

    login(client, world.coordinator)
    page = client.get(_query() + "&together=noorderdorp&together=zuiderdorp")
    html = _text(page)
    assert "Noorderdorp + Zuiderdorp" in html
    rows = _rows(html)
    assert {slug for slug, _day, _start in rows} == {"noorderdorp"}
    data = _confirm_data(rows, together=["noorderdorp", "zuiderdorp"])
    response = post_form(client, "/planning/confirm", data)
    assert response.status_code == 302, _text(response)
    meetings = db.session.scalars(sa.select(Meeting)).all()
    assert len(meetings) == len(rows) == 2 and all(m.start_at.year == YEAR for m in meetings)
    assert all([p.slug for p in m.partners] == ["zuiderdorp"] for m in meetings)
    bad = client.get(_query() + "&together=verweg")
    assert bad.status_code in (200, 422) and "Kies gemeenten uit de lijst." in _text(bad)
