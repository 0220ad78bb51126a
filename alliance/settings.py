"""Settings for Alliance Hub, read from environment variables only.

Development and production differ by their values, not by separate modules: with
nothing set the app runs embedded (SQLite under ``var/``, no broker, console email).
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_INSECURE_KEY = "django-insecure-embedded-development-key-never-use-in-production"
# An empty SECRET_KEY (a blank line in an .env file) counts as unset: Django would start with
# it and fail every request that signs something.
SECRET_KEY = env("SECRET_KEY", default="") or _INSECURE_KEY
# Django's own rule for a weak key (security.W009), which `check --deploy` only warns about:
# production refuses to start with one, rather than sign sessions and tokens with it.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
if PRODUCTION and (
    SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
):
    raise ImproperlyConfigured(
        f"DJANGO_ENV=production needs a real SECRET_KEY: at least {SECRET_KEY_MIN_LENGTH} "
        f"characters, at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones, not starting "
        "with 'django-insecure'. Make one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core",
    "members",
    "projects",
    "notifications",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    # For its catalogues: country names in the reader's language.
    "django_countries",
    # The API's docs page: its template and its Swagger UI files come from the package.
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # Single sign-on through each institution's own OpenID Connect provider (members.sso).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # An OpenID Connect provider served by the app itself, under /idp/: the demo
    # institution's provider, and a real provider for the tests.
    "allauth.idp.oidc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Last, so that its process_exception sees a lost database connection first.
    "alliance.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"

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
                "alliance.context_processors.site",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL (or anything dj-database-url reads) by URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates its file but not the folder: a fresh clone must work without `make`.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # A transaction takes the write lock when it begins, so concurrent writers queue for
        # it; by default each begins reading and the later ones fail at their first write
        # with "database is locked" instead of waiting (SELECT ... FOR UPDATE is a no-op on
        # SQLite). Once it has the lock, a writer sees what the one before it wrote, and the
        # services refuse a change that came too late, as on PostgreSQL.
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for the lock before it gives up (SQLite's busy timeout).
        "timeout": 20,
        # WAL: readers never wait for the writer nor the writer for them; NORMAL is safe
        # with WAL (a power cut may lose the last commits, never corrupt the file).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is broker and cache when REDIS_URL is set; without it Celery runs tasks eagerly
# in-process and the cache is local memory (one process only).
REDIS_URL = env("REDIS_URL", default="")
# Every call to Redis (cache and broker) gives up after this long; after one did, core.circuit
# skips Redis for a few seconds: a request waits about this long at most, whatever Redis does.
REDIS_SOCKET_TIMEOUT = 0.5
if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to misses while Redis is down, so no request fails on an outage.
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="alliance"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Pages are served from the cache (core.pagecache): visitors' public pages until public data
# changes through a service, a signed-in session's own copies until any database write;
# this many seconds bound what changes around both (admin edits, time, a session's expiry).
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=30)

# memory://localhost/: the embedded mode has no broker; naming a host keeps kombu quiet.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has run, not when it is received; a worker that dies mid-task
# leaves its message to be delivered again (every task is safe to run twice: deliveries are
# claimed before sending), one message at a time per worker process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A request that enqueues must not hang on a broker outage: one try, then give up; the
# sweepers re-enqueue whatever was not delivered. (A retry would reconnect twice, each
# waiting out a timeout on a frozen Redis; after a restart redis-py reconnects by itself.)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT
# The visibility timeout is how long Redis waits for the acknowledgement of a message it
# handed out before it gives the message to another worker: a worker killed mid-task has its
# task run again after this long. It must be longer than any task runs and than any delay a
# task is sent with (a countdown or retry is held, unacknowledged, by the worker that
# received it): the longest is the email retry's ceiling, EMAIL_RETRY_MAX_DELAY.
BROKER_VISIBILITY_TIMEOUT = 30 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
CELERY_TIMEZONE = "UTC"
# One queue unless told otherwise; tests give each run (and each fault test's worker) its own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_BEAT_SCHEDULE = {
    # Outbox events are dispatched in the transaction that writes them; an event left
    # pending had its recording fail. The sweeper retries such events once a minute when
    # they are older than a minute (notifications.tasks.SWEEP_AFTER), the whole backlog
    # in batches, and marks an event failed after OUTBOX_MAX_ATTEMPTS tries.
    "sweep-outbox": {"task": "notifications.tasks.task_sweep_outbox", "schedule": 60.0},
    # Each reminder goes out once (recorded), so the pace only bounds how late one can be.
    "send-reminders": {
        "task": "notifications.tasks.task_send_reminders",
        "schedule": env.float("REMINDERS_EVERY_SECONDS", default=3600.0),
    },
    "sweep-deliveries": {
        "task": "notifications.tasks.task_sweep_deliveries",
        "schedule": 60.0,
    },
    "send-digests": {"task": "notifications.tasks.task_send_digests", "schedule": 5 * 60.0},
}
# alliance is not an installed app, so autodiscovery does not find alliance/tasks.py.
CELERY_IMPORTS = ["alliance.tasks"]


def _mailers(url: str) -> dict:
    """Read EMAIL_URL: console:, file:///path, smtp://user:pass@host:port (smtp+tls, smtps)."""
    parsed = urlsplit(url)
    if parsed.scheme in ("", "console"):
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if parsed.scheme == "file":
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": parsed.path},
            }
        }
    if parsed.scheme in ("smtp", "smtp+tls", "smtps"):
        options = {
            "host": parsed.hostname or "localhost",
            "port": parsed.port or {"smtps": 465, "smtp+tls": 587}.get(parsed.scheme, 25),
            "use_tls": parsed.scheme == "smtp+tls",
            "use_ssl": parsed.scheme == "smtps",
            "timeout": 10,
        }
        if parsed.username:
            options["username"] = unquote(parsed.username)
            options["password"] = unquote(parsed.password or "")
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": options,
            }
        }
    raise ImproperlyConfigured(f"EMAIL_URL has an unknown scheme: {parsed.scheme!r}")


# Email: the console by default; EMAIL_URL=smtp://user:pass@host:port for real delivery.
MAILERS = _mailers(env("EMAIL_URL", default="console:"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Alliance Hub <hub@alliance.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# What emails call the site, and where their links point (emails are written by workers,
# which have no request to take the host from).
SITE_NAME = "Alliance Hub"
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# An email the SMTP server refuses (account emails and notifications alike) is tried again
# after EMAIL_RETRY_DELAY seconds, doubling each time up to EMAIL_RETRY_MAX_DELAY (shorter than
# the broker's visibility timeout), EMAIL_ATTEMPTS times in all; then a notification's
# delivery is failed, and staff re-send it from the admin. Defaults: after 1, 2, 4, 8 and 16
# minutes, failed after ~31.
EMAIL_ATTEMPTS = env.int("EMAIL_ATTEMPTS", default=6)
EMAIL_RETRY_DELAY = env.float("EMAIL_RETRY_DELAY", default=60.0)
EMAIL_RETRY_MAX_DELAY = env.float("EMAIL_RETRY_MAX_DELAY", default=20 * 60.0)
if EMAIL_RETRY_MAX_DELAY >= BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "EMAIL_RETRY_MAX_DELAY must be shorter than the broker's visibility timeout."
    )
# A delivery claimed this long ago and still "sending" was abandoned by a worker that died:
# the sweeper gives it back (an email the SMTP server had already accepted then goes twice).
NOTIFICATIONS_SENDING_LEASE = env.int("NOTIFICATIONS_SENDING_LEASE", default=10 * 60)
# How long the one-click unsubscribe link in an email works.
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE = env.int(
    "NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE", default=90 * 24 * 60 * 60
)

# Accounts
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # allauth's (email login, rate limits), reading the user with what every page asks.
    "alliance.auth.SiteBackend",
]
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
# No password to reset, change or set for an address whose institution requires its sign-in.
ACCOUNT_FORMS = {
    "reset_password": "members.password_forms.SSOAwareResetPasswordForm",
    "change_password": "members.password_forms.SSOAwareChangePasswordForm",
    "set_password": "members.password_forms.SSOAwareSetPasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Alliance Hub] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Failed sign-ins, counted over a sliding window: strict per account (guessing one person's
# password), generous per address (a campus NAT puts a whole university behind one address,
# and one person's typos must not lock out their colleagues). Past either limit a sign-in is
# refused with 429 until the window has passed (members.adapters).
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=5 * 60)
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=100)
# "Sign in with your institution" looks up the address's domain and may call the provider:
# this many tries per address a minute, then 429 (members.views.sso_start).
INSTITUTION_SIGN_INS_PER_ADDRESS = env.int("INSTITUTION_SIGN_INS_PER_ADDRESS", default=30)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{LOGIN_FAILURES_PER_ADDRESS}/{LOGIN_FAILURE_WINDOW}s/ip,"
    f"{LOGIN_FAILURES_PER_ACCOUNT}/{LOGIN_FAILURE_WINDOW}s/key",
    "institution_sign_in": f"{INSTITUTION_SIGN_INS_PER_ADDRESS}/m/ip",
}
# Behind a proxy every request comes from the proxy's address: name how many proxies in front
# set X-Forwarded-For, so that the per-address limit counts the clients' addresses.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Single sign-on: one OpenID Connect app per institution, served from the institution's own
# configuration (members.adapters.SocialAccountAdapter), with PKCE, a nonce and a checked
# signature on every ID token (members.sso).
SOCIALACCOUNT_ADAPTER = "members.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "members.sso.InstitutionOIDCProvider",
        "OAUTH_PKCE_ENABLED": True,
    }
}
# An institution that trusts its provider's verified addresses signs in the account that
# owns such an address here, and connects the provider to it (the password of an account
# whose address was never verified here is wiped: whoever set it did not own the address).
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
# allauth's confirmation page before leaving for the provider: our own pages post to it.
SOCIALACCOUNT_LOGIN_ON_GET = False

# The provider the app serves itself (allauth.idp.oidc). Production serves it only with a
# signing key from the environment; development makes one under var/ on first start.
IDP_OIDC_ADAPTER = "members.adapters.IdentityProviderAdapter"
IDP_OIDC_PRIVATE_KEY = env("IDP_OIDC_PRIVATE_KEY", default="").replace("\\n", "\n")
if not IDP_OIDC_PRIVATE_KEY and not PRODUCTION:
    from core.keys import development_private_key

    IDP_OIDC_PRIVATE_KEY = development_private_key(BASE_DIR / "var" / "idp-development-key.pem")
IDP_ENABLED = bool(IDP_OIDC_PRIVATE_KEY)
# Where the demo institution's provider is reached; a different host name than the app's
# own (localhost, not 127.0.0.1) gives the provider its own session cookie in the browser.
DEMO_SSO_ISSUER = env(
    "DEMO_SSO_ISSUER",
    default=SITE_URL.replace("://127.0.0.1", "://localhost", 1) + "/idp",
)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Alliance Hub"
# Tracking activity would write to the session list on every request (five queries).
USERSESSIONS_TRACK_ACTIVITY = False

# The public JSON API (/api/v1/): requests per client address (as the sign-in limits count
# it, TRUSTED_PROXY_COUNT included) in each window of API_RATE_LIMIT_WINDOW seconds; past it,
# 429 with Retry-After until the window ends. 0 switches the limit off.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
API_RATE_LIMIT_WINDOW = env.int("API_RATE_LIMIT_WINDOW", default=60)

# Internationalisation
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One way to write a date on every page (alliance/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["alliance.formats"]

# Static files: our own under static/, collected for whitenoise in production.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: a Content Security Policy without inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SILENCED_SYSTEM_CHECKS: list[str] = env.list("SILENCED_SYSTEM_CHECKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per task run is noise, above all when tasks run eagerly in-process.
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}

ALLIANCE_NAME = env("ALLIANCE_NAME", default="Open AI Alliance")

# A review is due this many days after it is assigned (coordinators may choose another date).
REVIEW_DUE_DAYS = env.int("REVIEW_DUE_DAYS", default=14)

# Reminders of what waits too long (notifications/reminders.py): days after the wait began
# (for a review: after its due date) at which the people who must act are reminded, once
# per threshold. A list such as "0,7" reminds of an overdue review on its due date and
# again a week later; an empty list switches that reminder off.
REMINDER_DAYS = {
    "reminder_review_due": env.list("REMINDER_REVIEW_DUE_DAYS", cast=int, default=[0, 7]),
    "reminder_invitation": env.list("REMINDER_INVITATION_DAYS", cast=int, default=[7]),
    "reminder_join_request": env.list("REMINDER_JOIN_REQUEST_DAYS", cast=int, default=[7]),
    "reminder_signoff": env.list("REMINDER_SIGNOFF_DAYS", cast=int, default=[7]),
    "reminder_idle_define": env.list("REMINDER_IDLE_DEFINE_DAYS", cast=int, default=[30]),
}

# Notifications. An instant email waits this many seconds, so that several changes to one
# proposal in a row go out as one email (0: at once). Without a broker tasks run in the
# request and no beat comes back later, so the embedded mode sends at once.
NOTIFICATIONS_MERGE_DELAY = env.int("NOTIFICATIONS_MERGE_DELAY", default=120 if REDIS_URL else 0)
# Tries at recording who hears of an outbox event before it is marked failed (one per
# sweep, that is about one a minute; see CELERY_BEAT_SCHEDULE).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
