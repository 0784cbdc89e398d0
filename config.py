"""Configuration classes, read from the environment.

Every setting a deployment may change is an environment variable; the README lists them.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def database_url(raw: str | None, default: str) -> str:
    """Normalise DATABASE_URL so that PostgreSQL URLs use the psycopg 3 driver."""
    url = raw or default
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _local_base_url(port: str | None) -> str:
    return f"http://127.0.0.1:{port or 5000}"


DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105  # nosec B105 - refused in production


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL"), f"sqlite:///{INSTANCE_DIR / 'overleg.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 5000)

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = ("nl", "en")

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_LIFETIME_HOURS = _int("SESSION_LIFETIME_HOURS", 12)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # The address people reach the platform at: every absolute link in mails, .ics files and PDFs
    # is made from it. Unset, it follows PORT (`make run` passes it on); production requires https.
    BASE_URL = os.environ.get("BASE_URL") or _local_base_url(os.environ.get("PORT"))

    # argon2id cost; tests lower it to keep the suite fast.
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)

    LOGIN_MAX_FAILURES_PER_ACCOUNT = _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
    LOGIN_FAILURE_WINDOW_MINUTES = _int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
    # One-time links to set a password: an invitation lasts days, a reset link an hour.
    ACCOUNT_LINK_DAYS = _int("ACCOUNT_LINK_DAYS", 7)
    PASSWORD_RESET_LINK_MINUTES = _int("PASSWORD_RESET_LINK_MINUTES", 60)
    # "Wachtwoord vergeten?" requests per address and per client inside the login's window.
    PASSWORD_RESET_MAX_PER_ACCOUNT = _int("PASSWORD_RESET_MAX_PER_ACCOUNT", 3)
    PASSWORD_RESET_MAX_PER_ADDRESS = _int("PASSWORD_RESET_MAX_PER_ADDRESS", 10)

    # Mail: without SMTP_HOST nothing leaves the machine (development mailbox).
    MAIL_FROM = os.environ.get("MAIL_FROM", "overleg@demo.overleg.be")
    # The mailbox calendar answers go to: the ORGANIZER of every invitation when set (the mailbox
    # reader's IMAP_* settings read it); empty keeps each platform's organiser address.
    REPLY_MAILBOX = os.environ.get("REPLY_MAILBOX", "")
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT_SECONDS = _int("SMTP_TIMEOUT_SECONDS", 30)
    REMINDER_DAYS_BEFORE = _int("REMINDER_DAYS_BEFORE", 7)
    # The hour (Europe/Brussels) at which `flask worker` runs the daily jobs (the reminders).
    DAILY_JOBS_HOUR = _int("DAILY_JOBS_HOUR", 8)
    # How often `flask worker` delivers the outbox and reads the reply mailbox.
    OUTBOX_INTERVAL_SECONDS = _int("OUTBOX_INTERVAL_SECONDS", 10)
    MAILBOX_INTERVAL_SECONDS = _int("MAILBOX_INTERVAL_SECONDS", 60)

    # The reply mailbox, read over IMAP by `flask worker`; without IMAP_HOST it is not read.
    IMAP_HOST = os.environ.get("IMAP_HOST", "")
    IMAP_PORT = _int("IMAP_PORT", 0)  # 0: 993 with IMAP_TLS=on, 143 otherwise
    IMAP_TLS = os.environ.get("IMAP_TLS", "on")  # on (implicit TLS), starttls, off
    IMAP_CA_FILE = os.environ.get("IMAP_CA_FILE", "")
    IMAP_USERNAME = os.environ.get("IMAP_USERNAME", "")
    IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
    # XOAUTH2 instead of the password (Microsoft 365, Google): the token, or a file holding it.
    IMAP_ACCESS_TOKEN = os.environ.get("IMAP_ACCESS_TOKEN", "")
    IMAP_ACCESS_TOKEN_FILE = os.environ.get("IMAP_ACCESS_TOKEN_FILE", "")
    IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
    IMAP_PROCESSED_FOLDER = os.environ.get("IMAP_PROCESSED_FOLDER", "processed")
    IMAP_REJECTED_FOLDER = os.environ.get("IMAP_REJECTED_FOLDER", "rejected")
    IMAP_TIMEOUT_SECONDS = _int("IMAP_TIMEOUT_SECONDS", 30)

    # The notice period: invitations go out this many days before the meeting at the latest
    # (the dashboard lists the meetings this close whose invitations are not sent).
    INVITATION_NOTICE_DAYS = _int("INVITATION_NOTICE_DAYS", 8)
    # Attach the agenda PDF to invitation mails (rendered once per meeting and send).
    ATTACH_AGENDA_PDF = _bool("ATTACH_AGENDA_PDF", True)

    # Meeting documents (stored in the database): the largest file, what one meeting's documents
    # may take together (every version counted), what an Office or OpenDocument file may unpack
    # to (zip bombs), and the most the documents attached to an invitation mail may weigh
    # together (above it the mail only links to them).
    DOCUMENT_MAX_BYTES = _int("DOCUMENT_MAX_BYTES", 25 * 1000 * 1000)
    DOCUMENTS_PER_MEETING_MAX_BYTES = _int("DOCUMENTS_PER_MEETING_MAX_BYTES", 100 * 1000 * 1000)
    DOCUMENT_MAX_UNPACKED_BYTES = _int("DOCUMENT_MAX_UNPACKED_BYTES", 250 * 1000 * 1000)
    DOCUMENTS_ATTACH_MAX_BYTES = _int("DOCUMENTS_ATTACH_MAX_BYTES", 10 * 1000 * 1000)

    # Compliance: each mandatory theme at least once per calendar year.
    MANDATORY_TOPICS_PER_YEAR = _int("MANDATORY_TOPICS_PER_YEAR", 1)
    # The list of mandatory topics by year: from this year on the local allocation rules are no
    # longer mandatory (the woonmaatschappij reform; the toewijzingsraad sets them). Read when a
    # platform gets its theme catalogue; a coordinator can change a theme's years afterwards.
    ALLOCATION_RULES_OPTIONAL_FROM = _int("ALLOCATION_RULES_OPTIONAL_FROM", 2024)
    # Planner: at most this many meetings per person per day; start times on this grid (minutes).
    PLANNER_MAX_MEETINGS_PER_DAY = _int("PLANNER_MAX_MEETINGS_PER_DAY", 2)
    PLANNER_SLOT_STEP_MINUTES = _int("PLANNER_SLOT_STEP_MINUTES", 30)
    # Compliance: a municipality is "at risk" when it still misses meetings this many days
    # before the end of the year.
    COMPLIANCE_AT_RISK_DAYS = _int("COMPLIANCE_AT_RISK_DAYS", 90)
    PDF_VARIANT = os.environ.get("PDF_VARIANT", "pdf/ua-1")
    # The largest logo file a coordinator may upload for the PDFs (it is re-encoded, then stored).
    LOGO_MAX_BYTES = _int("LOGO_MAX_BYTES", 512 * 1024)

    # What the dashboard lists for a person is kept this many seconds, unless the data changes
    # first (overleg/models/revision.py: any committed change recomputes it in every worker);
    # 0 computes it on every visit. The store is Flask-Caching's, in each worker's memory.
    DASHBOARD_CACHE_SECONDS = _int("DASHBOARD_CACHE_SECONDS", 60)
    CACHE_TYPE = "SimpleCache"
    CACHE_THRESHOLD = 1000  # entries per worker (one per person and language)

    # Proxies in front of the app (gunicorn behind nginx): how many to trust.
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105  # nosec B105 - test only
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"), "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SMTP_HOST = ""
    IMAP_HOST = ""
    BASE_URL = "http://localhost"
    SERVER_NAME = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")


def check_production_secret(secret_key: str) -> None:
    """Refuse to start production with the development secret or a short one."""
    if secret_key == DEVELOPMENT_SECRET_KEY or len(secret_key) < 32:
        raise RuntimeError("SECRET_KEY must be set to a random value of at least 32 characters")


def check_production_base_url(base_url: str) -> None:
    """Refuse to start production without the https:// address the platform is reached at."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise RuntimeError(
            "BASE_URL must be set to the https:// address people reach the platform at "
            f"(e.g. https://overleg.example.be), not {base_url!r}: every link in mails, "
            "calendar files and PDFs is made from it"
        )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    return CONFIGS[os.environ.get("OVERLEG_ENV", "development")]
