"""Settings come from the environment; production refuses to start without its secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def import_settings(**environ):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    env.update(environ, DJANGO_SETTINGS_MODULE="newsroom.settings")
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
    assert result.stdout.split()[-1] == "django.db.backends.postgresql"


def test_malformed_boolean_is_a_clear_error():
    result = import_settings(DEBUG="maybe")

    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db
def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
