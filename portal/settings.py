"""Settings for the media portal: one module, driven by environment variables.

Unset, every variable falls back to a safe local default (SQLite, in-process tasks, console
email, local media) so that `make run` works on a fresh machine. Production sets them; the
README's configuration table lists them all.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from core.env import email_settings, env_bool, env_clock, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (
    "django-insecure-local-development-key-only-for-make-run-and-tests"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Multimedia Portal")
# An operator's logo beside the wordmark: an absolute URL, or a path under static/ (e.g.
# "img/logo.svg"). Empty: the wordmark alone.
SITE_LOGO_URL = env_str("SITE_LOGO_URL", "")
SITE_ID = 1

INSTALLED_APPS = [
    # Before the admin: its TranslationAdmin and the fields it adds to the catalogue's terms
    # (media_library/translation.py).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "csp",
    "allauth",
    "allauth.account",
    "django_countries",
    "core",
    "mailer",
    "accounts",
    "media_library",
    "clips",
    "speeches",
    "newsletter",
    "lightboxes",
    "alerts",
    "rest_framework",
    "drf_spectacular",
    "api",
    "portal",
]

MIDDLEWARE = [
    "core.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "api.cors.ApiCorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "core.page_cache.csrf_placeholder",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and results, cache, rate limits -------------------------------------

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis the one-command run executes tasks in-process, right where they are queued.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# --- Operations (issue 22): fail fast when Redis is down; workers per queue -------------------
# A request that queues work must answer at once with the broker down: the outbox row (or the
# newsletter's delivery rows) is the record, and beat's sweep sends it once Redis is back.
# Two things can block a publish: kombu's connection to the broker (bounded by the transport's
# socket_connect_timeout and the publish retry policy) and the Redis result backend, which
# subscribes to the task's result channel on every `delay()` and by default retries 20 times a
# second apart (the 19 s hang of issue 22). Both are bounded by CELERY_PUBLISH_TIMEOUT_SECONDS.
CELERY_PUBLISH_TIMEOUT_SECONDS = float(env_str("CELERY_PUBLISH_TIMEOUT_SECONDS", "") or 0.5)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_PUBLISH_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": CELERY_PUBLISH_TIMEOUT_SECONDS,
    "socket_timeout": 5,
}
# No retry: a second try would only add to the wait of a request. A pooled connection that
# went stale while Redis restarted is checked and replaced by redis-py before use (kombu's
# health_check_interval, 25 s).
_FAIL_FAST_RETRIES = {"max_retries": 0, "interval_start": 0, "interval_step": 0, "interval_max": 0}
CELERY_TASK_PUBLISH_RETRY_POLICY = _FAIL_FAST_RETRIES
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_PUBLISH_TIMEOUT_SECONDS
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _FAIL_FAST_RETRIES}
# One worker per queue (deploy/systemd/portal-worker@.service sets PORTAL_WORKER_QUEUE, as the
# Procfile does): email is I/O-bound (SMTP), media CPU-bound (one process per core).
_WORKER_QUEUE = env_str("PORTAL_WORKER_QUEUE")
_DEFAULT_CONCURRENCY = {"email": 4, "media": os.cpu_count() or 1, "celery": 2}
if _WORKER_QUEUE in _DEFAULT_CONCURRENCY:
    CELERY_WORKER_CONCURRENCY = env_int(
        f"CELERY_{_WORKER_QUEUE.upper()}_CONCURRENCY", _DEFAULT_CONCURRENCY[_WORKER_QUEUE]
    )
# Prometheus scrapes /metrics with "Authorization: Bearer <METRICS_TOKEN>"; unset: 404.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Beat ticks through a scheduler that writes its heartbeat to Redis (/readyz, /metrics).
CELERY_BEAT_SCHEDULER = "portal.beat:HeartbeatScheduler"
# Where beat keeps its last run times (the systemd unit passes /var/lib/portal/... itself).
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILE", "celerybeat-schedule")
# Error reports (sentry-sdk, with its Django and Celery integrations) only when a DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from core.observability import init_error_reporting

    init_error_reporting(SENTRY_DSN)
# --- end of operations (issue 22) -------------------------------------------------------------
CELERY_TASK_ROUTES = {
    "mailer.*": {"queue": "email"},
    "newsletter.*": {"queue": "email"},
    "media_library.tasks.*": {"queue": "media"},
    "clips.tasks.*": {"queue": "media"},
}
# --- Alerts (docs/alerts.md) --------------------------------------------------------------------

# Saved searches one account may keep; the time of the daily digests (HH:MM, TIME_ZONE); how
# long a publication waits for its matching task before the beat sweep matches it itself.
ALERTS_MAX_PER_USER = env_int("ALERTS_MAX_PER_USER", 25)
ALERTS_DIGEST_HOUR, ALERTS_DIGEST_MINUTE = env_clock("ALERTS_DIGEST_TIME", "07:00")
ALERTS_SWEEP_AFTER_SECONDS = env_int("ALERTS_SWEEP_AFTER_SECONDS", 60)

CELERY_BEAT_SCHEDULE = {
    "sweep-email-outbox": {"task": "mailer.tasks.sweep_outbox", "schedule": 60.0},
    "publish-due-items": {"task": "core.tasks.publish_due_items", "schedule": crontab()},
    "sweep-clips": {"task": "clips.tasks.sweep_clips", "schedule": 60.0},
    "sweep-transcode-jobs": {"task": "media_library.tasks.sweep_transcode_jobs", "schedule": 60.0},
    # Every 15 s, with NEWSLETTER_STALLED_AFTER_SECONDS (30 s): a send whose worker was killed
    # moves again within a minute (docs/operations.md, "Delivery guarantees, measured").
    "newsletter-resume-stalled-sends": {
        "task": "newsletter.tasks.resume_stalled_sends",
        "schedule": 15.0,
    },
    # Alerts: publications a lost task or a killed worker left unmatched, and the daily digests.
    "alerts-sweep-pending": {"task": "alerts.tasks.sweep_pending", "schedule": 60.0},
    "alerts-daily-digests": {
        "task": "alerts.tasks.send_daily_digests",
        "schedule": crontab(hour=ALERTS_DIGEST_HOUR, minute=ALERTS_DIGEST_MINUTE),
    },
    # Transcript captions lost on the way (a failed task, a broker down) are put right.
    "reconcile-speech-captions": {
        "task": "speeches.tasks.reconcile_captions",
        "schedule": crontab(minute="*/10"),
    },
}

# --- Email ------------------------------------------------------------------------------------

vars().update(email_settings(env_str("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Multimedia Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# How long an outbox row waits for its Celery task before the beat sweep sends it itself.
MAILER_SWEEP_AFTER_SECONDS = env_int("MAILER_SWEEP_AFTER_SECONDS", 120)

# --- Newsletter -------------------------------------------------------------------------------

# Absolute links in emails (unsubscribe, featured items); RFC 8058 needs https in production.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Sites that may frame a video's embed page (/videos/<slug>/embed/, its CSP frame-ancestors):
# any by default, as a public player is meant to be; e.g. "https://*.example.org" to restrict.
# Every other page stays unframeable (X-Frame-Options DENY, frame-ancestors 'none').
EMBED_FRAME_ANCESTORS = env_list("EMBED_FRAME_ANCESTORS", ["*"])
# Empty: the address of DEFAULT_FROM_EMAIL receives mailto unsubscribe requests.
NEWSLETTER_UNSUBSCRIBE_MAILTO = env_str("NEWSLETTER_UNSUBSCRIBE_MAILTO")

# --- Files ------------------------------------------------------------------------------------

MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# Nothing serves MEDIA_ROOT publicly: downloads pass the account check in media_library.
MEDIA_URL = "/media/"
PUBLIC_MEDIA_ROOT = MEDIA_ROOT / "public"
PUBLIC_MEDIA_URL = "/media/public/"
STATIC_URL = "/static/"
# deploy/portal.env.example sets it, and deploy/nginx/portal.conf serves /static/ from it.
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local")
DOWNLOAD_ACCEL_REDIRECT_PREFIX = env_str("DOWNLOAD_ACCEL_REDIRECT_PREFIX")
DOWNLOAD_URL_EXPIRY_SECONDS = env_int("DOWNLOAD_URL_EXPIRY_SECONDS", 300)
# Clips (docs/media.md, "Clips"): the longest range one may cut, how many cuts one user may
# wait for at once, when a cut without a heartbeat is taken over by another worker, when a
# waiting cut whose task was lost is queued again, and the FFmpeg that cuts (Debian's).
CLIP_MAX_SECONDS = env_int("CLIP_MAX_SECONDS", 10 * 60)
CLIP_MAX_JOBS_PER_USER = env_int("CLIP_MAX_JOBS_PER_USER", 3)
CLIP_STALL_SECONDS = env_int("CLIP_STALL_SECONDS", 60)
CLIP_REQUEUE_SECONDS = env_int("CLIP_REQUEUE_SECONDS", 10 * 60)
CLIP_FFMPEG = env_str("CLIP_FFMPEG", "/usr/bin/ffmpeg")
# Clips one account may ask for in 24 hours, and the days a ready clip nobody asked for or
# downloaded is kept before the sweep deletes it (each may be ten minutes of video on disk).
CLIP_MAX_PER_USER_PER_DAY = env_int("CLIP_MAX_PER_USER_PER_DAY", 50)
CLIP_KEEP_DAYS = env_int("CLIP_KEEP_DAYS", 7)
# Collections (docs/collections.md): how many one account may keep, and how many items (videos
# and clips) all of them may hold together; a "Download all" zip is at most that many files.
LIGHTBOXES_MAX_PER_USER = env_int("LIGHTBOXES_MAX_PER_USER", 50)
LIGHTBOXES_MAX_ITEMS_PER_USER = env_int("LIGHTBOXES_MAX_ITEMS_PER_USER", 500)
# Automatic renditions (docs/media.md, "Automatic renditions"): the picture heights made from
# every master (never above its own; empty: none), when a job without a heartbeat is taken
# over, when a queued job whose task was lost is queued again, and the FFmpeg that encodes.
RENDITION_LADDER = env_str("RENDITION_LADDER", "1080,720,360")
TRANSCODE_STALL_SECONDS = env_int("TRANSCODE_STALL_SECONDS", 60)
TRANSCODE_REQUEUE_SECONDS = env_int("TRANSCODE_REQUEUE_SECONDS", 10 * 60)
TRANSCODE_FFMPEG = env_str("TRANSCODE_FFMPEG", "/usr/bin/ffmpeg")

if MEDIA_STORAGE == "s3":
    _s3_options = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
        "region_name": env_str("AWS_S3_REGION_NAME") or None,
        "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
        "addressing_style": "path" if env_str("AWS_S3_ENDPOINT_URL") else None,
        "signature_version": "s3v4",
        "default_acl": None,
        "file_overwrite": False,
        # Media stays private: every URL handed out is presigned and short-lived.
        "querystring_auth": True,
        "querystring_expire": DOWNLOAD_URL_EXPIRY_SECONDS,
    }
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options},
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3_options, "location": "public", "querystring_expire": 24 * 3600},
        },
    }
elif MEDIA_STORAGE == "local":
    STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT / "private", "base_url": None},
        },
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": PUBLIC_MEDIA_ROOT, "base_url": PUBLIC_MEDIA_URL},
        },
    }
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"MEDIA_STORAGE={MEDIA_STORAGE!r}: use 'local' or 's3'.")

STORAGES["staticfiles"] = {
    "BACKEND": (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
}
WHITENOISE_USE_FINDERS = DEBUG

FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest rendition an editor may upload through the admin (bigger files: `ingest_video`).
MAX_UPLOAD_SIZE = env_int("MAX_UPLOAD_SIZE", 20 * 1024 * 1024 * 1024)

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Names editors give the catalogue's terms (categories, events, tags, languages) in each
# language: `name_en`, `name_fr` (media_library/translation.py). A name not translated yet
# shows in English; slugs are made from the English name.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Accounts (django-allauth) ----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# allauth's backend alone (it extends ModelBackend, so permissions work as usual): with both,
# a known email cost two password hashes and an unknown one a single hash, a timing tell.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.PortalPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# The lifetime of every emailed code, counted from the latest code sent; the pages read it.
ACCOUNT_CODE_LIFETIME_SECONDS = env_int("ACCOUNT_CODE_LIFETIME_SECONDS", 30 * 60)
ACCOUNT_CODE_MAX_RESENDS = 5

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "login": "accounts.forms.LoginForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = ACCOUNT_CODE_LIFETIME_SECONDS
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = ACCOUNT_CODE_MAX_RESENDS
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = ACCOUNT_CODE_LIFETIME_SECONDS
ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 5
# The signup → verify step is a pending login: it must outlive the code.
ACCOUNT_LOGIN_TIMEOUT = ACCOUNT_CODE_LIFETIME_SECONDS
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# How many proxies in front of the portal append to X-Forwarded-For (nginx of deploy/: 1).
# Rate limits count per client address: 0 (no proxy) reads REMOTE_ADDR, which behind a proxy
# is the proxy's for every client, so one client's failures would lock everyone
# (docs/security.md, Trusted proxies).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
ACCOUNT_RATE_LIMITS = {
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "confirm_email": "1/10s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "change_email": "3/m/user",
    "manage_email": "10/m/user",
}

# --- API (/api/v1/, the `api` app) ---------------------------------------------------------------

# Requests per minute per API token, the same for every account (editors' and staff too).
API_TOKEN_REQUESTS_PER_MINUTE = env_int("API_TOKEN_REQUESTS_PER_MINUTE", 60)
# Requests without a token, per client address (DJANGO_TRUSTED_PROXY_COUNT decides which).
API_ANONYMOUS_REQUESTS_PER_MINUTE = env_int("API_ANONYMOUS_REQUESTS_PER_MINUTE", 120)
# Origins whose browser pages may read the API (exact, e.g. https://cms.example.org); none:
# no CORS header at all.
API_CORS_ALLOWED_ORIGINS = env_list("API_CORS_ALLOWED_ORIGINS", [])
REST_FRAMEWORK = {
    # Tokens only: no session, so no CSRF, and a browser's cookies never authenticate a call.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.AnonymousRateThrottle",
    ],
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Read-only access to the published catalogue: videos, speeches, "
    "categories, events and tags. Download URLs need a token (My account).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1: a nullable nested object is `oneOf: [$ref, null]`, which validators read alike.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_common_problems",
    ],
}

# --- Sessions -------------------------------------------------------------------------------------

# Read from the cache, kept in the database (core/sessions.py): a signed-in page costs a
# round trip to Redis instead of a query. Without Redis the local cache would hold copies
# that other processes cannot invalidate, so plain database sessions are used.
SESSION_ENGINE = "core.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_CACHE_SECONDS = env_int("SESSION_CACHE_SECONDS", 300)

# How often each process reads the content version again from Redis (core/page_cache.py):
# an edit shows on the other web processes within this delay, on the editor's own at once.
PAGE_CACHE_VERSION_RECHECK_SECONDS = env_int("PAGE_CACHE_VERSION_RECHECK_MS", 1000) / 1000

# --- Security ---------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Content-Security-Policy (django-csp): no inline script or style anywhere; media may come
# from the S3 endpoint (presigned previews, thumbnails and download redirects).
_media_origins = []
if MEDIA_STORAGE == "s3":
    _endpoint = env_str("AWS_S3_ENDPOINT_URL")
    _media_origins = [
        _endpoint.rstrip("/") if _endpoint else "https://*.amazonaws.com",
    ]
# A logo served from elsewhere is an image the pages may load.
_logo_origins = []
if SITE_LOGO_URL.startswith(("https://", "http://")):
    _logo_origins = ["/".join(SITE_LOGO_URL.split("/", 3)[:3])]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_media_origins, *_logo_origins],
        "media-src": ["'self'", *_media_origins],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # Chrome applies form-action to the redirect after a POST: downloads redirect to S3.
        "form-action": ["'self'", *_media_origins],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging ----------------------------------------------------------------------------------

# JSON lines by default (one per request and per task, with the request id); LOG_FORMAT=plain
# for reading by eye.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "core.logformat.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The access log replaces Django's own per-request warnings for 4xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # fpdf2 subsets the transcript PDF's font with fontTools, which logs each table it
        # prunes at INFO: a dozen lines per PDF that say nothing to an operator.
        "fontTools": {"level": "WARNING"},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Python warnings (Celery's, a library's deprecations) as log lines of the same JSON format,
# logger "py.warnings", instead of plain text on stderr (issue 22).
logging.captureWarnings(True)

PORT = env_int("PORT", 8000)
