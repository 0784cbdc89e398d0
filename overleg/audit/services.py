"""Writing the audit trail. The entry joins the caller's transaction; the caller commits."""

from __future__ import annotations

from typing import Any

from overleg.extensions import db
from overleg.models import AuditEntry, User


def record(
    user: User | None,
    action: str,
    obj: Any,
    *,
    municipality_id: int | None = None,
    summary: str = "",
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Add an audit entry for `action` (e.g. "meeting.update") on `obj` to the session."""
    entry = AuditEntry(
        user_id=user.id if user is not None else None,
        actor_label=actor_label,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        municipality_id=municipality_id,
        summary=summary,
        details=_jsonable(details or {}),
    )
    db.session.add(entry)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
