"""Mijn account: a user's own password, language, two-factor login and calendar feed."""

from overleg.account.views import bp

__all__ = ["bp"]
