"""
The version clock: one number that only grows, and the tag versions it hands out.

An invalidation advances the clock and sets each tag it names to the new value; a request reads
the clock before it reads any data. A tag whose version is higher than the clock a request
started with moved while that request rendered, and nothing else did that concerns it: so a page
is refused only when one of its own tags moved, however late in the render it declared the tag
(``store.store_entries``).

That holds only if the clock never goes back and a tag's version never goes down, across every
process sharing the cache, even when the cache drops keys (Redis's LRU, the file cache's cull):

* advancing reads and writes the clock and the tags as one step: a Lua script on Redis (one
  atomic call), a lock elsewhere (a file lock beside the file cache, which processes on one box
  share; a thread lock for the local-memory cache, which no other process sees);
* the value is never below the clock's time in microseconds (Redis's ``TIME`` on Redis, shared
  by every server; the box's clock otherwise), so a clock that was dropped and started again is
  still ahead of every version handed out before;
* a tag is set to the new value only if that is higher than what it has.

Our own code: Django's cache API has no atomic read-modify-write over several keys (``incr`` is
not atomic on the file cache, and cannot take a maximum).
"""

import contextlib
import fcntl
import threading
import time
from pathlib import Path

from django.core.cache.backends.filebased import FileBasedCache

# KEYS[1]: the clock, KEYS[2...]: tag versions. The clock's next value, never below TIME in µs;
# each tag raised to it. Numbers are formatted as integers (Lua's are doubles: exact below 2**53).
_ADVANCE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local value = math.max((tonumber(redis.call('GET', KEYS[1])) or 0) + 1, now)
local text = string.format('%.0f', value)
redis.call('SET', KEYS[1], text)
for i = 2, #KEYS do
  if (tonumber(redis.call('GET', KEYS[i])) or 0) < value then
    redis.call('SET', KEYS[i], text)
  end
end
return text
"""

# KEYS[1]: the clock. Start it at TIME in µs if the cache has none; its value.
_START = """
local time = redis.call('TIME')
redis.call('SET', KEYS[1], string.format('%.0f', tonumber(time[1]) * 1000000 + tonumber(time[2])), 'NX')
return redis.call('GET', KEYS[1])
"""

# KEYS[1]: the clock, KEYS[2...]: versions. Each that has none takes the clock's value.
_SET_TO_CLOCK = """
local value = redis.call('GET', KEYS[1])
if value then
  for i = 2, #KEYS do
    redis.call('SET', KEYS[i], value, 'NX')
  end
end
return value
"""

_thread_lock = threading.Lock()


def _now():
    return time.time_ns() // 1000


def _is_redis(cache):
    return hasattr(cache, "run_script")  # ops.rediscache.ResilientRedisCache


@contextlib.contextmanager
def _locked(cache):
    """Exclusive use of the clock among the threads of this process, and the processes on this box."""
    with _thread_lock:
        if not isinstance(cache, FileBasedCache):
            yield
            return
        lock_path = Path(cache._dir) / "page-cache-clock.lock"  # not a .djcache file: never culled
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def advance(cache, clock_key, tag_keys):
    """
    Advance the clock at ``clock_key`` and raise the versions at ``tag_keys`` to its new value:
    that value, or ``None`` if the cache did not take it.
    """
    if _is_redis(cache):
        value = cache.run_script(_ADVANCE, [clock_key, *tag_keys])
        return None if value is None else int(value)
    with _locked(cache):
        found = cache.get_many([clock_key, *tag_keys])
        value = max(found.get(clock_key, 0) + 1, _now())
        # The clock first: a reader that sees a moved tag and the old clock only refuses a store.
        raised = {clock_key: value, **{key: value for key in tag_keys if found.get(key, 0) < value}}
        if cache.set_many(raised, None):
            return None
    return value


def start(cache, clock_key):
    """The clock's value, started if the cache has none (never advanced, or dropped); ``None`` if
    the cache is away."""
    if _is_redis(cache):
        value = cache.run_script(_START, [clock_key])
        return None if value is None else int(value)
    with _locked(cache):
        cache.add(clock_key, _now(), None)
        return cache.get(clock_key)


def set_to_clock(cache, clock_key, keys):
    """
    Give each version at ``keys`` that has none (never moved, or dropped) the clock's value now:
    at least any it had before it was dropped, and below any later move. The clock stays.
    """
    if _is_redis(cache):
        cache.run_script(_SET_TO_CLOCK, [clock_key, *keys])
        return
    with _locked(cache):
        value = cache.get(clock_key)
        if value is not None:
            for key in keys:
                cache.add(key, value, None)
