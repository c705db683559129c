"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_asgi_application()

from django.conf import settings  # noqa: E402

from ops.postgresql import limit_waits  # noqa: E402

# A web process waits for the database's answer DATABASE_QUERY_TIMEOUT seconds at most; commands do
# not import this module, and are not bounded (ops/postgresql/).
limit_waits(settings.DATABASE_QUERY_TIMEOUT)
