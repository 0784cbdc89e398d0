"""Remarks on draft minutes: "Rondsturen ter opmerkingen", the members' links, their remarks.

Circulating freezes the draft (a `MinutesVersion`, as `services.circulate` always did) and opens a
`RemarksRound` with the last day remarks are welcome. Every member (the meeting's invitees with a
usable address, as the distribution of the minutes picks them, Wonen in Vlaanderen left out) gets
the draft as PDF and a personal link. Behind the link (/opmerkingen/<token>) the member reads the
draft and sends remarks until the end of that day in Brussels; after it, or once the minutes are
approved, the page says remarks are closed. The secretary reads them beside the draft in the
editor. Each circulation and each remark is in the audit trail.

Links are 256-bit tokens (overleg.lib.tokens) kept only as their SHA-256. A newer round revokes
the links of the one before; a link stops working LINK_DAYS_AFTER days after the deadline and
when the person is erased. A link that does not work answers exactly as one that never existed
(404): the page does not tell whether a draft was ever behind it.

None of these functions commits; a change the rules refuse raises `Refusal`.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib import tokens
from overleg.lib.dates import brussels_instant, to_local
from overleg.lib.refusal import Refusal
from overleg.mail import outbox
from overleg.mail.links import LinkState
from overleg.mail.messages import Attachment, HeaderInjectionError, build_message, one_line
from overleg.mail.report import MailReport, Reason
from overleg.mail.settings import MailSettings, sender_for
from overleg.minutes import services
from overleg.minutes.documents import minutes_pdf_filename
from overleg.models import (
    Invitation,
    Meeting,
    Minutes,
    MinutesRemark,
    MinutesStatus,
    MinutesVersion,
    RemarkLink,
    RemarksRound,
    User,
)

REMARK_MAX = 5_000  # characters in one remark
DEFAULT_DAYS = 7  # the form proposes remarks until a week from today
MAX_DAYS_AHEAD = 90
LINK_DAYS_AFTER = 30  # the link keeps showing "closed" this long after the deadline
NAME_MAX = 200  # RemarkLink.name
MAIL_KIND = "minutes_remarks"


def remark_url(base_url: str, token: str) -> str:
    return f"{base_url}/opmerkingen/{token}"


def default_deadline(now: datetime) -> date:
    return to_local(now).date() + timedelta(days=DEFAULT_DAYS)


def closes_at(remarks_until: date) -> datetime:
    """The moment remarks close: the end of that day in Brussels."""
    return brussels_instant(remarks_until + timedelta(days=1), time(0))


def check_deadline(remarks_until: date | None, now: datetime) -> date:
    """A day from today (Brussels) up to MAX_DAYS_AHEAD ahead."""
    today = to_local(now).date()
    if remarks_until is None:
        raise Refusal(_l("Kies tot wanneer opmerkingen welkom zijn."), field="remarks_until")
    if remarks_until < today:
        raise Refusal(
            _l("Die datum ligt in het verleden: kies vandaag of later."), field="remarks_until"
        )
    if remarks_until > today + timedelta(days=MAX_DAYS_AHEAD):
        raise Refusal(
            _l("Kies een datum binnen %(days)d dagen.", days=MAX_DAYS_AHEAD),
            field="remarks_until",
        )
    return remarks_until


# --- circulating ------------------------------------------------------------------------------


@services.conflict_when_raced
def circulate_for_remarks(
    minutes: Minutes,
    *,
    remarks_until: date | None,
    expected_version: int | None,
    mail: MailSettings,
    user: User | None,
    now: datetime,
) -> MailReport:
    """Circulate the draft (frozen as a version), open a round of remarks until the end of
    `remarks_until` and mail every member the PDF and their personal link. The report names
    the members who got no mail."""
    deadline = check_deadline(remarks_until, now)
    version = services.freeze_circulated(
        minutes, expected_version=expected_version, user=user, now=now
    )
    round_ = _open_round(minutes, version, deadline, user, now)
    report = _mail_members(round_, version, mail)
    services.record_change(
        minutes,
        "minutes.circulate",
        f"Verslag rondgestuurd ter opmerkingen tot {deadline.isoformat()} naar "
        f"{report.count} lid/leden: {minutes.meeting.title}" + report.audit_note(),
        user=user,
        now=now,
        details={
            "remarks_until": deadline.isoformat(),
            "round": round_.id,
            "version": version.number,
            **report.audit_details(),
        },
    )
    return report


def _open_round(
    minutes: Minutes, version: MinutesVersion, deadline: date, user: User | None, now: datetime
) -> RemarksRound:
    """A new round; the links of earlier rounds stop working (their remarks stay)."""
    for earlier in db.session.scalars(
        sa.select(RemarksRound).where(
            RemarksRound.minutes_id == minutes.id, RemarksRound.replaced_at.is_(None)
        )
    ):
        earlier.replaced_at = now
    db.session.execute(
        sa.update(RemarkLink)
        .where(
            RemarkLink.round_id.in_(
                sa.select(RemarksRound.id).where(RemarksRound.minutes_id == minutes.id)
            ),
            RemarkLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    round_ = RemarksRound(
        minutes=minutes,
        version=version,
        remarks_until=deadline,
        created_at=now,
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def _members(meeting: Meeting) -> list[tuple[services.Recipient, Invitation]]:
    """The members to mail: every invitee with a usable address (one message per address)."""
    by_id = {invitation.id: invitation for invitation in meeting.invitations}
    return [
        (recipient, by_id[recipient.invitation_id])
        for recipient in services.recipients(meeting)
        if not recipient.is_agency and recipient.invitation_id in by_id
    ]


def _mail_members(round_: RemarksRound, version: MinutesVersion, mail: MailSettings) -> MailReport:
    meeting = round_.minutes.meeting
    attachment = Attachment(minutes_pdf_filename(meeting), version.pdf, "application/pdf")
    report = MailReport()
    for name in services.without_address(meeting):
        report.skip(name, Reason.NO_ADDRESS)
    expires = closes_at(round_.remarks_until) + timedelta(days=LINK_DAYS_AFTER)
    with force_locale("nl"):  # the minutes and their mail are Dutch
        for recipient, invitation in _members(meeting):
            token = tokens.new_token()
            link = remark_url(mail.base_url, token)
            message = _message(round_, recipient, link, attachment, mail)
            if message is None:
                report.skip(recipient.name, Reason.UNBUILDABLE)
                continue
            db.session.add(
                RemarkLink(
                    round=round_,
                    invitation_id=invitation.id,
                    contact_id=invitation.contact_id,
                    name=recipient.name[:NAME_MAX],
                    token_hash=tokens.digest(token),
                    expires_at=expires,
                )
            )
            outbox.enqueue(
                message,
                kind=MAIL_KIND,
                to_address=recipient.address,
                to_name=recipient.name,
                meeting_id=meeting.id,
                invitation_id=invitation.id,
            )
            report.mailed.append(recipient.name)
    db.session.flush()
    return report


def _message(
    round_: RemarksRound,
    recipient: services.Recipient,
    link: str,
    attachment: Attachment,
    mail: MailSettings,
) -> EmailMessage | None:
    meeting = round_.minutes.meeting
    platform = meeting.municipality.platform
    text = current_app.jinja_env.get_template("mail/messages/minutes_remarks.txt").render(
        meeting=meeting,
        recipient=recipient,
        remarks_until=round_.remarks_until,
        link=link,
        platform=platform,
    )
    try:
        return build_message(
            sender=sender_for(platform, mail),
            to_address=recipient.address,
            to_name=one_line(recipient.name),
            subject=_("Ontwerpverslag ter opmerkingen: %(title)s", title=one_line(meeting.title)),
            text=text,
            attachments=[attachment],
        )
    except HeaderInjectionError:
        return None


# --- the member's link ----------------------------------------------------------------------


def find_link(token: str, *, now: datetime) -> tuple[LinkState, RemarkLink | None]:
    """The link behind `token` while it works: not revoked (by a newer round or an erasure),
    not expired, of a person not erased. Anything else, a token of another kind too, is
    UNKNOWN: the page answers 404 and does not tell whether the link ever worked."""
    unknown: tuple[LinkState, RemarkLink | None] = (LinkState.UNKNOWN, None)
    if not tokens.well_formed(token):
        return unknown
    expected = tokens.digest(token)
    link = db.session.scalar(
        sa.select(RemarkLink)
        .where(RemarkLink.token_hash == expected)
        .options(
            joinedload(RemarkLink.round)
            .joinedload(RemarksRound.minutes)
            .joinedload(Minutes.meeting)
            .joinedload(Meeting.municipality),
            joinedload(RemarkLink.contact),
            selectinload(RemarkLink.remarks),
        )
    )
    # Found through the hash's unique index; compared once more in constant time.
    if link is None or not hmac.compare_digest(link.token_hash, expected):
        return unknown
    if link.revoked_at is not None or now >= link.expires_at:
        return unknown
    if link.contact is not None and link.contact.erased_at is not None:
        return unknown
    return LinkState.VALID, link


def is_open(round_: RemarksRound, now: datetime) -> bool:
    """Whether remarks are still welcome: before the end of the deadline, the round not
    replaced and the minutes not approved."""
    return (
        round_.replaced_at is None
        and round_.minutes.status is not MinutesStatus.APPROVED
        and now < closes_at(round_.remarks_until)
    )


def _remark_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise Refusal(_l("Schrijf uw opmerking."), field="text")
    if len(text) > REMARK_MAX:
        raise Refusal(_l("Hoogstens %(max)d tekens.", max=REMARK_MAX), field="text")
    return text


def add_remark(link: RemarkLink, text: str | None, *, now: datetime) -> MinutesRemark:
    """Keep the member's remark on the draft and record it in the audit trail."""
    round_ = link.round
    if not is_open(round_, now):
        raise Refusal(_l("De termijn voor opmerkingen op dit ontwerpverslag is voorbij."))
    remark = MinutesRemark(
        link=link, minutes_id=round_.minutes_id, text=_remark_text(text), created_at=now
    )
    db.session.add(remark)
    db.session.flush()
    meeting = round_.minutes.meeting
    audit.record(
        None,
        "minutes.remark",
        round_.minutes,
        municipality_id=meeting.municipality_id,
        summary=f"{meeting.title}: opmerking op het ontwerpverslag van {link.name}",
        details={"remark": remark.id, "round": round_.id, "characters": len(remark.text)},
        actor_label=f"{link.name} (persoonlijke link)",
    )
    return remark


def draft_pdf(link: RemarkLink) -> bytes | None:
    """The PDF of the draft as it was circulated in the link's round."""
    version = link.round.version
    return version.pdf if version is not None else None


# --- the secretary's view -------------------------------------------------------------------


def remarks_of(minutes: Minutes) -> Sequence[MinutesRemark]:
    """Every remark on these minutes, the oldest first, with who sent it and in which round."""
    return db.session.scalars(
        sa.select(MinutesRemark)
        .where(MinutesRemark.minutes_id == minutes.id)
        .options(joinedload(MinutesRemark.link).joinedload(RemarkLink.round))
        .order_by(MinutesRemark.created_at, MinutesRemark.id)
    ).all()


def current_round(minutes: Minutes) -> RemarksRound | None:
    """The latest round of these minutes (None before the first circulation)."""
    return db.session.scalar(
        sa.select(RemarksRound)
        .where(RemarksRound.minutes_id == minutes.id)
        .order_by(RemarksRound.created_at.desc(), RemarksRound.id.desc())
        .limit(1)
    )
