"""The outbox's filter (GET): by meeting, recipient and status; a bad value is a message on its
field, never a 500."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField
from wtforms.validators import Length

from overleg.auth.permissions import MAX_ID
from overleg.models import OutboxStatus
from overleg.models.labels import label
from overleg.web.forms import INVALID_CHOICE, SubForm, field_messages

RECIPIENT_MAX = 254  # OutboxMessage.to_address


class OutboxFilterForm(SubForm):
    meeting = SelectField(
        _l("Vergadering"), default="", **field_messages(invalid_choice_message=INVALID_CHOICE)
    )
    recipient = SearchField(
        _l("Ontvanger (naam of adres bevat)"),
        validators=[
            Length(max=RECIPIENT_MAX, message=_l("Maximaal %(max)d tekens.", max=RECIPIENT_MAX))
        ],
    )
    status = SelectField(
        _l("Status"), default="", **field_messages(invalid_choice_message=INVALID_CHOICE)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("", str(_l("Alle statussen")))] + [
            (status.value, label(status)) for status in OutboxStatus
        ]

    def chosen_meeting(self) -> int | None:
        """The meeting id asked for in the query string, when it is a number (whether it may be
        shown is for the choices to say)."""
        raw = str(self.meeting.raw_data[0]) if self.meeting.raw_data else ""
        if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_ID)):
            return None
        return int(raw) if int(raw) <= MAX_ID else None

    def valid_meeting(self) -> int | None:
        return None if self.meeting.errors or not self.meeting.data else int(self.meeting.data)

    def valid_recipient(self) -> str:
        return "" if self.recipient.errors else (self.recipient.data or "").strip()

    def valid_status(self) -> OutboxStatus | None:
        value = None if self.status.errors else self.status.data
        return OutboxStatus(value) if value else None
