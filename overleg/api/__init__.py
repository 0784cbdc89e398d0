from overleg.api.views import bp

__all__ = ["bp"]
