"""
Reader queries whose SQL the ORM builds once per process, then runs with each request's values.

Building a queryset (``filter``, ``select_related``, ``annotate``...) and compiling it to SQL
cost the story page more Python than anything else: about 2.5 ms a query, the same work on
every request for the same shape of query with other values. A :class:`CompiledQuery` has its
builder make the queryset once, with a *marker* in place of each value, compiles it, and notes
where each marker landed among the SQL's parameters. Each call then clones that queryset (a
shallow copy), hands Django's own result machinery (model instances, ``select_related``
objects, annotations, ``prefetch_related``) the compiled SQL with the call's values in the
markers' places, and returns a list.

What keeps it safe:

* The queryset is the ORM's own, so the SQL is exactly what the builder's queryset would run;
  rules such as ``published()`` are still applied by the builder, with the call's time.
* Each marker must be found among the parameters exactly as the ORM prepares that kind of value
  (a value folded into the SQL text, or transformed on the way, would not be): if one is not,
  compiling refuses with an error, which the tests of every query meet on both databases.
* Anything that changes the SQL's shape (how many ids, whether a story has topics) is a *shape*
  argument: each shape is compiled once on its own.
* Results are always lists: nothing can chain another filter onto the compiled SQL.

On PostgreSQL the SQL runs as a prepared statement, with the call's values as its only
parameters: every other value the ORM passes (the statuses ``published()`` allows, a flag) is
written into it as a literal (``_prepared_sql``), so its one plan for any values
(``plan_cache_mode``, newsroom/settings.py) uses the indexes kept for live stories. A query
whose best plan depends on its values (how many of the stories a topic holds, how deep a page
starts) says so (``plan_each_run=True``): it is sent with its values, as Django sends any query,
and planned for them on every run.
"""

import copy
import datetime
import functools
import itertools
import re
import threading
import weakref

from django.conf import settings
from django.db import connections
from django.db.models.sql.constants import MULTI

# Markers: values no reader query holds, distinct within a query.
_counter = itertools.count(1)
_compiling = threading.Lock()


def _marker(kind):
    number = next(_counter)
    if kind is str:
        return f"\x1fmarker-{number}\x1f"
    if kind is int:
        return -(10**12) - number
    if kind is datetime.datetime:
        base = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
        return base + datetime.timedelta(microseconds=number)
    raise TypeError(f"No marker for {kind!r}: str, int and datetime values only.")


def _markers(kind, lengths):
    """A marker of ``kind``, or for ``[kind]`` a list of them as long as the next of ``lengths``."""
    if isinstance(kind, list):
        return [_marker(kind[0]) for _ in range(next(lengths))]
    return _marker(kind)


def _prepared(value, connection):
    """``value`` as the ORM passes it to the database driver (what a marker is found as)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class CompileError(Exception):
    pass


class _Shape:
    """One shape's queryset, built with markers, and its SQL compiled for each database vendor."""

    def __init__(self, queryset, markers):
        self.queryset = queryset
        self.markers = markers
        self.by_vendor = {}


class _Compiled:
    """A compiler that ran once, its SQL and parameters, and where each value goes in them."""

    def __init__(self, compiler, sql, params, positions):
        self.compiler = compiler
        self.sql = sql
        self.params = list(params)
        self.positions = positions  # [(parameter index, value name, index in a list or None)]
        self.prepared = None  # (SQL, the indexes of the parameters it keeps): ``_prepared_sql``
        # What turns each column's value into Python, by connection: the same on every run.
        self.converters = weakref.WeakKeyDictionary()


# A parameter's place in the ORM's SQL, or an escaped percent sign.
_PLACEHOLDER = re.compile(r"%%|%s")


def _prepared_sql(compiled, connection):
    """
    ``(sql, kept)``: the compiled SQL for a prepared statement, with every parameter that is not a
    call's value written into it as a literal (the statuses ``published()`` allows, a flag), and
    the indexes of the parameters it keeps, in order.

    PostgreSQL plans a prepared statement for any values after its first runs, and keeps that
    plan if it looks no dearer than planning each run. A status given as a parameter could be any
    status, so that plan could use none of the indexes kept for live stories only (their
    condition is on the status): it looked a hundred times dearer, and was, so every run was
    planned anew, which cost more than running it. As literals, the plan for any values uses them.
    """
    from psycopg import sql  # noqa: PLC0415  (PostgreSQL only)

    values = {place for place, _, _ in compiled.positions}
    places = iter(range(len(compiled.params)))
    kept = []

    def write(match):
        if match.group() == "%%":
            return "%%"
        place = next(places)
        if place in values:
            kept.append(place)
            return "%s"
        return sql.Literal(compiled.params[place]).as_string(connection.connection).replace("%", "%%")

    return _PLACEHOLDER.sub(write, compiled.sql), kept


class CompiledQuery:
    """
    ``CompiledQuery(build, now=datetime.datetime, slug=str, ids=[int])``: ``build(values,
    *shape)`` returns an unevaluated queryset using ``values.now``, ``values.slug``... (a list
    kind makes ``values.ids`` a list of markers as long as the call's list: its length is part
    of the shape, and so is which values are ``None``: the builder sees ``None`` for them).
    ``query(*shape, now=..., slug=..., ids=[...])`` returns the rows as a list.
    ``plan_each_run``: never a prepared statement on PostgreSQL (this module's docstring).
    """

    def __init__(self, build, *, plan_each_run=False, **kinds):
        self.build = build
        self.plan_each_run = plan_each_run
        self.kinds = kinds
        self._shapes = {}

    def __call__(self, *shape, **values):
        if values.keys() != self.kinds.keys():
            raise TypeError(f"Values needed: {', '.join(self.kinds)}; given: {', '.join(values)}.")
        lengths = tuple(len(values[name]) for name, kind in self.kinds.items() if isinstance(kind, list))
        absent = frozenset(name for name, value in values.items() if value is None)
        built = self._shape(shape, lengths, absent)
        queryset = built.queryset._chain()
        queryset.query.get_compiler = functools.partial(self._compiler, built, values)
        return list(queryset)

    def _shape(self, shape, lengths, absent):
        key = (shape, lengths, absent)
        if key not in self._shapes:
            lists = iter(lengths)
            markers = {
                name: None if name in absent else _markers(kind, lists) for name, kind in self.kinds.items()
            }
            self._shapes[key] = _Shape(self.build(_Values(markers), *shape), markers)
        return self._shapes[key]

    @staticmethod
    def _compile(built, connection):
        compiler = built.queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        found = {}
        for name, marker in built.markers.items():
            if marker is None:
                continue
            for index, one in enumerate(marker) if isinstance(marker, list) else [(None, marker)]:
                prepared = _prepared(one, connection)
                places = [position for position, param in enumerate(params) if param == prepared]
                if not places:
                    raise CompileError(f"The value {name!r} is not a parameter of the compiled SQL: {sql}")
                found.update({place: (place, name, index) for place in places})
        return _Compiled(compiler, sql, params, sorted(found.values()))

    def _compiler(self, built, values, using=None, connection=None, elide_empty=True):
        """The compiler Django's result iterable asks the cloned query for: the SQL compiled once."""
        connection = connection or connections[using]
        if connection.vendor not in built.by_vendor:
            with _compiling:  # once, even with threads: compiling sets up the shared query
                if connection.vendor not in built.by_vendor:
                    built.by_vendor[connection.vendor] = self._compile(built, connection)
        compiled = built.by_vendor[connection.vendor]
        params = list(compiled.params)
        for place, name, index in compiled.positions:
            value = values[name] if index is None else values[name][index]
            params[place] = _prepared(value, connection)
        # A copy of the compiler that ran (its select list, related objects and converters are
        # what turns rows into objects), on this thread's connection, answering with the SQL.
        compiler = copy.copy(compiled.compiler)
        compiler.connection, compiler.using = connection, using
        sql = compiled.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        compiler.get_converters = functools.partial(_converters, compiled, compiler)
        prepare = settings.DATABASE_PREPARED_STATEMENTS and not self.plan_each_run
        if prepare and hasattr(connection, "preparing_cursor"):
            if compiled.prepared is None:
                connection.ensure_connection()  # the literals are written for its encoding
                compiled.prepared = _prepared_sql(compiled, connection)
            prepared_sql, kept = compiled.prepared
            kept_params = [params[place] for place in kept]
            compiler.execute_sql = functools.partial(_execute_prepared, compiler, prepared_sql, kept_params)
        return compiler


def _converters(compiled, compiler, expressions):
    """
    ``compiler.get_converters``, asked once per connection and select list: the compiled query's
    select list is the same on every run (its expressions are the compiled compiler's own).
    """
    by_expressions = compiled.converters.setdefault(compiler.connection, {})
    key = tuple(map(id, expressions))
    if key not in by_expressions:
        by_expressions[key] = type(compiler).get_converters(compiler, expressions)
    return by_expressions[key]


def _execute_prepared(compiler, sql, params, result_type=MULTI, chunked_fetch=False, chunk_size=None):
    """
    ``compiler.execute_sql`` for a compiled query on PostgreSQL: a prepared statement, which
    the server plans once per connection (after its first few runs) instead of on every run.
    Planning the story page's queries cost the server more than running them.
    """
    if result_type != MULTI:
        raise ValueError("A compiled query returns rows only.")
    with compiler.connection.preparing_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if compiler.has_extra_select:
        rows = [row[: compiler.col_count] for row in rows]
    return [rows]


class _Values:
    """The markers as attributes, for the builder: ``values.now``."""

    def __init__(self, markers):
        self.__dict__.update(markers)
