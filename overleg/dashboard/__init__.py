"""What is waiting for whom: the start page; also the health check and the language choice."""

from overleg.dashboard.views import bp

__all__ = ["bp"]
