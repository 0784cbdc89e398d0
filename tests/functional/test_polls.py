"""The availability poll: start it from a plan, answer without an account, plan with the answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib.dates import BRUSSELS
from overleg.mail import outbox
from overleg.models import (
    AvailabilityPoll,
    Contact,
    InviteeRole,
    OutboxMessage,
    PollAnswer,
    PollRespondent,
    PollSlot,
)
from overleg.planning import polls
from tests import factories
from tests.conftest import World, csrf_token, login, post_form
from tests.functional.test_planning import YEAR, _confirm_data, _query, _rows


@dataclass
class People:
    shared: Contact  # required in both municipalities
    optional: Contact  # optional in Noorderdorp
    no_email: Contact  # optional in Zuiderdorp, cannot be mailed
    north_required: Contact
    south_required: Contact


@pytest.fixture
def people(world: World) -> People:
    org = factories.OrganisationFactory(platform=world.platform, name="Woonmaatschappij Kempen")
    org.municipalities.extend([world.north, world.south])
    shared = factories.ContactFactory(organisation=org, first_name="Sara", last_name="Gedeeld")
    optional = factories.ContactFactory(organisation=org, first_name="Olaf", last_name="Optioneel")
    no_email = factories.ContactFactory(
        organisation=org, first_name="Zonder", last_name="Mail", email=""
    )
    for municipality in (world.north, world.south):
        factories.StandingInviteeFactory(
            municipality=municipality, contact=shared, role=InviteeRole.REQUIRED
        )
    factories.StandingInviteeFactory(
        municipality=world.north, contact=optional, role=InviteeRole.OPTIONAL
    )
    factories.StandingInviteeFactory(
        municipality=world.south, contact=no_email, role=InviteeRole.OPTIONAL
    )
    db.session.commit()
    return People(
        shared,
        optional,
        no_email,
        world.north.standing_invitees[0].contact,
        world.south.standing_invitees[0].contact,
    )


def _answer_by() -> str:
    return (datetime.now(BRUSSELS).date() + timedelta(days=10)).isoformat()


def _start_poll(client, **extra):  # type: ignore[no-untyped-def]
    rows = _rows(client.get(_query()).get_data(as_text=True))
    assert len(rows) == 4
    data = _confirm_data(
        rows,
        action="",
        poll_per_meeting="3",
        poll_include_optional="y",
        poll_answer_by=_answer_by(),
    )
    data.update(extra)
    return rows, post_form(client, "/planning/polls", data)


def _token(contact: Contact) -> str:
    return db.session.scalar(
        sa.select(PollRespondent.token).where(PollRespondent.contact_id == contact.id)
    )


def _slots(municipality_id: int) -> list[PollSlot]:
    return list(
        db.session.scalars(
            sa.select(PollSlot)
            .where(PollSlot.municipality_id == municipality_id)
            .order_by(PollSlot.start_at)
        )
    )


def _answer(client, contact: Contact, slot_ids: list[int], comment: str = ""):  # type: ignore[no-untyped-def]
    token = _token(contact)
    data = {"csrf_token": csrf_token(client, f"/poll/{token}"), "comment": comment}
    if slot_ids:
        data["suiting"] = [str(i) for i in slot_ids]
    return client.post(f"/poll/{token}", data=data)


def test_a_poll_offers_each_proposal_with_alternatives_to_every_standing_invitee(
    client, world, people
):
    login(client, world.coordinator)
    rows, response = _start_poll(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    poll = db.session.scalars(sa.select(AvailabilityPoll)).one()
    assert response.headers["Location"].endswith(f"/planning/polls/{poll.id}")
    assert poll.year == YEAR and poll.is_open
    for municipality in (world.north, world.south):
        starts = [s.start_at.astimezone(BRUSSELS) for s in _slots(municipality.id)]
        proposed = {
            datetime.fromisoformat(f"{day}T{start}").replace(tzinfo=BRUSSELS)
            for slug, day, start in rows
            if slug == municipality.slug
        }
        assert proposed <= set(starts)  # the proposals themselves are offered ...
        assert 2 < len(starts) <= 6  # ... with alternatives, at most 3 per meeting
        assert all(s.weekday() < 5 for s in starts)
    asked = {r.contact_id for r in poll.respondents}
    assert asked == {
        people.shared.id,
        people.optional.id,
        people.north_required.id,
        people.south_required.id,
    }  # not the contact without an e-mail address, who is named on the page instead
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zonder Mail" in page
    assert "verstuurd naar 4 genodigden" in page
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "poll")).all()
    assert sorted(m.to_address for m in mails) == sorted(
        c.email
        for c in (people.shared, people.optional, people.north_required, people.south_required)
    )
    shared_mail = next(m for m in mails if m.to_address == people.shared.email)
    text = outbox.parse(shared_mail).get_body(("plain",)).get_content()
    assert f"/poll/{_token(people.shared)}" in text
    assert "Noorderdorp" in text and "Zuiderdorp" in text
    # The coordinator finds the poll's mail in the outbox (it belongs to no meeting).
    assert "Wanneer past het lokaal woonoverleg?" in client.get("/outbox").get_data(as_text=True)
    assert client.get(f"/outbox/{shared_mail.id}").status_code == 200


def test_answer_without_account_and_change_it_later(client, world, people):
    login(client, world.coordinator)
    _start_poll(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = _token(people.shared)
    page = client.get(f"/poll/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    north, south = _slots(world.north.id), _slots(world.south.id)
    assert html.count('name="suiting"') == len(north) + len(south)
    assert "u bent verplicht uitgenodigd" in html

    response = _answer(client, people.shared, [north[0].id, south[1].id], "Liefst voormiddag")
    assert response.status_code == 302
    respondent = db.session.scalars(
        sa.select(PollRespondent).where(PollRespondent.contact_id == people.shared.id)
    ).one()
    suits = {a.slot_id: a.suits for a in respondent.answers}
    assert suits[north[0].id] and suits[south[1].id]
    assert sum(suits.values()) == 2 and len(suits) == len(north) + len(south)
    assert respondent.comment == "Liefst voormiddag" and respondent.answered_at is not None
    again = client.get(f"/poll/{token}").get_data(as_text=True)
    assert re.search(rf'value="{north[0].id}"\s+checked', again)

    # The optional invitee of Noorderdorp is only asked about Noorderdorp.
    optional_page = client.get(f"/poll/{_token(people.optional)}").get_data(as_text=True)
    assert optional_page.count('name="suiting"') == len(north)
    assert "Zuiderdorp" not in optional_page


def test_bad_answers_are_refused_with_a_dutch_message_and_keep_what_was_typed(
    client, world, people
):
    login(client, world.coordinator)
    _start_poll(client)
    south = _slots(world.south.id)
    # Slots of Zuiderdorp are not the optional Noorderdorp invitee's to answer.
    response = _answer(client, people.optional, [south[0].id], "Mijn opmerking")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kies alleen momenten uit de lijst." in html
    assert "Mijn opmerking" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PollAnswer)) == 0
    long = _answer(client, people.optional, [], "x" * 2001)
    assert long.status_code == 422
    assert "Houd de opmerking onder 2000 tekens." in long.get_data(as_text=True)


def test_unknown_link_is_a_clear_404(client, world):
    assert client.get("/poll/niet-bestaand").status_code == 404
    response = client.get("/poll/" + "A" * 43)
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.get_data(as_text=True)


def test_planning_with_the_answers_keeps_the_required_no_hard_and_the_optional_no_soft(
    client, world, people
):
    login(client, world.coordinator)
    _start_poll(client)
    poll = db.session.scalars(sa.select(AvailabilityPoll)).one()
    north = _slots(world.north.id)
    # The shared required person can only make two of Noorderdorp's slots, far enough apart;
    # the optional invitee cannot make the first of those.
    suitable = [north[0], north[-1]]
    assert (suitable[1].start_at - suitable[0].start_at).days >= world.north.min_spacing_days
    _answer(
        client, people.shared, [s.id for s in suitable] + [s.id for s in _slots(world.south.id)]
    )
    _answer(client, people.optional, [s.id for s in north if s.id != suitable[0].id])

    html = client.get(f"/planning?poll={poll.id}").get_data(as_text=True)
    assert "antwoorden van de bevraging" in html
    rows = _rows(html)
    north_rows = sorted((day, start) for slug, day, start in rows if slug == "noorderdorp")
    expected = sorted(
        (
            s.start_at.astimezone(BRUSSELS).date().isoformat(),
            f"{s.start_at.astimezone(BRUSSELS):%H:%M}",
        )
        for s in suitable
    )
    assert north_rows == expected
    assert "niet voor 1 andere genodigde" in html  # the optional "no" is a preference only
    assert f'name="poll_id" value="{poll.id}"' in html

    # Confirming the plan made with the poll creates the meetings and closes the poll.
    data = _confirm_data(rows, poll_id=str(poll.id))
    response = post_form(client, "/planning/confirm", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(poll)
    assert not poll.is_open
    closed = _answer(client, people.shared, [north[0].id])
    assert closed.status_code == 409
    assert "afgesloten" in closed.get_data(as_text=True)


def test_when_no_offered_slot_suits_a_required_person_nothing_is_planned(client, world, people):
    login(client, world.coordinator)
    _start_poll(client)
    poll = db.session.scalars(sa.select(AvailabilityPoll)).one()
    _answer(client, people.south_required, [])  # none of Zuiderdorp's slots suits
    html = client.get(f"/planning?poll={poll.id}").get_data(as_text=True)
    assert "Geen plan mogelijk" in html
    assert "Zuiderdorp: geen enkel moment uit de bevraging past" in html
    assert people.south_required.full_name in html
    assert "rows-0-slug" not in html
    overview = client.get(f"/planning/polls/{poll.id}").get_data(as_text=True)
    assert "geen moment past voor alle verplichte genodigden" in overview


def test_a_hand_adjusted_slot_a_required_person_declined_is_a_violation(client, world, people):
    login(client, world.coordinator)
    rows, _ = _start_poll(client)
    poll = db.session.scalars(sa.select(AvailabilityPoll)).one()
    north = _slots(world.north.id)
    declined = north[0]
    _answer(client, people.north_required, [s.id for s in north[1:]])
    local = declined.start_at.astimezone(BRUSSELS)
    adjusted = [
        (slug, local.date().isoformat(), f"{local:%H:%M}") if i == 0 else (slug, day, start)
        for i, (slug, day, start) in enumerate(sorted(rows))
    ]
    data = _confirm_data(adjusted, action="check", poll_id=str(poll.id))
    response = post_form(client, "/planning/confirm", data)
    assert response.status_code == 422
    assert "gaf in de bevraging aan dat dit moment niet past" in response.get_data(as_text=True)


def test_reminders_go_only_to_who_has_not_answered(client, world, people):
    login(client, world.coordinator)
    _start_poll(client)
    poll = db.session.scalars(sa.select(AvailabilityPoll)).one()
    _answer(client, people.shared, [])
    response = post_form(client, f"/planning/polls/{poll.id}/remind")
    assert response.status_code == 302
    reminded = db.session.scalars(
        sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == "poll-reminder")
    ).all()
    assert sorted(reminded) == sorted(
        c.email for c in (people.optional, people.north_required, people.south_required)
    )
    overview = client.get(f"/planning/polls/{poll.id}").get_data(as_text=True)
    assert "1 van de 4 genodigden heeft geantwoord" in overview
    assert post_form(client, f"/planning/polls/{poll.id}/close").status_code == 302
    db.session.refresh(poll)
    assert not poll.is_open


def test_an_answer_date_in_the_past_is_refused_and_nothing_is_created(client, world, people):
    login(client, world.coordinator)
    _, response = _start_poll(client, poll_answer_by=date(2020, 1, 1).isoformat())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kies een datum in de toekomst." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AvailabilityPoll)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert 'name="rows-0-slug"' in html  # the table is still there


def test_polls_are_the_coordinators_of_their_own_platform_only(client, world, people):
    login(client, world.coordinator)
    _start_poll(client)
    poll = db.session.scalars(sa.select(AvailabilityPoll)).one()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, world.outsider)
    assert client.get(f"/planning/polls/{poll.id}").status_code == 404
    assert client.get(f"/planning?poll={poll.id}").status_code == 404
    assert post_form(client, f"/planning/polls/{poll.id}/close").status_code == 404
    assert client.get(f"/planning?poll={2**40}").status_code == 404


def test_the_same_link_answered_twice_at_once_asks_to_send_again(
    app, client, world, people, monkeypatch
):
    login(client, world.coordinator)
    _start_poll(client)
    north = _slots(world.north.id)
    respondent_id = db.session.scalar(
        sa.select(PollRespondent.id).where(PollRespondent.contact_id == people.optional.id)
    )
    record = polls.record_answers

    def answered_elsewhere_first(respondent, suiting, comment, *, now):  # type: ignore[no-untyped-def]
        # Another tab of the same person commits its answer while this request is busy.
        with db.engine.begin() as connection:
            connection.execute(
                sa.insert(PollAnswer).values(
                    respondent_id=respondent_id, slot_id=north[0].id, suits=True
                )
            )
        record(respondent, suiting, comment, now=now)

    monkeypatch.setattr(polls, "record_answers", answered_elsewhere_first)
    response = _answer(client, people.optional, [north[1].id], "Tweede tab")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Verstuur het opnieuw" in html
    assert "Tweede tab" in html
    db.session.expire_all()
    assert db.session.scalars(
        sa.select(PollAnswer.slot_id).where(PollAnswer.respondent_id == respondent_id)
    ).all() == [north[0].id]


def test_poll_mail_names_who_was_not_mailed_on_the_page_and_in_the_audit_trail(
    client, world, people
):
    """Issue 11, finding 3: nobody is left out of a mailing without a word."""
    from overleg.models import AuditEntry

    login(client, world.coordinator)
    _start_poll(client)
    started = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "poll.start")
    ).one()
    mailed = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "poll"))
    assert f"{mailed} genodigden" in started.summary
    assert "niet gemaild: Zonder Mail (geen bruikbaar e-mailadres)" in started.summary
    # An address removed after the poll started: the reminder names them, and is no 500.
    people.optional.email = ""
    db.session.commit()
    poll = db.session.scalars(sa.select(AvailabilityPoll)).one()

    response = post_form(client, f"/planning/polls/{poll.id}/remind", follow_redirects=True)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Herinnering verstuurd naar {mailed - 1} genodigden." in html
    assert "Geen mail voor Olaf Optioneel: geen bruikbaar e-mailadres." in html
    reminded = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "poll.remind")
    ).one()
    assert reminded.summary.endswith("niet gemaild: Olaf Optioneel (geen bruikbaar e-mailadres)")
    sent = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.kind == "poll-reminder")
    )
    assert sent == mailed - 1
