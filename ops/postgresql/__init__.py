"""
PostgreSQL as Django's own backend has it, with one addition for web processes: no wait for the
server's answer lasts longer than ``DATABASE_QUERY_TIMEOUT`` (``ENGINE = "ops.postgresql"``,
set by ``newsroom/settings.py`` for a ``postgres://`` ``DATABASE_URL``; see ``base``).
"""
