"""Settings read from the environment, with defaults for the embedded set-up.

The embedded default (no variable set) is a SQLite file under instance/ and in-process background tasks, so the
README's first command needs no other server. Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL and
RATELIMIT_STORAGE_URI (Redis), SECRET_KEY and SESSION_COOKIE_SECURE; docker/docker-compose.yml shows them all.
Numbers that come from the plan (deadlines, quotas, weights) are not here but in app/domain/rules.py, each
overridable as RULE_<NAME>.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/ (embedded set-up).

    Called by create_app when the config has no key, not at import: importing config writes nothing."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    APP_NAME = "上钢新村街道实有人口服务管理平台"
    SECRET_KEY = os.environ.get("SECRET_KEY")  # None: create_app fills it from secret_key()

    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Alembic owns the schema; FAB must neither create tables nor sync permissions on every start.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = _bool("FAB_UPDATE_PERMS", False)
    FAB_SECURITY_MANAGER_CLASS = "app.access.security.PortalSecurityManager"
    FAB_API_SWAGGER_UI = True
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_BASE_TEMPLATE = "portal/base.html"
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "admin"
    AUTH_ROLE_PUBLIC = "Public"

    # Chinese first. FAB looks up its own catalog plus ours; ours comes last so it wins.
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_FOLDER = str(BASE_DIR / "translations")
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # Lists: a cap on page size so ?psize_X=100000 cannot ask for the whole table.
    PAGE_SIZE_DEFAULT = 25
    PAGE_SIZE_MAX = 100
    # The permission set of a role set and the navbar's menu are kept this long per process (app/views/menu.py);
    # a change to roles or permissions committed in the same process drops them at once. 0: read every request.
    MENU_CACHE_SECONDS = int(os.environ.get("MENU_CACHE_SECONDS", "30"))

    # Sign-in hardening: complexity on every account (forms and CLI: app/access/security.py), rate-limited HTML and API
    # login with counters in RATELIMIT_STORAGE_URI (Redis in production, shared by all gunicorn workers), and
    # temporary locks (app/access/login_throttle.py): after LOGIN_MAX_FAILURES failures of one account name, or
    # LOGIN_ADDRESS_MAX_FAILURES from one client address, sign-in is refused for LOGIN_LOCK_SECONDS, doubling with
    # each further failure up to LOGIN_LOCK_MAX_SECONDS. The account stays active; failures older than
    # LOGIN_FAILURE_WINDOW_MINUTES are forgotten.
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute")
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "20"))
    LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", "60"))
    LOGIN_LOCK_MAX_SECONDS = int(os.environ.get("LOGIN_LOCK_MAX_SECONDS", "3600"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "60"))
    # Forwarded headers (X-Forwarded-For/-Proto/-Host) are believed only from this many reverse proxies in front
    # of the app (Werkzeug's ProxyFix); 0 = none, so a client cannot choose the address the audit trail records.
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
    EXPORT_MAX_ROWS = int(os.environ.get("EXPORT_MAX_ROWS", "100000"))
    # Loading the register from Excel (app/importing/): a file over either limit is refused with a message.
    IMPORT_MAX_MB = int(os.environ.get("IMPORT_MAX_MB", "30"))
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "250000"))
    # Rows checked and written together: one IN query per batch for the persons, houses and reviews already there.
    IMPORT_BATCH_ROWS = int(os.environ.get("IMPORT_BATCH_ROWS", "2000"))
    # Training materials (app/meetings): one uploaded file at most this size; kept under DOCUMENTS_DIR/materials.
    MATERIAL_MAX_MB = int(os.environ.get("MATERIAL_MAX_MB", "10"))
    IMPORTS_DIR = os.environ.get("IMPORTS_DIR", str(INSTANCE_DIR / "imports"))
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_ADD_SECURITY_API = False

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))

    DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR", str(INSTANCE_DIR / "documents"))
    # Celery (app/celery_app.py). No broker: tasks run in-process. With redis://…: real workers, whose slowest task
    # (hard limit) must stay below the broker's visibility timeout; the web process gives up publishing quickly.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
    CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "240"))
    CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "300"))
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    CELERY_WORKER_MAX_MEMORY_MB = int(os.environ.get("CELERY_WORKER_MAX_MEMORY_MB", "512"))
    CELERY_BROKER_CONNECT_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECT_TIMEOUT", "2"))
    CELERY_PUBLISH_MAX_RETRIES = int(os.environ.get("CELERY_PUBLISH_MAX_RETRIES", "2"))
    CELERY_TIMEZONE = os.environ.get("CELERY_TIMEZONE", "Asia/Shanghai")
    # Documents: a job queued or rendering longer than this is marked failed (hourly beat job, app/schedule.py);
    # a job redelivered this many times (its worker died each time) is given up.
    DOCUMENT_JOB_STALE_MINUTES = int(os.environ.get("DOCUMENT_JOB_STALE_MINUTES", "30"))
    DOCUMENT_MAX_ATTEMPTS = int(os.environ.get("DOCUMENT_MAX_ATTEMPTS", "3"))
    # Change-case entry: ID numbers a case (and a worker, per Shanghai day) may try that are refused or registered
    # in another committee; past them no number is looked up (the entry step is no oracle for who lives where).
    CHANGE_ENTRY_ID_ATTEMPTS_PER_CASE = int(os.environ.get("CHANGE_ENTRY_ID_ATTEMPTS_PER_CASE", "3"))
    CHANGE_ENTRY_ID_ATTEMPTS_PER_DAY = int(os.environ.get("CHANGE_ENTRY_ID_ATTEMPTS_PER_DAY", "10"))
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Public self-declaration (app/verification/public.py): the address residents' phones reach (printed in the QR
    # posters' links), the per-address daily cap and the per-IP limit of the POST.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    VERIFICATION_DECLARATIONS_PER_ADDRESS_PER_DAY = int(os.environ.get("VERIFICATION_DECLARATIONS_PER_ADDRESS_PER_DAY", "10"))
    VERIFICATION_DECLARE_RATE_LIMIT = os.environ.get("VERIFICATION_DECLARE_RATE_LIMIT", "20 per hour")
    # 企业微信 group robots, per committee: "<committee id>=<webhook URL>;…" (empty: off). Delivered by a task,
    # WEBHOOK_TIMEOUT_SECONDS per attempt, retried with a growing pause up to WEBHOOK_MAX_ATTEMPTS times.
    # Backups (app/backups/): nightly from beat, and `flask backup` / `flask restore`.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(INSTANCE_DIR / "backups"))
    BACKUP_KEEP_DAYS = int(os.environ.get("BACKUP_KEEP_DAYS", "14"))
    WECOM_WEBHOOKS = os.environ.get("WECOM_WEBHOOKS", "")
    WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "3"))
    WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))


# RULE_<NAME> overrides of the plan's numbers (app/domain/rules.py): taken from the environment as strings;
# rules_from_config parses and checks them, so an unreadable value falls back to the default there.
for _name, _value in os.environ.items():
    if _name.startswith("RULE_"):
        setattr(Config, _name, _value)
