"""
Settings come from the environment; production refuses to start without its secret. The
production profile (DJANGO_ENV=production) names everything it misses at once, and with all of
it set `check --deploy` reports nothing.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


# What the settings read that the machine running the tests may have set (CI sets DATABASE_URL).
SETTINGS_VARIABLES = {
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "DJANGO_ENV",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "MAILER_BACKEND",
    "SITE_URL",
    "NEWSROOM_NOTIFY_BY",
    "LOG_FORMAT",
    "NEWSROOM_ACCESS_LOG",
    "DATABASE_CONNECT_TIMEOUT",
    "DATABASE_QUERY_TIMEOUT",
    "DATABASE_STATEMENT_TIMEOUT",
    "DATABASE_REPLICA_URL",
    # Set by the browser tests for Playwright's thread; it turns async.E001 on in check --deploy.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def clean_environ(**environ):
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(environ, DJANGO_SETTINGS_MODULE="newsroom.settings")
    return env


def import_settings(**environ):
    env = clean_environ(**environ)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.TIME_ZONE, settings.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = import_settings(DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_starts_with_secret_key_and_defaults():
    result = import_settings(DEBUG="0", SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "Asia/Seoul", "django.db.backends.sqlite3"]


def test_database_url_selects_postgresql():
    result = import_settings(DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "ops.postgresql"


def test_malformed_boolean_is_a_clear_error():
    result = import_settings(DEBUG="maybe")

    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db
def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# --- The production profile -------------------------------------------------------------------

STRONG_KEY = "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"


def production(tmp_path, **environ):
    """Everything the production profile needs, overridden by ``environ`` (None: left unset)."""
    complete = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "news.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "EMAIL_URL": "smtp+tls://desk%40example.com:p%2Fss@smtp.example.com:587?timeout=5",
        "SITE_URL": "https://news.example.com",
        "CACHE_DIR": str(tmp_path / "cache"),
    }
    complete.update(environ)
    return {name: value for name, value in complete.items() if value is not None}


def manage(*args, environ):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_environ(**environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_names_everything_missing_in_one_message(tmp_path):
    environ = production(
        tmp_path,
        SECRET_KEY=None,
        ALLOWED_HOSTS=None,
        DATABASE_URL=None,
        EMAIL_URL=None,
        SITE_URL=None,
        DEBUG="1",
    )

    result = manage("check", "--deploy", environ=environ)

    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("django.core.exceptions.")]
    assert len(errors) == 1, result.stderr  # one exception, not the first of several
    message = result.stderr[result.stderr.index(errors[0]) :]
    for missing in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL", "SITE_URL", "DEBUG is on"):
        assert missing in message, (missing, message)


def test_manage_py_never_turns_debug_on_for_the_production_profile(tmp_path):
    result = manage("check", environ=production(tmp_path, SECRET_KEY=None))

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "DEBUG is on" not in result.stderr  # a bare checkout's DEBUG=1 is not applied here


def test_production_refuses_a_weak_key_and_a_console_mailer(tmp_path):
    environ = production(
        tmp_path,
        SECRET_KEY="short",
        EMAIL_URL=None,
        MAILER_BACKEND="django.core.mail.backends.console.EmailBackend",
    )

    result = import_settings(**environ)

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
    assert "EMAIL_URL is not set" in result.stderr
    assert "ALLOWED_HOSTS" not in result.stderr  # what is set is not named


def test_production_check_deploy_reports_nothing(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", environ=production(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_with_hsts_for_subdomains_and_preload_silences_nothing(tmp_path):
    environ = production(tmp_path, SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1")

    values = production_values(
        environ, "SILENCED_SYSTEM_CHECKS", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS"
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", environ=environ)

    assert values == {
        "SILENCED_SYSTEM_CHECKS": ["models.W040"],
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def production_values(environ, *names):
    """The settings ``names`` as the production profile with ``environ`` makes them."""
    code = (
        "import django, json, sys; django.setup(); from django.conf import settings; "
        "print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=ROOT,
        env=clean_environ(**environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])  # after the startup's own log lines


def test_production_settings(tmp_path):
    values = production_values(
        production(tmp_path),
        "DEBUG",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "MAILERS",
        "LOG_FORMAT",
        "NEWSROOM_ACCESS_LOG",
    )

    assert values == {
        "DEBUG": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "MAILERS": {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {
                    "host": "smtp.example.com",
                    "port": 587,
                    "use_tls": True,
                    "timeout": 5.0,
                    "username": "desk@example.com",
                    "password": "p/ss",
                },
            }
        },
        "LOG_FORMAT": "json",
        "NEWSROOM_ACCESS_LOG": True,
    }


def test_a_malformed_email_url_is_named_without_its_password():
    result = import_settings(DEBUG="1", EMAIL_URL="http://user:hunter2@smtp.example.com")

    assert result.returncode != 0
    assert "EMAIL_URL must be smtp://" in result.stderr
    assert "hunter2" not in result.stderr


def test_a_site_url_that_is_not_an_address_is_a_clear_error():
    result = import_settings(DEBUG="1", SITE_URL="news.example.com")

    assert result.returncode != 0
    assert "SITE_URL must be the site's address" in result.stderr


def test_an_unknown_notification_default_is_a_clear_error():
    result = import_settings(DEBUG="1", NEWSROOM_NOTIFY_BY="pager")

    assert result.returncode != 0
    assert "NEWSROOM_NOTIFY_BY must be admin, email or both" in result.stderr


def test_unknown_profile_is_a_clear_error():
    result = import_settings(DEBUG="1", DJANGO_ENV="staging")

    assert "DJANGO_ENV must be development or production" in result.stderr


def test_production_logs_are_json_lines_on_stdout_with_the_request_id(tmp_path):
    """A plain-HTTP request (redirected to HTTPS, no database needed) and a probe, as gunicorn runs them."""
    code = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "r = c.get('/', HTTP_HOST='news.example.com', HTTP_X_REQUEST_ID='edge-42'); "
        "print(r.status_code, flush=True); "
        "print(c.get('/healthz').status_code, flush=True)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_environ(**production(tmp_path, LOG_LEVEL="DEBUG")),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "301" in lines and "200" in lines
    records = [json.loads(line) for line in lines if line not in {"301", "200"}]  # every other line is JSON
    access = [r for r in records if r["logger"] == "newsroom.access"]
    assert access[0] | {"time": None, "duration_ms": None} == {
        "time": None,
        "level": "INFO",
        "logger": "newsroom.access",
        "message": access[0]["message"],
        "request_id": "edge-42",
        "method": "GET",
        "path": "/",
        "status": 301,
        "duration_ms": None,
    }
    assert isinstance(access[0]["duration_ms"], float)
    assert access[1]["path"] == "/healthz" and access[1]["level"] == "DEBUG"  # probes log quietly
    assert len(access[1]["request_id"]) == 32


def test_postgresql_gets_timeouts_keepalives_and_health_checks():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings; "
            "d = settings.DATABASES['default']; print(json.dumps([d['CONN_HEALTH_CHECKS'], d['OPTIONS']]))",
        ],
        cwd=ROOT,
        env=clean_environ(
            DEBUG="1",
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
            DATABASE_CONNECT_TIMEOUT="3",
            DATABASE_STATEMENT_TIMEOUT="20",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    health_checks, options = json.loads(result.stdout.splitlines()[-1])
    assert health_checks is True
    assert options["connect_timeout"] == 3
    assert (options["keepalives"], options["keepalives_idle"]) == (1, 30)
    # Prepared statements (the compiled reader queries) are planned once, for any values.
    assert options["options"] == "-c statement_timeout=20000 -c plan_cache_mode=force_generic_plan"


def test_production_refuses_tasks_run_in_requests_or_a_queue_redis_shared_with_the_cache(tmp_path):
    immediate = import_settings(**production(tmp_path, TASKS_BACKEND="immediate"))
    assert immediate.returncode != 0
    assert "TASKS_BACKEND=immediate runs background work inside requests" in immediate.stderr

    shared = import_settings(
        **production(
            tmp_path,
            TASKS_BACKEND="rq",
            REDIS_URL="redis://redis.internal:6379/0",
            TASKS_REDIS_URL="redis://redis.internal:6379/1",
        )
    )
    assert shared.returncode != 0
    assert "TASKS_REDIS_URL is on the page cache's Redis server" in shared.stderr

    own = import_settings(
        **production(
            tmp_path,
            TASKS_BACKEND="rq",
            REDIS_URL="redis://redis.internal:6379/0",
            TASKS_REDIS_URL="redis://queue.internal:6379/0",
        )
    )
    assert own.returncode == 0, own.stderr
