"""The message builder: structure, one recipient, no header injection."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overleg.services.mail import (
    Attachment,
    HeaderInjectionError,
    Sender,
    build_message,
    clean_header_text,
    parts_by_type,
)

SENDER = Sender("overleg@demo.overleg.be", "Coördinator woonoverleg")
ICS = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_invitation_structure_survives_the_wire():
    message = build_message(
        sender=SENDER,
        to_address="an@example.be",
        to_name="An Peeters",
        subject="Uitnodiging: lokaal woonoverleg Geel",
        text="Beste An",
        html="<p>Beste An</p>",
        calendar=ICS,
        calendar_method="REQUEST",
        attachments=[
            Attachment("uitnodiging.ics", ICS, "text/calendar"),
            Attachment("agenda.pdf", b"%PDF-1.7 test", "application/pdf"),
        ],
    )
    parsed = _parse(message.as_bytes())
    assert parsed.get_content_type() == "multipart/mixed"
    alternative = next(p for p in parsed.walk() if p.get_content_type() == "multipart/alternative")
    inner = [p.get_content_type() for p in alternative.iter_parts()]
    assert inner == ["text/plain", "text/html", "text/calendar"]
    calendar_part = list(alternative.iter_parts())[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content().replace("\r\n", "\n") == ICS.decode().replace("\r\n", "\n")
    attachments = {a.get_filename(): a for a in parsed.iter_attachments()}
    assert set(attachments) == {"uitnodiging.ics", "agenda.pdf"}
    assert attachments["agenda.pdf"].get_content() == b"%PDF-1.7 test"
    assert attachments["uitnodiging.ics"].get_content_charset() == "utf-8"
    assert attachments["uitnodiging.ics"].get_param("method") == "REQUEST"
    assert parsed["To"].addresses[0].addr_spec == "an@example.be"
    assert len(parsed.get_all("To")) == 1
    assert parsed["Cc"] is None and parsed["Bcc"] is None
    assert parsed["Message-ID"].endswith("@demo.overleg.be>")
    assert set(parts_by_type(parsed)) >= {"text/plain", "text/html", "text/calendar"}


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "Uitnodiging\r\nBcc: iedereen@example.be"),
        ("subject", "Uitnodiging\nX-Evil: 1"),
        ("to_name", "An\rBcc: x@example.be"),
        ("to_address", "an@example.be\r\nBcc: x@example.be"),
        ("to_address", "an@example.be, b@example.be"),
        ("to_address", "An <an@example.be>"),
    ],
)
def test_header_injection_is_refused(field, value):
    kwargs = {"to_address": "an@example.be", "to_name": "An", "subject": "Onderwerp"}
    kwargs[field] = value
    with pytest.raises(HeaderInjectionError):
        build_message(sender=SENDER, text="x", **kwargs)


def test_encoded_words_in_user_text_are_shown_as_typed_not_decoded():
    message = build_message(
        sender=SENDER,
        to_address="an@example.be",
        to_name="=?utf-8?q?Burgemeester?=",
        subject="Vergadering =?utf-8?b?QmNjOiB4QGV4YW1wbGUuYmU=?=",
        text="x",
    )
    parsed = _parse(message.as_bytes())
    assert "Bcc: x@example.be" not in str(parsed["Subject"])
    assert "QmNjOiB4QGV4YW1wbGUuYmU" in str(parsed["Subject"])
    assert parsed["To"].addresses[0].display_name != "Burgemeester"


@given(st.text(min_size=1, max_size=80))
def test_any_single_line_subject_round_trips_or_is_refused(subject):
    try:
        cleaned = clean_header_text(subject)
    except HeaderInjectionError:
        assert any(c in subject for c in "\r\n") or any(
            ord(c) < 32 or ord(c) == 127 or c in "\u0085\u2028\u2029" for c in subject
        )
        return
    message = build_message(sender=SENDER, to_address="an@example.be", subject=subject, text="x")
    parsed = _parse(message.as_bytes())
    assert str(parsed["Subject"]) == cleaned
    assert len(parsed.get_all("Subject")) == 1
