"""
Settings for the Newsroom project.

Everything that differs between a laptop and production comes from environment variables,
read through the helpers below. Local defaults are safe: SQLite and a file cache under ``var/``,
and a development secret key that exists only while ``DEBUG`` is on. Production
(``DEBUG`` off) refuses to start without ``SECRET_KEY``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    "django.contrib.admin",
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
    # Whole pages for anonymous readers (pagecache/), and the cookie notice (consent/).
    "pagecache",
    "consent",
]
# `make bench` only (bench/run.py sets NEWSROOM_BENCH=1): the benchmark's app, with the data
# generator and its bare view. The product never imports it, and nothing else installs it.
if env_bool("NEWSROOM_BENCH"):
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304 Not Modified for any GET whose ETag or Last-Modified the browser already has.
    "django.middleware.http.ConditionalGetMiddleware",
    # brotli or gzip for what the page cache does not keep (it keeps every coding of a page).
    "pagecache.middleware.CompressionMiddleware",
    # Whole pages for anonymous readers, before sessions are even looked at (pagecache/).
    "pagecache.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.cookie_consent for views and templates; sets no headers (consent/).
    "consent.middleware.CookieConsentMiddleware",
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
                "consent.context_processors.consent",
            ],
        },
    },
]

# Databases: one URL. The embedded default is a SQLite file under the git-ignored var/.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}")
if DATABASE_URL.startswith("sqlite:"):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
# PostgreSQL keeps the covering columns of the reader indexes (INCLUDE); SQLite ignores them and
# says so (models.W040). The index still orders and filters there, so the warning is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches: Redis when REDIS_URL is set, otherwise files under var/cache/ (CACHE_DIR), shared by
# every process on the server (workers, cron, manage.py shell): a change one of them makes is seen
# by the others at once (see "Reader performance" in the README).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "newsroom"),
            # Kept pages and blocks are HTML, about 45 KB a story page; zlib makes that about
            # 10 KB for 0.03 ms per hit (0.3 ms per store). Entries stored uncompressed still read.
            "OPTIONS": {"COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor"},
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
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", BASE_DIR / "media"))

# Media go only through Django's storage API, so moving them to S3-compatible storage is a
# settings change (django-storages; see the README). "originals" holds uploads as received,
# never served. No code asks for a file's path (tests/test_photos.py runs uploads on
# InMemoryStorage to keep it so). For S3 (or MinIO, R2...), `pip install django-storages[s3]`
# and set, for example:
#   STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
#       "bucket_name": "newsroom-media", "querystring_auth": False, "file_overwrite": False,
#       "custom_domain": "media.example.com"}}   # + "endpoint_url" for MinIO, R2...
#   STORAGES["originals"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
#       "bucket_name": "newsroom-originals", "default_acl": "private", "querystring_auth": True,
#       "file_overwrite": False}}
#   MEDIA_URL = "https://media.example.com/"
# (the originals bucket must not be public: it keeps the GPS and camera data the served copies lose).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "originals": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(env("ORIGINALS_ROOT", VAR_DIR / "originals")), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Mail: printed to the console unless a real backend is configured (tests use memory).
MAILERS = {
    "default": {"BACKEND": env("MAILER_BACKEND", "django.core.mail.backends.console.EmailBackend")}
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "newsroom@localhost")

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# --- Newsroom ---------------------------------------------------------------------------------

# The reader-facing name of the site and the affiliation used in sign-offs when an author has none.
NEWSROOM_SITE_NAME = env("NEWSROOM_SITE_NAME", "Newsroom World Radio News")
# The language of the stories, as Google News reads it (news:language, an ISO 639 code).
NEWSROOM_NEWS_LANGUAGE = env("NEWSROOM_NEWS_LANGUAGE", "en")
# The publisher's logo in structured data (articles/structured_data.py): a static file, a raster
# image (Google reads no SVG logo), at most 600x60 pixels. Its size is read from the file.
NEWSROOM_PUBLISHER_LOGO = env("NEWSROOM_PUBLISHER_LOGO", "img/publisher-logo.png")
# Where the desk's links in notification emails point.
NEWSROOM_ADMIN_BASE_URL = env("NEWSROOM_ADMIN_BASE_URL", "http://127.0.0.1:8000")
# How long a "share preview" link works, in seconds (48 hours).
NEWSROOM_PREVIEW_MAX_AGE = int(env("NEWSROOM_PREVIEW_MAX_AGE", str(48 * 3600)))
# The full-page cache for anonymous readers (pagecache/). What changes by the clock (embargoes,
# take-downs, picks) is registered by the articles app (articles/apps.py).
NEWSROOM_PAGE_CACHE_ALIAS = "default"
NEWSROOM_PAGE_CACHE_TTL = int(env("NEWSROOM_PAGE_CACHE_TTL", "300"))
# What reader pages tell browsers and shared caches (nginx, a CDN): a one-second shared copy,
# served stale while it refreshes or while the application is down.
NEWSROOM_READER_CACHE_CONTROL = {
    "public": True,
    "max_age": int(env("NEWSROOM_BROWSER_MAX_AGE", "10")),
    "s_maxage": int(env("NEWSROOM_SHARED_MAX_AGE", "1")),
    "stale_while_revalidate": 30,
    "stale_if_error": 86400,
}
# How many Editor's Pick entries a block shows.
NEWSROOM_PICKS_LIMIT = int(env("NEWSROOM_PICKS_LIMIT", "5"))
# PostgreSQL's text search configuration (stemming, stop words) for search (articles/search.py).
# Changing it needs the index rebuilt: manage.py rebuild_search_index. SQLite stems English only.
NEWSROOM_SEARCH_CONFIG = env("NEWSROOM_SEARCH_CONFIG", "english")

# CKEditor 5: the toolbar matches what the sanitizer lets through (articles/html.py).
CKEDITOR_5_CONFIGS = {
    "default": {
        "toolbar": {
            "items": [
                "heading", "|", "bold", "italic", "link", "bulletedList", "numberedList",
                "blockQuote", "|", "insertImage", "|", "undo", "redo",
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
