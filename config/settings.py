"""kc3chat settings: every deployment decision comes from the environment (see .env.example)."""

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import database_url, email_url
from config import environment as env
from config import redis_connection

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.text("DATA_DIR", BASE_DIR / "db"))

DEBUG = env.flag("DEBUG", False)


def _development_secret_key():
    # A stable key for DEBUG runs, so sessions survive restarts and several local processes agree.
    path = DATA_DIR / "development-secret-key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env.text("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env.words("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.words("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "csp",
    "accounts",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.content_security_policy.ContentSecurityPolicyMiddleware",
    "config.static_files.StaticFilesMiddleware",  # WhiteNoise
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.session_records.SessionRecordMiddleware",  # browser and last seen, for the sessions page
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL may name a primary and its standby (docs/deployment.md: "PostgreSQL with a standby").
DATABASES = {
    "default": database_url.parse(
        env.text("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kc3chat.sqlite3'}"),
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two posters queue instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so a server process started by a test shares the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.flag("DATABASE_POOL", True):
    # Under ASGI every request runs its sync code in a thread of its own, so a connection kept per
    # thread (CONN_MAX_AGE) is never reused: each request paid a new connection (about 10 ms in
    # bench/RESULTS.md). A pool hands them over; with health checks on, Django has the pool check a
    # connection before handing it out, which drops those the server closed (a restart).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env.integer("DATABASE_POOL_SIZE", 10),
        "timeout": 5,  # seconds to wait for a connection: a post fails soon, not after 30 s, when the database is down
    }
if env.text("TEST_DATABASE_NAME"):
    # Lets several checkouts run their tests on one PostgreSQL at once (tests/run.py sets it).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.text("TEST_DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer ----------------------------------------------------------------------------
REDIS_URL = env.text("REDIS_URL")
# One Redis (REDIS_URL) or a primary behind Sentinels (REDIS_SENTINELS): the channel layer and
# chat/shared_redis.py connect through this one entry. None: no Redis.
REDIS_CONNECTION = redis_connection.from_environment()
# Every server process joins the room group once (see chat/room_feed.py), so the layer carries
# one delivery per process per event; a message the layer drops (capacity, a reconnect) is fetched
# again from the database by the id gap it leaves.
CHANNEL_CAPACITY = env.integer("CHANNEL_CAPACITY", 5000)
# Every process on one Redis with one REDIS_PREFIX is one chat (and must share its database).
REDIS_PREFIX = env.text("REDIS_PREFIX", "kc3chat")
# Users of a server process that stopped heartbeating leave everyone's presence after this long.
PRESENCE_TTL_SECONDS = env.integer("PRESENCE_TTL_SECONDS", 30)
# "pubsub" (RedisPubSubChannelLayer: one PUBLISH per event, about 1.6x the deliveries/s of "core" in
# bench/RESULTS.md) or "core" (RedisChannelLayer: per-process lists with capacity and expiry).
REDIS_CHANNEL_LAYER = env.text("REDIS_CHANNEL_LAYER", "pubsub")
if REDIS_CHANNEL_LAYER not in ("core", "pubsub"):
    raise ImproperlyConfigured(f"REDIS_CHANNEL_LAYER={REDIS_CHANNEL_LAYER!r}: use core or pubsub")
if REDIS_CONNECTION and REDIS_CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_CONNECTION], "prefix": REDIS_PREFIX},
        }
    }
elif REDIS_CONNECTION:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_CONNECTION],
                "prefix": REDIS_PREFIX,
                "capacity": CHANNEL_CAPACITY,
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY, "expiry": 60, "group_expiry": 86400},
        }
    }

# --- Accounts ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat:room"
LOGOUT_REDIRECT_URL = "login"

# Ten wrong passwords in a row (at sign-in or as the old password of a password change) lock that
# user name, in any case, from any address, for LOGIN_LOCKOUT_MINUTES.
LOGIN_LOCKOUT_MINUTES = env.integer("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_name"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_page"

# Reset links (by e-mail, or made by staff: admin or `manage.py reset_link`) work once, this long.
PASSWORD_RESET_TIMEOUT = env.integer("PASSWORD_RESET_MINUTES", 60) * 60

# --- E-mail -----------------------------------------------------------------------------------
# EMAIL_URL (config/email_url.py): smtp://user:password@host:587, smtps://..., console://. Without it
# a DEBUG run prints mails on the console, and a production one sends none: password reset is then
# the staff's one-time link only.
EMAIL_URL = env.text("EMAIL_URL", "console://" if DEBUG else None)
EMAIL_ENABLED = bool(EMAIL_URL)
if EMAIL_URL:
    globals().update(email_url.parse(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "kc3chat <noreply@localhost>")

# --- Cache: the throttles of password reset (accounts/password_reset.py) ----------------------
# Shared by every server process through Redis when there is one (REDIS_URL), else per process.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# --- Chat ---------------------------------------------------------------------------------------
CHAT_MAX_LENGTH = env.integer("CHAT_MAX_LENGTH", 2000)
CHAT_RATE_LIMIT = env.rate("CHAT_RATE_LIMIT", "5/10")
CHAT_REPLAY_LIMIT = env.integer("CHAT_REPLAY_LIMIT", 500)
# Seconds after posting during which its author may edit or delete a message; 0: always. Staff
# delete any message at any time.
CHAT_EDIT_WINDOW = env.integer("CHAT_EDIT_WINDOW", 3600)
# Messages a connection may have queued and unsent before it is closed to resume (see docs).
CHAT_SEND_BACKLOG = env.integer("CHAT_SEND_BACKLOG", 1000)
# Changes (posts, edits, deletes, reactions) one connection may have queued for storing at once:
# past it the server stops reading it until one is stored. More than one lets a fast sender's
# changes share a commit.
env.renamed("CHAT_POSTS_IN_FLIGHT", "CHAT_CHANGES_IN_FLIGHT")
CHAT_CHANGES_IN_FLIGHT = env.integer("CHAT_CHANGES_IN_FLIGHT", 16)
# Sockets one user may hold open at once, across every server process; 0 turns the cap off.
CHAT_SOCKETS_PER_USER = env.integer("CHAT_SOCKETS_PER_USER", 20)

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
# Where collectstatic writes (and WhiteNoise serves from) when DEBUG is off.
STATIC_ROOT = Path(env.text("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "config.static_storage.ModuleAwareStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security -----------------------------------------------------------------------------------
# Behind TLS set HTTPS=true: secure cookies, HSTS and the redirect come on together.
HTTPS = env.flag("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.flag("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env.flag("SECURE_HSTS_PRELOAD", True)
if env.flag("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The debug page hides every password (also in URLs) and is served to this machine only.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.SecretHidingExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "config.error_reports.LoopbackOnlyExceptionReporter"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles and connections from this site only, and nothing inline: the page loads its module
# scripts and stylesheet from /static/, so text that ever slipped into it as HTML still could not run.
# connect-src also gets the page's own ws(s):// origin per request (config/content_security_policy.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": HTTPS,
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"invalid_utf8_from_client": {"()": "config.server_log.InvalidUtf8FromClient"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # uvicorn's own handlers and level stay; a client's non-UTF-8 text frame is no ERROR.
        "uvicorn.error": {"filters": ["invalid_utf8_from_client"]},
    },
}

# Locking by user name only, on purpose: a workshop shares one address behind NAT, and locking the
# address would lock the room out after ten typos by anyone.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
