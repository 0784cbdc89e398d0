"""Reading calendar answers (overleg.lib.imip): real clients' replies, and malformed mail.

The .eml files in tests/data/imip/ are written by hand after each client's documented and
observed format (headers, MIME structure, transfer encoding, charset, PRODID, the X- properties
they add); they all answer the same invitation (UID in `UID`).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from overleg.lib import imip
from overleg.lib.imip import Method, PartStat, Problem, read_reply

DATA = Path(__file__).resolve().parent.parent / "data" / "imip"
UID = "7d1f0c52-8a4e-4c1b-9a57-3b2e61f0a9d4@overleg"
ORGANISER = "antwoorden@overleg.example.be"

# file: (method, attendee, partstat, organizer)
CLIENTS = {
    "outlook-accepted.eml": (
        Method.REPLY,
        "jan.peeters@woonmaatschappij-kempen.be",
        PartStat.ACCEPTED,
        ORGANISER,
    ),
    "outlook-counter.eml": (
        Method.COUNTER,
        "severine.dubois@caw-kempen.be",
        PartStat.TENTATIVE,
        ORGANISER,
    ),
    "google-accepted.eml": (Method.REPLY, "lotte.janssens@gmail.com", PartStat.ACCEPTED, ORGANISER),
    "apple-tentative.eml": (Method.REPLY, "els.maes@icloud.com", PartStat.TENTATIVE, ORGANISER),
    "thunderbird-declined.eml": (
        Method.REPLY,
        "wim.verbruggen@ocmw-noorderdorp.be",
        PartStat.DECLINED,
        ORGANISER,
    ),
    "thunderbird-delegated.eml": (
        Method.REPLY,
        "wim.verbruggen@ocmw-noorderdorp.be",
        PartStat.DELEGATED,
        ORGANISER,
    ),
    "outlookcom-no-organizer.eml": (
        Method.REPLY,
        "frederic.wouters@outlook.com",
        PartStat.ACCEPTED,
        "",
    ),
    "refresh.eml": (Method.REFRESH, "jan.peeters@woonmaatschappij-kempen.be", None, ORGANISER),
}


def _raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _calendar_parts(raw: bytes) -> list[bytes]:
    mail = message_from_bytes(raw, policy=policy.default)
    return [
        part.get_payload(decode=True)
        for part in mail.walk()
        if part.get_content_type() in ("text/calendar", "application/ics")
    ]


def test_every_client_file_is_here() -> None:
    assert sorted(p.name for p in DATA.glob("*.eml")) == sorted(CLIENTS)


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_each_file_is_a_whole_mail_whose_calendar_icalendar_reads(name: str) -> None:
    parts = _calendar_parts(_raw(name))
    assert parts
    for data in parts:
        calendar = Calendar.from_ical(data)
        assert str(calendar["METHOD"]) in {"REPLY", "COUNTER", "REFRESH"}
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == UID


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_each_client_reply_is_understood(name: str) -> None:
    method, attendee, partstat, organizer = CLIENTS[name]
    read = read_reply(_raw(name))
    assert read.problem is None and read.reason is None
    (message,) = read.messages  # Google's and Thunderbird's two copies count once
    assert message.method is method
    assert message.uid == UID
    assert message.sequence == 0
    assert message.attendee.address == attendee
    assert message.partstat is partstat
    assert message.organizer == organizer
    assert read.sender == attendee
    assert read.message_id


def test_outlook_writes_mailto_in_capitals_and_the_address_in_mixed_case() -> None:
    assert b"MAILTO:Jan.Peeters@Woonmaatschappij-Kempen.be" in base64.b64decode(
        _raw("outlook-accepted.eml").split(b"base64\r\n\r\n")[1].split(b"\r\n\r\n")[0]
    )
    read = read_reply(_raw("outlook-accepted.eml"))
    assert read.messages[0].attendee == imip.Party(
        "jan.peeters@woonmaatschappij-kempen.be", "Jan Peeters"
    )


def test_windows_1252_quoted_printable_names_and_comments() -> None:
    counter = read_reply(_raw("outlook-counter.eml")).messages[0]
    assert counter.attendee.name == "Séverine Dubois"
    assert counter.comment == "Woensdagnamiddag heb ik al een overleg; kan het donderdag?"
    assert read_reply(_raw("outlookcom-no-organizer.eml")).messages[0].attendee.name == (
        "Frédéric Wouters"
    )


def test_a_counter_proposes_a_timezone_aware_time() -> None:
    proposal = read_reply(_raw("outlook-counter.eml")).messages[0].proposal
    assert proposal is not None
    # Thursday 18 March 2027 10:00-12:00 in Brussels ("Romance Standard Time") is 09:00 UTC.
    assert proposal.start == datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
    assert proposal.end == datetime(2027, 3, 18, 11, 0, tzinfo=UTC)
    assert proposal.start.tzinfo is not None


def test_a_delegation_names_the_delegate_with_their_name() -> None:
    message = read_reply(_raw("thunderbird-delegated.eml")).messages[0]
    assert message.delegated_to == imip.Party("hilde.claes@ocmw-noorderdorp.be", "Hilde Claes")


def test_a_declined_reply_keeps_its_comment() -> None:
    message = read_reply(_raw("thunderbird-declined.eml")).messages[0]
    assert message.comment.startswith("Ik ben die week op verlof.")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mailto:an@x.be", "an@x.be"),
        ("MAILTO:An@X.be", "an@x.be"),
        ("MailTo: an@x.be ", "an@x.be"),
        ("an@x.be", "an@x.be"),
        ("mailto:", ""),
        ("urn:uuid:1234", ""),
        ("mailto:an@x.be,bo@x.be", ""),
        ("mailto:a n@x.be", ""),
        ("mailto:an@localhost", ""),
        ("mailto:\udcddan@x.be", ""),  # what the email package makes of an undecodable byte
        ("mailto:an\x00@x.be", ""),
        (None, ""),
        ("mailto:" + "a" * 250 + "@x.be", ""),
    ],
)
def test_addresses_have_one_normal_form(value: object, expected: str) -> None:
    assert imip.address(value) == expected


# --- malformed messages ---------------------------------------------------------------------


def _mail(calendar: str, *, content_type: str = "text/calendar; method=REPLY") -> bytes:
    return (
        "From: An <an@x.be>\r\nTo: antwoorden@overleg.example.be\r\nSubject: Antwoord\r\n"
        f"Message-ID: <1@x.be>\r\nMIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n"
        + calendar.replace("\n", "\r\n")
    ).encode()


def _calendar(method: str = "REPLY", event: str = "") -> str:
    event = event or (
        f"UID:{UID}\nSEQUENCE:1\nATTENDEE;PARTSTAT=ACCEPTED:mailto:an@x.be\n"
        "DTSTART:20270316T130000Z\nDTEND:20270316T150000Z\n"
    )
    head = f"BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:{method}\n"
    return f"{head}BEGIN:VEVENT\n{event}END:VEVENT\nEND:VCALENDAR\n"


def test_the_minimal_reply_is_understood() -> None:
    read = read_reply(_mail(_calendar()))
    assert read.problem is None
    assert read.messages[0].sequence == 1


def test_the_email_parameter_stands_in_for_an_address_that_is_not_mailto() -> None:
    event = f'UID:{UID}\nATTENDEE;EMAIL="An@X.be";PARTSTAT=DECLINED:urn:uuid:5f1e\n'
    assert read_reply(_mail(_calendar(event=event))).messages[0].attendee.address == "an@x.be"


def test_a_floating_counter_time_is_brussels_time() -> None:
    event = f"UID:{UID}\nATTENDEE:mailto:an@x.be\nDTSTART:20270701T100000\nDTEND:20270701T120000\n"
    proposal = read_reply(_mail(_calendar("COUNTER", event))).messages[0].proposal
    assert proposal is not None and proposal.start == datetime(2027, 7, 1, 8, 0, tzinfo=UTC)


MALFORMED = {
    "no calendar": (b"From: an@x.be\r\nSubject: hallo\r\n\r\nIk kom.\r\n", Problem.NO_CALENDAR),
    "not a calendar": (_mail("dit is geen agenda"), Problem.UNREADABLE_CALENDAR),
    "empty calendar part": (_mail(""), Problem.UNREADABLE_CALENDAR),
    "a request": (_mail(_calendar("REQUEST")), Problem.OTHER_METHOD),
    "no method": (_mail(_calendar("")), Problem.OTHER_METHOD),
    "no event": (
        _mail("BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REPLY\nEND:VCALENDAR\n"),
        Problem.NO_EVENT,
    ),
    "no uid": (
        _mail(_calendar(event="ATTENDEE;PARTSTAT=ACCEPTED:mailto:an@x.be\n")),
        Problem.NO_UID,
    ),
    "no attendee": (_mail(_calendar(event=f"UID:{UID}\n")), Problem.NO_ATTENDEE),
    "two attendees": (
        _mail(
            _calendar(
                event=f"UID:{UID}\nATTENDEE;PARTSTAT=ACCEPTED:mailto:an@x.be\n"
                "ATTENDEE;PARTSTAT=DECLINED:mailto:bo@x.be\n"
            )
        ),
        Problem.SEVERAL_ATTENDEES,
    ),
    "not an address": (
        _mail(_calendar(event=f"UID:{UID}\nATTENDEE;PARTSTAT=ACCEPTED:mailto:niemand\n")),
        Problem.BAD_ADDRESS,
    ),
    "bad delegate": (
        _mail(
            _calendar(
                event=f'UID:{UID}\nATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:x":mailto:an@x.be\n'
            )
        ),
        Problem.BAD_ADDRESS,
    ),
    "no partstat": (
        _mail(_calendar(event=f"UID:{UID}\nATTENDEE:mailto:an@x.be\n")),
        Problem.NO_ANSWER,
    ),
    "needs action": (
        _mail(_calendar(event=f"UID:{UID}\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:an@x.be\n")),
        Problem.NO_ANSWER,
    ),
    "bad sequence": (
        _mail(
            _calendar(event=f"UID:{UID}\nSEQUENCE:-1\nATTENDEE;PARTSTAT=ACCEPTED:mailto:an@x.be\n")
        ),
        Problem.BAD_SEQUENCE,
    ),
    "counter without end": (
        _mail(
            _calendar("COUNTER", f"UID:{UID}\nATTENDEE:mailto:an@x.be\nDTSTART:20270316T130000Z\n")
        ),
        Problem.NO_PROPOSED_TIME,
    ),
    "counter for whole days": (
        _mail(
            _calendar(
                "COUNTER",
                f"UID:{UID}\nATTENDEE:mailto:an@x.be\nDTSTART;VALUE=DATE:20270316\n"
                "DTEND;VALUE=DATE:20270317\n",
            )
        ),
        Problem.NO_PROPOSED_TIME,
    ),
    "counter ending before it starts": (
        _mail(
            _calendar(
                "COUNTER",
                f"UID:{UID}\nATTENDEE:mailto:an@x.be\nDTSTART:20270316T150000Z\n"
                "DTEND:20270316T130000Z\n",
            )
        ),
        Problem.NO_PROPOSED_TIME,
    ),
    "too large": (_mail(_calendar() + "X" * (imip.MAX_CALENDAR_BYTES + 1)), Problem.TOO_LARGE),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_reply_has_a_clear_reason(case: str) -> None:
    raw, problem = MALFORMED[case]
    read = read_reply(raw)
    assert read.messages == ()
    assert read.problem is problem
    assert str(read.reason)


def test_one_good_copy_is_enough_when_another_is_broken() -> None:
    good = _calendar()
    raw = (
        "From: an@x.be\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nkapot\r\n"
        f"--b\r\nContent-Type: application/ics\r\n\r\n{good.replace(chr(10), chr(13) + chr(10))}"
        "--b--\r\n"
    ).encode()
    read = read_reply(raw)
    assert read.problem is None and len(read.messages) == 1


def test_every_problem_has_a_dutch_and_an_english_text(app) -> None:
    assert set(imip.PROBLEM_TEXT) == set(Problem)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_bytes_give_messages_or_a_reason(raw: bytes) -> None:
    read = read_reply(raw)
    assert read.messages or (read.problem is not None and str(read.reason))
    _storable(read)


def _storable(read: imip.ReadMail) -> None:
    """Every text can be stored (UTF-8, no lone surrogates from undecodable header bytes)."""
    texts = [read.message_id, read.sender, read.subject, read.detail]
    for message in read.messages:
        texts += [message.uid, message.attendee.address, message.attendee.name]
        texts += [message.organizer, message.comment]
    for text in texts:
        text.encode("utf-8")


_VALID = [_raw(name) for name in sorted(CLIENTS)]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_VALID),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=4000), st.binary(max_size=8)), max_size=6
    ),
    st.integers(min_value=0, max_value=4000),
)
def test_damaged_client_replies_never_crash(
    raw: bytes, edits: list[tuple[int, bytes]], cut: int
) -> None:
    """Real replies with bytes replaced and the end cut off: messages or a reason, no crash."""
    data = bytearray(raw)
    for position, replacement in edits:
        index = position % max(len(data), 1)
        data[index : index + len(replacement)] = replacement
    read = read_reply(bytes(data[: max(cut, len(data) // 2)]))
    assert read.messages or (read.problem is not None and str(read.reason))
    _storable(read)
    for message in read.messages:
        assert message.attendee.address == imip.address(message.attendee.address)
        assert message.method is not Method.REPLY or message.partstat is not None
        assert message.method is not Method.COUNTER or message.proposal is not None


_LINES = st.lists(
    st.sampled_from(
        [
            "METHOD:REPLY",
            "METHOD:COUNTER",
            "METHOD:REFRESH",
            "BEGIN:VEVENT",
            "END:VEVENT",
            f"UID:{UID}",
            "SEQUENCE:2",
            "SEQUENCE:x",
            "ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:An@X.be",
            "ATTENDEE;PARTSTAT=MAYBE:mailto:an@x.be",
            'ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:bo@x.be":mailto:an@x.be',
            "ATTENDEE:mailto:",
            "DTSTART:20270316T130000Z",
            "DTSTART;TZID=Nergens/Niets:20270316T130000",
            "DTEND:20270316T150000Z",
            "DTEND:2027",
            "ORGANIZER:mailto:antwoorden@overleg.example.be",
            "COMMENT:tot dan",
            "BEGIN:VTIMEZONE",
            "END:VTIMEZONE",
            ";;;:::",
            " folded",
        ]
    ),
    max_size=14,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_LINES, st.sampled_from(["utf-8", "cp1252"]), st.booleans())
def test_shuffled_calendar_lines_never_crash(lines: list[str], charset: str, b64: bool) -> None:
    calendar = "BEGIN:VCALENDAR\r\n" + "\r\n".join(lines) + "\r\nEND:VCALENDAR\r\n"
    body = calendar.encode(charset)
    encoding = "base64" if b64 else "8bit"
    if b64:
        body = base64.encodebytes(body)
    raw = (
        f"From: an@x.be\r\nContent-Type: text/calendar; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode() + body
    read = read_reply(raw)
    assert read.messages or (read.problem is not None and str(read.reason))
