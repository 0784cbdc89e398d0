"""Data in and out: CSV import and export of the directory, personal data export and erasure
(GDPR), and the `backup` command."""

from overleg.dataio.views import bp

__all__ = ["bp"]
