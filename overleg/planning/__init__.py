from overleg.planning import poll_views as _poll_views  # noqa: F401  (registers its routes on bp)
from overleg.planning.views import bp

__all__ = ["bp"]
