"""Dashboard, health check and language choice."""

from overleg.core.views import bp

__all__ = ["bp"]
