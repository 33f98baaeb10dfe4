"""Every Tandem setting. Values come from the environment with safe development defaults."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TANDEM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as our own static files (no CDN)
    "django_htmx",
    "simple_history",
    "axes",  # failed sign-ins per username+IP, lockout (admin: Axes → Access attempts)
    "tandem.core",
    "tandem.org",
    "tandem.clients",
    "tandem.contracts",
    "tandem.work",
    "tandem.notifications",
    "tandem.billing",
    "tandem.comms",
    "tandem.health",
    "tandem.reports",
    "tandem.privacy",
    "tandem.webhooks",
    "tandem.growth",
    "tandem.imports",
    "tandem.portal",
    "tandem.api",
    "tandem.web",
    "tandem.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (policy below; the API docs relax it per view).
    "csp.middleware.CSPMiddleware",
    # Static files are answered here, before anything below runs (already compressed, far-future cached).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for HTML and JSON (issue 16): below WhiteNoise (static files come pre-compressed and
    # never reach it), above everything that reads or writes the body. BREACH: pages carry the
    # CSRF token, but Django masks it with a new random salt in every response and GZipMiddleware
    # pads the gzip header with random bytes (Django 4.2+), so the token cannot be guessed byte by
    # byte from compressed sizes; see docs/SCALING.md «gzip and BREACH». GZIP_RESPONSES=0 turns it off.
    *(["django.middleware.gzip.GZipMiddleware"] if env_bool("GZIP_RESPONSES", True) else []),
    # ETag from an MD5 of the body on every GET without one, and 304 to a matching If-None-Match
    # (after gzip in the response path: the tag is of the uncompressed body, weakened by gzip).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tandem.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.web.middleware.FriendlyNotFoundMiddleware",
    "tandem.web.middleware.TwoFactorSetupRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a sign-in refused for too many failures into the lockout page / JSON answer.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): our pages load scripts, styles, fonts and data only from
# our own origin — no inline <script>, on*= handlers, <style> or style= attributes (a template
# test keeps it so). Images may be data: URIs (Swagger UI's icons). Only our own pages may frame
# us (the invoice and act pages embed their PDF). htmx's indicator styles are in tandem.css
# (htmx-config meta tag in the base template), so htmx injects no <style>.
CONTENT_SECURITY_POLICY: dict[str, Any] | None = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.web.context_processors.navigation",
            ],
        },
    }
]
# Django's renderer with <select> written in Python (a thousand-option select cost ~100 ms in templates).
FORM_RENDERER = "tandem.web.forms_renderer.FormRenderer"

VAR_DIR.mkdir(parents=True, exist_ok=True)


def database_from_url(name: str, url: str, conn_max_age: int) -> dict[str, Any]:
    """DATABASES["default"] from a URL; a malformed one stops start-up naming the variable
    (never its value: it holds the password)."""
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    except Exception as exc:  # dj_database_url raises ValueError subclasses and a few others
        raise ImproperlyConfigured(
            f"{name} is malformed: {exc} Expected e.g. postgres://user:password@host:5432/tandem "
            "or sqlite:////absolute/path.sqlite3."
        ) from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database (e.g. postgres://user:password@host:5432/tandem).")
    return config


def check_redis_url(name: str, url: str) -> str:
    """A Redis URL (redis://, rediss://, unix://) or empty; a malformed one stops start-up naming the variable."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is malformed: {exc}. Expected e.g. redis://127.0.0.1:6379/0.") from exc
    if parts.scheme not in {"redis", "rediss", "unix"} or (parts.scheme != "unix" and not parts.hostname):
        raise ImproperlyConfigured(f"{name} is malformed: expected redis://host:6379/0 (or rediss://, unix://).")
    return url


DATABASES = {
    "default": database_from_url(
        "DATABASE_URL",
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrency-friendly SQLite: WAL and a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Behind PgBouncer in transaction mode a named (server-side) cursor may land on another server
# connection: DISABLE_SERVER_SIDE_CURSORS=1 makes .iterator() fetch client-side.
if env_bool("DISABLE_SERVER_SIDE_CURSORS", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A read replica (streaming replication) for reports and dashboards: their selectors read inside
# tandem.core.db.replica_reads(), which the router (tandem.core.db.ReplicaRouter) sends here;
# writes and everything else stay on "default". Unset: everything reads the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **database_from_url("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL,
                            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))),
        # Tests run against one database: the replica alias is the same connection's data.
        "TEST": {"MIRROR": "default"},
    }
    if DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS"):
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# The alias the router reads reports from (None: the primary).
REPLICA_DATABASE: str | None = "replica" if DATABASE_REPLICA_URL else None
DATABASE_ROUTERS = ["tandem.core.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out username+IP before the password is even checked (AxesBackend
# also answers get_user, so sessions made directly with the first backend, as bench/load.py does, work).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True
# Date inputs read and show dd.mm.yyyy in both languages (config/formats/en; Russian has it already).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    # Token first: DRF answers an unauthenticated request with the first class's
    # WWW-Authenticate challenge, so a missing/bad token is a 401 «Token», not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a refused request answers 401 with `WWW-Authenticate: Token` (not 403).
        "tandem.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tandem.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tandem.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # Client address for rate limits: X-Forwarded-For only through TRUSTED_PROXIES of our own
    # proxies (0: REMOTE_ADDR; a client cannot dodge the limit by sending its own header).
    "NUM_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
    "DEFAULT_THROTTLE_CLASSES": [
        "tandem.api.throttling.BurstRateThrottle",
        "tandem.api.throttling.SustainedRateThrottle",
        "tandem.api.throttling.AnonBurstRateThrottle",
    ],
}


def env_rate(name: str, default: str) -> str | None:
    """A DRF rate like "20/s" or "600/min"; "off" (or empty) switches the limit off."""
    value = os.environ.get(name, default).strip()
    return None if value.lower() in {"", "off", "none", "0"} else value


# API tokens (POST /api/v1/auth/token/) expire after this many days; empty: valid until revoked.
API_TOKEN_LIFETIME_DAYS = int(os.environ["API_TOKEN_LIFETIME_DAYS"]) if os.environ.get("API_TOKEN_LIFETIME_DAYS") else None

# API rate limits (tandem.api.throttling): per signed-in user, and per IP address without sign-in.
# Over the limit: 429 with Retry-After. Load tests against the API set them to "off".
API_THROTTLE_RATES = {
    "burst": env_rate("API_THROTTLE_BURST", "20/s"),
    "sustained": env_rate("API_THROTTLE_SUSTAINED", "600/min"),
    "anon": env_rate("API_THROTTLE_ANON", "60/min"),
}
# /api/docs/, /api/redoc/ and /api/schema/ open to anyone (development); otherwise to signed-in
# staff only (tandem.api.docs.DocsAccess). production.py keeps it off unless the env says so.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    # /api/docs/ and /api/redoc/ load their JavaScript and CSS from our static files, so they
    # work without internet (and would under a Content-Security-Policy allowing only 'self').
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Tandem API",
    "DESCRIPTION": "Account management for digital agencies",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The client portal's API has its own schema (tandem.api.portal.schema).
    "PREPROCESSING_HOOKS": ["tandem.api.portal.schema.exclude_portal"],
    # Choice sets that share a field name across models get explicit, stable names.
    "ENUM_NAME_OVERRIDES": {
        "EmployeeRoleEnum": "tandem.org.roles.Role",
        "ContactRoleEnum": "tandem.clients.models.Contact.Role",
        "ClientLifecycleStatusEnum": "tandem.clients.models.LifecycleStatus",
        "ClientKindEnum": "tandem.clients.models.ClientKind",
        "GroupKindEnum": "tandem.org.models.Group.Kind",
        "ContractStatusEnum": "tandem.contracts.models.ContractStatus",
        "ServiceKindEnum": "tandem.clients.models.ServiceKind",
        "ProjectStatusEnum": "tandem.work.models.ProjectStatus",
        "StageKindEnum": "tandem.work.models.StageKind",
        "StageStatusEnum": "tandem.work.models.StageStatus",
        "TaskStatusEnum": "tandem.work.models.TaskStatus",
        "TaskPriorityEnum": "tandem.work.models.TaskPriority",
        "InteractionKindEnum": "tandem.comms.models.InteractionKind",
        "RequestPriorityEnum": "tandem.comms.models.Priority",
        "InvoiceStatusEnum": "tandem.billing.models.InvoiceStatus",
        "InvoiceKindEnum": "tandem.billing.models.Invoice.Kind",
        "ActStatusEnum": "tandem.billing.models.ActStatus",
        "PaymentSourceEnum": "tandem.billing.models.Payment.Source",
        "CollectionReminderKindEnum": "tandem.billing.models.CollectionReminder.Kind",
        "CollectionReminderStatusEnum": "tandem.billing.models.CollectionReminder.Status",
        "DeliveryStatusEnum": "tandem.notifications.models.NotificationDelivery.Status",
        # Keeps the name the stage-approval decision had before growth added its own «decision».
        "DecisionEnum": "tandem.work.models.StageSubmission.Decision",
        "OpportunityStageEnum": "tandem.growth.models.Stage",
        "ImportJobStatusEnum": "tandem.clients.models.JobStatus",
        "GrowthDecisionEnum": "tandem.growth.models.Decision",
        "LostReasonEnum": "tandem.growth.models.LostReason",
        "ServiceMarkEnum": "tandem.growth.models.Mark",
        "SuggestionStatusEnum": "tandem.growth.models.SuggestionStatus",
        "GrowthRuleKindEnum": "tandem.growth.models.RuleKind",
        "ClientReportStatusEnum": "tandem.reports.models.ClientReportStatus",
        "ProposalStatusEnum": "tandem.growth.models.ProposalStatus",
        "AnalyticsKindEnum": "tandem.reports.models.AnalyticsKind",
        "SyncStatusEnum": "tandem.reports.models.SyncStatus",
        "DocumentKindEnum": "tandem.reports.models.DocumentKind",
        "RetainerExpenseKindEnum": "tandem.contracts.models.RetainerExpenseKind",
        "LoyaltyBasisEnum": "tandem.billing.models.LoyaltyBasis",
        "RetainerOverageDecisionEnum": "tandem.billing.models.RetainerOverageDecision.Decision",
    },
}

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one IP address, that pair is refused for AXES_COOLOFF_MINUTES (web: a page in the site's layout;
# API: 429 JSON). An admin unlocks earlier by deleting the rows in Admin → Axes → Access attempts
# (or `manage.py axes_reset_username <login>`). A successful sign-in clears the count.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_ip"  # the same address as the API rate limits

# Background jobs: Celery with Redis when CELERY_BROKER_URL is set; otherwise tasks run
# in-process (eagerly) so that `make run` needs nothing more.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL.startswith(("redis", "unix")):
    check_redis_url("CELERY_BROKER_URL", CELERY_BROKER_URL)
# Redis for the shared cache (API rate-limit counts across processes) and checked by /readyz.
# Empty: a per-process in-memory cache.
REDIS_URL = check_redis_url("REDIS_URL", os.environ.get("REDIS_URL", ""))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis and written through to the database (a Redis restart signs nobody
    # out); any web process on any host serves any session (issue 16).
    SESSION_ENGINE = "tandem.core.sessions"
# Who an API token belongs to (token, user, employee, agency) is cached for this many seconds and
# dropped on every write to them (tandem.org.auth_cache). Only with a shared cache (Redis): with
# the per-process cache another worker would not see a revoked token until the time ran out.
AUTH_CACHE_SECONDS = int(os.environ.get("AUTH_CACHE_SECONDS", "300" if REDIS_URL else "0"))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# Documents from DOCX templates are printed to PDF by WeasyPrint (no office suite needed); with
# USE_LIBREOFFICE=1 and `soffice` on the PATH, LibreOffice converts them instead (exact layout).
USE_LIBREOFFICE = env_bool("USE_LIBREOFFICE", False)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tandem@localhost")
# Client portal (tandem.portal): a contact's session lasts this long (staff keep Django's default),
# and an invitation link is valid for this many days (and only once).
PORTAL_SESSION_AGE = int(os.environ.get("PORTAL_SESSION_AGE_MINUTES", "120")) * 60
PORTAL_INVITATION_DAYS = int(os.environ.get("PORTAL_INVITATION_DAYS", "7"))
# Where people open Tandem: links in e-mail and Telegram notifications are made absolute with it.
TANDEM_BASE_URL = os.environ.get("TANDEM_BASE_URL", "http://127.0.0.1:8000")
# The statement upload page offers a bank statement built from the agency's own open invoices to
# practise on (the demo); importing it records payments nobody made, so it is off in production.
TANDEM_PRACTICE_STATEMENT = env_bool("TANDEM_PRACTICE_STATEMENT", DEBUG)

# Key that encrypts stored credentials of outside services (analytics tokens), Fernet-style:
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
# Without it a key is derived from SECRET_KEY (fine for development, set it in production so that
# rotating SECRET_KEY does not make the stored tokens unreadable).
TANDEM_SECRETS_KEY = os.environ.get("TANDEM_SECRETS_KEY", "")
# Nightly refresh of analytics snapshots re-reads this many last days (late conversions).
ANALYTICS_REFRESH_DAYS = int(os.environ.get("ANALYTICS_REFRESH_DAYS", "7"))

# Optional outside services: off unless configured.
USE_TELEGRAM = env_bool("USE_TELEGRAM", False)
TELEGRAM_API_BASE = os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Outbound webhooks (tandem.webhooks): time-out of one POST, and whether endpoints may point at
# loopback/private addresses (allowed in DEBUG for local receivers; refused in production).
WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "10"))
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", DEBUG)
