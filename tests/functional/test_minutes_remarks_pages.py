"""Rondsturen ter opmerkingen through the pages, and the member's personal remarks page."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from overleg.extensions import db
from overleg.lib import tokens
from overleg.lib.dates import to_local
from overleg.minutes import remarks
from overleg.models import (
    AgendaItemKind,
    MeetingStatus,
    Minutes,
    MinutesRemark,
    MinutesStatus,
    OutboxMessage,
    RemarkLink,
)
from tests import factories
from tests.conftest import csrf_token, login, post_form

LINK = re.compile(r"/opmerkingen/([A-Za-z0-9_-]{43})")


def _today() -> date:
    return to_local(datetime.now(UTC)).date()


def _draft(world):
    start = (datetime.now(UTC) - timedelta(days=10)).replace(hour=13, minute=0, microsecond=0)
    meeting = factories.MeetingFactory(
        municipality=world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    factories.AgendaItemFactory(meeting=meeting, title="Wachtlijsten", kind=AgendaItemKind.THEME)
    members = [factories.InvitationFactory(meeting=meeting) for _n in range(2)]
    minutes = factories.MinutesFactory(meeting=meeting)
    db.session.commit()
    return meeting, minutes, members


def _circulate(client, meeting, minutes, until: str):
    return post_form(
        client,
        f"/meetings/{meeting.id}/minutes/circulate",
        {"version": minutes.version, "remarks_until": until},
    )


def _member_token() -> str:
    row = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == remarks.MAIL_KIND)
    ).first()
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    return LINK.search(message.get_body(("plain",)).get_content()).group(1)


def _remark(client, token: str, text: str, **kwargs):
    path = f"/opmerkingen/{token}"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "text": text}, **kwargs)


def test_the_overview_proposes_a_deadline_a_week_ahead(app, client, world):
    meeting, _minutes, _members = _draft(world)
    login(client, world.secretary)
    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    expected = (_today() + timedelta(days=7)).isoformat()
    assert re.search(rf'name="remarks_until"[^>]*value="{expected}"', page)
    assert "Rondsturen ter opmerkingen" in page


def test_circulating_mails_the_members_and_the_secretary_sees_their_remarks(app, client, world):
    meeting, minutes, members = _draft(world)
    login(client, world.secretary)
    until = (_today() + timedelta(days=5)).isoformat()
    response = _circulate(client, meeting, minutes, until)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "rondgestuurd naar 2 lid/leden" in page
    assert db.session.scalar(sa.select(Minutes.status)) is MinutesStatus.CIRCULATED
    addresses = db.session.scalars(
        sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == remarks.MAIL_KIND)
    ).all()
    assert sorted(addresses) == sorted(m.contact.email for m in members)

    token = _member_token()
    member = client.application.test_client()  # the member has no account
    page = member.get(f"/opmerkingen/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    text = page.get_data(as_text=True)
    assert meeting.title in text and "Een opmerking sturen" in text
    pdf = member.get(f"/opmerkingen/{token}/ontwerpverslag.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "private, no-store"

    response = _remark(member, token, "Bij punt 1: de wachtlijst telt 212 gezinnen.")
    assert response.status_code == 302
    assert "Bij punt 1" in member.get(response.location).get_data(as_text=True)

    editor = client.get(f"/meetings/{meeting.id}/minutes/edit").get_data(as_text=True)
    link = db.session.scalars(sa.select(RemarkLink).where(RemarkLink.remarks.any())).one()
    section = editor.split('id="remarks-title"')[1].split("</section>")[0]
    assert link.name in section
    assert "Bij punt 1: de wachtlijst telt 212 gezinnen." in section
    assert "<time" in section


def test_a_deadline_in_the_past_is_refused_and_nothing_is_sent(app, client, world):
    meeting, minutes, _members = _draft(world)
    login(client, world.secretary)
    yesterday = (_today() - timedelta(days=1)).isoformat()
    response = _circulate(client, meeting, minutes, yesterday)
    page = client.get(response.location).get_data(as_text=True)
    assert "Die datum ligt in het verleden" in page
    assert db.session.scalar(sa.select(Minutes.status)) is MinutesStatus.DRAFT
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    response = _circulate(client, meeting, minutes, "")
    assert db.session.scalar(sa.select(Minutes.status)) is MinutesStatus.DRAFT


def test_an_invalid_remark_is_shown_again_with_its_error(app, client, world):
    made = factories.remark_link(world.north)
    path = f"/opmerkingen/{made.token}"
    response = _remark(client, made.token, "   ")
    assert response.status_code == 422
    assert "Schrijf uw opmerking." in response.get_data(as_text=True)

    too_long = "Te lang. " * 700
    response = _remark(client, made.token, too_long)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Hoogstens 5000 tekens." in text
    assert too_long.strip() in text  # what was typed is kept

    response = client.post(path, data={"text": "Zonder CSRF-token."})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(MinutesRemark.id))) == 0


def test_after_the_deadline_the_page_says_remarks_are_closed(app, client, world):
    made = factories.remark_link(world.north, remarks_until=_today() - timedelta(days=1))
    path = f"/opmerkingen/{made.token}"
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "De termijn voor opmerkingen is voorbij." in text
    assert 'name="text"' not in text
    response = _remark(client, made.token, "Toch nog iets.")
    assert response.status_code == 422
    assert "voorbij" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(MinutesRemark.id))) == 0


def test_revoked_expired_and_foreign_tokens_are_a_404(app, client, world):
    revoked = factories.remark_link(world.north)
    revoked.link.revoked_at = datetime.now(UTC)
    expired = factories.remark_link(world.north, remarks_until=_today() - timedelta(days=40))
    invitation = factories.invitation_with_link(meeting=revoked.link.round.minutes.meeting)
    db.session.commit()
    foreign = [invitation.token, tokens.new_token(), tokens.digest(expired.token)[:43]]
    for token in [revoked.token, expired.token, *foreign]:
        for path in (f"/opmerkingen/{token}", f"/opmerkingen/{token}/ontwerpverslag.pdf"):
            assert client.get(path).status_code == 404, path
        response = client.post(
            f"/opmerkingen/{token}",
            data={"csrf_token": csrf_token(client), "text": "Hallo"},
        )
        assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(MinutesRemark.id))) == 0
