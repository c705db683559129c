"""
Settings for the Newsroom project.

Everything that differs between a laptop and production comes from environment variables,
read through the helpers below. Local defaults are safe: SQLite and a file cache under ``var/``,
and a development secret key that exists only while ``DEBUG`` is on. With ``DEBUG`` off the
site refuses to start without ``SECRET_KEY``; the production profile (``DJANGO_ENV=production``)
also requires ``ALLOWED_HOSTS``, ``DATABASE_URL`` and a mail configuration, and turns on HTTPS,
HSTS, secure cookies and JSON logs (``manage.py check --deploy`` reports nothing; see
"Production" in the README).
"""

import os
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from consent.config import analytics_script_url
from ops import csp, mediastorage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env(name, default=None):
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def development_secret_key():
    """A random key kept in var/ so that sessions survive a restart of the dev server."""
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


# Email backends that deliver nothing (Django's mail.E001 calls them development-only).
DEVELOPMENT_MAILERS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}
SMTP_MAILER = "django.core.mail.backends.smtp.EmailBackend"


def _redis_server(url):
    """A Redis URL's host and port (``None`` without a URL): databases of one server share its memory."""
    if not url:
        return None
    parts = urlsplit(url)
    return parts.hostname, parts.port or 6379


def production_problems():
    """
    What keeps the production profile from starting, all of it at once: a deploy that fixes
    one variable should not then learn of the next.
    """
    problems = []
    if env_bool("DEBUG", default=False):
        problems.append("DEBUG is on: production runs with DEBUG off (unset it or set DEBUG=0)")
    key = env("SECRET_KEY")
    if not key:
        problems.append(
            "SECRET_KEY is not set: a random string of at least 50 characters, kept secret "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    elif len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        problems.append("SECRET_KEY is too weak: at least 50 characters, 5 of them different")
    if not env_list("ALLOWED_HOSTS"):
        problems.append("ALLOWED_HOSTS is not set: the site's host names, comma-separated")
    if not env("DATABASE_URL"):
        problems.append("DATABASE_URL is not set: postgres://user:password@host:5432/name")
    backend = env("MAILER_BACKEND")
    if not env("EMAIL_URL") and (not backend or backend in DEVELOPMENT_MAILERS or backend == SMTP_MAILER):
        problems.append(
            "EMAIL_URL is not set: the SMTP server, smtp+tls://user:password@host:587 "
            "(or MAILER_BACKEND naming a production email backend configured by its own settings)"
        )
    if not env("SITE_URL"):
        problems.append(
            "SITE_URL is not set: the site's address for links in emails, https://news.example.com"
        )
    tasks_backend = env("TASKS_BACKEND", "database").lower()
    if tasks_backend == "immediate":
        problems.append("TASKS_BACKEND=immediate runs background work inside requests: use database or rq")
    if tasks_backend == "rq" and not env("TASKS_REDIS_URL"):
        problems.append("TASKS_BACKEND=rq needs TASKS_REDIS_URL: the queue's Redis, redis://host:6379/1")
    elif tasks_backend == "rq" and _redis_server(env("TASKS_REDIS_URL")) == _redis_server(env("REDIS_URL")):
        problems.append(
            "TASKS_REDIS_URL is on the page cache's Redis server (REDIS_URL): its allkeys-lru "
            "eviction would drop queued tasks; give the queue a Redis of its own (noeviction)"
        )
    problems += mediastorage.configuration_problems(
        media_bucket=env("MEDIA_S3_BUCKET"),
        originals_bucket=env("ORIGINALS_S3_BUCKET"),
        media_url=env("MEDIA_URL", "media/"),
        production=True,
    )
    return problems


# The deployment profile: "development" (the default: a laptop, the tests, the benchmark) or
# "production" (DJANGO_ENV=production), which refuses to start while anything it needs is missing.
DJANGO_ENV = env("DJANGO_ENV", "development").lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}.")
PRODUCTION = DJANGO_ENV == "production"
if PRODUCTION and (problems := production_problems()):
    raise ImproperlyConfigured(
        "The production profile (DJANGO_ENV=production) refuses to start:\n"
        + "".join(f"  - {problem}\n" for problem in problems)
        + 'Set them in the environment (see "Production" in the README).'
    )

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) refuses to start without it: "
            "set SECRET_KEY in the environment, or DEBUG=1 for local development."
        )
    SECRET_KEY = development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Staff sign-in: lockout page, idle expiry, two-factor enrolment (accounts/). Before the admin,
    # so that its admin/base_site.html (the enrolment link) is the one found.
    "accounts",
    # The admin, with accounts' site as admin.site (optional TOTP, enrolment when required).
    "accounts.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_ckeditor_5",
    # Photo renditions (articles/renditions.py).
    "imagekit",
    "articles",
    # Live stories: a story's stream of short posts, updating in readers' browsers (live/).
    "live",
    # The breaking-news banner on reader pages, set by editors (banners/).
    "banners",
    # Notifications that reach people: each person's inbox in the admin, and emails (inbox/).
    "inbox",
    # Whole pages for anonymous readers (pagecache/), and the cookie notice (consent/).
    "pagecache",
    "consent",
    # manage.py backup and restore: the database, media and originals in one archive (backups/).
    "backups",
    # Probes (/healthz, /readyz), request ids, JSON logs, forgiving static files (ops/).
    "ops",
    # Login lockout (django-axes) and TOTP devices (django-otp): third-party apps with their tables.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The database task queue (django-tasks-db): its table, db_worker, and its results in the
    # admin for staff with the permission (ops/admin.py).
    "django_tasks_db",
]
# `make bench` only (bench/run.py sets NEWSROOM_BENCH=1): the benchmark's app, with the data
# generator and its bare view. The product never imports it, and nothing else installs it.
if env_bool("NEWSROOM_BENCH"):
    INSTALLED_APPS.append("bench")
# The Redis task queue's app (django-rq): its rqworker command and its dashboard in the admin.
if env("TASKS_BACKEND", "").lower() == "rq":
    INSTALLED_APPS.append("django_rq")

MIDDLEWARE = [
    # First: the request's id (X-Request-ID) for every response and log record, and the access log.
    "ops.middleware.RequestIdMiddleware",
    # /healthz and /readyz, before the HTTPS redirect, the host check and the page cache (ops/).
    "ops.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304 Not Modified for any GET whose ETag or Last-Modified the browser already has.
    "django.middleware.http.ConditionalGetMiddleware",
    # brotli or gzip for what the page cache does not keep (it keeps every coding of a page).
    "pagecache.middleware.CompressionMiddleware",
    # The 503 page when the database cannot answer, for whatever below queries it (ops/database.py).
    "ops.database.DatabaseUnavailableMiddleware",
    # Anonymous readers' reads on the read replica, when there is one (ops/dbrouter.py).
    "ops.dbrouter.ReadReplicaMiddleware",
    # Whole pages for anonymous readers, before sessions are even looked at (pagecache/).
    "pagecache.middleware.PageCacheMiddleware",
    # The Content Security Policy (ops/csp.py): inside the page cache, so a stored page keeps the
    # header it was rendered with and a hit replays that header with its body.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a TOTP code (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs staff out after NEWSROOM_STAFF_IDLE_MINUTES without activity; touches only requests
    # that carry a session cookie (accounts/).
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.cookie_consent for views and templates; sets no headers (consent/).
    "consent.middleware.CookieConsentMiddleware",
    # Turns a login refused by django-axes into the lockout page; last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"
ASGI_APPLICATION = "newsroom.asgi.application"

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
                # {% csp_nonce_attr %} (the admin's templates, the 500 page); never in reader pages.
                "django.template.context_processors.csp",
                "consent.context_processors.consent",
            ],
        },
    },
    {
        # The story cards of list pages (templates/jinja2/, articles/jinja2.py): sixty to a page.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "articles.jinja2.environment"},
    },
]

# Databases: one URL. The embedded default is a SQLite file under the git-ignored var/.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}")
if DATABASE_URL.startswith("sqlite:"):
    VAR_DIR.mkdir(exist_ok=True)
# A kept connection is tested (SELECT 1) by the first query of each request that uses it, so a
# connection broken while the database was away is replaced by itself when it is back.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
# PostgreSQL that stops answering must cost a request seconds, never a worker for minutes (every
# reader that worker would serve waits too, page cache hits included). In seconds:
# - DATABASE_CONNECT_TIMEOUT: a new connection (libpq's connect_timeout; at least 2).
# - DATABASE_QUERY_TIMEOUT: in a web process, one query or commit waiting for its answer
#   (ops/postgresql/); commands, migrations and backups are not bounded. 0: no bound.
# - DATABASE_STATEMENT_TIMEOUT: the server's statement_timeout, for every process; unset: the
#   server's own setting (none by default), so that a migration on a big table is not cut short.
# TCP keepalives find a server that vanished (a host gone, a dropped route) from an idle kept
# connection within about a minute, instead of the kernel's two hours.
# A request that meets any of these gets the 503 page with Retry-After (ops/database.py).
DATABASE_CONNECT_TIMEOUT = int(env("DATABASE_CONNECT_TIMEOUT", "5"))
DATABASE_QUERY_TIMEOUT = float(env("DATABASE_QUERY_TIMEOUT", "10"))
DATABASE_STATEMENT_TIMEOUT = env("DATABASE_STATEMENT_TIMEOUT")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "ops.postgresql"
    _database_options = DATABASES["default"].setdefault("OPTIONS", {})
    # What DATABASE_URL's query string says (?connect_timeout=3) wins over the defaults.
    for _name, _value in {
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }.items():
        _database_options.setdefault(_name, _value)
    if DATABASE_STATEMENT_TIMEOUT:
        _statement_timeout = f"-c statement_timeout={float(DATABASE_STATEMENT_TIMEOUT) * 1000:.0f}"
        _database_options["options"] = " ".join(
            filter(None, [_database_options.get("options"), _statement_timeout])
        )
# The reader queries compiled once per process (ops/compiled.py) run as prepared statements on
# PostgreSQL, planned once per connection. Turn off (0) behind a pooler in transaction mode
# that does not keep prepared statements (PgBouncer before 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "ops.postgresql" and DATABASE_PREPARED_STATEMENTS:
    # Planned once for any values, truly: left to choose, PostgreSQL planned Related News's
    # choice anew on every run (its plan for any values looked a little dearer, and was a
    # little cheaper to run), which cost the story page more than the rest of its queries.
    # Only prepared statements follow this setting, and only the compiled queries are prepared:
    # each has its values' places as parameters and everything else written into its SQL, so
    # its plan for any values uses the indexes of live stories (ops/compiled.py).
    _database_options = DATABASES["default"].setdefault("OPTIONS", {})
    _database_options["options"] = " ".join(
        filter(None, [_database_options.get("options"), "-c plan_cache_mode=force_generic_plan"])
    )
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
# A read replica (README, "Read replica"): with DATABASE_REPLICA_URL, anonymous readers' reads go
# to it and everything else to the primary (ops/dbrouter.py); the same backend and options as the
# primary. In tests it mirrors the primary's test database. Unset: one database, no router.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    if not env("DATABASE_URL"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is set without DATABASE_URL: the replica of what?")
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    if _replica["ENGINE"] != dj_database_url.parse(DATABASE_URL)["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name the same engine as DATABASE_URL.")
    DATABASES["replica"] = {
        **_replica,
        "ENGINE": DATABASES["default"]["ENGINE"],
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["ops.dbrouter.ReplicaRouter"]
# After a request that wrote, its sender's reads stay on the primary this many seconds (a signed
# cookie; 0: never), longer than the replica lags in normal operation.
DATABASE_READ_YOUR_WRITES_SECONDS = int(env("DATABASE_READ_YOUR_WRITES_SECONDS", "10"))
DATABASE_READ_YOUR_WRITES_COOKIE = "newsroom_primary"
# PostgreSQL keeps the covering columns of the reader indexes (INCLUDE); SQLite ignores them and
# says so (models.W040). The index still orders and filters there, so the warning is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches: Redis when REDIS_URL is set, otherwise files under var/cache/ (CACHE_DIR), shared by
# every process on the server (workers, cron, manage.py shell): a change one of them makes is seen
# by the others at once (see "Reader performance" in the README).
REDIS_URL = env("REDIS_URL")
# While Redis is unreachable or stalled, pages are served from the database (ops/rediscache.py):
# a call gives up after REDIS_TIMEOUT seconds, and a process that saw one fail leaves Redis alone
# for REDIS_RETRY_SECONDS, then does the purges it missed before it reads the cache again.
REDIS_TIMEOUT = float(env("REDIS_TIMEOUT", "0.5"))
REDIS_RETRY_SECONDS = float(env("REDIS_RETRY_SECONDS", "5"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ops.rediscache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "newsroom"),
            # 2: entries are lz4 since then; a zlib entry of version 1 is never read as one.
            "VERSION": 2,
            "OPTIONS": {
                # Kept pages and blocks are HTML, a story page about 23 KB as it is, 5 KB in brotli
                # or gzip, each coding kept. lz4 makes the HTML about a third and undoes that in
                # about 5 µs a hit; zlib saved a third more memory but took 40 µs on the HTML and
                # 20 µs on the brotli bytes it could not shrink, a fifth of a hit's whole cost
                # (bench/RESULTS.md). Entries stored uncompressed still read.
                "COMPRESSOR": "django_redis.compressors.lz4.Lz4Compressor",
                "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_TIMEOUT,
                "RETRY_AFTER": REDIS_RETRY_SECONDS,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("CACHE_DIR", VAR_DIR / "cache"),
            # Every write lists the directory to see whether to drop a third of it at random:
            # enough for a small site's pages, blocks and tag versions, and cheap to list.
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
    }

# Background work (Django's tasks framework; ops/tasks.py has the enqueue and retry rules).
# TASKS_BACKEND picks the queue:
# - "database" (the default): django-tasks-db's queue in this database; `make run` starts its
#   worker, production runs `manage.py db_worker` (README, "Background tasks").
# - "rq": Redis through django-tasks-rq, on TASKS_REDIS_URL (a Redis whose maxmemory-policy is
#   noeviction: the page cache's allkeys-lru would evict queued jobs); its worker is
#   `manage.py rqworker --job-class django_tasks_rq.Job --with-scheduler default`.
# - "immediate": run in the process that enqueues, after its commit (the tests' default).
# A failed attempt is retried NEWSROOM_TASK_ATTEMPTS times in all, the first retry after
# NEWSROOM_TASK_RETRY_SECONDS, each wait twice the last (at most an hour).
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env("TASKS_BACKEND", "database").lower()
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}, not {TASKS_BACKEND!r}."
    )
TASKS_REDIS_URL = env("TASKS_REDIS_URL")
if TASKS_BACKEND == "rq" and not TASKS_REDIS_URL:
    raise ImproperlyConfigured("TASKS_BACKEND=rq needs TASKS_REDIS_URL: redis://host:6379/1")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# django-rq's queues, for the rq backend and its worker (and its dashboard in the admin).
RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}
# Its dashboard in the admin is ops/admin.py's, which asks for the django_rq.admin permission.
RQ_SHOW_ADMIN_LINK = False
NEWSROOM_TASK_ATTEMPTS = int(env("NEWSROOM_TASK_ATTEMPTS", "5"))
NEWSROOM_TASK_RETRY_SECONDS = float(env("NEWSROOM_TASK_RETRY_SECONDS", "10"))

# Argon2id (Django's Argon2PasswordHasher with OWASP's work factors, accounts/hashers.py), then
# PBKDF2: a hash of before still checks, and is rehashed with Argon2 at its next login. Django
# 6.1's PBKDF2 (1,500,000 SHA-256 rounds) cost a login 0.4-0.7 s of CPU (README, "Passwords").
PASSWORD_HASHERS = [
    "accounts.hashers.NewsroomArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# django-axes first: it refuses a locked-out username or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Shown in the site's zone (the reference site's by default); stored in UTC.
TIME_ZONE = env("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files that must live at the site's root because browsers ask for them there (/favicon.ico),
# served by whitenoise as they are; everything else stays under STATIC_URL, hashed.
WHITENOISE_ROOT = BASE_DIR / "webroot"
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}
# Cached for ever: files whose name carries the manifest's 12-hex-digit hash (site.1a2b3c4d5e6f.css).
# whitenoise's own test asks the storage about guessed names (ops/staticfiles.py says why not).
WHITENOISE_IMMUTABLE_FILE_TEST = rf"^/{STATIC_URL.strip('/')}/.+\.[0-9a-f]{{12}}\.\w+$"
# Media (photos, their renditions, the originals) go through Django's storage API only, to the
# embedded default, folders on this server: MEDIA_ROOT (served at MEDIA_URL) and ORIGINALS_ROOT
# (never served). With MEDIA_S3_BUCKET and ORIGINALS_S3_BUCKET they go to S3-compatible storage
# (django-storages, ops/mediastorage.py): a public media bucket that readers fetch from MEDIA_URL
# (its address or a CDN's; required then), and a private originals bucket. MEDIA_S3_ENDPOINT_URL
# for a server other than AWS (MinIO, R2...); credentials and region as boto3 reads them
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, or an instance role).
# MEDIA_S3_OBJECT_ACLS=0 for buckets with ACLs disabled (see "Media on object storage", README).
MEDIA_URL = env("MEDIA_URL", "media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET")
ORIGINALS_S3_BUCKET = env("ORIGINALS_S3_BUCKET")
if _media_problems := mediastorage.configuration_problems(
    media_bucket=MEDIA_S3_BUCKET, originals_bucket=ORIGINALS_S3_BUCKET, media_url=MEDIA_URL, production=False
):
    raise ImproperlyConfigured("Media storage: " + "; ".join(_media_problems) + ".")
_s3 = {
    "endpoint_url": env("MEDIA_S3_ENDPOINT_URL"),
    "addressing_style": env("MEDIA_S3_ADDRESSING_STYLE"),
    "object_acls": env_bool("MEDIA_S3_OBJECT_ACLS", True),
}
STORAGES = {
    "default": (
        mediastorage.s3_media_storage(bucket=MEDIA_S3_BUCKET, media_url=MEDIA_URL, **_s3)
        if MEDIA_S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "originals": (
        mediastorage.s3_originals_storage(bucket=ORIGINALS_S3_BUCKET, **_s3)
        if ORIGINALS_S3_BUCKET
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": Path(env("ORIGINALS_ROOT", VAR_DIR / "originals")), "base_url": None},
        }
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # whitenoise's hashed, compressed files; a name missing from the manifest falls back
            # to its unhashed URL with a warning instead of failing the page (ops/staticfiles.py).
            else "ops.staticfiles.ForgivingManifestStaticFilesStorage"
        )
    },
}


def smtp_mailer(url):
    """
    A MAILERS entry from EMAIL_URL: ``smtp://`` (plain, port 25), ``smtp+tls://`` (STARTTLS, 587)
    or ``smtps://`` (TLS, 465); user and password URL-encoded; ``?timeout=`` seconds (10).
    """
    schemes = {"smtp": {}, "smtp+tls": {"use_tls": True}, "smtps": {"use_ssl": True}}
    parts = urlsplit(url)
    # The URL holds a password: errors name the scheme, never the URL.
    if parts.scheme not in schemes or not parts.hostname:
        raise ImproperlyConfigured(
            f"EMAIL_URL must be smtp://, smtp+tls:// or smtps://host[:port], not a {parts.scheme!r} URL."
        )
    query = parse_qs(parts.query)
    try:
        options = {
            "host": parts.hostname,
            "timeout": float(query.get("timeout", ["10"])[0]),
            **schemes[parts.scheme],
        }
        if parts.port:
            options["port"] = parts.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a malformed port or timeout.") from None
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return {"BACKEND": SMTP_MAILER, "OPTIONS": options}


# Mail: SMTP when EMAIL_URL is set; otherwise MAILER_BACKEND, printed to the console by default
# (tests use memory). Production requires one that delivers (see production_problems above).
EMAIL_URL = env("EMAIL_URL")
MAILERS = {
    "default": (
        smtp_mailer(EMAIL_URL)
        if EMAIL_URL
        else {"BACKEND": env("MAILER_BACKEND", "django.core.mail.backends.console.EmailBackend")}
    )
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "newsroom@localhost")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Security headers on every response (SecurityMiddleware, XFrameOptionsMiddleware): no MIME
# sniffing, the referrer only to this site, no framing by any site.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (ops/csp.py has the design), the same in every profile so that development
# and the tests see what production sends. This site's own files only, no inline script or style
# (a nonce allows some in the admin, which never is cached), violations reported to /csp-report/.
# More origins per directive: NEWSROOM_CSP_SCRIPT_SRC, _STYLE_SRC, _IMG_SRC, _FONT_SRC,
# _CONNECT_SRC, _MEDIA_SRC, _FRAME_SRC (comma-separated, e.g. https://cdn.example.com); the origins
# of the analytics script and of an absolute STATIC_URL or MEDIA_URL are added by themselves.
# NEWSROOM_CSP_REPORT_ONLY=1 sends it as Content-Security-Policy-Report-Only: reported, not enforced.
NEWSROOM_CSP_REPORT_ONLY = env_bool("NEWSROOM_CSP_REPORT_ONLY", False)
# /csp-report/ (ops/views.py): a bigger body is refused (413); more reports than this from one
# address in a minute are refused (429) and not logged.
NEWSROOM_CSP_REPORT_MAX_BYTES = int(env("NEWSROOM_CSP_REPORT_MAX_BYTES", str(32 * 1024)))
NEWSROOM_CSP_REPORTS_PER_MINUTE = int(env("NEWSROOM_CSP_REPORTS_PER_MINUTE", "30"))

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # The TLS-terminating proxy in front (nginx, a load balancer) must set X-Forwarded-Proto, and
    # replace any the client sent; request.is_secure() trusts it (the consent cookie's Secure too).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The production profile: HTTPS only, behind that proxy.
if PRODUCTION:
    # Plain-HTTP requests are redirected to HTTPS (the proxy may do it first; the probes are
    # answered before this, see ops/).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # HSTS: browsers use HTTPS only for this host for SECURE_HSTS_SECONDS (a year; try 3600 on a
    # first roll-out). Subdomains and the browsers' preload list reach beyond this site and are
    # hard to undo, so they are opt-in, and check --deploy's reminders of them (W005, W021) are
    # silenced while they are off: deciding against them is a decision, not an oversight.
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
        SILENCED_SYSTEM_CHECKS.append("security.W005")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    # No script reads either cookie: the desk's scripts and CKEditor send the form's token.
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = True

# Logs: one JSON object per line on stdout in production (LOG_FORMAT=json), with the request's id
# on every record (ops/); the bare message on stderr otherwise, as runserver's own lines. The
# access log (a line per request: method, path, status, duration) is on in production.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
NEWSROOM_ACCESS_LOG = env_bool("NEWSROOM_ACCESS_LOG", PRODUCTION)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.jsonlog.RequestIdFilter"}},
    "formatters": {"json": {"()": "ops.jsonlog.JsonFormatter"}, "text": {"format": "%(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
# Retry-After on the 503 page readers and the desk get while the database is unreachable, in
# seconds (ops/database.py).
NEWSROOM_DATABASE_RETRY_AFTER = int(env("NEWSROOM_DATABASE_RETRY_AFTER", "30"))
# /readyz: how long the database and cache checks may take, in seconds, before it answers 503.
NEWSROOM_READYZ_TIMEOUT = float(env("NEWSROOM_READYZ_TIMEOUT", "2"))

# --- Newsroom ---------------------------------------------------------------------------------

# The reader-facing name of the site and the affiliation used in sign-offs when an author has none.
NEWSROOM_SITE_NAME = env("NEWSROOM_SITE_NAME", "Newsroom World Radio News")
# The language of the stories, as Google News reads it (news:language, an ISO 639 code).
NEWSROOM_NEWS_LANGUAGE = env("NEWSROOM_NEWS_LANGUAGE", "en")
# The publisher's logo in structured data (articles/structured_data.py): a static file, a raster
# image (Google reads no SVG logo), at most 600x60 pixels. Its size is read from the file.
NEWSROOM_PUBLISHER_LOGO = env("NEWSROOM_PUBLISHER_LOGO", "img/publisher-logo.png")
# The logo in the reader site's header: a static file's path or a full address (an SVG drawn
# light on the dark header). Another shape can override templates/includes/logo.html instead.
NEWSROOM_LOGO = env("NEWSROOM_LOGO", "img/logo.svg")
# The site's address (scheme, host, port): absolute links that leave the site, as in emails, are
# built on it. `make run` sets it from HOST and PORT; production refuses to start without it.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL must be the site's address, e.g. https://news.example.com, not {SITE_URL!r}."
    )
# How people are told of what concerns them, until they choose in their inbox (inbox/): "admin"
# (the inbox only), "email" or "both".
NEWSROOM_NOTIFY_BY = env("NEWSROOM_NOTIFY_BY", "both")
if NEWSROOM_NOTIFY_BY not in {"admin", "email", "both"}:
    raise ImproperlyConfigured(
        f"NEWSROOM_NOTIFY_BY must be admin, email or both, not {NEWSROOM_NOTIFY_BY!r}."
    )
# How long a "share preview" link works, in seconds (48 hours).
NEWSROOM_PREVIEW_MAX_AGE = int(env("NEWSROOM_PREVIEW_MAX_AGE", str(48 * 3600)))
# The full-page cache for anonymous readers (pagecache/). What changes by the clock (embargoes,
# take-downs, picks) is registered by the articles app (articles/apps.py).
NEWSROOM_PAGE_CACHE_ALIAS = "default"
NEWSROOM_PAGE_CACHE_TTL = int(env("NEWSROOM_PAGE_CACHE_TTL", "300"))
# How often each process looks for purges that could not land when their change committed (the
# cache away), and does them (pagecache/purges.py): one small query per interval, 0 for never.
NEWSROOM_PURGE_CHECK_SECONDS = float(env("NEWSROOM_PURGE_CHECK_SECONDS", "1"))
# What reader pages tell browsers and shared caches (nginx, a CDN): a one-second shared copy,
# served stale while it refreshes or while the application is down.
NEWSROOM_READER_CACHE_CONTROL = {
    "public": True,
    "max_age": int(env("NEWSROOM_BROWSER_MAX_AGE", "10")),
    "s_maxage": int(env("NEWSROOM_SHARED_MAX_AGE", "1")),
    "stale_while_revalidate": 30,
    "stale_if_error": 86400,
}
# The edge (pagecache/edge.py, deploy/varnish/newsroom.vcl): the purge URLs of the Varnish nodes in
# front of the application, comma-separated (http://10.0.0.5:6081/). Empty (the default): no edge,
# and no page says an edge may keep it longer than Cache-Control. Set: reader pages carry
# Surrogate-Control: max-age=NEWSROOM_EDGE_MAX_AGE (never past the next embargo or take-down), and
# every invalidation sends each node a PURGE by tag after commit, as a task with retries.
NEWSROOM_EDGE_PURGE_URLS = env_list("NEWSROOM_EDGE_PURGE_URLS", "")
for _url in NEWSROOM_EDGE_PURGE_URLS:
    if not _url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"NEWSROOM_EDGE_PURGE_URLS: {_url!r} is not an http:// or https:// URL.")
NEWSROOM_EDGE_MAX_AGE = int(env("NEWSROOM_EDGE_MAX_AGE", str(24 * 3600)))
# Seconds a purge request may take before it counts as failed (and is retried).
NEWSROOM_EDGE_PURGE_TIMEOUT = float(env("NEWSROOM_EDGE_PURGE_TIMEOUT", "2"))
# How many Editor's Pick entries a block shows.
NEWSROOM_PICKS_LIMIT = int(env("NEWSROOM_PICKS_LIMIT", "5"))
# How often an open live story asks for new posts, in seconds (live/; the tests shorten it),
# and how many posts a page of its stream shows.
NEWSROOM_LIVE_POLL_SECONDS = float(env("NEWSROOM_LIVE_POLL_SECONDS", "15"))
NEWSROOM_LIVE_POSTS_PER_PAGE = int(env("NEWSROOM_LIVE_POSTS_PER_PAGE", "20"))
# PostgreSQL's text search configuration (stemming, stop words) for search (articles/search.py).
# Changing it needs the index rebuilt: manage.py rebuild_search_index. SQLite stems English only.
NEWSROOM_SEARCH_CONFIG = env("NEWSROOM_SEARCH_CONFIG", "english")

# CKEditor 5: the toolbar matches what the sanitizer lets through (articles/html.py).
CKEDITOR_5_CONFIGS = {
    "default": {
        "toolbar": {
            "items": [
                "heading",
                "|",
                "bold",
                "italic",
                "link",
                "bulletedList",
                "numberedList",
                "blockQuote",
                "|",
                "insertImage",
                "|",
                "undo",
                "redo",
            ],
        },
        "heading": {
            "options": [
                {"model": "paragraph", "title": "Paragraph", "class": "ck-heading_paragraph"},
                {"model": "heading2", "view": "h2", "title": "Heading 2", "class": "ck-heading_heading2"},
                {"model": "heading3", "view": "h3", "title": "Heading 3", "class": "ck-heading_heading3"},
                {"model": "heading4", "view": "h4", "title": "Heading 4", "class": "ck-heading_heading4"},
            ]
        },
        # A selected image offers its alt text: written in the story, it is what readers get and
        # it satisfies the publication rule (articles/photos.py), as the photo library's does.
        "image": {"toolbar": ["imageTextAlternative"]},
    },
}
CKEDITOR_5_FILE_UPLOAD_PERMISSION = "staff"
# Images uploaded inside the editor go to our view (articles/uploads.py), which makes Photo records
# through the photo service; the package's own view, which keeps any image under its own name,
# is not routed at all. The file chooser offers only the formats we accept.
CK_EDITOR_5_UPLOAD_FILE_VIEW_NAME = "photo_editor_upload"
CKEDITOR_5_UPLOAD_FILE_TYPES = ["jpeg", "png", "webp", "gif"]

# Photo uploads (articles/photos.py, articles/uploads.py). A file over the size limit is refused
# while it streams in, before it is all read; an image whose width × height × frames is over the
# pixel limit is refused from its header, before it is decoded (decompression bombs).
NEWSROOM_UPLOAD_MAX_BYTES = int(env("NEWSROOM_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
NEWSROOM_UPLOAD_MAX_PIXELS = int(env("NEWSROOM_UPLOAD_MAX_PIXELS", str(50_000_000)))
# The credit given to images uploaded inside the editor (its upload sends only the file); the
# desk changes it in the photo library.
NEWSROOM_DEFAULT_CREDIT = env("NEWSROOM_DEFAULT_CREDIT", NEWSROOM_SITE_NAME)
# The broadcast audio of a report (articles/audio.py): MP3, M4A, Ogg or WAV, judged by content.
# The size limit is enforced while the file streams in (articles/uploads.py), like the photos'.
NEWSROOM_AUDIO_MAX_BYTES = int(env("NEWSROOM_AUDIO_MAX_BYTES", str(40 * 1024 * 1024)))
NEWSROOM_AUDIO_MAX_SECONDS = int(env("NEWSROOM_AUDIO_MAX_SECONDS", str(30 * 60)))
# The size limit is enforced by the first handler; Django's own handlers then keep the file in
# memory (up to FILE_UPLOAD_MAX_MEMORY_SIZE) or in a temporary file.
FILE_UPLOAD_HANDLERS = [
    "articles.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Cookie consent (consent/). "implied": continued use is consent, the notice has Close
# (the reference site's way). "opt-in": Accept/Reject, nothing non-essential before Accept.
NEWSROOM_COOKIE_CONSENT_MODE = env("NEWSROOM_COOKIE_CONSENT_MODE", "implied")
# Raise it when the policy changes in a way that matters: every reader is asked again.
NEWSROOM_COOKIE_POLICY_VERSION = int(env("NEWSROOM_COOKIE_POLICY_VERSION", "1"))
NEWSROOM_COOKIE_CONSENT_NAME = env("NEWSROOM_COOKIE_CONSENT_NAME", "newsroom_consent")
# Non-essential script run only with consent, served by /consent/scripts.js and never put in a
# page: a script URL (https://..., //... or /...) or inline JavaScript. Empty: none.
NEWSROOM_ANALYTICS_SNIPPET = env("NEWSROOM_ANALYTICS_SNIPPET", "")

# The Content Security Policy (see "Content Security Policy" above): built here, once the analytics
# script, STATIC_URL and MEDIA_URL are known, whose origins it allows.
_csp_policy = csp.policy(
    extra={
        directive: env_list("NEWSROOM_CSP_" + directive.replace("-", "_").upper())
        for directive in csp.CONFIGURABLE
    },
    analytics_script_url=analytics_script_url(NEWSROOM_ANALYTICS_SNIPPET),
    static_url=STATIC_URL,
    media_url=MEDIA_URL,
)
SECURE_CSP = {} if NEWSROOM_CSP_REPORT_ONLY else _csp_policy
SECURE_CSP_REPORT_ONLY = _csp_policy if NEWSROOM_CSP_REPORT_ONLY else {}

# --- Accounts (accounts/) ---------------------------------------------------------------------

# Where the admin lives: "admin/" by default; any path, e.g. "desk-4f7a/" (slashes around it are
# tidied). robots.txt, the emails' links and the lockout page follow it (reverse('admin:index')).
NEWSROOM_ADMIN_URL = env("NEWSROOM_ADMIN_URL", "admin/").strip("/") + "/"
if NEWSROOM_ADMIN_URL == "/":
    raise ImproperlyConfigured("NEWSROOM_ADMIN_URL must name a path, such as admin/ or desk/.")

# Login lockout (django-axes): after NEWSROOM_LOGIN_FAILURE_LIMIT failed logins for one username
# (from anywhere) or from one address (for any username), logins are refused, with a page saying
# when to try again, until NEWSROOM_LOGIN_COOLOFF_MINUTES have passed since the last failure.
# Both are read through accounts/lockout.py at each attempt.
NEWSROOM_LOGIN_FAILURE_LIMIT = int(env("NEWSROOM_LOGIN_FAILURE_LIMIT", "5"))
NEWSROOM_LOGIN_COOLOFF_MINUTES = int(env("NEWSROOM_LOGIN_COOLOFF_MINUTES", "15"))
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# A login tried while locked out counts as a failure and starts the cool-off again (the lockout
# page says so): guessing on through the lockout only prolongs it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# A successful login clears only that user's failures from that address (accounts/lockout.py):
# axes' own reset would also clear every failure recorded against the address, for any username.
AXES_RESET_ON_SUCCESS = False
# No "AXES: BEGIN …" line at every start: logs go to stdout, where a command's output is data
# (manage.py shell -c, dumpdata).
AXES_VERBOSE = False
# The client's address for the lockout: REMOTE_ADDR, unless NEWSROOM_CLIENT_IP_HEADER names the
# header a reverse proxy sets (X-Forwarded-For, X-Real-IP). Only set it behind such a proxy: the
# header is the client's word otherwise. With X-Forwarded-For, the address is the one appended by
# the nearest of NEWSROOM_TRUSTED_PROXY_COUNT proxies (counted from the right).
NEWSROOM_CLIENT_IP_HEADER = env("NEWSROOM_CLIENT_IP_HEADER")
NEWSROOM_TRUSTED_PROXY_COUNT = int(env("NEWSROOM_TRUSTED_PROXY_COUNT", "1"))
AXES_CLIENT_IP_CALLABLE = "accounts.clientip.client_ip"

# A staff session ends after this many minutes without a request from its user (0: never).
# The desk's presence heartbeat does not count as activity (accounts/middleware.py).
NEWSROOM_STAFF_IDLE_MINUTES = int(env("NEWSROOM_STAFF_IDLE_MINUTES", "60"))
# Django's database sessions, reading only keys Django could have made: a NUL in a cookie's key
# reached PostgreSQL otherwise (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"

# Two-factor authentication (django-otp, TOTP): optional for staff, who enrol from the admin's
# "Two-factor authentication" link; once enrolled, the login asks for the code. With this on, a
# chief editor without a confirmed device is sent to enrolment before anything else in the admin.
NEWSROOM_REQUIRE_2FA_FOR_CHIEF_EDITORS = env_bool("NEWSROOM_REQUIRE_2FA_FOR_CHIEF_EDITORS", False)
OTP_TOTP_ISSUER = NEWSROOM_SITE_NAME
