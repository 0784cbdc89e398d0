"""Forms of the data import, export and erasure pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from overleg.dataio.services import MAX_IMPORT_BYTES
from overleg.web.forms import Form, MultilineHiddenField


class UploadForm(Form):
    file = FileField(
        _l("CSV-bestand"),
        validators=[FileRequired(_l("Kies een CSV-bestand."))],
        render_kw={"accept": ".csv,text/csv"},
    )


class ConfirmImportForm(Form):
    # The checked text goes back with the confirmation and is checked again before anything is
    # written: nothing on the server between preview and import.
    payload = MultilineHiddenField(validators=[DataRequired(), Length(max=MAX_IMPORT_BYTES)])


class EraseForm(Form):
    confirm_name = StringField(
        _l("Typ de volledige naam ter bevestiging"),
        validators=[DataRequired(_l("Typ de naam van de persoon.")), Length(max=201)],
        render_kw={"autocomplete": "off"},
    )
    confirm = BooleanField(
        _l("Ik begrijp dat dit niet ongedaan kan worden."),
        validators=[DataRequired(_l("Vink dit aan om verder te gaan."))],
    )
