#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # A bare checkout (no SECRET_KEY, no DEBUG) is a developer's: run commands in development
    # mode. A production environment sets SECRET_KEY, so this never turns DEBUG on there, and
    # the servers (wsgi/asgi) still refuse to start without a key. The production profile
    # (DJANGO_ENV=production) is never a developer's: it names what is missing instead.
    if (
        not os.environ.get("SECRET_KEY")
        and not os.environ.get("DEBUG")
        and os.environ.get("DJANGO_ENV", "").strip().lower() != "production"
    ):
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
