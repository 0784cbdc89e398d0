"""Platforms: setting one up (`flask platform create`) and its settings page."""

from overleg.platforms.views import bp

__all__ = ["bp"]
