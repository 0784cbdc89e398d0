"""The audit trail: written by every change (services.record), read on the audit page."""

from overleg.audit.views import bp

__all__ = ["bp"]
