"""
Django's PostgreSQL backend, whose connections stop waiting for an answer after a bound.

libpq's ``connect_timeout`` bounds a new connection and TCP keepalives find a peer that vanished
from an idle one (both in ``DATABASES`` OPTIONS, ``newsroom/settings.py``). Neither helps once a
query is on its way to a server that hangs (a frozen VM, a stopped process, a proxy that stalls):
its kernel still acknowledges every byte, so the socket looks healthy, and psycopg would wait for
the answer for ever, holding a gunicorn worker and with it every reader that worker serves, page
cache hits included. psycopg 3 has no such bound of its own for queries (only for connecting), so
its ``Connection.wait``, which every query, commit and rollback goes through, is given one here.

The bound is for web processes only (``ops.postgresql.limit_waits``, called by
``newsroom/wsgi.py`` and ``asgi.py``): a migration, a backup or a search index rebuild may rightly
take minutes, and they serve no reader. A wait that runs out closes the connection (it is
mid-conversation, of no use any more) and raises ``OperationalError``: Django's next health
check replaces the connection, and ``ops.database`` answers the request with its 503 page.
"""

import types

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import Format

from ops import postgresql


class BoundedConnection(psycopg.Connection):
    """A psycopg connection that waits for an answer no longer than ``ops.postgresql.limit_waits`` allows."""

    def wait(self, gen, interval=0.1, timeout=None):
        limit = postgresql.answer_timeout()
        if limit is None:
            return super().wait(gen, interval=interval, timeout=timeout)
        bound = limit if timeout is None else min(limit, timeout)
        try:
            return super().wait(gen, interval=interval, timeout=bound)
        except psycopg.errors._WaitTimeout:
            # Halfway through an exchange with the server: nothing more can be said on it.
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {limit:g} s (DATABASE_QUERY_TIMEOUT)"
            ) from None


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's backend connects through ``self.Database.connect`` and maps the driver's errors to
    # its own through the same module: psycopg as it is, but connecting with BoundedConnection.
    Database = types.SimpleNamespace(**{**vars(psycopg), "connect": BoundedConnection.connect})

    def preparing_cursor(self):
        """
        A cursor, wrapped as ``cursor()``'s are (errors, the query log), that binds its values on
        the server as a prepared statement, which PostgreSQL plans once per connection (after its
        first few runs) instead of on every run: for ``ops.compiled``, whose SQL is fixed.
        Django's own cursors bind on the client (the ORM's SQL is not always preparable, and
        poolers in transaction mode lose prepared statements: ``DATABASE_PREPARED_STATEMENTS``).
        """
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            if self.connection.prepare_threshold is None:
                # Django turns preparing off for its connections; psycopg then ignores even a
                # query that asks. Only queries that ask are prepared still: Django's own
                # cursors bind on the client, which never prepares.
                self.connection.prepare_threshold = PREPARE_WHEN_ASKED
            cursor = PreparingCursor(self.connection)
            # As Django's create_cursor: the cursor's time zone, if the connection's differs.
            tzloader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != tzloader.timezone:
                base.register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)


# psycopg prepares a query run this many times even unasked: never, in practice.
PREPARE_WHEN_ASKED = 2**31 - 1


class PreparingCursor(base.ServerBindingCursor):
    """Runs every query as a prepared statement (psycopg keeps them per connection)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)
