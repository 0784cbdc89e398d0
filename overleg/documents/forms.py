"""Forms of the documents page: plain multipart forms, so uploading works without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import SelectField, StringField
from wtforms.validators import Length

from overleg.documents import checks
from overleg.documents.services import TITLE_MAX
from overleg.models import Meeting
from overleg.web.forms import Form, choices, field_messages

ACCEPT = ",".join(f".{extension}" for extension in checks.EXTENSIONS)
MEETING_ITSELF = ""


class UploadForm(Form):
    files = MultipleFileField(
        _l("Bestanden"),
        description=_l(
            "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, tekst of CSV; u mag er "
            "meerdere tegelijk kiezen."
        ),
        render_kw={"accept": ACCEPT},
    )
    title = StringField(
        _l("Titel"),
        description=_l("Leeg, of bij meerdere bestanden: de naam van het bestand."),
        validators=[Length(max=TITLE_MAX, message=_l("Hoogstens 200 tekens."))],
    )
    agenda_item = SelectField(
        _l("Bij"),
        **field_messages(invalid_choice_message=_l("Kies een agendapunt uit de lijst.")),
    )

    def for_meeting(self, meeting: Meeting) -> UploadForm:
        """The agenda items of `meeting` as the choices (the meeting itself first)."""
        self.agenda_item.choices = choices(
            [(MEETING_ITSELF, str(_l("De vergadering als geheel")))]
            + [
                (str(item.id), f"{index}. {item.title}")
                for index, item in enumerate(meeting.public_agenda, start=1)
            ]
        )
        return self


class ReplaceForm(Form):
    file = FileField(_l("Nieuwe versie"), render_kw={"accept": ACCEPT})
    title = StringField(
        _l("Nieuwe titel (mag leeg)"),
        validators=[Length(max=TITLE_MAX, message=_l("Hoogstens 200 tekens."))],
    )
