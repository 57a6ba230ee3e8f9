"""Settings for the integration hub, driven by environment variables (see .env.example).

With nothing set the hub runs on SQLite and an embedded filesystem Celery broker, so the demo
needs no server at all.
"""

import logging
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from apps.core.crypto import fernet_key_derive, fernet_keys_check

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

_FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True}
_FLAG_VALUES |= {"0": False, "false": False, "no": False, "off": False}


def _env_flag(name: str, *, default: bool = False) -> bool:
    """An on/off variable; a typo stops start-up rather than quietly meaning "off"."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw not in _FLAG_VALUES:
        raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false, on/off), not {raw!r}.")
    return _FLAG_VALUES[raw]


def _env_seconds(name: str, *, default: int) -> int:
    """A non-negative whole number of seconds; anything else stops start-up naming `name`."""
    raw = env.str(name, default=str(default)).strip()
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds, not {raw!r}.")
    return int(raw)


# ---------------------------------------------------------------- core
DEBUG = _env_flag("DEBUG")
# Committed on purpose so `make demo` needs no setup; the prefix makes `check --deploy` flag it.
LOCAL_SECRET_KEY = "django-insecure-local-only-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default="")
if DEBUG and not SECRET_KEY:
    SECRET_KEY = LOCAL_SECRET_KEY
# The same bar as Django's deploy check (security.W009), made fatal outside DEBUG: a hub that
# signs sessions and password resets with a guessable key is worse than one that will not start.
elif not DEBUG and (
    SECRET_KEY == LOCAL_SECRET_KEY
    or len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or weak, and DEBUG is off. Set SECRET_KEY to a random value of "
        f"at least {SECRET_KEY_MIN_LENGTH} characters of your own (not the committed local "
        f"key, not starting with {SECRET_KEY_INSECURE_PREFIX!r}), e.g. the output of\n"
        "    python -c 'import secrets; print(secrets.token_urlsafe(64))'\n"
        "or set DEBUG=1 for a local run on the committed key."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
STATE_DIR = Path(env.str("HUB_STATE_DIR", default=str(BASE_DIR / "var")))
STATE_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "oauth2_provider",
    "apps.core",
    "apps.systems",
    "apps.ownership",
    "apps.catalog",
    "apps.accounts",
    "apps.pricing",
    "apps.orders",
    "apps.fulfillment",
    "apps.flows",
    "apps.quarantine",
    "apps.connectors",
    "apps.exchange",
    "apps.reconciliation",
    "apps.api",
    "apps.monitoring",
    "apps.operations",
    "apps.sandbox",
    "apps.sandbox_finance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First after security: every log line of the request, redirects included, has its id.
    "apps.core.tracing.TraceIdMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "apps.api.middleware.ApiTextGuard",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After DRF has named the partner: one row per partner API request (who, what, when).
    "apps.api.access_log.PartnerAccessLog",
    # Last, as django-axes requires: it turns a refused admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "integration_hub.urls"
WSGI_APPLICATION = "integration_hub.wsgi.application"
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
                "apps.monitoring.context.open_alerts",
            ],
        },
    },
]

# ---------------------------------------------------------------- secrets at rest
# Credentials the hub presents to outside systems are stored encrypted (apps/core/fields.py).
# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt. To rotate, put a
# new key first, run `manage.py secrets_rotate`, then drop the old key.
HUB_FIELD_ENCRYPTION_KEYS = env.list("HUB_FIELD_ENCRYPTION_KEYS", default=[])
HUB_FIELD_ENCRYPTION_KEYS = [key.strip() for key in HUB_FIELD_ENCRYPTION_KEYS if key.strip()]
if not HUB_FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "HUB_FIELD_ENCRYPTION_KEYS must be set when DEBUG is off (it encrypts the "
            "credentials of outside systems); generate a key with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    # The demo needs nothing set: a key derived from SECRET_KEY, good for local data only.
    HUB_FIELD_ENCRYPTION_KEYS = [fernet_key_derive(SECRET_KEY)]
fernet_keys_check(HUB_FIELD_ENCRYPTION_KEYS)

# ---------------------------------------------------------------- security
# Each TLS-dependent setting is off unless set, so plain HTTP on loopback (the demo, tests)
# keeps working; README "Running in production" lists the values `check --deploy` wants.
SECURE_SSL_REDIRECT = _env_flag("SECURE_SSL_REDIRECT")
# Probes talk plain HTTP to the container, behind the proxy that terminates TLS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = _env_seconds("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_flag("SECURE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE")
CSRF_COOKIE_SECURE = _env_flag("CSRF_COOKIE_SECURE")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries need a scheme (https://hub.example.com): {_origin!r}."
        )
# Only behind a proxy that sets X-Forwarded-Proto itself; otherwise clients could claim HTTPS.
if _env_flag("HUB_TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Safe everywhere, so always on (Django's defaults, stated so nobody loosens them unseen).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp). Scripts only from our own origin: the Swagger UI uses
# drf-spectacular's split view so its start-up script is a file, not inline. Styles allow
# inline because Django's admin, import-export and Swagger UI templates carry <style> blocks
# and style="" attributes; inline script stays blocked, which is what matters against XSS.
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    # The one inline handler import-export's export form has, its "select all" toggle: the
    # sha256 of `onSelectToggleChange(event)` (tests/browser/test_csp.py notices a change).
    "script-src": [SELF, UNSAFE_HASHES, "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}
HUB_CSP_REPORT_URI = env.str("HUB_CSP_REPORT_URI", default="")
if HUB_CSP_REPORT_URI:
    _CSP_DIRECTIVES["report-uri"] = HUB_CSP_REPORT_URI
# Report-only: browsers report violations but block nothing (for trying a change safely).
if _env_flag("HUB_CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

# ---------------------------------------------------------------- logging
# One line per event on stderr: JSON for log shippers in production, plain text at a desk.
HUB_LOG_FORMAT = env.str("HUB_LOG_FORMAT", default="text" if DEBUG else "json").lower()
if HUB_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"HUB_LOG_FORMAT must be json or text, not {HUB_LOG_FORMAT!r}.")
HUB_LOG_LEVEL = env.str("HUB_LOG_LEVEL", default="INFO").upper()
if HUB_LOG_LEVEL not in logging.getLevelNamesMapping():
    raise ImproperlyConfigured(
        f"HUB_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {HUB_LOG_LEVEL!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(trace_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC, unlike asctime
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s (trace %(trace_id)s)"},
    },
    "filters": {
        "trace_id": {"()": "apps.core.tracing.TraceIdLogFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": HUB_LOG_FORMAT,
            "filters": ["trace_id"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # django.request carries every 500 with its traceback (exc_info).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "apps": {"handlers": ["console"], "level": HUB_LOG_LEVEL, "propagate": False},
        "celery": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# The worker logs through LOGGING above (JSON in production) instead of Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ---------------------------------------------------------------- database
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{STATE_DIR / 'hub.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server's threads, the worker and beat share one SQLite file in the demo. WAL lets
    # readers work while one writer writes. IMMEDIATE takes the write lock when a transaction
    # begins, so writers queue for up to `timeout` seconds: a deferred transaction that reads
    # first and writes later cannot wait (SQLite answers "database is locked" at once).
    # synchronous=NORMAL is safe with WAL; a power cut may lose the last commits, not the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Each process keeps its connection between requests and tasks. A new PostgreSQL
    # connection per request costs a server process started and its catalog caches filled
    # again for every table the request touches: on the order API that was most of the
    # database's CPU. The health check replaces a connection the server dropped (a restart,
    # a failover) before the request uses it, rather than failing that request.
    # `?conn_max_age=N` in DATABASE_URL, or HUB_DB_CONN_MAX_AGE, sets the seconds (0 closes
    # after each request, as Django does by default).
    if "CONN_MAX_AGE" not in DATABASES["default"]:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("HUB_DB_CONN_MAX_AGE", default=300)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- cache
# Shared state between processes: the partner API's request counts. Production points it at
# Redis (one database of its own, e.g. redis://redis:6379/1) so every gunicorn worker counts
# together; the demo runs one web process, where local memory is enough.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["LOCATION"].startswith(("redis://", "rediss://")):
    # django-environ picks django-redis when it happens to be installed; we use Django's own.
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"

# ---------------------------------------------------------------- i18n, time, static
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = STATE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
LOGIN_URL = "/admin/login/"
# After signing in, people land on the business-terms dashboard (apps/monitoring).
LOGIN_REDIRECT_URL = "/"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hub@localhost")

# ---------------------------------------------------------------- partner API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.authentication.PartnerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "apps.api.permissions.IsPartner",
        "apps.api.permissions.HasScope",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.errors.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Integration Hub partner API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: the docs work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the order statuses, which several answers share (order, status history).
    "ENUM_NAME_OVERRIDES": {"OrderStatusEnum": "apps.orders.models.OrderStatus"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.error_answers_hook",
    ],
}
# OAuth2 client credentials (django-oauth-toolkit) at /api/v1/oauth/token/. A client may ask
# only for the scopes its PartnerClient row grants (`manage.py partner_client`); an hour-long
# token keeps a leaked one short-lived without making a partner fetch one per call.
# Named, as the toolkit's swappable foreign keys look these up when migrations are made.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "apps.api.scopes.PartnerClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("HUB_OAUTH_TOKEN_SECONDS", default=3600),
    # RFC 9700 behaviour now rather than at the toolkit's 4.0: tokens stored as digests only,
    # never taken from a query string, no implicit or password grants.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # No redirect-based grant is enabled; these only keep `check --deploy` clean.
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
HUB_MAX_REQUEST_BYTES = env.int("HUB_MAX_REQUEST_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = HUB_MAX_REQUEST_BYTES

# ---------------------------------------------------------------- throttling and lockout


def _env_count(name: str, *, default: int, minimum: int = 1) -> int:
    """A whole number of at least `minimum`; anything else stops start-up naming `name`."""
    raw = env.str(name, default=str(default)).strip()
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number >= {minimum}, not {raw!r}.")
    return int(raw)


# Partner API requests per minute for a partner whose System row sets no limit of its own
# (`api_requests_per_minute`, editable in the admin). Two a second is far above what a
# storefront's order capture needs, and stops a runaway client loop within its first minute.
# Counted per partner in CACHES["default"]; over the limit the API answers 429 + Retry-After.
HUB_PARTNER_RATE_PER_MINUTE = _env_count("HUB_PARTNER_RATE_PER_MINUTE", default=120)
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["apps.api.throttling.PartnerRateThrottle"]

# Admin logins (django-axes): after HUB_LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for HUB_LOGIN_COOLOFF_MINUTES; each further try
# restarts the wait. Locking the pair, not the username, keeps an attacker from locking the
# real admin out. `python manage.py axes_reset` lifts every lockout at once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
HUB_LOGIN_FAILURE_LIMIT = _env_count("HUB_LOGIN_FAILURE_LIMIT", default=5)
HUB_LOGIN_COOLOFF_MINUTES = _env_count("HUB_LOGIN_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = HUB_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=HUB_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# Reverse proxies in front of the hub that append the caller's address to X-Forwarded-For.
# 0 (the default) trusts no header: the address is the TCP peer's. Set it to the number of
# proxies you run, never more, or a caller can choose the address it is locked out under.
HUB_TRUSTED_PROXY_COUNT = _env_count("HUB_TRUSTED_PROXY_COUNT", default=0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "apps.core.client_ip.client_ip"

# ---------------------------------------------------------------- celery
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(STATE_DIR / "celerybeat-schedule")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = STATE_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_BEAT_SCHEDULE = {
    # Every 10 seconds: re-enqueue deliveries that are due or whose worker died mid-attempt.
    "exchange-sweep-deliveries": {"task": "exchange.sweep_deliveries", "schedule": 10.0},
    # Every 30 seconds: raise alerts for newly quarantined records.
    "operations-evaluate-alerts": {"task": "operations.evaluate_alerts", "schedule": 30.0},
    # Nightly at 03:00: every registered reconciliation, on the bulk queue.
    "reconciliation-nightly": {
        "task": "reconciliation.run_all",
        "schedule": crontab(hour=3, minute=0),
        "options": {"queue": "bulk"},
    },
    # Every minute, a safety net: partner webhooks are queued as each status change commits;
    # this queues any a dead worker or a bulk write left out (never twice: the key is unique).
    "api-emit-partner-webhooks": {"task": "api.emit_partner_webhooks", "schedule": 60.0},
    # Nightly at 02:00: the catalog sync from the PIM (a delta after the first full run); it
    # resumes a run left unfinished from its cursor.
    "catalog-sync-nightly": {
        "task": "exchange.sync_run",
        "schedule": crontab(hour=2, minute=0),
        "args": ("catalog",),
        "options": {"queue": "bulk"},
    },
    # Every 4 hours on the hour: the ERP's contract price lists; changed prices go to the
    # storefront. A run left unfinished resumes from its cursor.
    "price-list-sync": {
        "task": "exchange.sync_run",
        "schedule": crontab(hour="*/4", minute=0),
        "args": ("prices",),
        "options": {"queue": "bulk"},
    },
    # Nightly at 02:30: the WMS's stock snapshot; repairs the drift events left, pushes only
    # the corrected levels.
    "inventory-snapshot-nightly": {
        "task": "exchange.sync_run",
        "schedule": crontab(hour=2, minute=30),
        "args": ("inventory",),
        "options": {"queue": "bulk"},
    },
}
# One queue per flow class, so an order never waits behind a bulk sync. Each flow names its
# queue (Flow.queue offers these); production runs a worker per queue. Constants, not
# environment: a queue nobody listens to would hold work silently.
HUB_FLOW_QUEUES = {
    "orders": "Orders and their answers: a partner or buyer is waiting",
    "events": "Events as they happen: inventory, shipments, invoices, returns, master data",
    "bulk": "Scheduled batch syncs: catalog, price lists, accounts",
}
# Beat's own tasks, apart from flow work: a backlog of orders must not delay the sweep.
HUB_BEAT_QUEUE = "housekeeping"
# Every queue a worker that runs everything must listen to; "celery" is Celery's default.
HUB_QUEUES = [*HUB_FLOW_QUEUES, HUB_BEAT_QUEUE, "celery"]
CELERY_TASK_ROUTES = {
    "exchange.sweep_deliveries": {"queue": HUB_BEAT_QUEUE},
    "monitoring.evaluate_flow": {"queue": HUB_BEAT_QUEUE},
    "operations.evaluate_alerts": {"queue": HUB_BEAT_QUEUE},
    "api.emit_partner_webhooks": {"queue": HUB_BEAT_QUEUE},
}

# ---------------------------------------------------------------- hub behaviour
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
HUB_DELIVERY_TIMEOUT_SECONDS = env.float("HUB_DELIVERY_TIMEOUT_SECONDS", default=10.0)
# A delivery claimed longer ago than this is taken to belong to a dead worker.
HUB_DELIVERY_LEASE_SECONDS = env.int("HUB_DELIVERY_LEASE_SECONDS", default=120)
# Records per page a batch sync asks its source for: each page commits with its cursor.
HUB_BATCH_PAGE_SIZE = env.int("HUB_BATCH_PAGE_SIZE", default=1000)
# An inbound request still "processing" after this long is taken to belong to a dead process:
# a retry with the same key and body takes the work over (longer than any request may run).
HUB_INTAKE_LEASE_SECONDS = env.int("HUB_INTAKE_LEASE_SECONDS", default=60)
# Requests a web process serves before it moves its long-lived objects out of the garbage
# collector's full passes (apps/core/gc_freeze.py); 0 never does.
HUB_GC_FREEZE_AFTER_REQUESTS = env.int("HUB_GC_FREEZE_AFTER_REQUESTS", default=100)
# The order capture's reads run as a statement prepared once per PostgreSQL connection (its
# planning cost more than its answer). A pooler in transaction mode (PgBouncer's) hands each
# transaction any server connection, where it would not exist: set 0 behind one.
HUB_DB_PREPARED_STATEMENTS = env.bool("HUB_DB_PREPARED_STATEMENTS", default=True)
# The same body from the same partner under a new Idempotency-Key within this many seconds is
# a resend: answered with the first result (0 turns recognition off).
HUB_DUPLICATE_WINDOW_SECONDS = env.int("HUB_DUPLICATE_WINDOW_SECONDS", default=600)
# When set, Prometheus must send it as a bearer token; unset, /metrics is open (keep it internal).
HUB_METRICS_TOKEN = env.str("HUB_METRICS_TOKEN", default="")
HUB_PUBLIC_URL = env.str("HUB_PUBLIC_URL", default="http://127.0.0.1:8000")
# A record younger than this is still in flight between systems: reconciliations leave it out.
HUB_RECONCILE_GRACE_SECONDS = env.int("HUB_RECONCILE_GRACE_SECONDS", default=300)
# Alerts are also posted, signed per Standard Webhooks, to on-call's receiver (unset: e-mail only).
# The secret is `whsec_` + base64, shared with the receiver so it can verify each post.
HUB_ALERT_WEBHOOK_URL = env.str("HUB_ALERT_WEBHOOK_URL", default="")
HUB_ALERT_WEBHOOK_SECRET = env.str("HUB_ALERT_WEBHOOK_SECRET", default="")
if HUB_ALERT_WEBHOOK_URL and not HUB_ALERT_WEBHOOK_SECRET.startswith("whsec_"):
    raise ImproperlyConfigured(
        "HUB_ALERT_WEBHOOK_SECRET must be set (whsec_ + base64) when HUB_ALERT_WEBHOOK_URL is."
    )

# ---------------------------------------------------------------- outside systems
# Circuit breaker defaults for a system whose row sets none (editable in the admin): after this
# many consecutive retryable delivery failures the hub stops calling the system for the
# cool-off, then lets one probe delivery through; its success closes the circuit.
HUB_CIRCUIT_FAILURE_THRESHOLD = _env_count("HUB_CIRCUIT_FAILURE_THRESHOLD", default=5)
HUB_CIRCUIT_COOLOFF_SECONDS = _env_count("HUB_CIRCUIT_COOLOFF_SECONDS", default=60)
# Deliveries to an inactive system are held and look again this often.
HUB_GATE_RECHECK_SECONDS = _env_count("HUB_GATE_RECHECK_SECONDS", default=60)
# Where per-system delivery rate limits (System.delivery_rate_limit) are counted. It must be one
# store shared by every worker on every machine: Redis, by default the cache's when CACHE_URL
# points at Redis. memory:// counts per process, which is enough for the one-machine demo only.
_cache_location = str(CACHES["default"].get("LOCATION", ""))
HUB_RATE_LIMIT_STORAGE_URL = env.str(
    "HUB_RATE_LIMIT_STORAGE_URL",
    default=_cache_location
    if _cache_location.startswith(("redis://", "rediss://"))
    else "memory://",
)
if not HUB_RATE_LIMIT_STORAGE_URL.startswith(("redis://", "rediss://", "memory://")):
    raise ImproperlyConfigured(
        "HUB_RATE_LIMIT_STORAGE_URL must be a redis://, rediss:// or memory:// URL, "
        f"not {HUB_RATE_LIMIT_STORAGE_URL!r}."
    )
