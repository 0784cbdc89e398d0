"""Invitations by mail, the meeting's .ics and the personal answer pages."""

from overleg.invitations.views import bp

__all__ = ["bp"]
