"""One settings file driven by the environment; SQLite by default, PostgreSQL when DATABASE_URL is set."""

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("KIEMDIEM_DEBUG")
# Secrets only from the environment; the fallback key is for development and tests on loopback.
SECRET_KEY = os.environ.get("KIEMDIEM_SECRET_KEY") or "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = [
    h for h in os.environ.get("KIEMDIEM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "kiemdiem.accounts",
    "kiemdiem.orgs",
    "kiemdiem.campaigns",
    "kiemdiem.followup",
    "kiemdiem.reports",
    "kiemdiem.imports",
    "kiemdiem.assessments",
    "kiemdiem",
    "ninja",  # serve Swagger UI from our own static files, not a CDN (the CSP allows only 'self')
    "axes",  # login throttling (Trust)
]

MIDDLEWARE = [
    "kiemdiem.errors.DatabaseUnavailableMiddleware",  # a database outage or lock is a 503 "thử lại", never a 500
    "kiemdiem.admission.WriteAdmissionMiddleware",  # writes take turns, so page views keep the CPU (issue 21)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the 429 page
]

# At most this many writes (unsafe requests) at once per process; a write waits its turn at most so long, then
# answers the busy page (kiemdiem/admission.py). 0: no limit. Two per process: on the write load (2 × 12 threads)
# the rating page's p95 went from 295 to 206–211 ms and the save's from 402 to 569–607 ms (docs/decisions.md).
KIEMDIEM_CONCURRENT_WRITES = int(os.environ.get("KIEMDIEM_CONCURRENT_WRITES", "2"))
KIEMDIEM_WRITE_WAIT_SECONDS = float(os.environ.get("KIEMDIEM_WRITE_WAIT_SECONDS", "30"))

ROOT_URLCONF = "kiemdiem.urls"
WSGI_APPLICATION = "kiemdiem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kiemdiem.campaigns.context_processors.current_cycle",
                "kiemdiem.navigation.nav",  # the header's links, reversed once per process
            ],
            # `{{ n|so }}`: one Vietnamese number format (6.006; 12,5) on every page (kiemdiem/vietnamese.py); `{% url %}`
            # with each link reversed once per process (kiemdiem/navigation.py).
            "builtins": ["kiemdiem.orgs.templatetags.vn", "kiemdiem.navigation"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        # A persistent connection is checked before a request reuses it: after a database restart the request
        # reconnects instead of failing on a dead connection (Trust; issue 21).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under several users (STACK.md): WAL lets readers go on while one writes; every
    # transaction takes the write lock when it begins (no deadlocked upgrade from read to write); a writer waits
    # up to 20 s for the lock instead of failing at once. What still cannot go through answers 503 "thử lại".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "KIEMDIEM_PG_PREPARE", True
):
    # Parameters bound by the server, and a statement run a third time on a connection prepared there: PostgreSQL
    # then plans it once (a generic plan, when that costs no more than planning afresh) instead of at every run,
    # about a third of its CPU under the write load (docs/performance.md, eighth pass). Prepared statements live
    # with their connection: a new connection (CONN_MAX_AGE, a restart of PostgreSQL) prepares them again.
    # Integers are sent as text (apps.integers_sent_as_text). KIEMDIEM_PG_PREPARE=0 turns it off, e.g. behind
    # a pooler in transaction mode, which hands a prepared statement's connection to another client.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": int(os.environ.get("KIEMDIEM_PG_PREPARE_THRESHOLD", "2")),
        **DATABASES["default"].get("OPTIONS", {}),
    }
# Each process keeps the pages' parts it drew (campaigns/views.py: a rating page's tables and each members' row,
# the quota groups' counts): Django's default of 300 entries is fewer than one big cell's rows and its district's
# other pages, and a full cache drops a third of them at once.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read with a plain query (kiemdiem/accounts/sessions.py): the same rows, ended alike.
SESSION_ENGINE = "kiemdiem.accounts.sessions"
X_FRAME_OPTIONS = "DENY"

# -- Trust: login throttling, CSP, passwords (production switches are in kiemdiem/settings_production.py) --------
AUTHENTICATION_BACKENDS = [
    "kiemdiem.security.LoginThrottleBackend",  # django-axes: refuses a locked-out username before the password
    "kiemdiem.accounts.backends.UserBackend",  # Django's ModelBackend, the session's user read by plain SQL
]
AXES_FAILURE_LIMIT = int(os.environ.get("KIEMDIEM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours; an officer can also be unlocked at once with `manage.py axes_reset_username`
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # one person guessing cannot lock a colleague out
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# No inline script anywhere. Inline styles stay allowed (they cannot run script): the API docs page (Swagger UI)
# and the PDF template use them; our pages use classes, SVG attributes and <progress>.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Background tasks (django.tasks) for long imports and exports. The database backend (django-tasks-db) needs a
# worker: `kiemdiem db_worker`. KIEMDIEM_TASKS_BACKEND=immediate runs each task in the request (tests).
INSTALLED_APPS += ["django_tasks_db"]
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if os.environ.get("KIEMDIEM_TASKS_BACKEND") == "immediate"
        else "django_tasks_db.DatabaseBackend",
    }
}

# E-mail for the daily digest (`kiemdiem digest`): SMTP only when KIEMDIEM_EMAIL_HOST is set; otherwise the
# digest is printed, not sent.
# Django 6.1's MAILERS (the EMAIL_* settings are deprecated). Without KIEMDIEM_EMAIL_HOST the default mailer
# points at localhost, which `kiemdiem digest` takes as "not configured": it prints instead of sending.
SMTP_MAILER = "django.core.mail.backends.smtp.EmailBackend"
MAILERS: dict[str, dict[str, Any]]
if os.environ.get("KIEMDIEM_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": SMTP_MAILER,
            "OPTIONS": {
                "host": os.environ["KIEMDIEM_EMAIL_HOST"],
                "port": int(os.environ.get("KIEMDIEM_EMAIL_PORT", "587")),
                "username": os.environ.get("KIEMDIEM_EMAIL_USER", ""),
                "password": os.environ.get("KIEMDIEM_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("KIEMDIEM_EMAIL_USE_TLS", True),
            },
        }
    }
    DEFAULT_FROM_EMAIL = os.environ.get("KIEMDIEM_EMAIL_FROM", "kiemdiem@localhost")
else:
    MAILERS = {"default": {"BACKEND": SMTP_MAILER, "OPTIONS": {"host": "localhost"}}}
