"""Configuration classes, read from environment variables."""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{INSTANCE / 'buurtcoop.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection unused this long is checked before use (coop.db.ping_idle_connections).
    DATABASE_PING_AFTER_IDLE_SECONDS = float(
        os.environ.get("DATABASE_PING_AFTER_IDLE_SECONDS", "5")
    )

    # Mail: "console" prints and writes to instance/outbox/; "smtp" sends.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Buurtcoop <noreply@buurtcoop.test>"
    )
    # Accept addresses under .test (demo data, tests); never in production.
    EMAIL_ALLOW_TEST_DOMAINS = _bool("EMAIL_ALLOW_TEST_DOMAINS", True)
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", str(INSTANCE / "outbox"))

    LANGUAGES = ("nl", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = None

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    MAIL_REQUEST_LIMIT = os.environ.get("MAIL_REQUEST_LIMIT", "5 per hour")
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "10 per 15 minutes")
    PASSWORD_RESET_MAX_AGE = 3600
    EMAIL_TOKEN_MAX_AGE = 3 * 24 * 3600

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "buurt-demo-2026")

    # Uploaded member files between the preview and the import (shared storage when there
    # are several app servers).
    IMPORT_FOLDER = os.environ.get("IMPORT_FOLDER") or str(INSTANCE / "imports")

    # Files of the knowledge network, stored under their SHA-256.
    KNOWLEDGE_FILES_DIR = os.environ.get("KNOWLEDGE_FILES_DIR") or str(INSTANCE / "knowledge")

    # Stripe (online payments); without keys only bank transfer is offered.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

    # The address members reach the site at, for links in mail sent by `flask coop …`
    # commands (reminders), which run outside a web request.
    COOP_PUBLIC_URL = os.environ.get("COOP_PUBLIC_URL", "http://127.0.0.1:5000")


class DevelopmentConfig(Config):
    DEBUG = False  # the dev server runs without the debugger unless FLASK_DEBUG=1


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - fixed key for tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "smtp"
    RATELIMIT_STORAGE_URI = "memory://"
    # One folder per process: the suites on SQLite and PostgreSQL run side by side.
    KNOWLEDGE_FILES_DIR = str(Path(tempfile.gettempdir()) / f"coop-test-knowledge-{os.getpid()}")


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"
    EMAIL_ALLOW_TEST_DOMAINS = _bool("EMAIL_ALLOW_TEST_DOMAINS", False)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    REQUIRED = ("SECRET_KEY", "DATABASE_URL")

    @classmethod
    def check_environment(cls) -> None:
        missing = [name for name in cls.REQUIRED if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Buurtcoop cannot start in production; missing environment variables: "
                + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
