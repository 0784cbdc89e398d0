"""Login, logout and the authorisation rules (permissions.py)."""

from overleg.auth.views import bp

__all__ = ["bp"]
