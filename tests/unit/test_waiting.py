"""Wat wacht op mij: the dashboard's to-do lines per role, through the services, without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from overleg.dashboard import waiting
from overleg.extensions import db
from overleg.models import (
    ActionPointStatus,
    InviteeRole,
    MeetingStatus,
    MinutesStatus,
    OutboxStatus,
    RsvpStatus,
)
from tests import factories
from tests.functional.test_directory_municipalities import count_queries

SETTINGS = waiting.Settings(notice_days=8)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def busy(municipality, now: datetime, tag: str = "") -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One thing of every kind waiting in `municipality`; the ids of the meetings, by kind."""
    title = f"Overleg {municipality.name}{tag}"
    to_invite = factories.MeetingFactory(
        municipality=municipality, title=f"{title} uit te nodigen", start_at=now + timedelta(days=3)
    )
    factories.InvitationFactory.create_batch(2, meeting=to_invite)
    unanswered = factories.MeetingFactory(
        municipality=municipality,
        title=f"{title} onbeantwoord",
        start_at=now + timedelta(days=10),
        status=MeetingStatus.INVITED,
        invitations_sent_at=now,
    )
    for role in (InviteeRole.REQUIRED, InviteeRole.REQUIRED, InviteeRole.CHAIR):
        factories.InvitationFactory(meeting=unanswered, role=role, sent_at=now)
    factories.InvitationFactory(meeting=unanswered, role=InviteeRole.OPTIONAL, sent_at=now)
    factories.InvitationFactory(meeting=unanswered, sent_at=now, rsvp_status=RsvpStatus.ACCEPTED)
    circulated = factories.MinutesFactory(
        meeting=factories.HeldMeetingFactory(
            municipality=municipality, title=f"{title} rondgestuurd"
        ),
        status=MinutesStatus.CIRCULATED,
    ).meeting
    unwritten = factories.HeldMeetingFactory(
        municipality=municipality,
        title=f"{title} zonder verslag",
        start_at=now - timedelta(days=60),
    )
    yesterday = (now - timedelta(days=1)).date()
    factories.ActionPointFactory(meeting=unwritten, due_date=yesterday)
    factories.ActionPointFactory(meeting=unwritten, due_date=yesterday)
    factories.ActionPointFactory(meeting=unwritten, due_date=None)
    factories.ActionPointFactory(
        meeting=unwritten, due_date=yesterday, status=ActionPointStatus.DONE
    )
    failed = factories.outbox_message(to_invite)
    failed.status = OutboxStatus.FAILED
    db.session.commit()
    return {
        "invitations": to_invite.id,
        "unanswered": unanswered.id,
        "approval": circulated.id,
        "minutes": unwritten.id,
    }


def _by_kind(lines: list[waiting.Line]) -> dict[str, list[waiting.Line]]:
    kinds: dict[str, list[waiting.Line]] = {}
    for line in lines:
        kinds.setdefault(line.kind, []).append(line)
    return kinds


def test_a_coordinator_sees_every_kind_for_their_platform(world):
    now = _now()
    north = busy(world.north, now)
    busy(world.elsewhere, now)
    lines = waiting.waiting_for(world.coordinator, now, SETTINGS)
    kinds = _by_kind(lines)
    assert set(kinds) >= {
        "invitations",
        "unanswered",
        "approval",
        "action_points_overdue",
        "mail",
    }
    assert kinds["invitations"] == [
        waiting.Line(
            "invitations",
            kinds["invitations"][0].text,
            "meetings.send",
            {"meeting_id": north["invitations"]},
            2,
        )
    ]
    assert "2 uitnodigingen nog te versturen voor Overleg Noorderdorp" in (
        kinds["invitations"][0].text
    )
    # Required and chair, not the optional invitee nor the one who answered.
    [unanswered] = kinds["unanswered"]
    assert (unanswered.count, unanswered.endpoint) == (3, "meetings.send_reminders")
    assert unanswered.arguments == {"meeting_id": north["unanswered"]}
    assert "3 verplichte genodigden hebben nog niet geantwoord" in unanswered.text
    [approval] = kinds["approval"]
    assert (approval.endpoint, approval.arguments) == (
        "minutes.overview",
        {"meeting_id": north["approval"]},
    )
    [overdue] = kinds["action_points_overdue"]
    assert overdue.count == 2
    assert overdue.arguments == {"meeting_id": north["minutes"]}
    assert kinds["mail"] == [
        waiting.Line(
            "mail", "1 bericht kon niet bezorgd worden.", "mail.index", {"status": "failed"}
        )
    ]
    assert "Verweg" not in " ".join(line.text for line in lines)
    # Compliance: the municipalities are flagged (at risk or already behind), by name.
    flagged = kinds.get("at_risk", []) + kinds.get("overdue", [])
    assert flagged and all(line.endpoint == "planning.compliance" for line in flagged)
    assert "Noorderdorp" in " ".join(line.text for line in flagged)
    assert "Verweg" not in " ".join(line.text for line in flagged)


def test_a_planned_meeting_without_invitees_asks_for_invitees(world):
    now = _now()
    meeting = factories.MeetingFactory(municipality=world.south, start_at=now + timedelta(days=5))
    factories.MeetingFactory(municipality=world.south, start_at=now + timedelta(days=20))
    [line] = waiting.invitations_to_send(world.coordinator, now, 8)
    assert (line.endpoint, line.arguments, line.count) == (
        "meetings.invitees",
        {"meeting_id": meeting.id},
        0,
    )
    assert "nog geen genodigden" in line.text


def test_invitations_already_sent_are_not_waiting(world):
    now = _now()
    meeting = factories.MeetingFactory(
        municipality=world.north, start_at=now + timedelta(days=2), status=MeetingStatus.INVITED
    )
    factories.InvitationFactory(meeting=meeting, sent_at=now)
    assert waiting.invitations_to_send(world.coordinator, now, 8) == []
    factories.InvitationFactory(meeting=meeting)  # added after the sending
    [line] = waiting.invitations_to_send(world.coordinator, now, 8)
    assert line.count == 1


def test_an_answer_for_an_earlier_version_does_not_count(world):
    # ask_again puts rsvp_status back to NEEDS_ACTION: the invitee is waited for again.
    now = _now()
    meeting = factories.MeetingFactory(
        municipality=world.north, start_at=now + timedelta(days=4), status=MeetingStatus.INVITED
    )
    invitation = factories.InvitationFactory(
        meeting=meeting, sent_at=now, rsvp_status=RsvpStatus.ACCEPTED
    )
    assert waiting.unanswered_invitees(world.coordinator, now) == []
    invitation.rsvp_status = RsvpStatus.NEEDS_ACTION
    db.session.commit()
    [line] = waiting.unanswered_invitees(world.coordinator, now)
    assert line.count == 1


def test_a_secretary_sees_minutes_and_action_points_of_their_municipalities(world):
    now = _now()
    north = busy(world.north, now)
    busy(world.south, now)
    busy(world.elsewhere, now)
    kinds = _by_kind(waiting.waiting_for(world.secretary, now, SETTINGS))
    assert set(kinds) == {"minutes", "action_points"}
    # The meeting without minutes; the circulated minutes are not the secretary's to write.
    [minutes] = kinds["minutes"]
    assert (minutes.endpoint, minutes.arguments) == (
        "minutes.overview",
        {"meeting_id": north["minutes"]},
    )
    assert "nog schrijven" in minutes.text
    [points] = kinds["action_points"]
    assert points.count == 3
    assert "3 open actiepunten uit Overleg Noorderdorp zonder verslag" in points.text


def test_a_draft_is_minutes_still_to_finish(world):
    draft = factories.MinutesFactory(meeting=factories.HeldMeetingFactory(municipality=world.north))
    [line] = waiting.minutes_to_write(world.secretary)
    assert line.arguments == {"meeting_id": draft.meeting_id}
    assert "ontwerpverslag" in line.text


def test_a_reader_has_nothing_waiting(world):
    now = _now()
    busy(world.north, now)
    assert waiting.waiting_for(world.reader, now, SETTINGS) == []


def test_another_platform_never_appears(world):
    now = _now()
    busy(world.north, now)
    texts = " ".join(line.text for line in waiting.waiting_for(world.outsider, now, SETTINGS))
    assert "Noorderdorp" not in texts and "Overleg" not in texts
    assert waiting.undeliverable_mail(world.outsider) == []
    assert waiting.minutes_to_approve(world.outsider) == []
    assert waiting.overdue_action_points(world.outsider, now.date()) == []


def test_the_number_of_queries_does_not_grow_with_the_data(world):
    now = _now()
    busy(world.north, now)
    with count_queries() as small_coordinator:
        waiting.waiting_for(world.coordinator, now, SETTINGS)
    with count_queries() as small_secretary:
        waiting.waiting_for(world.secretary, now, SETTINGS)
    for n in range(4):
        busy(world.north, now, tag=f" {n}")
        busy(world.south, now, tag=f" {n}")
    with count_queries() as large_coordinator:
        lines = waiting.waiting_for(world.coordinator, now, SETTINGS)
    with count_queries() as large_secretary:
        waiting.waiting_for(world.secretary, now, SETTINGS)
    assert len(lines) > 20
    assert len(large_coordinator) == len(small_coordinator)
    assert len(large_secretary) == len(small_secretary)
