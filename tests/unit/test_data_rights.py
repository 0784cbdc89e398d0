"""A person's data rights without HTTP: the personal-data export and erasure (GDPR)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from overleg.audit import services as audit
from overleg.dataio import data_rights
from overleg.directory import services as directory
from overleg.directory.services import ContactFields
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.lib.tokens import new_token
from overleg.meetings.answers import record_answer
from overleg.models import (
    AnswerSource,
    AuditEntry,
    Contact,
    CounterProposal,
    Invitation,
    InvitationAnswer,
    OutboxMessage,
    OutboxStatus,
    PollAnswer,
    PollRespondent,
    PollSlot,
    RejectedReply,
    RsvpStatus,
    StandingInvitee,
)
from overleg.models.types import utcnow
from tests import factories

NOW = datetime(2026, 3, 17, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def dutch(app):  # type: ignore[no-untyped-def]
    """The services' messages are lazy: read them in Dutch, as a Dutch page would."""
    with force_locale("nl"):
        yield


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _contact_with_history(world):  # type: ignore[no-untyped-def]
    contact = world.north.standing_invitees[0].contact
    meeting = factories.MeetingFactory(municipality=world.north)
    invitation = factories.InvitationFactory(
        meeting=meeting, contact=contact, token="secret-token", rsvp_comment="Ik kom met Piet"
    )
    db.session.add(
        OutboxMessage(
            kind="invitation",
            to_address=contact.email,
            subject="Uitnodiging",
            message_id="<1@test>",
            raw=b"...",
            status=OutboxStatus.QUEUED,
            meeting_id=meeting.id,  # every mail is about a meeting or a poll
        )
    )
    db.session.commit()
    return contact, invitation


def _poll_answer(world, contact):  # type: ignore[no-untyped-def]
    poll = factories.availability_poll(world.north)
    respondent = PollRespondent(contact=contact, token=new_token(), comment="Niet op dinsdag")
    respondent.answers.append(PollAnswer(slot=poll.slots[0], suits=False))
    poll.respondents.append(respondent)
    db.session.commit()
    return respondent


def test_personal_data_holds_everything_about_the_person(world):
    contact, _invitation = _contact_with_history(world)
    _poll_answer(world, contact)
    data = data_rights.personal_data(world.coordinator, contact)
    [poll] = data["availability_polls"]
    assert poll["comment"] == "Niet op dinsdag"
    assert poll["answers"] == [
        {"municipality": "Noorderdorp", "start": "2027-03-02T09:00:00+00:00", "suits": False}
    ]
    assert data["contact"]["email"] == contact.email
    assert data["standing_invitee_of"] == [{"municipality": "Noorderdorp", "role": "required"}]
    assert data["invitations"][0]["rsvp_comment"] == "Ik kom met Piet"
    assert data["mails"][0]["subject"] == "Uitnodiging"


def test_erasure_replaces_the_person_and_keeps_the_records(world):
    contact, invitation = _contact_with_history(world)
    respondent_id = _poll_answer(world, contact).id
    old_email = contact.email
    result = data_rights.erase_contact(world.coordinator, contact, NOW)
    assert result.invitations == 1 and result.standing_entries_removed == 1
    assert result.mails_removed == 1

    contact = db.session.get(Contact, contact.id)
    assert contact.full_name == data_rights.ERASED_NAME
    assert (contact.email, contact.phone, contact.job_title) == ("", "", "")
    assert contact.erased_at == NOW
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.display_name == data_rights.ERASED_NAME
    assert invitation.token is None and invitation.rsvp_comment == ""
    assert _count(StandingInvitee) == 3  # only this person's entry is gone (the poll added one)
    assert db.session.get(PollRespondent, respondent_id) is None  # answers and comment too
    assert _count(PollAnswer) == 0
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.to_address == old_email)
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "contact.erase")
    ).one()
    assert old_email not in str(entry.details) and old_email not in entry.summary


def test_erasure_refuses_a_naive_time(world):
    with pytest.raises(ValueError, match="timezone-aware"):
        data_rights.erase_contact(
            world.coordinator,
            world.north.standing_invitees[0].contact,
            datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
        )


def test_erasure_wants_the_persons_name_typed(world):
    contact = world.north.standing_invitees[0].contact
    data_rights.confirm_erasure(contact, f"  {contact.first_name.upper()}   {contact.last_name} ")
    with pytest.raises(Refusal) as refused:
        data_rights.confirm_erasure(contact, "Iemand Anders")
    assert (str(refused.value), refused.value.field) == (
        "Dit is niet de naam van deze persoon.",
        "confirm_name",
    )


def test_a_personal_data_export_is_audited(world):
    contact = world.north.standing_invitees[0].contact
    data = data_rights.personal_data_export(world.coordinator, contact)
    assert data == data_rights.personal_data(world.coordinator, contact)
    (entry,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "contact.export")
    )
    assert entry.user_id == world.coordinator.id
    assert entry.summary == "Persoonsgegevens uitgevoerd (inzageverzoek)"


# --- issue 11, finding 1: the export holds only what the asking user may see -----------------


def _serving_two(world):  # type: ignore[no-untyped-def]
    """A woonmaatschappij person serving Noorderdorp (the secretary's) and Zuiderdorp, with
    standing lists, invitations with comments, action points, mail and poll answers in both;
    and mail to the same address about a meeting of another platform."""
    organisation = factories.organisation_serving(
        world.north, world.south, name="Woonmaatschappij Kempen"
    )
    contact = factories.ContactFactory(organisation=organisation, email="an@kempen.example.be")
    for municipality in (world.north, world.south):
        factories.StandingInviteeFactory(municipality=municipality, contact=contact)
        meeting = factories.MeetingFactory(municipality=municipality)
        factories.InvitationFactory(
            meeting=meeting, contact=contact, rsvp_comment=f"Opmerking voor {municipality.name}"
        )
        factories.ActionPointFactory(
            meeting=factories.HeldMeetingFactory(municipality=municipality),
            owner_contact=contact,
            description=f"Actie in {municipality.name}",
        )
        factories.outbox_message(meeting, to_address=contact.email)
    poll = factories.availability_poll(world.north)
    first = poll.slots[0]
    poll.slots.append(
        PollSlot(
            municipality=world.south,
            start_at=first.end_at,
            end_at=first.end_at + timedelta(hours=2),
        )
    )
    respondent = PollRespondent(contact=contact, token=new_token(), comment="Liefst 's morgens")
    respondent.answers.extend(PollAnswer(slot=slot, suits=True) for slot in poll.slots)
    poll.respondents.append(respondent)
    elsewhere = factories.MeetingFactory(municipality=world.elsewhere)
    factories.outbox_message(elsewhere, to_address=contact.email)
    db.session.commit()
    return contact


def _municipalities_named(data: dict) -> set[str]:  # type: ignore[type-arg]
    text = json.dumps(data, ensure_ascii=False)
    return {name for name in ("Noorderdorp", "Zuiderdorp", "Verweg") if name in text}


def test_a_secretary_s_export_holds_only_her_municipalities(world):
    contact = _serving_two(world)
    data = data_rights.personal_data(world.secretary, contact)
    assert _municipalities_named(data) == {"Noorderdorp"}
    assert data["standing_invitee_of"] == [{"municipality": "Noorderdorp", "role": "required"}]
    assert [i["rsvp_comment"] for i in data["invitations"]] == ["Opmerking voor Noorderdorp"]
    assert [a["description"] for a in data["action_points"]] == ["Actie in Noorderdorp"]
    assert data["mails"] == []  # the outbox is the coordinator's, as its pages are
    assert data["availability_polls"] == []  # so is planning


def test_the_export_shows_what_the_contact_page_shows(world):
    contact = _serving_two(world)
    page = directory.contact_detail(world.secretary, contact)
    data = data_rights.personal_data(world.secretary, contact)
    assert [i["meeting"] for i in data["invitations"]] == [
        i.meeting.title for i in page.invitations
    ]
    assert [s["municipality"] for s in data["standing_invitee_of"]] == [
        s.municipality.name for s in page.standing_lists
    ]


def test_a_coordinator_s_export_holds_her_whole_platform_and_nothing_else(world):
    contact = _serving_two(world)
    data = data_rights.personal_data(world.coordinator, contact)
    assert _municipalities_named(data) == {"Noorderdorp", "Zuiderdorp"}
    assert len(data["invitations"]) == len(data["action_points"]) == 2
    assert sorted(m["subject"] for m in data["mails"]) == [
        "Uitnodiging: Lokaal woonoverleg Noorderdorp",
        "Uitnodiging: Lokaal woonoverleg Zuiderdorp",
    ]  # not the mail about the other platform's meeting
    [poll] = data["availability_polls"]
    assert {a["municipality"] for a in poll["answers"]} == {"Noorderdorp", "Zuiderdorp"}
    # A coordinator of another platform gets nothing of this platform's meetings.
    other = data_rights.personal_data(world.outsider, contact)
    assert [other[k] for k in ("standing_invitee_of", "invitations", "action_points")] == [[]] * 3
    assert [m["subject"] for m in other["mails"]] == ["Uitnodiging: Lokaal woonoverleg Verweg"]
    assert other["availability_polls"] == []


# --- issue 11, finding 11: erasure finds every name the person ever had -----------------------


def test_identity_walks_the_contact_s_history_back_to_its_creation(world):
    organisation = world.north.organisations[0]
    contact = directory.create_contact(
        world.secretary, organisation, ContactFields("Zoë", "Peeters", email="zoe@oud.example.be")
    )
    directory.update_contact(
        world.secretary, contact, ContactFields("Zoë", "Çelik", email="zoe@nieuw.example.be")
    )
    directory.update_contact(world.secretary, contact, ContactFields("Zoë", "Çelik", phone="1"))
    directory.update_contact(
        world.coordinator, contact, ContactFields("Zoé", "Çelik-Peeters", phone="1")
    )
    person = data_rights.identity(contact)
    assert person.names == {"Zoë Peeters", "Zoë Çelik", "Zoé Çelik-Peeters"}
    assert person.addresses == {"zoe@oud.example.be", "zoe@nieuw.example.be"}
    lengths = [len(mention) for mention in person.mentions]
    assert lengths == sorted(lengths, reverse=True)  # "Zoé Çelik-Peeters" before "Zoë Çelik"


def _renamed_person_with_history(world):  # type: ignore[no-untyped-def]
    """Zoë Peeters, created, invited, answering through her link, mailed and named in other
    entries' details, then renamed twice with a new address."""
    contact = directory.create_contact(
        world.secretary,
        world.north.organisations[0],
        ContactFields("Zoë", "Peeters", email="zoe.peeters@example.be"),
    )
    meeting = factories.MeetingFactory(municipality=world.north)
    invitation = factories.invitation_with_link(meeting=meeting, contact=contact)
    record_answer(
        invitation,
        RsvpStatus.ACCEPTED,
        source=AnswerSource.LINK,
        sequence=meeting.ical_sequence,
        comment="Tot dan",
        at=utcnow(),
    )
    factories.outbox_message(meeting, to_address="zoe.peeters@example.be")
    colleague = factories.outbox_message(meeting, to_address="collega@example.be")
    colleague.subject = "Vervanging van Zoë Peeters"
    audit.record(
        world.secretary,
        "minutes.send",
        meeting,
        summary="Verslag verstuurd naar 2 ontvanger(s)",
        details={"recipients": ["zoe.peeters@example.be", "x@example.be"]},
    )
    audit.record(  # only the details name her, with a letter JSON escapes
        world.secretary, "minutes.attendance", meeting, details={"present": ["Zoë Peeters"]}
    )
    directory.update_contact(
        world.secretary,
        contact,
        ContactFields("Zoë", "Peeters-Çelik", email="zoe@celik.example.be"),
    )
    directory.update_contact(
        world.coordinator, contact, ContactFields("Zoë", "Çelik", email="zoe@celik.example.be")
    )
    db.session.commit()
    return contact


def _every_text_kept() -> list[str]:
    texts = []
    for entry in db.session.scalars(sa.select(AuditEntry)):
        texts += [entry.summary, entry.actor_label, json.dumps(entry.details, ensure_ascii=False)]
    for message in db.session.scalars(sa.select(OutboxMessage)):
        texts += [message.to_address, message.to_name, message.subject]
    for answer in db.session.scalars(sa.select(InvitationAnswer)):
        texts += [answer.comment, answer.delegated_to_name]
    for proposal in db.session.scalars(sa.select(CounterProposal)):
        texts.append(proposal.comment)
    for reply in db.session.scalars(sa.select(RejectedReply)):
        texts += [reply.sender, reply.attendee, reply.subject, reply.detail]
    return texts


def _calendar_traces(world, contact):  # type: ignore[no-untyped-def]
    """Zoë's calendar: a new time she proposed, answers of hers set aside (from her old and her
    new address), and someone else's set-aside answer that names her in its subject."""
    [own] = db.session.scalars(sa.select(Invitation).where(Invitation.contact_id == contact.id))
    factories.counter_proposal(own.meeting, invitation=own, comment="Liever donderdag, Zoë Çelik")
    factories.rejected_reply(world.platform, sender="zoe.peeters@example.be", subject="Aanvaard")
    factories.rejected_reply(
        world.platform, sender="iemand@elders.be", attendee="zoe@celik.example.be"
    )
    factories.rejected_reply(
        world.platform, sender="ander@elders.be", subject="Doorgestuurd van Zoë Peeters-Çelik"
    )
    return own


def test_the_export_holds_the_persons_calendar_answers(world):
    contact = _renamed_person_with_history(world)
    _calendar_traces(world, contact)
    data = data_rights.personal_data(world.coordinator, contact)
    [invitation] = data["invitations"]
    [proposal] = invitation["proposed_times"]
    assert proposal["comment"] == "Liever donderdag, Zoë Çelik"
    assert [r["subject"] for r in data["calendar_answers_set_aside"]] == ["Aanvaard", ""]


def test_erasure_forgets_the_persons_calendar_answers(world):
    contact = _renamed_person_with_history(world)
    _calendar_traces(world, contact)
    data_rights.erase_contact(world.coordinator, contact, NOW)
    db.session.commit()
    db.session.expire_all()
    gone = ["Zoë Peeters", "Zoë Çelik", "Çelik", "zoe.peeters@example.be", "zoe@celik.example.be"]
    texts = _every_text_kept()
    assert not [(name, t) for t in texts for name in gone if name in t]
    [proposal] = db.session.scalars(sa.select(CounterProposal))
    assert proposal.comment == ""  # the proposal itself stays: the coordinator may decide it
    [kept] = db.session.scalars(sa.select(RejectedReply))
    assert (kept.sender, kept.subject) == (
        "ander@elders.be",
        f"Doorgestuurd van {data_rights.ERASED_NAME}",
    )


def test_erasure_scrubs_the_answer_history(world):
    """Her own answers lose their comments; a colleague's answer that named her as substitute
    names "verwijderde persoon" (also once her invitation is gone); the export lists them."""
    contact = _renamed_person_with_history(world)
    [own] = db.session.scalars(sa.select(Invitation).where(Invitation.contact_id == contact.id))
    record_answer(
        own,
        RsvpStatus.DECLINED,
        source=AnswerSource.CALENDAR,
        sequence=0,
        comment="Groeten, Zoë Peeters",
        at=utcnow(),
    )
    colleague = factories.invitation_with_link(meeting=own.meeting)
    for delegate in (own, None):
        db.session.add(
            InvitationAnswer(
                invitation_id=colleague.id,
                status=RsvpStatus.DELEGATED,
                source=AnswerSource.LINK,
                delegated_to=delegate,
                delegated_to_name="Zoë Çelik" if delegate else "Zoë Peeters",
            )
        )
    db.session.commit()
    history = data_rights.personal_data(world.coordinator, contact)["invitations"][0]["answers"]
    assert [(a["answer"], a["via"], a["comment"]) for a in history] == [
        ("accepted", "link", "Tot dan"),
        ("declined", "calendar", "Groeten, Zoë Peeters"),
    ]
    data_rights.erase_contact(world.coordinator, contact, NOW)
    db.session.commit()
    rows = db.session.scalars(sa.select(InvitationAnswer).order_by(InvitationAnswer.id)).all()
    assert [row.comment for row in rows] == ["", "", "", ""]
    assert [row.delegated_to_name for row in rows[2:]] == [data_rights.ERASED_NAME] * 2
    texts = _every_text_kept()
    assert not [t for t in texts for name in ("Zoë", "Çelik", "Peeters") if name in t]


def test_erasure_after_a_rename_leaves_no_old_name_anywhere(world):
    contact = _renamed_person_with_history(world)
    entries = _count(AuditEntry)
    data_rights.erase_contact(world.coordinator, contact, NOW)
    db.session.commit()
    db.session.expire_all()
    gone = [
        "Zoë Peeters",
        "Zoë Peeters-Çelik",
        "Zoë Çelik",
        "Çelik",
        "zoe.peeters@example.be",
        "zoe@celik.example.be",
    ]
    texts = _every_text_kept()
    assert not [(name, t) for t in texts for name in gone if name in t]
    assert _count(AuditEntry) == entries + 1  # rewritten, not deleted
    creation = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "contact.create")
    ).one()
    assert creation.summary == f"{data_rights.ERASED_NAME} (Woonmaatschappij Noorderdorp)"
    answer = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "invitation.answer")
    ).one()
    assert answer.actor_label == f"{data_rights.ERASED_NAME} (persoonlijke link)"
    sent = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "minutes.send"))
    assert sent.one().details["recipients"] == [data_rights.ERASED_NAME, "x@example.be"]
    present = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "minutes.attendance")
    ).one()
    assert present.details == {"present": [data_rights.ERASED_NAME]}
    # Mail to the old address went with the person; mail to a colleague stays, scrubbed.
    [kept] = db.session.scalars(sa.select(OutboxMessage))
    assert (kept.to_address, kept.subject) == (
        "collega@example.be",
        f"Vervanging van {data_rights.ERASED_NAME}",
    )
