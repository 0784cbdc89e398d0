"""Calendar feeds (METHOD:PUBLISH) and the public calendar: which meetings, with what detail.

- public, per municipality: time, place and title only, no personal data;
- personal, per contact (secret token): the meetings the contact is invited to, with the agenda
  and the personal answer link;
- per user (secret token): every meeting of the municipalities the user may see (for a
  coordinator: all municipalities of the platform).
Cancelled meetings stay in a feed as cancelled until their date has passed, then drop out; past
meetings stay for PAST_DAYS so calendars keep a little history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from overleg.audit import services as audit
from overleg.auth.permissions import meeting_filter, meeting_of_municipality
from overleg.directory import lineage
from overleg.extensions import db
from overleg.lib import ical, tokens
from overleg.models import Contact, Invitation, Meeting, MeetingStatus, Municipality, User

PAST_DAYS = 90
FUTURE_DAYS = 2 * 366


def _window(now: datetime) -> ColumnElement[bool]:
    """Meetings a feed shows: recent and future ones; cancelled ones only until their date."""
    return sa.and_(
        Meeting.start_at >= now - timedelta(days=PAST_DAYS),
        Meeting.start_at <= now + timedelta(days=FUTURE_DAYS),
        sa.or_(Meeting.status != MeetingStatus.CANCELLED, Meeting.end_at >= now),
    )


def _meetings(where: Sequence[ColumnElement[bool]], *, with_agenda: bool) -> list[Meeting]:
    query = sa.select(Meeting).where(*where).order_by(Meeting.start_at, Meeting.id)
    options = [selectinload(Meeting.municipality)]
    if with_agenda:
        options.append(selectinload(Meeting.agenda_items))
    return list(db.session.scalars(query.options(*options)))


def municipality_by_slug(slug: str) -> Municipality | None:
    return db.session.scalar(sa.select(Municipality).where(Municipality.slug == slug))


def _held_by(municipality: Municipality) -> ColumnElement[bool]:
    """The meetings of the municipality and of the former ones merged into it (its history)."""
    former = [m.id for m in lineage.predecessors(municipality)]
    return meeting_of_municipality([municipality.id, *former])


def public_meetings(municipality: Municipality, now: datetime) -> list[Meeting]:
    return _meetings([_held_by(municipality), _window(now)], with_agenda=False)


def public_version(municipality: Municipality, now: datetime) -> str:
    """A short fingerprint of what the public feed shows (one aggregate query), for ETags.

    It changes when a meeting in the window changes (updated_at, SEQUENCE, status), appears or
    drops out, and at least daily.
    """
    row = db.session.execute(
        sa.select(
            sa.func.count(Meeting.id),
            sa.func.max(Meeting.updated_at),
            sa.func.sum(Meeting.ical_sequence),
            sa.func.sum(Meeting.id),
        ).where(_held_by(municipality), _window(now))
    ).one()
    raw = f"{municipality.id}:{municipality.name}:{now.date()}:{tuple(row)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def public_feed(municipality: Municipality, *, now: datetime, page_url: str) -> bytes:
    """The public feed of one municipality: time, place and title only."""
    entries = [
        ical.FeedEntry(meeting, url=page_url) for meeting in public_meetings(municipality, now)
    ]
    return ical.feed(entries, name=f"Lokaal woonoverleg {municipality.name}", now=now)


def upcoming(
    now: datetime,
    municipality: Municipality | None = None,
    *,
    shown: ColumnElement[bool] | None = None,
) -> list[Meeting]:
    """Meetings from today on (cancelled ones shown as such), for the public calendar page: of
    one municipality, or of those `shown` selects (permissions.public_calendar_filter)."""
    where: list[ColumnElement[bool]] = [
        Meeting.end_at >= now,
        Meeting.start_at <= now + timedelta(days=FUTURE_DAYS),
    ]
    if municipality is not None:
        where.append(_held_by(municipality))
    if shown is not None:
        where.append(Meeting.municipality_id.in_(sa.select(Municipality.id).where(shown)))
    return _meetings(where, with_agenda=False)


def municipalities(shown: ColumnElement[bool]) -> list[Municipality]:
    """The municipalities `shown` selects (permissions.public_calendar_filter), by name."""
    return list(
        db.session.scalars(sa.select(Municipality).where(shown).order_by(Municipality.name))
    )


# --- personal feed of a contact -----------------------------------------------------------------


def contact_by_feed_token(token: str) -> Contact | None:
    if not tokens.well_formed(token):
        return None
    contact = db.session.scalar(sa.select(Contact).where(Contact.feed_token == token))
    if contact is None or contact.erased_at is not None:
        return None
    return contact


def contact_feed(contact: Contact, *, now: datetime, base_url: str) -> bytes:
    """The meetings the contact is invited to, with agenda and personal answer link."""
    invitations = db.session.scalars(
        sa.select(Invitation)
        .join(Meeting, Invitation.meeting_id == Meeting.id)
        .where(Invitation.contact_id == contact.id, _window(now))
        .options(
            selectinload(Invitation.meeting).selectinload(Meeting.agenda_items),
            selectinload(Invitation.meeting).selectinload(Meeting.municipality),
        )
        .order_by(Meeting.start_at)
    ).all()
    entries = []
    for invitation in invitations:
        answer = ""
        if invitation.token and invitation.token_revoked_at is None:
            answer = f"{base_url}/rsvp/{invitation.token}"
        links = ical.Links(answer=answer)
        entries.append(
            ical.FeedEntry(
                invitation.meeting,
                url=answer,
                description=ical.description(invitation.meeting, links),
            )
        )
    return ical.feed(entries, name=f"Woonoverleg: {contact.full_name}", now=now)


def revoke_contact_feed(contact: Contact, *, user: User | None) -> None:
    """The contact's feed address stops working (a new one comes with the next invitation)."""
    if contact.feed_token is None:
        return
    contact.feed_token = None
    if user is not None:
        audit.record(
            user,
            "contact.revoke_feed",
            contact,
            summary=f"Agenda-abonnement van {contact.full_name} ingetrokken",
        )


# --- a user's feed (a coordinator: every municipality) --------------------------------------


def user_by_feed_token(token: str) -> User | None:
    if not tokens.well_formed(token):
        return None
    user = db.session.scalar(sa.select(User).where(User.feed_token == token))
    if user is None or not user.active:
        return None
    return user


def user_feed(user: User, *, now: datetime, base_url: str) -> bytes:
    """Every meeting of the municipalities this user may see, with agenda and page link."""
    meetings = _meetings([meeting_filter(user), _window(now)], with_agenda=True)
    entries = []
    for meeting in meetings:
        url = f"{base_url}/meetings/{meeting.id}"
        summary_links = ical.Links(meeting=url)
        entries.append(
            ical.FeedEntry(
                meeting,
                url=url,
                description=f"{meeting.municipality.name}\n\n"
                + ical.description(meeting, summary_links),
            )
        )
    return ical.feed(entries, name=f"Woonoverleg: {user.platform.name}", now=now)


def renew_user_feed(user: User) -> str:
    """A new secret feed address for the user; the old one stops working. Does not commit."""
    user.feed_token = tokens.new_token()
    audit.record(user, "user.renew_feed", user, summary="Nieuw agenda-abonnement aangemaakt")
    return user.feed_token


def revoke_user_feed(user: User) -> None:
    if user.feed_token is None:
        return
    user.feed_token = None
    audit.record(user, "user.revoke_feed", user, summary="Agenda-abonnement ingetrokken")


def user_feed_links(user: User, base_url: str) -> dict[str, str]:
    """The address of the user's feed (on `base_url`) and its webcal:// form (empty without a
    feed). Needs an app context (url_for)."""
    if not user.feed_token:
        return {"feed_url": "", "webcal_url": ""}
    feed_url = f"{base_url}{url_for('feeds.user_feed', token=user.feed_token)}"
    return {"feed_url": feed_url, "webcal_url": webcal(feed_url)}


def webcal(url: str) -> str:
    """The webcal:// form of an http(s) feed URL (calendar programs subscribe to it)."""
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url
