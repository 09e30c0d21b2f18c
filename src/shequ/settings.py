"""One settings file, driven by environment variables (see docs/configuration.md).

Secrets come from the environment, from ``NAME_FILE`` (a path), or from ``var/secrets/NAME``
written once by ``shequ init``. Only tests and ``SHEQU_DEBUG=1`` fall back to fixed,
insecure development keys.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("SHEQU_DATA_DIR", PROJECT_DIR / "var"))
SECRETS_DIR = DATA_DIR / "secrets"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("SHEQU_TESTING")
DEBUG = env_bool("SHEQU_DEBUG")
# The demo (`make demo`): allows the log SMS backend, which writes login codes to the log.
DEMO = env_bool("SHEQU_DEMO")

# Development-only fallbacks: deliberately marked insecure so they are never mistaken for real keys.
_INSECURE_DEV_SECRETS = {
    "SHEQU_SECRET_KEY": "insecure-dev-only-secret-key-do-not-use-in-production",
    # Fernet key (urlsafe base64 of 32 bytes) for development and tests only.
    "SHEQU_FIELD_KEYS": "aW5zZWN1cmUtZGV2LW9ubHktZmllbGQta2V5LTMyYnk=",
    "SHEQU_BLIND_INDEX_KEY": "insecure-dev-only-blind-index-key",
}


def env_secret(name: str) -> str:
    """A secret from NAME, from the file named by NAME_FILE, or from var/secrets/NAME."""
    if os.environ.get(name):
        return os.environ[name]
    if os.environ.get(f"{name}_FILE"):
        return Path(os.environ[f"{name}_FILE"]).read_text(encoding="utf-8").strip()
    stored = SECRETS_DIR / name
    if stored.exists():
        return stored.read_text(encoding="utf-8").strip()
    if DEBUG or TESTING:
        return _INSECURE_DEV_SECRETS[name]
    raise ImproperlyConfigured(
        f"{name} is not set. Run `shequ init` to generate keys into {SECRETS_DIR}, "
        f"or set {name} / {name}_FILE. Keep a backup: encrypted data cannot be read without it."
    )


SECRET_KEY = env_secret("SHEQU_SECRET_KEY")
# Comma-separated Fernet keys; the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = [k.strip() for k in env_secret("SHEQU_FIELD_KEYS").split(",") if k.strip()]
BLIND_INDEX_KEY = env_secret("SHEQU_BLIND_INDEX_KEY")

ALLOWED_HOSTS = env_list("SHEQU_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("SHEQU_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "shequ.core",
    "shequ.population",
    "shequ.health",
    "shequ.affairs",
    "shequ.linkage",
    "shequ.cards",
    "shequ.dining",
    "shequ.library",
    "shequ.charity",
    "shequ.volunteers",
    "shequ.safety",
    "shequ.eldercare",
    "shequ.sites",
    "shequ.culture",
    "shequ.portal",
    "shequ.dashboard",
    "shequ.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "shequ.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shequ.core.middleware.DomainErrorMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"

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
                "shequ.core.context_processors.ui",
            ],
        },
    }
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'shequ.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets pages read while a write is under way; IMMEDIATE takes the write lock at the
        # start of a transaction so two writers queue instead of failing half-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SHEQU_TEST_SQLITE", "") or None}
else:
    DATABASES["default"]["TEST"] = {"NAME": env_str("SHEQU_TEST_DB_NAME", "") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "portal:public_home"
LOGOUT_REDIRECT_URL = "core:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests that check hashing assert the Argon2 prefix themselves.
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SHEQU_SESSION_SECONDS", 8 * 3600)

CACHES = {
    # A database cache so that login rate limits hold across worker processes without Redis.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shequ_cache",
    }
}
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_VIEW = "shequ.core.views.rate_limited"
# Every ``key="ip"`` limit counts per client as our own proxies report it (shequ/core/net.py).
RATELIMIT_IP_META_KEY = "shequ.core.net.ratelimit_ip"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = DATA_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shequ.core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "shequ.core.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "shequ.core.drf.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "shequ.core.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shequ API",
    "DESCRIPTION": "REST API of the Shequ sub-district platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ServiceRequestStatusEnum": "shequ.affairs.choices.Status",
        "SexEnum": "shequ.population.choices.Sex",
        "SourceRowSexEnum": [("M", "M"), ("F", "F"), ("", "")],
        "DeviceKindEnum": "shequ.safety.choices.DeviceKind",
        "CredentialKindEnum": "shequ.safety.choices.CredentialKind",
        "CredentialStatusEnum": "shequ.safety.choices.CredentialStatus",
        "AlarmKindEnum": "shequ.safety.choices.AlarmKind",
        "IncidentStatusEnum": "shequ.safety.choices.IncidentStatus",
        "RelationshipEnum": "shequ.population.choices.Relationship",
        "ContactRelationshipEnum": "shequ.eldercare.choices.ContactRelationship",
        "DeviceSaysStatusEnum": [("online", "online"), ("offline", "offline")],
    },
}

# Where one-time login codes and notices go (through the outbox); the default writes them to the log and runs
# only with SHEQU_DEBUG or SHEQU_DEMO.
SMS_BACKEND = env_str("SHEQU_SMS_BACKEND", "shequ.core.sms.LogSmsBackend")
LOGIN_CODE_SECONDS = env_int("SHEQU_LOGIN_CODE_SECONDS", 300)
LOGIN_RATE = env_str("SHEQU_LOGIN_RATE", "10/m")
# Days before a residence permit expires when the holder is reminded.
PERMIT_REMINDER_DAYS = env_int("SHEQU_PERMIT_REMINDER_DAYS", 30)

# Devices (safety). With a broker URL (mqtt://user:password@host:1883) `shequ serve` also runs the MQTT consumer
# and device commands are published there; without one, devices use the HTTP ingest only.
MQTT_URL = env_str("SHEQU_MQTT_URL", "")
# The first level of every device topic: <prefix>/<sub-district code>/<device ID>/<channel> (docs/devices.md).
MQTT_TOPIC_PREFIX = env_str("SHEQU_MQTT_TOPIC_PREFIX", "shequ")
# Device events are public-safety records: kept at least 30 days (State Council Decree 799), then pruned.
SAFETY_EVENT_RETENTION_DAYS = max(env_int("SHEQU_SAFETY_EVENT_RETENTION_DAYS", 90), 30)
# The MQTT consumer's fixed client id: its persistent session on the broker queues messages while it is away.
MQTT_CLIENT_ID = env_str("SHEQU_MQTT_CLIENT_ID", "shequ-ingest")
# Requests a device may make to the HTTP ingest (it should batch its events, up to 500 a request).
SAFETY_DEVICE_HTTP_RATE = env_str("SHEQU_SAFETY_DEVICE_HTTP_RATE", "120/m")
# Alarm rules and incidents (docs/safety-incidents.md): a reader that saw LOCKOUT_COUNT denials within
# LOCKOUT_WINDOW seconds refuses every credential for LOCKOUT_SECONDS (2N: 5 failures, 30 s); alarms of one group
# join one open incident while they come within GROUP_WINDOW seconds of its last; a door held open shorter than
# HELD_OPEN_SECONDS raises nothing; an emergency opens a request of the service with this code.
SAFETY_LOCKOUT_COUNT = max(env_int("SHEQU_SAFETY_LOCKOUT_COUNT", 5), 2)
SAFETY_LOCKOUT_WINDOW_SECONDS = max(env_int("SHEQU_SAFETY_LOCKOUT_WINDOW_SECONDS", 60), 1)
SAFETY_LOCKOUT_SECONDS = max(env_int("SHEQU_SAFETY_LOCKOUT_SECONDS", 30), 1)
SAFETY_GROUP_WINDOW_SECONDS = max(env_int("SHEQU_SAFETY_GROUP_WINDOW_SECONDS", 1800), 1)
SAFETY_HELD_OPEN_SECONDS = max(env_int("SHEQU_SAFETY_HELD_OPEN_SECONDS", 30), 1)
SAFETY_EMERGENCY_SERVICE = env_str("SHEQU_SAFETY_EMERGENCY_SERVICE", "safety-emergency")

# Eldercare inactivity rules (docs/eldercare-rules.md), Jiangsu Road's defaults: water < 0.01 m³ in 12 h; the door
# opened < 1 time in 24 h; no motion for 24 h; > 2 m³ in 24 h, or flow in all 48 half-hours (a leak); a smoke alarm
# in the last 15 min. SHEQU_ELDERCARE_SUBDISTRICT_RULES (JSON) overrides them per sub-district code:
# {"310105002": {"water_low": {"min_m3": 0.02}, "door_idle": {"enabled": false}}}; each elder's own override theirs.
ELDERCARE_WATER_LOW_M3 = float(env_str("SHEQU_ELDERCARE_WATER_LOW_M3", "0.01"))
ELDERCARE_DOOR_MIN_OPENINGS = env_int("SHEQU_ELDERCARE_DOOR_MIN_OPENINGS", 1)
ELDERCARE_NO_MOTION_HOURS = float(env_str("SHEQU_ELDERCARE_NO_MOTION_HOURS", "24"))
ELDERCARE_WATER_HIGH_M3 = float(env_str("SHEQU_ELDERCARE_WATER_HIGH_M3", "2"))
ELDERCARE_LEAK_SLOTS = env_int("SHEQU_ELDERCARE_LEAK_SLOTS", 48)
ELDERCARE_SMOKE_MINUTES = float(env_str("SHEQU_ELDERCARE_SMOKE_MINUTES", "15"))
ELDERCARE_SUBDISTRICT_RULES: dict = json.loads(env_str("SHEQU_ELDERCARE_SUBDISTRICT_RULES", "{}") or "{}")
# The alert ladder (docs/eldercare-alerts.md): minutes each rung waits for an answer before the next; minutes a
# rung taken on may stay without an outcome before the ladder climbs on; how often the worker watches the elders.
ELDERCARE_LADDER_MINUTES = {
    "call_elder": env_int("SHEQU_ELDERCARE_CALL_ELDER_MINUTES", 15),
    "contact": env_int("SHEQU_ELDERCARE_CONTACT_MINUTES", 30),
    "worker": env_int("SHEQU_ELDERCARE_WORKER_MINUTES", 60),
    "door_visit": env_int("SHEQU_ELDERCARE_DOOR_VISIT_MINUTES", 120),
}
ELDERCARE_TAKEN_ON_MINUTES = max(env_int("SHEQU_ELDERCARE_TAKEN_ON_MINUTES", 120), 1)
ELDERCARE_WATCH_SECONDS = max(env_int("SHEQU_ELDERCARE_WATCH_SECONDS", 60), 5)
# False alarms of one cause for one elder within this many days before the desk suggests a change of her rules.
ELDERCARE_TUNING_FALSE_ALARMS = max(env_int("SHEQU_ELDERCARE_TUNING_FALSE_ALARMS", 2), 1)
ELDERCARE_TUNING_DAYS = max(env_int("SHEQU_ELDERCARE_TUNING_DAYS", 90), 1)


# Eldercare visits (docs/eldercare.md, Visits): a paired elder gets at least this many visits a week; a volunteer
# with this many pairs or more is warned of when paired again (老伙伴计划: one volunteer to about five elders).
ELDERCARE_PAIR_VISITS_PER_WEEK = env_int("SHEQU_ELDERCARE_PAIR_VISITS_PER_WEEK", 1)
ELDERCARE_PAIRS_PER_VOLUNTEER = env_int("SHEQU_ELDERCARE_PAIRS_PER_VOLUNTEER", 5)
# Culture-centre bookings (docs/culture.md): a booking not checked in this many minutes after its start is released;
# NO_SHOWS no-shows within NO_SHOW_DAYS days restrict the booker for RESTRICT_DAYS days.
CULTURE_RELEASE_MINUTES = env_int("SHEQU_CULTURE_RELEASE_MINUTES", 15)
CULTURE_NO_SHOWS = max(env_int("SHEQU_CULTURE_NO_SHOWS", 3), 1)
CULTURE_NO_SHOW_DAYS = env_int("SHEQU_CULTURE_NO_SHOW_DAYS", 60)
CULTURE_RESTRICT_DAYS = env_int("SHEQU_CULTURE_RESTRICT_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SHEQU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Sign-in limits (shequ/core/signin.py and docs/security.md explain the design).
SIGNIN_PAIR_FAILURES = env_int("SHEQU_SIGNIN_PAIR_FAILURES", 5)
SIGNIN_PAIR_MAX_LOCK_SECONDS = env_int("SHEQU_SIGNIN_PAIR_MAX_LOCK_SECONDS", 3600)
SIGNIN_ACCOUNT_FAILURES = env_int("SHEQU_SIGNIN_ACCOUNT_FAILURES", 20)
SIGNIN_ADDRESS_FAILURES = env_int("SHEQU_SIGNIN_ADDRESS_FAILURES", 50)
SIGNIN_WINDOW_SECONDS = env_int("SHEQU_SIGNIN_WINDOW_SECONDS", 15 * 60)
SIGNIN_KNOWN_DAYS = env_int("SHEQU_SIGNIN_KNOWN_DAYS", 30)
LOGIN_CODES_PER_HOUR = env_int("SHEQU_LOGIN_CODES_PER_HOUR", 5)
LOGIN_CODES_PER_DAY = env_int("SHEQU_LOGIN_CODES_PER_DAY", 10)
LOGIN_CODES_PER_ADDRESS_HOUR = env_int("SHEQU_LOGIN_CODES_PER_ADDRESS_HOUR", 30)
# API tokens (``Authorization: Token …``): only a digest is stored; each lives this many days.
API_TOKEN_DAYS = env_int("SHEQU_API_TOKEN_DAYS", 30)

# Transport security. Behind a reverse proxy that terminates TLS, list the proxy in SHEQU_TRUSTED_PROXIES
# and name the header it sets (e.g. "X-Forwarded-Proto: https") in SHEQU_PROXY_SSL_HEADER; the header is
# believed only when configured, because a client could send it too.
TRUSTED_PROXIES = env_list("SHEQU_TRUSTED_PROXIES")
_proxy_ssl_header = env_str("SHEQU_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    _header_name, _colon, _header_value = _proxy_ssl_header.partition(":")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _header_name.strip().upper().replace("-", "_"), _header_value.strip())
SECURE_SSL_REDIRECT = env_bool("SHEQU_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env_int("SHEQU_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SHEQU_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SHEQU_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = env_bool("SHEQU_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything is served by the platform itself: scripts and styles only from static files, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features no page uses are switched off (shequ.core.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = {
    "camera": "()", "microphone": "()", "geolocation": "()", "payment": "()", "usb": "()",
    "display-capture": "()", "fullscreen": "(self)",
}
SITE_NAME = _("Jiangsu Road Sub-district")
# The service centre's hotline, shown on every page and on the public home.
SHEQU_HOTLINE = env_str("SHEQU_HOTLINE", "52389022")
