"""The message builder: structure, one recipient, no header injection."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overleg.mail.messages import (
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


# --- build_raw_message: the same message as build_message, written directly -----------------

_BODY = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["\n", "\r\n", "\r", "=", " ", "\t", ".", "é", "🏠", "x" * 90, "--"]),
    ),
    max_size=300,
).map("".join)
_HEADER_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=120,
)


def _tree(raw: bytes) -> list[tuple]:
    """What a mail program sees: every part's type, parameters, disposition and content."""
    parsed = _parse(raw)
    parts = []
    for part in parsed.walk():
        params = sorted(
            (key, value)
            for key, value in part.get_params() or []
            if key not in ("boundary", part.get_content_type())
        )
        content = None if part.is_multipart() else part.get_content()
        parts.append(
            (
                part.get_content_type(),
                params,
                part.get_content_disposition(),
                part.get_filename(),
                content,
            )
        )
    headers = [
        (name, str(parsed[name]))
        for name in ("From", "To", "Reply-To", "Subject", "Auto-Submitted", "MIME-Version")
    ]
    return [headers, *parts]


def _both(**kwargs):  # type: ignore[no-untyped-def]
    from overleg.mail.messages import build_raw_message
    from overleg.mail.outbox import wire_bytes

    raw = build_raw_message(**kwargs)
    reference = wire_bytes(build_message(**kwargs))
    assert all(len(line) <= 998 for line in raw.raw.split(b"\r\n"))
    assert b"\n" not in raw.raw.replace(b"\r\n", b"")
    assert raw.message_id == str(_parse(raw.raw)["Message-ID"])
    assert raw.subject == str(_parse(reference)["Subject"])
    return raw.raw, reference


@settings(max_examples=60, deadline=None)
@given(
    text=_BODY,
    html=st.one_of(st.none(), _BODY),
    calendar=st.one_of(st.none(), _BODY),
    subject=_HEADER_TEXT,
    name=_HEADER_TEXT,
    sender_name=_HEADER_TEXT,
    attach=st.booleans(),
)
def test_raw_messages_read_like_the_standard_librarys(
    text, html, calendar, subject, name, sender_name, attach
):
    ics = calendar.encode() if calendar is not None else None
    attachments = []
    if attach:
        attachments = [
            Attachment("uitnodiging.ics", ics or ICS, "text/calendar"),
            Attachment("agenda é 2026.pdf", b"%PDF-1.7\x00\xff" * 50, "application/pdf"),
        ]
    raw, reference = _both(
        sender=Sender("overleg@demo.overleg.be", sender_name, "coordinator@example.be"),
        to_address="an.peeters@example.be",
        to_name=name,
        subject=subject,
        text=text,
        html=html,
        calendar=ics,
        calendar_method="request" if ics is not None else None,
        attachments=attachments,
    )
    assert _tree(raw) == _tree(reference)


def test_a_real_invitation_reads_like_the_standard_librarys():
    text = "Beste Éloïse,\n\n" + "Overleg ü " + "x" * 120 + "\nWanneer: 09:00 \u2013 11:00\n"
    raw, reference = _both(
        sender=SENDER,
        to_address="an@example.be",
        to_name="Van den Broeck-Verhaeghe " * 4,
        subject="Uitnodiging: Overleg ü " + "x" * 120,
        text=text,
        html=f"<p>{text}</p>",
        calendar=ICS,
        calendar_method="REQUEST",
        attachments=[
            Attachment("uitnodiging.ics", ICS, "text/calendar"),
            Attachment("agenda.pdf", b"%PDF-1.7 test" * 100, "application/pdf"),
        ],
    )
    assert _tree(raw) == _tree(reference)

    # the header block is the standard library's, apart from Date and Message-ID
    def head(data):  # type: ignore[no-untyped-def]
        lines = data.split(b"\r\n\r\n", 1)[0].split(b"\r\nMIME-Version")[0]
        return [h for h in lines.split(b"\r\n") if not h.startswith((b"Date:", b"Message-ID:"))]

    assert head(raw) == head(reference)


def test_raw_messages_refuse_header_injection():
    from overleg.mail.messages import build_raw_message

    with pytest.raises(HeaderInjectionError):
        build_raw_message(
            sender=SENDER, to_address="an@example.be\r\nBcc: x@y.be", subject="x", text="x"
        )
    with pytest.raises(HeaderInjectionError):
        build_raw_message(sender=SENDER, to_address="an@example.be", subject="a\nb", text="x")
    with pytest.raises(HeaderInjectionError):
        build_raw_message(
            sender=SENDER,
            to_address="an@example.be",
            subject="x",
            text="x",
            calendar=ICS,
            calendar_method="REQUEST\r\nX: y",
        )


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(alphabet="Aab0 '-.,\"é=?_", max_size=70),
    local=st.text(alphabet="ab0._+-", min_size=1, max_size=30),
)
def test_plain_address_headers_are_what_the_standard_library_writes(name, local):
    from overleg.mail import messages as mail

    address = f"{local}@example.be"
    try:
        expected = mail._folded_address_line(
            "To", mail.clean_address(address), mail.clean_header_text(name), "recipient"
        )
    except HeaderInjectionError:
        with pytest.raises(HeaderInjectionError):
            mail._address_line("To", address, name, "recipient")
        return
    assert mail._address_line("To", address, name, "recipient") == expected


@pytest.mark.parametrize("domain", ["demo.overleg.be", "x.be", "a-very-long-" * 4 + "example.be"])
def test_message_id_lines_are_what_the_standard_library_writes(domain):
    from email.utils import make_msgid

    from overleg.mail import messages as mail

    for _ in range(20):
        message_id = make_msgid(domain=domain)
        assert mail._message_id_line(message_id) == mail._fold("Message-ID", message_id)
