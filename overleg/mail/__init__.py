"""Mail: building messages, the outbox and its sender, the outbox pages and commands, the
sender settings and personal links."""

from overleg.mail.views import bp

__all__ = ["bp"]
