"""Calendar answers on the pages and on the command line: the proposed new times on the meeting
page (accept, decline), the answers set aside under the outbox, `flask replies ingest`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.imip import Method, PartStat, read_reply
from overleg.meetings import invitations
from overleg.models import CounterProposal, Meeting, OutboxMessage, ProposalStatus, RejectedReply
from overleg.models.types import utcnow
from tests import factories
from tests.conftest import World, login, post_form

DATA = Path(__file__).resolve().parent.parent / "data" / "imip"
UID = "7d1f0c52-8a4e-4c1b-9a57-3b2e61f0a9d4@overleg"


def _meeting_with_proposal(world: World) -> tuple[Meeting, CounterProposal]:
    meeting = factories.MeetingFactory(municipality=world.north)
    invitation = factories.invitation_with_link(
        meeting=meeting,
        contact=factories.ContactFactory(
            organisation=factories.organisation_serving(world.north),
            first_name="Séverine",
            last_name="Dubois",
        ),
    )
    proposal = factories.counter_proposal(meeting, invitation=invitation, comment="Liever later")
    return meeting, proposal


def test_the_coordinator_sees_the_proposal_on_the_meeting_page(client, world: World):
    meeting, proposal = _meeting_with_proposal(world)
    login(client, world.coordinator)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Voorgestelde nieuwe tijdstippen" in page
    assert "Séverine Dubois" in page and "Liever later" in page
    assert f"/proposals/{proposal.id}/accept" in page


def test_a_secretary_does_not_decide_proposals(client, world: World):
    meeting, proposal = _meeting_with_proposal(world)
    login(client, world.secretary)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Voorgestelde nieuwe tijdstippen" not in page
    response = post_form(client, f"/meetings/{meeting.id}/proposals/{proposal.id}/accept", {})
    assert response.status_code == 403


def test_accepting_asks_first_and_then_moves_the_meeting(client, world: World):
    meeting, proposal = _meeting_with_proposal(world)
    new_start = proposal.start_at
    login(client, world.coordinator)
    path = f"/meetings/{meeting.id}/proposals/{proposal.id}/accept"
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Vergadering verplaatsen" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).start_at != new_start  # a GET changes nothing
    response = post_form(client, path, {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).start_at == new_start
    assert db.session.get(CounterProposal, proposal.id).status is ProposalStatus.ACCEPTED
    again = post_form(client, path, {})
    assert again.status_code == 302
    assert "al beslist" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_accepting_without_the_csrf_token_changes_nothing(client, world: World):
    meeting, proposal = _meeting_with_proposal(world)
    login(client, world.coordinator)
    response = client.post(f"/meetings/{meeting.id}/proposals/{proposal.id}/accept", data={})
    assert response.status_code in (200, 400)
    db.session.expire_all()
    assert db.session.get(CounterProposal, proposal.id).status is ProposalStatus.PENDING


def test_declining_sends_the_declinecounter(client, world: World):
    meeting, proposal = _meeting_with_proposal(world)
    start = meeting.start_at
    login(client, world.coordinator)
    path = f"/meetings/{meeting.id}/proposals/{proposal.id}/decline"
    assert "Voorstel weigeren" in client.get(path).get_data(as_text=True)
    assert post_form(client, path, {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).start_at == start
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "decline-counter"))
    assert row is not None and b"METHOD:DECLINECOUNTER" in row.raw.replace(b"=\r\n", b"")


def test_the_answers_set_aside_are_listed_for_their_platform_only(client, world: World):
    factories.rejected_reply(world.platform, sender="iemand@elders.be", subject="Geaccepteerd")
    factories.rejected_reply(world.elsewhere.platform, sender="ander@platform.be", subject="Elders")
    login(client, world.coordinator)
    page = client.get("/outbox/replies").get_data(as_text=True)
    assert "iemand@elders.be" in page
    assert "Geen vergadering met deze UID" in page
    assert "ander@platform.be" not in page
    assert "/outbox/replies" in client.get("/outbox").get_data(as_text=True)


def test_the_answers_set_aside_read_in_english(client, world: World):
    factories.rejected_reply(world.platform, reason="other_sender")
    login(client, world.coordinator)
    post_form(client, "/taal", {"language": "en"})
    page = client.get("/outbox/replies").get_data(as_text=True)
    assert "Calendar answers without effect" in page
    assert "comes from another address" in page


# --- flask replies ingest -------------------------------------------------------------------


def _counter_meeting(world: World) -> Meeting:
    start = datetime(2027, 3, 16, 13, 0, tzinfo=UTC)
    meeting = factories.MeetingFactory(
        municipality=world.north, ical_uid=UID, start_at=start, end_at=start + timedelta(hours=2)
    )
    contact = factories.ContactFactory(
        organisation=factories.organisation_serving(world.north),
        email="severine.dubois@caw-kempen.be",
    )
    factories.InvitationFactory(meeting=meeting, contact=contact)
    db.session.refresh(meeting)
    invitations.send_invitations(meeting, user=None, now=utcnow())
    db.session.commit()
    return meeting


def test_ingest_a_file_prints_what_it_did(runner, world: World):
    meeting = _counter_meeting(world)
    result = runner.invoke(args=["replies", "ingest", str(DATA / "outlook-counter.eml")])
    assert result.exit_code == 0, result.output
    assert "stelt voor" in result.output
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CounterProposal)
        .where(CounterProposal.meeting_id == meeting.id)
    )
    assert count == 1


def test_ingest_from_standard_input(runner, world: World):
    _counter_meeting(world)
    raw = (DATA / "outlook-counter.eml").read_bytes()
    result = runner.invoke(args=["replies", "ingest", "-"], input=raw)
    assert result.exit_code == 0, result.output


def test_ingest_exits_non_zero_when_nothing_changed(runner, world: World):
    result = runner.invoke(args=["replies", "ingest", "-"], input=b"Subject: hallo\r\n\r\nhoi\r\n")
    assert result.exit_code == 1
    assert "Niets veranderd" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RejectedReply)) == 1


def test_ingest_of_a_missing_file_is_a_usage_error(runner, app):
    result = runner.invoke(args=["replies", "ingest", "/geen/bestand.eml"])
    assert result.exit_code == 2


def test_example_prints_the_reply_a_calendar_would_send(runner, world: World):
    meeting = _counter_meeting(world)
    result = runner.invoke(
        args=["replies", "example", str(meeting.id), "SEVERINE.DUBOIS@caw-kempen.be"]
    )
    assert result.exit_code == 0, result.output
    read = read_reply(result.stdout_bytes)
    (message,) = read.messages
    assert message.method is Method.REPLY and message.partstat is PartStat.ACCEPTED
    assert message.uid == UID and read.sender == "severine.dubois@caw-kempen.be"
    assert runner.invoke(args=["replies", "example", str(meeting.id), "x@y.be"]).exit_code == 1


def test_an_answer_from_the_calendar_shows_via_agenda_on_the_meeting_page(
    runner, client, world: World
):
    """The demo's check: an example reply fed to `replies ingest -`, then the meeting page."""
    meeting = _counter_meeting(world)
    example = runner.invoke(
        args=["replies", "example", str(meeting.id), "severine.dubois@caw-kempen.be"]
    )
    result = runner.invoke(args=["replies", "ingest", "-"], input=example.stdout_bytes)
    assert result.exit_code == 0, result.output
    assert "via agenda" in result.output
    login(client, world.coordinator)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "via agenda" in page
    again = runner.invoke(
        args=[
            "replies",
            "example",
            str(meeting.id),
            "severine.dubois@caw-kempen.be",
            "--answer",
            "declined",
        ]
    )
    assert runner.invoke(args=["replies", "ingest", "-"], input=again.stdout_bytes).exit_code == 0
