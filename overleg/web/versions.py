"""Edit forms that know which version of their row they were filled from, and the conflict page.

The other half of overleg.models.versioning (the version column and the service-level check):

    form = ContactForm(obj=contact)              # a subclass of VersionedForm
    form.start_from(contact.version)             # on GET: the version and the values shown
    ...
    with refusals_on(form) as outcome:
        services.update_contact(user, contact, fields, expected_version=form.expected_version())
    if conflict_shown(form, outcome, lambda: filled_contact_form(stored_contact)):
        return render_template(..., form=form), 409

The form carries two hidden fields: `version` and `original` (the values it showed, as JSON).
On a conflict the page keeps what this person typed in the fields, shows under each field and in
a table above the form what the other person changed (their value against the value this form
started from), and sets both hidden fields to the stored row: saving again is a deliberate
choice to replace the other version. templates/_forms.html renders it (`form_errors`, `field`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from flask_babel import gettext as _
from wtforms import BooleanField, Field, HiddenField, SelectFieldBase, SelectMultipleField

from overleg.lib.refusal import EditConflict
from overleg.web.forms import Form
from overleg.web.refusals import Outcome

# The form's own fields that are not something the person edits.
BOOKKEEPING = frozenset({"csrf_token", "version", "original", "submit"})
# An `original` longer than this is not read (what a form shows is far smaller).
ORIGINAL_MAX = 200_000
# The attribute of a form field that carries the other person's change to that field.
OTHER_CHANGE = "other_change"

Shown = str | list[str]


@dataclass(frozen=True)
class FieldChange:
    """One field the other person changed: its label, their value, the value the form showed."""

    label: str
    theirs: str
    started: str


@dataclass(frozen=True)
class Conflict:
    """What the conflict page shows above the form."""

    changes: list[FieldChange] = field(default_factory=list)
    saved_by: str | None = None
    saved_at: datetime | None = None


class VersionedForm(Form):
    """An edit form of a versioned row (overleg.models.versioning.Versioned)."""

    version = HiddenField()
    original = HiddenField()

    conflict: Conflict | None = None

    def start_from(self, version: int) -> None:
        """Remember the row's version and the values the form shows now (after filling it)."""
        self.version.data = str(version)
        self.original.data = json.dumps(self.shown_values(), sort_keys=True)

    def expected_version(self) -> int:
        """The version the form was filled from; 0 when it does not say (no row has version 0,
        so a form without its version is a conflict, never a blind overwrite)."""
        try:
            return int(self.version.data or "")
        except ValueError:
            return 0

    def edited_fields(self) -> list[Field]:
        return [f for f in self if f.name not in BOOKKEEPING]

    def shown_values(self) -> dict[str, Shown]:
        return {f.name: shown(f) for f in self.edited_fields()}

    def original_values(self) -> dict[str, Any]:
        """The values the form started from, as it sent them back ({} when unreadable)."""
        raw = self.original.data or ""
        if not isinstance(raw, str) or len(raw) > ORIGINAL_MAX:
            return {}
        try:
            values = json.loads(raw)
        except (ValueError, RecursionError):
            return {}
        return values if isinstance(values, dict) else {}


def shown(f: Field) -> Shown:
    """A field's value as the form shows it: text as typed, a choice's value, a list of values."""
    if isinstance(f, BooleanField):
        return "y" if f.data else ""
    if isinstance(f, SelectMultipleField):
        return sorted(str(value) for value in f.data or [])
    if hasattr(f, "_value"):
        return str(f._value())
    return "" if f.data is None else str(f.data)


def readable(f: Field, value: Any) -> str:
    """A value of field `f` as a person reads it: a choice's label, yes or no, (empty)."""
    if value is None:
        return str(_("(onbekend)"))
    if isinstance(f, BooleanField):
        return str(_("ja") if value else _("nee"))
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if isinstance(f, SelectFieldBase):
        labels = {str(choice[0]): str(choice[1]) for choice in f.iter_choices()}
        values = [labels.get(v, v) for v in values if v]
    text = ", ".join(v for v in values if v)
    return text or str(_("(leeg)"))


def _changes(form: VersionedForm, stored: VersionedForm) -> Iterable[tuple[Field, FieldChange]]:
    started = form.original_values()
    for stored_field in stored.edited_fields():
        theirs = shown(stored_field)
        before = started.get(stored_field.name)
        if theirs != before:
            change = FieldChange(
                label=str(stored_field.label.text),
                theirs=readable(stored_field, theirs),
                started=readable(stored_field, before),
            )
            yield form[stored_field.name], change


def show_conflict(form: VersionedForm, conflict: EditConflict, stored: VersionedForm) -> None:
    """Put on `form` (as posted: what this person typed) what the other person changed, field by
    field, and let its next save build on the stored row. `stored` is the same form filled from
    the row as it is now (read after the rollback) and started from its version."""
    changes = []
    for typed, change in _changes(form, stored):
        setattr(typed, OTHER_CHANGE, change)
        changes.append(change)
    form.version.data = stored.version.data
    form.original.data = stored.original.data
    form.conflict = Conflict(changes, saved_by=conflict.saved_by, saved_at=conflict.saved_at)


def conflict_shown(
    form: VersionedForm, outcome: Outcome, stored: Callable[[], VersionedForm]
) -> bool:
    """After `with refusals_on(form) as outcome:`: whether the refusal was an edit conflict, and
    if so, show it on `form` (`stored()` fills the form from the row as it is now). The page
    answers 409 then."""
    if not isinstance(outcome.refusal, EditConflict):
        return False
    show_conflict(form, outcome.refusal, stored())
    return True


FormT = TypeVar("FormT", bound=VersionedForm)


@dataclass(frozen=True)
class RowConflict(Generic[FormT]):
    """A conflict on one row of a list page whose rows carry a small edit form each (an
    invitee's role): the page shows the row with `form` (what this person chose, on top of
    the stored version) and the conflict above the list."""

    row_id: int
    form: FormT
    label: str  # which row, for the notice above the list ("Rol van An Peeters")
