from overleg.directory.views import bp

__all__ = ["bp"]
