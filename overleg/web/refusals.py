"""Putting a service's refusal in front of the user: on its form field, above the form, or flashed.

    with refusals_on(form) as outcome:
        services.update_meeting(meeting, data, user=current_user, now=utcnow())
    if outcome.accepted:
        flash(_("Opgeslagen."), "success")
        return redirect(...)
    return render_template(..., form=form)

A refusal rolls the session back (nothing of the refused change is committed by the request's
commit point) and keeps what the user typed in the form.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField

from overleg.extensions import db
from overleg.lib.refusal import Refusal


@dataclass
class Outcome:
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def _field_named(fields: Iterable[Field], name: str) -> Field | None:
    """The field with this full name, looking inside list rows and sub-forms too
    ("action_points-2-description" is the description of the third action point row)."""
    for field in fields:
        if field.name == name:
            return field
        if isinstance(field, FieldList | FormField) and name.startswith(f"{field.name}-"):
            found = _field_named(field, name)
            if found is not None:
                return found
    return None


def put_on_form(form: FlaskForm, refusal: Refusal) -> None:
    """Show the refusal next to its field, or above the form when it names no known field.

    The field is named as the form names it: `title`, or `rows-2-title` for a row's field."""
    field = None
    if refusal.field:
        field = getattr(form, refusal.field, None) or _field_named(form, refusal.field)
    if field is not None:
        field.errors = [*field.errors, str(refusal.message)]
    else:
        form.form_errors.append(str(refusal.message))


@contextmanager
def refusals_on(form: FlaskForm | None = None) -> Iterator[Outcome]:
    """Run a change; a Refusal is rolled back and shown on `form` (flashed when there is none)."""
    outcome = Outcome()
    try:
        yield outcome
    except Refusal as refusal:
        db.session.rollback()
        outcome.refusal = refusal
        if form is None:
            flash(str(refusal.message), "error")
        else:
            put_on_form(form, refusal)


def form_status(form: FlaskForm) -> int:
    """The status of a form page shown again: 400 for a stale CSRF token, 200 otherwise."""
    return 400 if form.errors.get("csrf_token") else 200
