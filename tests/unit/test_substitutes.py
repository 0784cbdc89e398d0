"""The substitute named through an answer link (issue 11, finding 4).

One answer link could name any number of substitutes with any addresses, each getting an
invitation mail, and ten simultaneous posts with the same address made two contacts and two
mails. Now an invitation has one substitute (naming another withdraws the previous one, who gets
a cancellation), a link names at most SUBSTITUTE_LIMIT per day (counted in the database), and a
unique index makes a race harmless. The race is run for real, on this session's database.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from config import TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.mail.settings import MailSettings
from overleg.meetings import invitations
from overleg.models import AuditEntry, Contact, Invitation, OutboxMessage, SubstituteNaming
from tests import factories
from tests.conftest import CSRF_RE
from tests.support import databases

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = MailSettings(
    base_url="https://overleg.example.be", mail_from="overleg@example.be", attach_agenda_pdf=False
)


def _invited(start_at: datetime = datetime(2026, 3, 17, 13, 0, tzinfo=UTC)) -> Invitation:
    meeting = factories.MeetingFactory(start_at=start_at, end_at=start_at + timedelta(hours=2))
    invitation = factories.InvitationFactory(meeting=meeting)
    db.session.refresh(meeting)
    invitations.send_invitations(meeting, user=None, now=NOW, settings=SETTINGS)
    db.session.commit()
    return invitation


def _name(invitation: Invitation, email: str, now: datetime = NOW) -> Invitation:
    first, _, last = email.partition("@")[0].partition(".")
    data = invitations.SubstituteData(first.title(), (last or "X").title(), email)
    substitute = invitations.name_substitute(invitation, data, now=now, settings=SETTINGS)
    db.session.commit()
    return substitute


def _mails(kind: str, to: str) -> int:
    query = sa.select(sa.func.count()).where(
        OutboxMessage.kind == kind, OutboxMessage.to_address == to
    )
    return db.session.scalar(query) or 0


def _substitutes(invitation: Invitation) -> list[str]:
    rows = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.substitute_for_id == invitation.id, Invitation.is_guest.is_(False)
        )
    )
    return [row.contact.email for row in rows]


def test_naming_another_substitute_withdraws_the_previous_one(app):
    invitation = _invited()
    _name(invitation, "piet.janssens@example.be")
    _name(invitation, "els.maes@example.be")

    assert _substitutes(invitation) == ["els.maes@example.be"]
    assert _mails("invitation", "piet.janssens@example.be") == 1
    assert _mails("cancel", "piet.janssens@example.be") == 1
    assert _mails("invitation", "els.maes@example.be") == 1
    withdrawn = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "invitation.substitute_withdrawn")
    ).one()
    assert "Piet Janssens is geen vervanger meer (vervangen door Els Maes)" in withdrawn.summary
    assert "1 annulering(en) in de wachtrij" in withdrawn.summary


def test_a_substitute_who_named_someone_in_turn_is_withdrawn_with_them(app):
    invitation = _invited()
    first = _name(invitation, "piet.janssens@example.be")
    _name(first, "jan.claes@example.be")
    _name(invitation, "els.maes@example.be")

    assert _substitutes(invitation) == ["els.maes@example.be"]
    assert _mails("cancel", "piet.janssens@example.be") == 1
    assert _mails("cancel", "jan.claes@example.be") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 2


def test_a_link_names_at_most_three_substitutes_a_day(app):
    invitation = _invited()
    for number in range(invitations.SUBSTITUTE_LIMIT):
        _name(invitation, f"vervanger.nummer{number}@example.be")
    with pytest.raises(Refusal) as refused:
        _name(invitation, "nog.een@example.be")
    db.session.rollback()
    with force_locale("en"):
        assert "3 times through this link in the past 24 hours" in str(refused.value)
    assert _mails("invitation", "nog.een@example.be") == 0
    # The limit counts rows in the database: a day later the link may name one again.
    _name(invitation, "nog.een@example.be", now=NOW + timedelta(hours=25))
    assert _substitutes(invitation) == ["nog.een@example.be"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubstituteNaming)) == 4


def test_the_index_allows_one_substitute_per_invitation_but_any_guest(app):
    invitation = _invited()
    meeting_id = invitation.meeting_id

    def substitute(**values) -> Invitation:  # type: ignore[no-untyped-def]
        row = Invitation(meeting_id=meeting_id, substitute_for_id=invitation.id, **values)
        db.session.add(row)
        return row

    substitute(guest_name="Gast Een", is_guest=True)  # the minutes' guests who stood in
    substitute(guest_name="Gast Twee", is_guest=True)
    substitute(contact_id=factories.ContactFactory().id)
    db.session.commit()
    substitute(contact_id=factories.ContactFactory().id)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_lost_race_at_the_index_is_a_refusal_not_an_error(app, monkeypatch):
    invitation = _invited()
    _name(invitation, "piet.janssens@example.be")
    # As if another request's substitute was not visible yet: the index has the last word.
    monkeypatch.setattr(invitations, "current_substitute", lambda _invitation: None)
    with pytest.raises(Refusal) as refused:
        _name(invitation, "els.maes@example.be")
    db.session.rollback()
    with force_locale("en"):
        assert "at the same time" in str(refused.value)
    assert _substitutes(invitation) == ["piet.janssens@example.be"]


# --- the race, for real: ten requests through one link at the same moment ---------------------

THREADS = 10


@pytest.fixture
def race_app(tmp_path):  # type: ignore[no-untyped-def]
    """The app on a database of this session's kind that several connections can share."""
    url = databases.fresh_database_url("overleg_race", tmp_path)
    settings = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
        meeting = factories.MeetingFactory(start_at=start, end_at=start + timedelta(hours=2))
        factories.InvitationFactory(meeting=meeting)
        db.session.commit()
        db.session.refresh(meeting)
        invitations.send_invitations(meeting, user=None, now=datetime.now(UTC))
        db.session.commit()
        token = meeting.invitations[0].token
        db.session.remove()
    yield app, token
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _post_together(app, token: str, emails: list[str]) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """POST the substitute form once per address, all released at the same moment."""
    clients = [app.test_client() for _ in emails]
    tokens = []
    for client in clients:
        page = client.get(f"/rsvp/{token}").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match
        tokens.append(match.group(1))
    barrier = threading.Barrier(len(emails))
    results: list[tuple[int, str]] = [(0, "")] * len(emails)

    def post(index: int) -> None:
        barrier.wait()
        response = clients[index].post(
            f"/rsvp/{token}/vervanger",
            data={
                "csrf_token": tokens[index],
                "s-first_name": "Piet",
                "s-last_name": f"Janssens{index}",
                "s-email": emails[index],
            },
        )
        results[index] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(emails))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _count(query) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(query) or 0


def test_ten_simultaneous_posts_with_one_address_make_one_contact_and_one_mail(race_app):
    app, token = race_app
    results = _post_together(app, token, ["piet@example.be"] * THREADS)

    statuses = sorted(status for status, _ in results)
    assert statuses == [302] + [422] * (THREADS - 1), statuses
    for status, html in results:
        if status == 422:
            assert "is al uitgenodigd" in html or "Tegelijk werd" in html
    with app.app_context():
        contacts = sa.select(sa.func.count()).where(Contact.email == "piet@example.be")
        assert _count(contacts) == 1
        mails = sa.select(sa.func.count()).where(OutboxMessage.to_address == "piet@example.be")
        assert _count(mails) == 1
        substitutes = sa.select(sa.func.count()).where(Invitation.substitute_for_id.is_not(None))
        assert _count(substitutes) == 1


def test_ten_simultaneous_posts_with_ten_addresses_stay_within_the_limit(race_app):
    app, token = race_app
    emails = [f"vervanger{i}@example.be" for i in range(THREADS)]
    results = _post_together(app, token, emails)

    statuses = sorted(status for status, _ in results)
    limit = invitations.SUBSTITUTE_LIMIT
    assert statuses == [302] * limit + [422] * (THREADS - limit), statuses
    with app.app_context():
        invited = sa.select(sa.func.count()).where(OutboxMessage.kind == "invitation")
        assert _count(invited) == 1 + limit  # the invitee's own, and one per substitute
        cancelled = sa.select(sa.func.count()).where(OutboxMessage.kind == "cancel")
        assert _count(cancelled) == limit - 1  # every substitute but the last was withdrawn
        substitutes = sa.select(sa.func.count()).where(Invitation.substitute_for_id.is_not(None))
        assert _count(substitutes) == 1
