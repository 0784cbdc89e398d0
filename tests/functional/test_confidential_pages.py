"""The pages of a confidential agenda item (issue 16 item 2): marking, its own page, who gets
404, naming another user."""

from __future__ import annotations

import sqlalchemy as sa

from overleg.extensions import db
from overleg.models import ConfidentialNote, ConfidentialReader
from tests import factories
from tests.conftest import login, post_form

SECRET = "Uithuiszetting van de familie Janssens"


def _item(world):  # type: ignore[no-untyped-def]
    meeting = factories.HeldMeetingFactory(municipality=world.north)
    item = factories.AgendaItemFactory(meeting=meeting, title="Dossier Janssens")
    db.session.commit()
    return item


def _page(item) -> str:  # type: ignore[no-untyped-def]
    return f"/meetings/{item.meeting_id}/agenda/{item.id}/confidential"


def test_a_coordinator_marks_an_item_and_writes_its_notes_on_its_own_page(client, world):
    item = _item(world)
    login(client, world.coordinator)
    assert "Vertrouwelijk maken" in client.get(_page(item)).get_data(as_text=True)
    refused = post_form(client, f"{_page(item)}/mark", {"reason": ""})
    assert refused.status_code == 302
    db.session.refresh(item)
    assert not item.confidential
    assert post_form(client, f"{_page(item)}/mark", {"reason": "Persoonlijk"}).status_code == 302
    db.session.refresh(item)
    assert item.confidential and item.confidential_reason == "Persoonlijk"
    saved = post_form(client, _page(item), {"discussion": SECRET, "decisions": "Opvolgen"})
    assert saved.status_code == 302
    assert db.session.scalars(sa.select(ConfidentialNote)).one().discussion == SECRET
    page = client.get(_page(item)).get_data(as_text=True)
    assert SECRET in page and "Dossier Janssens" in page
    minutes = client.get(f"/meetings/{item.meeting_id}/minutes").get_data(as_text=True)
    agenda = client.get(f"/meetings/{item.meeting_id}/agenda").get_data(as_text=True)
    for other in (minutes, agenda):
        assert SECRET not in other and "Dossier Janssens" not in other
    assert "Vertrouwelijk punt" in agenda


def test_who_is_not_named_finds_nothing(client, world):
    item = _item(world)
    login(client, world.coordinator)
    post_form(client, f"{_page(item)}/mark", {"reason": "Persoonlijk"})
    client.delete_cookie("session")
    login(client, world.secretary)  # sees the meeting, is not named on the item
    assert client.get(_page(item)).status_code == 404
    assert client.get(f"/meetings/{item.meeting_id}/agenda/{item.id}/edit").status_code == 404
    assert client.get(f"/meetings/{item.meeting_id}").status_code == 200
    client.delete_cookie("session")
    login(client, world.coordinator)
    post_form(client, f"{_page(item)}/readers", {"user": str(world.secretary.id)})
    client.delete_cookie("session")
    login(client, world.secretary)
    assert client.get(_page(item)).status_code == 200
    client.delete_cookie("session")
    login(client, world.outsider)
    assert client.get(_page(item)).status_code == 404


def test_the_minutes_editor_has_no_fields_for_a_confidential_item(client, world):
    item = _item(world)
    login(client, world.coordinator)
    post_form(client, f"/meetings/{item.meeting_id}/minutes/start", {})
    post_form(client, f"{_page(item)}/mark", {"reason": "Persoonlijk"})
    editor = client.get(f"/meetings/{item.meeting_id}/minutes/edit").get_data(as_text=True)
    assert "Een vertrouwelijk punt" in editor
    assert "Dossier Janssens" not in editor


def test_a_reader_is_taken_off(client, world):
    item = _item(world)
    login(client, world.coordinator)
    post_form(client, f"{_page(item)}/mark", {"reason": "Persoonlijk"})
    post_form(client, f"{_page(item)}/readers", {"user": str(world.reader.id)})
    row = db.session.scalar(
        sa.select(ConfidentialReader).where(ConfidentialReader.user_id == world.reader.id)
    )
    assert row is not None
    row_id = row.id
    post_form(client, f"{_page(item)}/readers/{row_id}/remove", {})
    db.session.expire_all()
    assert db.session.get(ConfidentialReader, row_id) is None
