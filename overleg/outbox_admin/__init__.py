"""Coordinators' view of the outbox (queue, failures, resend) and the development mailbox."""

from overleg.outbox_admin.views import bp

__all__ = ["bp"]
