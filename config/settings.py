"""Pulse settings: one file, every value from the environment, embedded defaults for a laptop.

With nothing configured Pulse runs on SQLite, the local-memory cache and eager Celery tasks.
With DEBUG off (production) SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL have no default and
a missing one stops the process at start-up.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

ENVIRONMENT = env("PULSE_ENV", default="development")
DEBUG = env.bool("DEBUG", default=ENVIRONMENT == "development")
VERSION = "0.1.0"

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-change-me-0123456789")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
else:
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DATABASES = {"default": env.db("DATABASE_URL")}

DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Persistent connections for a short while, checked before reuse: after a PostgreSQL restart the
# first request of each process opens a new connection instead of failing on a dead one.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
    # Statements sent through config.db's prepared_cursor (tracking's INSERT) are prepared from
    # their fifth run; the ORM's cursors bind on the client and never are. Behind a pooler in
    # transaction mode, where the next server connection may not know them: DB_PREPARED_STATEMENTS=0.
    options.setdefault("prepare_threshold", 5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None)
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost, which takes
    # 100–700 ms: for Pulse's short queries (and any query on a table not analysed yet, whose
    # estimates are guesses) that is most of their time. DB_JIT=1 leaves the server's setting.
    if not env.bool("DB_JIT", default=False):
        options.setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: one writer at a time; wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# django-prometheus' wrappers of the same engines: query, error and connection counters. On
# PostgreSQL Pulse's own subclass, whose health check needs no round trip (config/db).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.db.postgresql"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.sqlite3"

# --- Read replicas ---------------------------------------------------------------------
# PostgreSQL streaming replicas for analytics reads (config.replicas): comma-separated URLs,
# one alias each (replica_0, replica_1…). The test suite reads them through the primary.
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
# Seconds a user's reads stay on the primary after that user's own write (read-your-writes).
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=5)
# A replica further behind the primary than this is skipped until it catches up.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=10.0)
# Seconds each process trusts its last check of a replica (lag, or down) before checking again.
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
for _index, _url in enumerate(DATABASE_REPLICA_URLS):
    DATABASES[f"replica_{_index}"] = {
        **DATABASES["default"],
        **env.db_url_config(_url),
        "ENGINE": DATABASES["default"]["ENGINE"],
        # A replica serves reads outside transactions; a dead one must fail fast to be skipped.
        "ATOMIC_REQUESTS": False,
        "OPTIONS": {
            **DATABASES["default"].get("OPTIONS", {}),
            "connect_timeout": env.int("DB_REPLICA_CONNECT_TIMEOUT", default=2),
        },
        "TEST": {"MIRROR": "default"},
    }
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]

# Keys hashed with HMAC (API keys, IP addresses) use their own secret so that rotating
# SECRET_KEY (sessions, signing) does not invalidate every API key.
PULSE_HMAC_SECRET = env("PULSE_HMAC_SECRET", default=SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    "corsheaders",
    "django_prometheus",
    "config",
    "accounts",
    "sales",
    "ecommerce",
    "apimetrics",
    "catalog",
    "reports",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.middleware.RequestIdMiddleware",
    "config.middleware.NumberLocaleMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what every middleware below has written (HTML pages only).
    "config.middleware.HtmlGZipMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.AdminLoginThrottleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Routes analytics reads to replicas; without DATABASE_REPLICA_URLS it removes itself.
    "config.replicas.ReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.workspaces",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_MAX_AGE", default=3 * 24 * 3600)
# Seconds a password reset link works (Django's setting; its default is 3 days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Seconds an invitation to a workspace can be accepted.
INVITATION_MAX_AGE = env.int("INVITATION_MAX_AGE", default=7 * 24 * 3600)
# Seconds a workspace export can be downloaded after it was made (then its file is deleted).
EXPORT_MAX_AGE = env.int("EXPORT_MAX_AGE", default=24 * 3600)
# Scheme and host of links in mails sent outside a request (inside one, the request's own).
PULSE_BASE_URL = env("PULSE_BASE_URL", default="http://127.0.0.1:8000")
# Alert webhooks may not point at private, loopback or link-local addresses (checked when a
# webhook is made and again at each delivery); development and tests may allow them.
PULSE_WEBHOOKS_ALLOW_PRIVATE = env.bool("PULSE_WEBHOOKS_ALLOW_PRIVATE", default=False)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Uploads larger than this are refused before their body is read (413).
PULSE_MAX_UPLOAD_BYTES = env.int("PULSE_MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
# Order imports of one workspace pending or running at once; one more upload is refused (409).
PULSE_MAX_ACTIVE_IMPORTS = env.int("PULSE_MAX_ACTIVE_IMPORTS", default=2)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# --- Cache and Redis -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis with django-prometheus' hit/miss/failure counters.
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="pulse"),
            "TIMEOUT": env.int("CACHE_TIMEOUT", default=3600),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # Redis down degrades to no caching, never to an error page.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "pulse.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "pulse",
            "TIMEOUT": env.int("CACHE_TIMEOUT", default=3600),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery ----------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that sends a task gives up on a dead broker within about a second and runs the task
# inline (config.queue.enqueue) instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# acks_late on Redis: a task whose worker died is delivered again after the visibility timeout,
# which must exceed the longest task (the hard time limit) or a running task would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60),
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    # How often a worker looks for messages whose worker died (kombu: interval × throttle).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10}
CELERY_RESULT_EXPIRES = timedelta(days=1)
# A worker that loses the broker stops its running acks_late tasks (they are redelivered)
# rather than finishing them with nobody to acknowledge to.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_SEND_TASK_EVENTS = True
# Workers log through Pulse's logging (structured, redacted) instead of Celery's own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_TIMEZONE = "UTC"
# Queues, one worker pool each, so that each scales on its own (docker-compose.yml, Procfile):
# a long import or export never delays tracking's rollups, nor retention the mails. A worker
# started without -Q consumes them all. Every task of the project is routed by name below
# (tests/ops/test_queues.py checks it); a route to an undeclared queue fails when sent.
CELERY_TASK_QUEUES: dict[str, dict[str, str]] = {
    name: {"exchange": name, "routing_key": name} for name in ("ingest", "imports", "reports", "maintenance")
}
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
CELERY_TASK_CREATE_MISSING_QUEUES = False
TASKS_BY_QUEUE = {
    # tracked events: rollups every minute, one task per project
    "ingest": ["apimetrics.tasks.rollup_all", "apimetrics.tasks.rollup_project"],
    # order files, and the fits and caches an import invalidates
    "imports": [
        "ecommerce.tasks.import_orders",
        "ecommerce.tasks.fit_forecast",
        "ecommerce.tasks.warm_workspace_caches",
        "ecommerce.tasks.warm_all_caches",
    ],
    # what people wait for or read: mails, exports, the nightly insights and quality alerts
    "reports": [
        "accounts.tasks.send_password_reset",
        "accounts.tasks.send_invitation_email",
        "accounts.tasks.send_email_change",
        "accounts.tasks.build_workspace_export",
        "sales.tasks.nightly_etl_all",
        "sales.tasks.nightly_etl",
        "sales.tasks.quality_checks_all",
        "sales.tasks.quality_check",
        "reports.tasks.evaluate_alerts",
        "reports.tasks.send_alert_email",
        "reports.tasks.deliver_webhook",
        "reports.tasks.send_due_digests",
        "reports.tasks.send_digest",
    ],
    "maintenance": [
        "apimetrics.tasks.retention_cleanup_all",
        "apimetrics.tasks.retention_cleanup",
        "apimetrics.tasks.event_partitions_ensure",
        "accounts.tasks.flush_expired_tokens",
        "accounts.tasks.expire_workspace_exports",
    ],
}
CELERY_TASK_ROUTES = {task: {"queue": queue} for queue, tasks in TASKS_BY_QUEUE.items() for task in tasks}
CELERY_BEAT_SCHEDULER = "config.jobs:PulseScheduler"
# Periodic tasks. Beat's scheduler (config.jobs.PulseScheduler, django-celery-beat's database
# scheduler) copies the missing ones into the database at start, where staff can change them in
# the admin; `manage.py sync_beat_schedule` does the same without beat.
CELERY_BEAT_SCHEDULE = {
    "sales-nightly-etl": {"task": "sales.tasks.nightly_etl_all", "schedule": crontab(hour=2, minute=0)},
    "sales-quality-checks": {"task": "sales.tasks.quality_checks_all", "schedule": crontab(minute=15, hour="*/6")},
    "ecommerce-warm-caches": {"task": "ecommerce.tasks.warm_all_caches", "schedule": crontab(minute=30, hour=3)},
    "apimetrics-rollup": {"task": "apimetrics.tasks.rollup_all", "schedule": 60.0},
    "apimetrics-retention": {"task": "apimetrics.tasks.retention_cleanup_all", "schedule": crontab(hour=4, minute=0)},
    "apimetrics-event-partitions": {"task": "apimetrics.tasks.event_partitions_ensure", "schedule": crontab(minute=10)},
    "accounts-expired-tokens": {"task": "accounts.tasks.flush_expired_tokens", "schedule": crontab(hour=5, minute=0)},
    "accounts-expired-exports": {"task": "accounts.tasks.expire_workspace_exports", "schedule": crontab(minute=20)},
    "reports-evaluate-alerts": {"task": "reports.tasks.evaluate_alerts", "schedule": crontab(minute="*/5")},
    "reports-digests": {"task": "reports.tasks.send_due_digests", "schedule": crontab(minute=5)},
}

# --- Email -----------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Pulse <pulse@localhost>")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTHeaderOrCookieAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.tenancy.ScopedOrDeclared"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.openapi.PulseAutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth_ip": env("THROTTLE_AUTH_IP", default="30/min"),
        "auth_account": env("THROTTLE_AUTH_ACCOUNT", default="10/min"),
        "password_reset_ip": env("THROTTLE_PASSWORD_RESET_IP", default="20/hour"),
        "password_reset_account": env("THROTTLE_PASSWORD_RESET_ACCOUNT", default="5/hour"),
        "password_change": env("THROTTLE_PASSWORD_CHANGE", default="10/hour"),
        "verify_resend": env("THROTTLE_VERIFY_RESEND", default="5/hour"),
        "member_add_user": env("THROTTLE_MEMBER_ADD_USER", default="30/hour"),
        "member_add_workspace": env("THROTTLE_MEMBER_ADD_WORKSPACE", default="60/hour"),
        "import_user": env("THROTTLE_IMPORT_USER", default="20/hour"),
        "import_workspace": env("THROTTLE_IMPORT_WORKSPACE", default="60/hour"),
    },
    # Client IPs (throttles) come from REMOTE_ADDR, or from X-Forwarded-For as written by this
    # many trusted reverse proxies; 0 ignores the header, which clients could otherwise forge.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
# Cookie mode: tokens in HttpOnly, SameSite=Lax cookies instead of the response body.
JWT_COOKIE_MODE = env.bool("JWT_COOKIE_MODE", default=False)
JWT_ACCESS_COOKIE = "pulse_access"
JWT_REFRESH_COOKIE = "pulse_refresh"

SPECTACULAR_SETTINGS = {
    "TITLE": "Pulse API",
    "DESCRIPTION": "Analytics for small merchants and API owners: sales, e-commerce, API metrics and a "
    'coffee-shop catalog. Every error answers {"error": {"code", "message", "fields"}}.',
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AlertOutcomeEnum": "reports.models.alerts.AlertRule.Outcome",
        "AnnotationKindEnum": "reports.models.annotations.Annotation.Kind",
        "KindEnum": "catalog.models.Specification.Kind",
    },
    # Swagger UI and ReDoc are served from our static files: the docs work without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- API metrics -----------------------------------------------------------------------
# Events a tracking key may send a minute (429 beyond) and in one request (413 beyond; the
# request's body must also fit in DATA_UPLOAD_MAX_MEMORY_SIZE: raise both together).
APIMETRICS_RATE_LIMIT_PER_MINUTE = env.int("APIMETRICS_RATE_LIMIT_PER_MINUTE", default=60_000)
APIMETRICS_MAX_BATCH = env.int("APIMETRICS_MAX_BATCH", default=1000)
# Hours a rotated key keeps working when the rotation does not say (0 to 720).
APIMETRICS_KEY_GRACE_HOURS = env.float("APIMETRICS_KEY_GRACE_HOURS", default=24.0)
# Days of raw events a new project keeps by default (8 to 3650; rollups are kept for ever).
APIMETRICS_RETENTION_DAYS = env.int("APIMETRICS_RETENTION_DAYS", default=90)

# --- Reports (share links, digests) ------------------------------------------------------
# Views of one share link a client network may open a minute (429 beyond).
SHARE_LINK_RATE_PER_MINUTE = env.int("SHARE_LINK_RATE_PER_MINUTE", default=60)

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Security (production) -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
JWT_COOKIE_SECURE = not DEBUG

# --- Observability ---------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="console" if DEBUG else "json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
SLOW_QUERY_MS = env.float("SLOW_QUERY_MS", default=200.0)
LOGGING_CONFIG = None  # configured by config.logging.configure() below

PULSE_SELF_TRACKING = env.bool("PULSE_SELF_TRACKING", default=False)
# /metrics: with a token, only `Authorization: Bearer <token>`; without, loopback and private addresses.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
ADMIN_LOGIN_RATE = env("ADMIN_LOGIN_RATE", default="10/min")
# Seconds each Redis or broker probe of /health/detailed may wait to connect, and then to read:
# a dead server makes readiness answer 503 within a few of these, never hold a worker for long.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=0.5)

from config.logging import configure as _configure_logging  # noqa: E402

_configure_logging(log_format=LOG_FORMAT, level=LOG_LEVEL)

if PULSE_SELF_TRACKING:
    # Records Pulse's own /api/v1/ requests into a built-in API-metrics project (after auth, to name the user).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "apimetrics.middleware.SelfTrackingMiddleware",
    )
