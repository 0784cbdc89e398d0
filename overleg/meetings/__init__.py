from overleg.meetings.views import bp

__all__ = ["bp"]
