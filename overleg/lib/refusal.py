"""The one exception for a change the rules refuse.

A service raises `Refusal(_l("..."), field="name")`; the view puts it on the form
(overleg.web.refusals). The message is a lazy translation, so it is rendered in the language of
the person who reads it, not in the language the service happened to run in.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class Refusal(Exception):
    """The rules refuse a change: a message for the user and, when it has one, its form field."""

    def __init__(self, message: LazyString, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class EditConflict(Refusal):
    """Someone else saved the row since this person's form was filled: saving would lose their
    change (a lost update). Raised by overleg.models.versioning; the edit pages answer it with
    their conflict page (overleg.web.versions), which shows what the other person changed and
    keeps what this person typed.

    `current_version` is the stored version, None when the save raced past the check and the
    stored one is not known yet; `saved_by` / `saved_at` say who saved last and when, as far as
    the audit trail knows.
    """

    def __init__(
        self,
        current_version: int | None,
        *,
        saved_by: str | None = None,
        saved_at: datetime | None = None,
    ) -> None:
        super().__init__(
            _l(
                "Iemand anders heeft dit intussen gewijzigd. Wat je typte, staat er nog: bekijk "
                "wat de ander veranderde en bewaar opnieuw."
            )
        )
        self.current_version = current_version
        self.saved_by = saved_by
        self.saved_at = saved_at
