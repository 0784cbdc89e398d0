"""The filters of the audit page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from overleg.audit.queries import AuditFilterChoices, AuditFilters, action_label
from overleg.web.forms import Form


class AuditFilterForm(Form):
    """The filters of the audit page (GET, no CSRF token needed)."""

    class Meta:
        csrf = False

    municipality = SelectField(_l("Gemeente"), choices=[], validators=[Optional()])
    user = SelectField(_l("Gebruiker"), choices=[], validators=[Optional()])
    action = SelectField(_l("Actie"), choices=[], validators=[Optional()])

    def offer(self, choices: AuditFilterChoices) -> None:
        """The options of the three lists: everything, or one of what the trail holds."""
        self.municipality.choices = [
            ("", _l("Alle gemeenten")),
            *[(m.slug, m.name) for m in choices.municipalities],
        ]
        self.user.choices = [
            ("", _l("Alle gebruikers")),
            *[(str(u.id), u.name) for u in choices.users],
        ]
        self.action.choices = [
            ("", _l("Alle acties")),
            *[(prefix, action_label(prefix)) for prefix in choices.action_prefixes],
            *[(action, action_label(action)) for action in choices.actions],
        ]

    def filters(self, choices: AuditFilterChoices) -> AuditFilters:
        """The chosen filters; no filter at all when a value is not one of the options (the
        form then shows which)."""
        if not self.validate():
            return AuditFilters()
        return AuditFilters(
            municipality_id=choices.municipality_id(self.municipality.data or ""),
            user_id=int(self.user.data) if self.user.data else None,
            action=self.action.data or "",
        )
