"""Remarks on circulated draft minutes, without HTTP: the round, the mail, the links, remarks."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from overleg.audit.sentences import sentence
from overleg.dataio import data_rights
from overleg.extensions import db
from overleg.lib import tokens
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.links import LinkState
from overleg.mail.settings import MailSettings
from overleg.meetings.services import load_meeting_page
from overleg.minutes import remarks, services
from overleg.models import (
    AuditEntry,
    MeetingStatus,
    MinutesRemark,
    MinutesStatus,
    OutboxMessage,
    RemarkLink,
    RemarksRound,
)
from tests import factories

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)  # a Friday, 11:00 in Brussels
MAIL = MailSettings(base_url="http://overleg.test", mail_from="overleg@example.be")
LINK = re.compile(r"http://overleg\.test/opmerkingen/([A-Za-z0-9_-]{43})")


def _draft(world, members: int = 2):
    start = NOW - timedelta(days=10)
    meeting = factories.MeetingFactory(
        municipality=world.north,
        start_at=start,
        end_at=start + timedelta(hours=2),
        status=MeetingStatus.HELD,
    )
    factories.AgendaItemFactory(meeting=meeting, title="Verwelkoming")
    for _n in range(members):
        factories.InvitationFactory(meeting=meeting)
    factories.GuestInvitationFactory(meeting=meeting)  # no address: no member to mail
    meeting = load_meeting_page(meeting.id)
    return services.ensure_minutes(meeting)


def _parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def _circulate(minutes, until: date | None = date(2026, 3, 27), now: datetime = NOW):
    return remarks.circulate_for_remarks(
        minutes,
        remarks_until=until,
        expected_version=minutes.version,
        mail=MAIL,
        user=None,
        now=now,
    )


def _tokens() -> dict[str, str]:
    """The personal link's token in each queued remarks mail, by address."""
    found = {}
    for row in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == remarks.MAIL_KIND)
    ):
        text = _parsed(row.raw).get_body(("plain",)).get_content()
        found[row.to_address] = LINK.search(text).group(1)
    return found


def _link(token: str, now: datetime = NOW) -> RemarkLink:
    state, link = remarks.find_link(token, now=now)
    assert state is LinkState.VALID
    return link


def test_circulating_mails_each_member_the_draft_and_a_personal_link(app, world):
    minutes = _draft(world)
    report = _circulate(minutes)
    db.session.commit()

    members = [i for i in minutes.meeting.invitations if not i.is_guest]
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.to_address for r in rows] == [i.contact.email for i in members]  # no agency
    assert report.count == 2
    assert minutes.status is MinutesStatus.CIRCULATED
    message = _parsed(rows[0].raw)
    assert "Ontwerpverslag ter opmerkingen" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "tot en met vrijdag 27 maart 2026" in text
    [attachment] = [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    assert attachment.get_payload(decode=True) == minutes.versions[-1].pdf

    found = _tokens()
    assert len(set(found.values())) == 2
    stored = db.session.scalars(sa.select(RemarkLink.token_hash)).all()
    assert sorted(stored) == sorted(tokens.digest(t) for t in found.values())
    assert not set(found.values()) & set(stored)  # only the hash is kept

    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "minutes.circulate")
    ).all()
    assert entry.details["remarks_until"] == "2026-03-27"
    assert entry.details["mailed"] == 2
    assert "stuurde een verslag rond ter opmerkingen" in sentence(entry)


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (date(2026, 3, 19), "verleden"),
        (date(2026, 3, 20) + timedelta(days=remarks.MAX_DAYS_AHEAD + 1), "binnen"),
        (None, "Kies tot wanneer"),
    ],
)
def test_the_deadline_is_today_or_later_and_not_too_far(app, world, until, message):
    minutes = _draft(world)
    with pytest.raises(Refusal, match=message) as refused:
        _circulate(minutes, until=until)
    assert refused.value.field == "remarks_until"


def test_today_is_a_deadline_and_the_default_is_a_week_ahead(app, world):
    assert remarks.default_deadline(NOW) == date(2026, 3, 27)
    minutes = _draft(world)
    _circulate(minutes, until=date(2026, 3, 20))
    assert db.session.scalar(sa.select(RemarksRound.remarks_until)) == date(2026, 3, 20)


def test_a_member_sends_a_remark_which_is_kept_and_audited(app, world):
    minutes = _draft(world)
    _circulate(minutes)
    db.session.commit()
    address, token = next(iter(_tokens().items()))
    link = _link(token)
    assert link.contact.email == address

    remark = remarks.add_remark(link, "  Punt 2: het was Jan, niet Piet.  ", now=NOW)
    db.session.commit()
    assert remark.text == "Punt 2: het was Jan, niet Piet."
    [shown] = remarks.remarks_of(minutes)
    assert (shown.link.name, shown.created_at, shown.text) == (link.name, NOW, remark.text)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "minutes.remark"))
    assert entry.actor_label == f"{link.name} (persoonlijke link)"
    assert (
        sentence(entry)
        == f"{link.name} (persoonlijke link) stuurde een opmerking op een ontwerpverslag"
    )
    assert remark.text not in entry.summary  # the trail says who and when, not what


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Schrijf"), ("   \n ", "Schrijf"), ("x" * (remarks.REMARK_MAX + 1), "Hoogstens")],
)
def test_an_empty_or_too_long_remark_is_refused(app, world, text, message):
    minutes = _draft(world)
    _circulate(minutes)
    link = _link(next(iter(_tokens().values())))
    with pytest.raises(Refusal, match=message) as refused:
        remarks.add_remark(link, text, now=NOW)
    assert refused.value.field == "text"


def test_remarks_close_after_the_deadline_day_and_on_approval(app, world):
    minutes = _draft(world)
    _circulate(minutes, until=date(2026, 3, 27))
    token = next(iter(_tokens().values()))
    last_minute = datetime(2026, 3, 27, 22, 59, tzinfo=UTC)  # 23:59 in Brussels
    remarks.add_remark(_link(token, last_minute), "Net op tijd.", now=last_minute)
    closed = datetime(2026, 3, 27, 23, 0, tzinfo=UTC)  # midnight in Brussels
    link = _link(token, closed)  # the page still opens, and says remarks are closed
    assert not remarks.is_open(link.round, closed)
    with pytest.raises(Refusal, match="voorbij"):
        remarks.add_remark(link, "Te laat.", now=closed)

    services.approve(minutes, expected_version=minutes.version, at_meeting=None, user=None, now=NOW)
    assert not remarks.is_open(link.round, NOW)


def test_revoked_expired_erased_and_foreign_tokens_open_nothing(app, world):
    minutes = _draft(world)
    _circulate(minutes)
    first = next(iter(_tokens().values()))
    link = _link(first)
    expiry = link.expires_at
    assert expiry == datetime(2026, 3, 27, 23, 0, tzinfo=UTC) + timedelta(
        days=remarks.LINK_DAYS_AFTER
    )
    assert remarks.find_link(first, now=expiry) == (LinkState.UNKNOWN, None)

    invitation = minutes.meeting.invitations[0]
    foreign = [invitation.token or tokens.new_token(), tokens.new_token(), "kort", first.upper()]
    for token in foreign:
        assert remarks.find_link(token, now=NOW) == (LinkState.UNKNOWN, None)

    services.back_to_draft(minutes, expected_version=minutes.version, user=None, now=NOW)
    _circulate(minutes)  # a new round: the first round's links stop working
    assert remarks.find_link(first, now=NOW) == (LinkState.UNKNOWN, None)
    assert db.session.scalar(sa.select(sa.func.count(RemarkLink.id))) == 4
    rounds = db.session.scalars(sa.select(RemarksRound).order_by(RemarksRound.id)).all()
    assert rounds[0].replaced_at == NOW and rounds[1].replaced_at is None
    assert remarks.current_round(minutes) == rounds[1]


def test_remarks_of_an_earlier_round_stay_with_the_minutes(app, world):
    minutes = _draft(world)
    _circulate(minutes)
    remarks.add_remark(_link(next(iter(_tokens().values()))), "Eerste ronde.", now=NOW)
    services.back_to_draft(minutes, expected_version=minutes.version, user=None, now=NOW)
    db.session.execute(sa.delete(OutboxMessage))
    _circulate(minutes)
    remarks.add_remark(_link(next(iter(_tokens().values()))), "Tweede ronde.", now=NOW)
    assert [r.text for r in remarks.remarks_of(minutes)] == ["Eerste ronde.", "Tweede ronde."]
    assert db.session.scalar(sa.select(sa.func.count(MinutesRemark.id))) == 2


def test_the_mails_reach_a_real_smtp_server(app, world, smtp):
    minutes = _draft(world)
    _circulate(minutes)
    db.session.commit()
    settings = outbox.SmtpSettings(
        host="127.0.0.1", port=smtp.port, timeout=5.0, mail_from="bounce@example.be"
    )
    report = outbox.deliver_due(settings)
    assert len(report.sent) == 2
    members = sorted(i.contact.email for i in minutes.meeting.invitations if not i.is_guest)
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == members
    delivered = _parsed(smtp.messages[0].content)
    assert LINK.search(delivered.get_body(("plain",)).get_content())


def test_a_member_without_an_address_is_reported_not_mailed(app, world):
    minutes = _draft(world, members=1)
    invitation = factories.InvitationFactory(meeting=minutes.meeting)
    invitation.contact.email = ""
    minutes = services.ensure_minutes(load_meeting_page(minutes.meeting_id))
    report = _circulate(minutes)
    assert report.count == 1
    assert [n.name for n in report.not_mailed] == [invitation.display_name]
    assert db.session.scalar(sa.select(sa.func.count(RemarkLink.id))) == 1


def test_a_contact_s_export_holds_their_remarks_as_far_as_the_reader_may_see(app, world):
    minutes = _draft(world)
    _circulate(minutes)
    link = _link(next(iter(_tokens().values())))
    remarks.add_remark(link, "Graag mijn functie vermelden.", now=NOW)
    db.session.commit()

    [exported] = data_rights.personal_data(world.coordinator, link.contact)[
        "remarks_on_draft_minutes"
    ]
    assert exported == {
        "meeting": minutes.meeting.title,
        "meeting_start": minutes.meeting.start_at.isoformat(),
        "remarks_until": "2026-03-27",
        "sent_at": NOW.isoformat(),
        "text": "Graag mijn functie vermelden.",
    }
    # Another platform's coordinator sees none of it (the meeting is Noorderdorp's).
    assert data_rights.personal_data(world.outsider, link.contact)["remarks_on_draft_minutes"] == []


def test_erasure_removes_the_person_s_remarks_and_links_and_keeps_the_others(app, world):
    minutes = _draft(world)
    _circulate(minutes)
    first, second = (_link(t) for t in _tokens().values())
    remarks.add_remark(first, "Mijn opmerking.", now=NOW)
    remarks.add_remark(second, "De opmerking van iemand anders.", now=NOW)
    db.session.commit()
    name, contact = first.name, first.contact

    data_rights.erase_contact(world.coordinator, contact, NOW)
    db.session.commit()
    assert [r.text for r in remarks.remarks_of(minutes)] == ["De opmerking van iemand anders."]
    assert db.session.scalars(sa.select(RemarkLink.name)).all() == [second.name]
    trail = db.session.scalars(sa.select(AuditEntry)).all()
    assert not [e for e in trail if name in e.summary or name in e.actor_label]
