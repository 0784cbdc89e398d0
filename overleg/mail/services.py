"""Reading the outbox for the coordinators' pages: lists, counts and parsed messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlalchemy.sql.elements import ColumnElement

from overleg.extensions import db
from overleg.mail import outbox
from overleg.mail.messages import parts_by_type
from overleg.models import Meeting, Municipality, OutboxMessage, OutboxStatus
from overleg.web.pagination import Page, paginate

PER_PAGE = 50
MEETING_CHOICES = 100  # the latest meetings with mail offered by the outbox's filter


def counts(visible: ColumnElement[bool]) -> dict[str, int]:
    """Number of visible messages per status (one query)."""
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id))
        .where(visible)
        .group_by(OutboxMessage.status)
    ).all()
    result = {status.value: 0 for status in OutboxStatus}
    for status, n in rows:
        result[OutboxStatus(status).value] = n
    return result


def narrowed(
    visible: ColumnElement[bool], *, meeting_id: int | None = None, recipient: str = ""
) -> ColumnElement[bool]:
    """`visible` narrowed to one meeting's mail and to recipients whose name or address holds
    `recipient` (in any case; % and _ are plain characters)."""
    conditions = [visible]
    if meeting_id is not None:
        conditions.append(OutboxMessage.meeting_id == meeting_id)
    if recipient:
        conditions.append(
            sa.or_(
                OutboxMessage.to_address.icontains(recipient, autoescape=True),
                OutboxMessage.to_name.icontains(recipient, autoescape=True),
            )
        )
    return sa.and_(*conditions)


class MeetingWithMail(NamedTuple):
    id: int
    start_at: datetime
    municipality: str
    title: str


def meetings_with_mail(
    visible: ColumnElement[bool], *, chosen: int | None = None, limit: int = MEETING_CHOICES
) -> list[MeetingWithMail]:
    """The meetings with mail in `visible`, the `limit` latest first, and `chosen` among them
    when it has mail there too (one query, plain rows: the outbox filter's choices)."""
    with_mail = sa.select(OutboxMessage.meeting_id).where(visible)
    latest = (
        sa.select(Meeting.id)
        .where(Meeting.id.in_(with_mail))
        .order_by(Meeting.start_at.desc(), Meeting.id.desc())
        .limit(limit)
    )
    shown: ColumnElement[bool] = Meeting.id.in_(latest.scalar_subquery())
    if chosen is not None:
        shown = sa.or_(shown, sa.and_(Meeting.id == chosen, Meeting.id.in_(with_mail)))
    rows = db.session.execute(
        sa.select(Meeting.id, Meeting.start_at, Municipality.name, Meeting.title)
        .join(Municipality, Meeting.municipality_id == Municipality.id)
        .where(shown)
        .order_by(Meeting.start_at.desc(), Meeting.id.desc())
    )
    return [MeetingWithMail(*row) for row in rows]


def list_messages(
    visible: ColumnElement[bool], *, status: OutboxStatus | None = None, page: int = 1
) -> Page[OutboxMessage]:
    """The newest messages first, optionally of one status (two queries, no body loaded)."""
    statement = (
        sa.select(OutboxMessage)
        .where(visible)
        .options(defer(OutboxMessage.raw))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return paginate(statement, page, PER_PAGE)


@dataclass(frozen=True)
class AttachmentInfo:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    message: EmailMessage
    text: str
    has_html: bool
    calendar_method: str
    attachments: list[AttachmentInfo]


def attachments_of(message: EmailMessage) -> list[EmailMessage]:
    return list(message.iter_attachments())


def parsed(row: OutboxMessage) -> ParsedMessage:
    message = outbox.parse(row)
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    html = message.get_body(("html",))
    by_type = parts_by_type(message)
    calendar = by_type.get("text/calendar", [])
    method = str(calendar[0].get_param("method") or "") if calendar else ""
    infos = []
    for index, part in enumerate(attachments_of(message)):
        content = part.get_content()
        size = len(content) if isinstance(content, bytes | str) else 0
        infos.append(
            AttachmentInfo(
                index, part.get_filename() or f"bijlage-{index + 1}", part.get_content_type(), size
            )
        )
    return ParsedMessage(message, text, html is not None, method, infos)


def html_body(row: OutboxMessage) -> str | None:
    part = outbox.parse(row).get_body(("html",))
    return part.get_content() if part is not None else None


def attachment(row: OutboxMessage, index: int) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of the attachment at `index`, or None."""
    parts = attachments_of(outbox.parse(row))
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    content = part.get_content()
    if isinstance(content, str):
        content = content.encode("utf-8")
    return part.get_filename() or f"bijlage-{index + 1}", part.get_content_type(), content
