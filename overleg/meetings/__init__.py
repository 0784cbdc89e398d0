"""Meetings, their agenda, invitees, invitations and the personal answer pages."""

from overleg.meetings import invitation_views as _invitation_views  # noqa: F401  (registers its routes)
from overleg.meetings import proposal_views as _proposal_views  # noqa: F401  (registers its routes)
from overleg.meetings.views import bp

__all__ = ["bp"]
