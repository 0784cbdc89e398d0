"""The public calendar page and the iCalendar feeds."""

from overleg.feeds.views import bp

__all__ = ["bp"]
