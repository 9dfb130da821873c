"""Settings for Flashsite, read from the environment.

SQLite is the default so that clone → migrate → runserver works; production
sets DATABASE_URL (PostgreSQL), DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1 or 0)")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "accounts",
    "decks",
    "reviews",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
]

# The CSP and X-Frame-Options come before CommonMiddleware so that they also
# reach the 400 page it answers a request for an unknown host with.
# GZipMiddleware compresses pages and htmx partials (the study page may weigh
# 25 KB on the wire); static files, compressed once by collectstatic, leave
# through WhiteNoise above it and never reach it. Against BREACH, CSRF tokens
# are masked anew in every response, and Django pads each compressed response
# with up to 100 random bytes ("Heal the Breach").
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "flashsite.middleware.GZipMiddleware",
    "flashsite.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "flashsite.middleware.BadInputMiddleware",
    "flashsite.middleware.HtmxMiddleware",
    "flashsite.middleware.PrivatePagesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "flashsite.urls"
CSRF_FAILURE_VIEW = "flashsite.views.csrf_failure"
WSGI_APPLICATION = "flashsite.wsgi.application"

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
            ],
        },
    },
]

# SQLite: WAL lets readers run beside the one writer, and IMMEDIATE makes a
# read-then-write request take the write lock up front; with Django's
# defaults such requests fail with "database is locked" under load.
# Each worker keeps its connection from one request to the next (for ten
# minutes at most). SQLite keeps its 64 MB page cache with it: a new
# connection would read every index page again. PostgreSQL: a connection per
# request costs several times the throughput. A gunicorn sync worker serves
# one request at a time, so its one kept connection is what a pool would lend
# it, without taking it from the pool and giving it back on every request.
# No health check before each request on PostgreSQL: it is a round trip
# (SELECT 1), and a connection the server has dropped fails one request, after
# which Django opens a new one.
SQLITE_CONNECTION = {"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}
POSTGRESQL_CONNECTION = {"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": False}
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        **SQLITE_CONNECTION,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
            ),
        },
    }
}
if os.environ.get("DATABASE_URL"):
    sqlite_options = DATABASES["default"]["OPTIONS"]
    DATABASES["default"] = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # A SQLite file named by URL needs WAL and IMMEDIATE as much as the default one.
        DATABASES["default"]["OPTIONS"] = {
            **sqlite_options,
            **DATABASES["default"].get("OPTIONS", {}),
        }
        DATABASES["default"].update(SQLITE_CONNECTION)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend but for reading timestamps faster: flashsite/postgresql/base.py.
        DATABASES["default"]["ENGINE"] = "flashsite.postgresql"
        DATABASES["default"].update(POSTGRESQL_CONNECTION)
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                # Parameters sent apart from the query text, so that psycopg can
                # prepare a query it has run 5 times on a connection: PostgreSQL
                # then plans flip's and rate's joins once per connection instead
                # of on every request (planning cost more than running them).
                # A pooler in transaction mode (PgBouncer before 1.21) between
                # the site and the database cannot keep prepared statements:
                # there, set DATABASE_PREPARED_STATEMENTS=0.
                "server_side_binding": True,
                "prepare_threshold": 5 if envbool("DATABASE_PREPARED_STATEMENTS", True) else None,
            }
        )
        # The planner's default price of a random page read (4, four sequential
        # ones) is a spinning disk's. With it, a table of a few pages is cheaper
        # to read whole than through its index: reading a session's person,
        # PostgreSQL hashed every row of a 200-person table on each request
        # (90 µs of the server's CPU instead of 40). 1.1 is the usual figure for
        # an SSD or a database held in memory. Sent when connecting, so it costs
        # no query; `options` in DATABASE_URL's query string replaces it. A
        # pooler that refuses startup options (PgBouncer) needs
        # DATABASE_STARTUP_OPTIONS=0, and the price set on the database itself.
        if envbool("DATABASE_STARTUP_OPTIONS", True):
            DATABASES["default"]["OPTIONS"].setdefault("options", "-c random_page_cost=1.1")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# After 5 failures for one username from one address, that pair waits 15 minutes.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N reverse proxies, set DJANGO_TRUSTED_PROXIES=N so that throttling sees
# each person's address rather than the proxy's (which would lock out everyone).
TRUSTED_PROXIES = envint("DJANGO_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "flashsite.proxy.client_ip"


def axes_username(request, credentials: dict | None) -> str | None:
    """The username axes records, cut to the 150 characters a username can have.

    Django's log-in forms pass any length on to authentication, and axes'
    column holds 255: a longer name would be a database error on PostgreSQL
    (a 500) instead of a failed log-in.
    """
    username = (credentials or request.POST).get("username")
    return username[:150] if isinstance(username, str) else username


AXES_USERNAME_CALLABLE = axes_username

# The largest deck file an import reads; decks.formats.base.Limits has the
# others (what an archive may unpack to, members, cards), each a setting too.
DECK_IMPORT_MAX_BYTES = envint("DECK_IMPORT_MAX_BYTES", 10 * 1024 * 1024)

# Each request reads its session and its person in one query (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Flashsite <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = 3600

# Security headers; the production-only ones follow DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
