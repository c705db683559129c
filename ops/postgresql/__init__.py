"""
PostgreSQL as Django's own backend has it, with one addition for web processes: no wait for the
server's answer lasts longer than ``DATABASE_QUERY_TIMEOUT`` (``ENGINE = "ops.postgresql"``,
set by ``newsroom/settings.py`` for a ``postgres://`` ``DATABASE_URL``; see ``base``).
"""

# Seconds a web process waits for one answer (None: no limit, as in commands). Kept here, apart
# from the backend, so that wsgi.py sets it without importing psycopg where SQLite is used.
_answer_timeout = None


def limit_waits(seconds):
    """From now on, no wait of this process for the database's answer lasts over ``seconds`` (0: none)."""
    global _answer_timeout
    _answer_timeout = seconds or None


def answer_timeout():
    return _answer_timeout
