from overleg.planning.views import bp

__all__ = ["bp"]
