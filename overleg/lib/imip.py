"""Answers that come back from calendar programs: iTIP (RFC 5546) carried by mail (iMIP, RFC 6047).

`read_reply(raw)` takes the raw bytes of one mail and returns a plain value, `ReadMail`, with the
scheduling messages it carries (METHOD REPLY, COUNTER or REFRESH) or, when it carries none that
overleg can use, the `Problem` in words. Nothing here touches the database, and no input makes it
raise: a malformed mail is a problem with a reason, never an exception.

What real clients send, and how it is read:
- the calendar is a `text/calendar` part inside multipart/alternative (Outlook, Exchange,
  outlook.com), an attachment (`text/calendar` or `application/ics`, Apple Calendar, Google and
  Thunderbird send both), quoted-printable, base64, 7bit or 8bit, in UTF-8 or Windows-1252 (a
  declared charset is tried first, then UTF-8, then Windows-1252); the same message found in
  several parts counts once;
- ATTENDEE and ORGANIZER addresses are `mailto:` URIs in any case (`MAILTO:` from Outlook) and are
  compared case-insensitively: `address()` gives the one normal form. Apple writes an EMAIL
  parameter, used when the value itself is not a mailto URI;
- ORGANIZER is optional (outlook.com leaves it out of its replies);
- a REPLY has one ATTENDEE with its PARTSTAT; when it delegates (PARTSTAT=DELEGATED with
  DELEGATED-TO) it may also list the delegate (DELEGATED-FROM), whose name is then taken from it;
- a COUNTER proposes a new DTSTART and DTEND; a time without zone (floating, or a TZID the file
  does not define) is read as Brussels time, the time zone of every meeting;
- SEQUENCE says which version of the invitation the answer is for (0 when absent).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Component

from overleg.lib.dates import BRUSSELS

# A calendar reply is a few kilobytes; anything much larger is not one (and is not parsed).
MAX_CALENDAR_BYTES = 256 * 1024
MAX_CALENDAR_PARTS = 10
ADDRESS_MAX = 254
NAME_MAX = 200
COMMENT_MAX = 2000
UID_MAX = 255

_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})
_MAILTO = re.compile(r"^\s*mailto:", re.IGNORECASE)
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")  # and lone surrogates


class Method(enum.StrEnum):
    REPLY = "REPLY"
    COUNTER = "COUNTER"
    REFRESH = "REFRESH"


class PartStat(enum.StrEnum):
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"
    DELEGATED = "DELEGATED"


class Problem(enum.StrEnum):
    """Why a mail carries no scheduling message overleg can use."""

    UNREADABLE_MAIL = "unreadable_mail"
    NO_CALENDAR = "no_calendar"
    TOO_LARGE = "too_large"
    UNREADABLE_CALENDAR = "unreadable_calendar"
    OTHER_METHOD = "other_method"
    NO_EVENT = "no_event"
    NO_UID = "no_uid"
    NO_ATTENDEE = "no_attendee"
    SEVERAL_ATTENDEES = "several_attendees"
    BAD_ADDRESS = "bad_address"
    NO_ANSWER = "no_answer"
    BAD_SEQUENCE = "bad_sequence"
    NO_PROPOSED_TIME = "no_proposed_time"

    @property
    def text(self) -> LazyString:
        return PROBLEM_TEXT[self]


PROBLEM_TEXT: dict[Problem, LazyString] = {
    Problem.UNREADABLE_MAIL: _l("Het bericht kon niet gelezen worden."),
    Problem.NO_CALENDAR: _l("Het bericht bevat geen agenda-antwoord (geen iCalendar-deel)."),
    Problem.TOO_LARGE: _l("Het iCalendar-deel is te groot voor een agenda-antwoord."),
    Problem.UNREADABLE_CALENDAR: _l("Het iCalendar-deel kon niet gelezen worden."),
    Problem.OTHER_METHOD: _l(
        "Het iCalendar-deel is geen antwoord (METHOD is niet REPLY, COUNTER of REFRESH)."
    ),
    Problem.NO_EVENT: _l("Het iCalendar-deel bevat geen afspraak (VEVENT)."),
    Problem.NO_UID: _l("De afspraak heeft geen UID."),
    Problem.NO_ATTENDEE: _l("Het antwoord noemt geen deelnemer (ATTENDEE)."),
    Problem.SEVERAL_ATTENDEES: _l("Het antwoord noemt meer dan één deelnemer (ATTENDEE)."),
    Problem.BAD_ADDRESS: _l("Het adres van de deelnemer is geen geldig e-mailadres."),
    Problem.NO_ANSWER: _l("Het antwoord zegt niet of de deelnemer komt (PARTSTAT)."),
    Problem.BAD_SEQUENCE: _l("Het volgnummer (SEQUENCE) van het antwoord is ongeldig."),
    Problem.NO_PROPOSED_TIME: _l("Het tegenvoorstel noemt geen geldig nieuw begin en einde."),
}


@dataclass(frozen=True)
class Party:
    """A calendar user: the address in its normal form (`address()`) and the name, if given."""

    address: str
    name: str = ""


@dataclass(frozen=True)
class Proposal:
    """The new time a COUNTER proposes, timezone-aware, in UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ItipMessage:
    """One scheduling message from an attendee about one event."""

    method: Method
    uid: str
    sequence: int
    attendee: Party
    partstat: PartStat | None = None  # always set for a REPLY
    delegated_to: Party | None = None
    proposal: Proposal | None = None  # always set for a COUNTER
    organizer: str = ""  # the ORGANIZER's address; "" when the client left it out
    comment: str = ""


@dataclass(frozen=True)
class ReadMail:
    """What one mail carries: its messages, or the problem that leaves it without any."""

    message_id: str = ""
    sender: str = ""  # the From address in its normal form ("" when there is none)
    subject: str = ""
    messages: tuple[ItipMessage, ...] = ()
    problem: Problem | None = None
    detail: str = ""  # technical detail of the problem (the METHOD found, the bad value)

    @property
    def reason(self) -> LazyString | None:
        return self.problem.text if self.problem is not None else None


class _Unusable(Exception):
    """A calendar part that carries no usable message; internal to this module."""

    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.detail = detail


# --- addresses and text -------------------------------------------------------------------


def address(value: object) -> str:
    """The normal form of a calendar or mail address: no `mailto:` (any case), lower case.

    "" when the value is not one plain e-mail address.
    """
    text = _MAILTO.sub("", str(value or "")).strip().lower()
    if len(text) > ADDRESS_MAX or not text.isprintable() or not _ADDRESS.match(text):
        return ""
    return text


def _plain(value: object, limit: int) -> str:
    """A parameter or text value as one tidy line (control characters removed), cut to `limit`."""
    text = _CONTROL.sub("", "" if value is None else str(value)).replace("\n", " ").strip()
    return " ".join(text.split())[:limit]


# --- the mail -----------------------------------------------------------------------------


def read_reply(raw: bytes) -> ReadMail:
    """The scheduling messages in one raw mail, or the problem in words. Never raises."""
    try:
        mail = BytesParser(policy=policy.default).parsebytes(raw)
        headers = _headers(mail)
    except Exception as error:  # any malformed mail is a problem, not a crash
        return ReadMail(problem=Problem.UNREADABLE_MAIL, detail=type(error).__name__)
    try:
        messages, problem = _messages(mail)
    except Exception as error:  # the same for a part the email package trips on
        return replace(headers, problem=Problem.UNREADABLE_MAIL, detail=type(error).__name__)
    if messages:
        return replace(headers, messages=tuple(messages))
    if problem is None:
        return replace(headers, problem=Problem.NO_CALENDAR)
    return replace(headers, problem=problem.problem, detail=problem.detail)


def _headers(mail: EmailMessage) -> ReadMail:
    return ReadMail(
        message_id=_plain(mail.get("Message-ID", ""), 300),
        sender=_sender(mail),
        subject=_plain(mail.get("Subject", ""), 300),
    )


def _sender(mail: EmailMessage) -> str:
    header = mail.get("From")
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    for found in addresses:
        normal = address(found.addr_spec)
        if normal:
            return normal
    return ""


def _messages(mail: EmailMessage) -> tuple[list[ItipMessage], _Unusable | None]:
    """Every distinct message in the calendar parts, and the first problem met on the way."""
    messages: list[ItipMessage] = []
    first_problem: _Unusable | None = None
    for part in _calendar_parts(mail):
        try:
            found = _part_messages(part)
        except _Unusable as problem:
            first_problem = first_problem or problem
            continue
        messages.extend(message for message in found if message not in messages)
    return messages, first_problem


def _calendar_parts(mail: Message) -> Iterator[Message]:
    count = 0
    for part in mail.walk():
        if part.get_content_type() in _CALENDAR_TYPES or _is_ics_attachment(part):
            count += 1
            if count > MAX_CALENDAR_PARTS:
                return
            yield part


def _is_ics_attachment(part: Message) -> bool:
    """An attachment named *.ics sent as application/octet-stream (some webmail does)."""
    if part.get_content_type() != "application/octet-stream":
        return False
    name = part.get_filename() or ""
    return name.lower().endswith(".ics")


def _part_messages(part: Message) -> list[ItipMessage]:
    text = _part_text(part)
    try:
        calendar = Calendar.from_ical(text)
    except Exception as error:  # icalendar raises several kinds for bad input
        raise _Unusable(Problem.UNREADABLE_CALENDAR, type(error).__name__) from error
    if not isinstance(calendar, Calendar):
        raise _Unusable(Problem.UNREADABLE_CALENDAR)
    return _calendar_messages(calendar)


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise _Unusable(Problem.UNREADABLE_CALENDAR, "empty")
    if len(payload) > MAX_CALENDAR_BYTES:
        raise _Unusable(Problem.TOO_LARGE, f"{len(payload)} bytes")
    return decode_text(payload, part.get_content_charset())


def decode_text(payload: bytes, declared: str | None) -> str:
    """Bytes as text: the declared charset, else UTF-8, else Windows-1252 (never fails)."""
    for charset in (declared, "utf-8"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("cp1252", errors="replace")


# --- the calendar -------------------------------------------------------------------------


def _calendar_messages(calendar: Calendar) -> list[ItipMessage]:
    method = _plain(calendar.get("METHOD", ""), 40).upper()
    if method not in Method.__members__:
        raise _Unusable(Problem.OTHER_METHOD, method or "-")
    events = [
        component
        for component in calendar.walk()
        if isinstance(component, Component) and component.name == "VEVENT"
    ]
    if not events:
        raise _Unusable(Problem.NO_EVENT)
    return [_event_message(Method(method), event) for event in events]


def _event_message(method: Method, event: Component) -> ItipMessage:
    uid = _plain(event.get("UID", ""), UID_MAX + 1)
    if not uid or len(uid) > UID_MAX:
        raise _Unusable(Problem.NO_UID)
    attendee, delegate = _attendee(event)
    return ItipMessage(
        method=method,
        uid=uid,
        sequence=_sequence(event),
        attendee=attendee,
        partstat=_partstat(method, event),
        delegated_to=delegate,
        proposal=_proposal(event) if method is Method.COUNTER else None,
        organizer=address(event.get("ORGANIZER", "")),
        comment=_comment(event),
    )


def _attendee_props(event: Component) -> list[Any]:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _param(prop: Any, name: str) -> str:
    params = getattr(prop, "params", None)
    if params is None:
        return ""
    return _plain(params.get(name, ""), ADDRESS_MAX + 10)


def _party(prop: Any) -> Party:
    found = address(prop) or address(_param(prop, "EMAIL"))
    if not found:
        raise _Unusable(Problem.BAD_ADDRESS, _plain(prop, 80))
    return Party(found, _plain(_param(prop, "CN").strip("\"'"), NAME_MAX))


def _attendee(event: Component) -> tuple[Party, Party | None]:
    """The one attendee who answers, and the delegate they name (with the delegate's name when
    the reply lists the delegate too)."""
    props = _attendee_props(event)
    answering = [prop for prop in props if not _param(prop, "DELEGATED-FROM")]
    if not answering:
        raise _Unusable(Problem.NO_ATTENDEE)
    if len(answering) > 1:
        raise _Unusable(Problem.SEVERAL_ATTENDEES, str(len(answering)))
    attendee = _party(answering[0])
    delegated_to = _param(answering[0], "DELEGATED-TO").split(",")[0]
    if not delegated_to:
        return attendee, None
    delegate = address(delegated_to.strip("\"' "))
    if not delegate:
        raise _Unusable(Problem.BAD_ADDRESS, _plain(delegated_to, 80))
    names = {address(prop): _param(prop, "CN").strip("\"'") for prop in props}
    return attendee, Party(delegate, _plain(names.get(delegate, ""), NAME_MAX))


def _partstat(method: Method, event: Component) -> PartStat | None:
    props = [p for p in _attendee_props(event) if not _param(p, "DELEGATED-FROM")]
    value = _param(props[0], "PARTSTAT").upper() if props else ""
    if value in PartStat.__members__:
        return PartStat(value)
    if method is Method.REPLY:
        raise _Unusable(Problem.NO_ANSWER, value or "-")
    return None


def _sequence(event: Component) -> int:
    raw = event.get("SEQUENCE")
    if raw is None:
        return 0
    text = _plain(raw, 20)
    if not text.isascii() or not text.isdigit() or int(text) > 2**31 - 1:
        raise _Unusable(Problem.BAD_SEQUENCE, text)
    return int(text)


def _comment(event: Component) -> str:
    value = event.get("COMMENT")
    if isinstance(value, list):
        value = value[0] if value else ""
    text = _CONTROL.sub("", str(value or "")).strip()
    return text[:COMMENT_MAX]


def _proposal(event: Component) -> Proposal:
    start = _instant(event, "DTSTART")
    end = _instant(event, "DTEND")
    if start is None or end is None or end <= start:
        raise _Unusable(Problem.NO_PROPOSED_TIME)
    return Proposal(start, end)


def _instant(event: Component, name: str) -> datetime | None:
    """A DATE-TIME as a UTC instant (floating or unknown zone: Brussels); None for a DATE or
    anything unreadable."""
    try:
        value = event.decoded(name)
    except Exception:  # absent or malformed: no proposal
        return None
    if isinstance(value, datetime):
        local = value if value.tzinfo is not None else value.replace(tzinfo=BRUSSELS)
        try:
            return local.astimezone(UTC)
        except (OverflowError, ValueError):
            return None
    if isinstance(value, date):
        return None
    return None
