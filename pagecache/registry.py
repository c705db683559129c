"""
What the page cache needs to know from the apps whose pages it keeps. The apps register it from
their ``AppConfig.ready()``; the cache imports none of them.
"""


class Schedules:
    """
    The moments at which what readers see changes by the clock alone (an embargo lifting, a
    take-down time, an Editor's Pick starting or ending). Each app with such moments registers a
    function ``next_change(*, now)`` answering the first one after ``now``, or ``None``. Nothing
    is kept past the earliest of them; with none registered, nothing changes by the clock.

    The answer is remembered until the tag ``pagecache.SCHEDULES`` moves: a change to any such
    moment (a story scheduled, a pick's or a banner's window) invalidates it with its own tags.
    """

    def __init__(self, *functions):
        self._functions = list(functions)

    def register(self, function):
        if function not in self._functions:  # ready() may run twice (tests, some commands)
            self._functions.append(function)
        return function

    def next_change(self, *, now):
        moments = (function(now=now) for function in self._functions)
        return min((moment for moment in moments if moment is not None), default=None)


schedules = Schedules()
