"""
What bench/profile_render.py and bench/profile_listing.py share: Django set up with bench/run.py's
environment for its processes (``ENVIRONMENT`` there), for renders profiled in process. The
database and Redis come from the caller (``DATABASE_URL``, ``REDIS_URL``).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def set_up_django(cache_key_prefix):
    """Django's settings as the bench's gunicorn has them (what a missing variable would change)."""
    sys.path.insert(0, str(ROOT))
    for name, value in {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "NEWSROOM_BENCH": "1",
        "CACHE_KEY_PREFIX": cache_key_prefix,
        "MEDIA_ROOT": str(ROOT / "bench" / "out" / "media"),
        "ORIGINALS_ROOT": str(ROOT / "bench" / "out" / "originals"),
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "immediate",
    }.items():
        os.environ.setdefault(name, value)

    import django  # noqa: PLC0415  (only once the environment is set)

    django.setup()
