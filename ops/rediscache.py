"""
The site's Redis cache, made to outlive Redis: a reader page never waits long for it and never
fails because of it.

django-redis alone either raises on every call while Redis is away (each request a 500) or, with
``IGNORE_EXCEPTIONS``, swallows each failure on its own: every request still pays a connect or
read timeout and logs a line. So this backend adds, per process and per Redis server:

* short timeouts, from ``OPTIONS`` (``SOCKET_CONNECT_TIMEOUT``, ``SOCKET_TIMEOUT``: django-redis's
  own options, passed to redis-py), so a stalled Redis costs a fraction of a second, not the
  kernel's idea of a timeout;
* a circuit breaker: the first call that cannot reach Redis opens it, logs one warning and
  answers like a cache that has nothing (a miss; a write that kept nothing). For ``RETRY_AFTER``
  seconds no call goes to Redis at all, so an outage costs one timeout per interval, not one per
  request, and one warning line per interval;
* a careful way back: after the interval, the next call in one thread runs the recovery hooks
  (``on_recovery``) before anything is read again. The page cache registers its pending purges
  there (pagecache/purges.py): entries that Redis kept through the outage may show a story taken
  down meanwhile, and they must be refreshed before any of them is served. A hook that fails
  (Redis still away, or the purge failing) keeps the breaker open for another interval.

What a call answers while the cache is not used is what an empty cache answers under Django's
contract: ``get`` its default, ``get_many`` ``{}``, ``add``/``set``/``delete``/``has_key``/``touch``
``False``, ``set_many`` every key it was given (the keys it could not store), which is how a
purge knows it did not land, and ``run_script`` ``None``. Other calls (``clear``, ``incr``,
``keys``, ``lock``...) are used by no reader request and raise as django-redis makes them.
"""

import functools
import logging
import threading
import time

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What "Redis cannot be reached" looks like through django-redis (which re-raises the redis-py
# error when IGNORE_EXCEPTIONS is off, as here).
UNREACHABLE = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)
DEFAULT_RETRY_AFTER = 5.0

_recovery_hooks = []


def on_recovery(hook):
    """
    Call ``hook()`` whenever a process is about to use the cache again after it failed; if it
    raises, the cache stays unused for another interval. Registered from ``AppConfig.ready()``.
    """
    if hook not in _recovery_hooks:  # ready() may run twice (tests, some commands)
        _recovery_hooks.append(hook)
    return hook


class Breaker:
    """
    Whether this process uses one Redis server now. Closed: every call goes through. Open: no call
    does until ``retry_after`` seconds have passed; then one thread runs the recovery hooks (its
    own calls go through meanwhile, the other threads' do not) and closes it if they succeed.
    """

    def __init__(self, name, *, retry_after):
        self.name = name
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._open_until = None  # time.monotonic() deadline; None while closed
        self._recovering = None  # the thread running the recovery hooks

    @property
    def is_closed(self):
        return self._open_until is None

    def allows(self):
        if self._open_until is None:  # the common case: no lock taken
            return True
        me = threading.get_ident()
        if self._recovering == me:
            return True
        with self._lock:
            if self._open_until is None:
                return True
            if self._recovering is not None or time.monotonic() < self._open_until:
                return False
            self._recovering = me
        return self._recover(me)

    def _recover(self, me):
        try:
            for hook in _recovery_hooks:
                hook()
        except Exception as error:  # whatever failed, the cache is not trusted yet
            self.trip(error)
            return False
        with self._lock:
            if self._recovering != me:  # a call made by a hook failed and opened it again
                return False
            self._open_until = self._recovering = None
        logger.info("Cache %s is reachable again: pending purges done, pages are cached again.", self.name)
        return True

    def trip(self, error):
        """Stop using the server for ``retry_after`` seconds; warn unless it was already stopped."""
        with self._lock:
            already_open = self._open_until is not None and self._recovering is None
            self._open_until = time.monotonic() + self.retry_after
            self._recovering = None
        if not already_open:
            logger.warning(
                "Cache %s is not used for %.1f s: %s: %s. Pages are served from the database meanwhile.",
                self.name,
                self.retry_after,
                type(error).__name__,
                str(error).rstrip("."),
            )


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(server, *, retry_after=DEFAULT_RETRY_AFTER):
    """The process's breaker for ``server`` (Django makes a cache object per thread; they share it)."""
    with _breakers_lock:
        breaker = _breakers.get(server)
        if breaker is None or breaker.retry_after != retry_after:
            breaker = _breakers[server] = Breaker(_without_password(server), retry_after=retry_after)
        return breaker


def _without_password(server):
    """The server's URL for log lines: ``redis://:secret@host`` must not reach the logs."""
    scheme, _, rest = str(server).partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if rest else scheme


def _guarded(name, when_unavailable):
    """``RedisCache.<name>``, answering ``when_unavailable(*args, **kwargs)`` while Redis is not used."""
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        if not self.breaker.allows():
            return when_unavailable(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as error:
            self.breaker.trip(error)
            return when_unavailable(*args, **kwargs)

    return guarded


def _nothing(*args, **kwargs):
    return False


def _default(key, default=None, *args, **kwargs):
    return default


def _empty(*args, **kwargs):
    return {}


def _all_keys(data, *args, **kwargs):
    return list(data)


def _none_deleted(*args, **kwargs):
    return 0


class ResilientRedisCache(RedisCache):
    """django-redis's cache with a circuit breaker (see the module's docstring)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("RETRY_AFTER", DEFAULT_RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        self._ignore_exceptions = False  # the breaker decides what a failure answers
        self.breaker = breaker_for(server, retry_after=retry_after)

    get = _guarded("get", _default)
    get_many = _guarded("get_many", _empty)
    add = _guarded("add", _nothing)
    set = _guarded("set", _nothing)
    delete = _guarded("delete", _nothing)
    delete_many = _guarded("delete_many", _none_deleted)
    has_key = _guarded("has_key", _nothing)
    touch = _guarded("touch", _nothing)
    _set_many = _guarded("set_many", _all_keys)

    def set_many(self, data, *args, **kwargs):
        """Django's contract: the keys that could not be stored (django-redis answers ``None``)."""
        return self._set_many(data, *args, **kwargs) or []

    def run_script(self, script, keys, args=()):
        """
        Run the Lua ``script`` on the cache ``keys`` (named as for ``get``: the prefix is added
        here) in one atomic call, for what Django's API cannot do in one step (the page cache's
        version clock, ``pagecache.versions``). ``None`` while Redis is not used.
        """
        if not self.breaker.allows():
            return None
        try:
            client = self.client.get_client(write=True)
            return client.eval(script, len(keys), *(self.client.make_key(key) for key in keys), *args)
        except UNREACHABLE as error:
            self.breaker.trip(error)
            return None
