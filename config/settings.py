"""Setia CRM settings. Every value comes from the environment with a safe development default.

`SETIA_ENV=production` switches to production defaults (DEBUG off, secure cookies, HSTS,
two-factor required for owners) and then insists on a real SECRET_KEY and ALLOWED_HOSTS.
Each variable is documented in `.env.example` and `docs/configuration.md`.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SETIA_VAR_DIR", str(BASE_DIR / "var")))

SETIA_ENV = env_str("SETIA_ENV", "development")
if SETIA_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"SETIA_ENV must be development, production or test; got {SETIA_ENV!r}")
PRODUCTION = SETIA_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-setia-crm-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Where staff reach the installation, for links in emails (the morning digest). Development: the
# address `make run` serves.
SITE_URL = env_str("SITE_URL", "" if PRODUCTION else f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "servestatic",
    "ninja",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Setia apps, lowest layer first (see docs/architecture.md).
    "setia.core",
    "setia.accounts",
    "setia.customers",
    "setia.catalog",
    "setia.segments",
    "setia.loyalty",
    "setia.sales",
    "setia.analytics",
    "setia.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Key-authenticated API requests go straight to their view from here (see the class).
    "setia.core.middleware.KeyAuthenticatedApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "setia.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "setia.core.middleware.ApplicationErrorMiddleware",
    "setia.core.middleware.HtmxLoginRedirectMiddleware",
    "setia.accounts.middleware.RequireTwoFactorMiddleware",
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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "setia.core.context_processors.shell",
                "setia.accounts.context_processors.business",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'setia.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A SQLite connection reads the whole schema before its first query on a table, which cost more
    # than the caller lookup itself; the server keeps a connection per request thread instead
    # (config/asgi.py reuses the threads).
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 600)
    # WAL lets readers and one writer work side by side; IMMEDIATE transactions take the
    # write lock up front, so the web server and the worker wait (busy timeout) instead of
    # failing with "database is locked" half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME", "") or None}
elif env_bool("DB_POOL", SETIA_ENV != "test"):
    # A connection pool per process: opening a PostgreSQL connection for every request costs more
    # than the request itself (measured: caller lookup 40 ms without, see bench/). Pools need
    # CONN_MAX_AGE 0. The test suite creates and drops databases, so it runs without one.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DB_POOL_MIN", 2),
        "max_size": env_int("DB_POOL_MAX", 10),
    }
# The caller lookup's hand-written queries are prepared on their PostgreSQL connection (planned once
# per connection, not per call; setia/core/sql.py). Off for a pooler that cannot keep them.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared across processes (rate limits, lockouts) --------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "setia_cache"}}

# --- Background jobs ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "setia.accounts.adapters.StaffAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_USER_DISPLAY = str  # "Signed in as Sari Utomo", as staff know each other (not the login name)
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Lockout: after LOGIN_FAILURES_LIMIT wrong passwords for one username (or from one address)
# within LOGIN_LOCKOUT_MINUTES, further attempts are refused until the window passes.
LOGIN_FAILURES_LIMIT = env_int("LOGIN_FAILURES_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{LOGIN_FAILURES_LIMIT}/{LOGIN_LOCKOUT_MINUTES}m/key,"
    f"{LOGIN_FAILURES_LIMIT * 4}/{LOGIN_LOCKOUT_MINUTES}m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Setia CRM"
# Roles that must use two-factor sign-in unless the owner changes it in Settings.
MFA_REQUIRED_ROLES_DEFAULT = env_list("MFA_REQUIRED_ROLES", ["owner"] if PRODUCTION else [])

# Sessions end after SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60  # the language switch is remembered for a year
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "servestatic.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
SERVESTATIC_USE_FINDERS = not PRODUCTION


# Static files are served at the ASGI level (config/asgi.py, setia/core/static.py), outside the
# Django middleware, so they get these headers from servestatic itself.
def _static_security_headers(headers: Any, path: str, url: str) -> None:
    """The headers Django's SecurityMiddleware gives pages, for static files too."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"


SERVESTATIC_ADD_HEADERS_FUNCTION = _static_security_headers
MEDIA_ROOT = VAR_DIR / "media"

# --- Email --------------------------------------------------------------------------------------
_EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": {}}}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER") or None,
        "password": env_str("EMAIL_HOST_PASSWORD") or None,
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Setia CRM <noreply@localhost>")

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "setia-demo-2026")
# The version of the privacy notice customers are shown now; consent recorded by staff is stored
# with it (UU PDP: what they agreed to). Change it when the notice changes.
CONSENT_NOTICE_VERSION = env_str("CONSENT_NOTICE_VERSION", "2026-01")

# --- API ----------------------------------------------------------------------------------------
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/m")
# How long a server process may use what it read about an API key (its user, role, revocation) or
# the access settings before reading them again (setia/core/memo.py). A change takes effect at
# once in the process that made it, within this many seconds in the others. 0: read every time.
MEMO_SECONDS = env_int("MEMO_SECONDS", 5)

# --- Security -----------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers check over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

if SETIA_ENV == "test":
    # Hashing passwords properly costs ~0.3 s each; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The worker prints each job itself; the tasks logger would say it twice.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO, fontTools every font subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
