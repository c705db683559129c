"""
Full-page cache for anonymous readers, with exact invalidation by tags.

Readers outnumber editors by orders of magnitude, and every anonymous reader gets the same bytes
for a page (see the ``consent`` app), so a whole rendered page can be kept and served again
without touching the database. The hard part is never serving a page that shows something that
has changed. The design:

* A view says what its page shows by calling :func:`tag` with cache tags (for example
  ``article:12``, ``section:3``, ``picks``). Only tagged responses are stored, so a page nobody
  thought about is never cached by accident.
  A template tag that renders a part of every page (the breaking-news banner) declares its
  tags on the request (:func:`tag_request`); they are added to those of a page its view tagged.
* A view says which query parameters it reads with :func:`uses_params` (``tagged(view, ...,
  params=...)`` for a view someone else wrote). A page is kept under its address with those
  parameters alone, in a fixed order, and the view is shown only them: ``?page=2&utm_source=x``
  is ``?page=2``, and ``?junk=1``, ``?junk=2`` are the bare page, never new entries. A view that
  declares nothing is kept at its bare address only (``pagecache.keys``).
* Each tag has a *version* token in the cache. A stored page remembers the versions of its tags
  when it was rendered, and is served only while none of them has moved. :func:`invalidate`
  moves the tags (a new random token each), so every page that showed a changed thing is
  refreshed on its next request, in every process sharing the cache: Redis in production, a
  file cache under ``var/`` on one server without it (see the README). The application calls it
  after commit only (:func:`invalidate_on_commit`), so a rolled-back change invalidates nothing
  and a reader never gets a page rendered from uncommitted data; the purge is recorded in the
  database with the change and retried until it lands, even across a cache outage or a crash
  (``purges``).
* A hit costs one cache round trip: each process remembers which tags a page had the last time
  it saw it (the most recently used pages), and asks for the page and those tags' versions
  together (if the page's tags have changed since, a second ``get_many`` reads the others).
* Tag versions come from one *version clock* that only grows (``versions``): an invalidation
  advances it and sets the tags it names to its new value, in one step. A request reads the
  clock before it reads any data (:func:`started`: on a miss, from the same round trip that
  looked for the page), and when its page or block is stored, the versions of the tags it
  declared are read again: if any of them is above that clock, the thing it names changed while
  it was rendered (the page may show it as it was), so it is not stored. A change to anything
  else never costs a store, and a tag declared late in the render is checked like the others.
  A version the cache lost counts as unmoved only if the clock has not moved since the request
  started; a clock the cache lost starts again from the time, above every version handed out.
* A page or block is kept for ``NEWSROOM_PAGE_CACHE_TTL`` seconds at most, and never past the
  first moment after its request started at which visibility changes by the clock alone (a story
  going live or coming down, an Editor's Pick starting or ending), which the apps showing such
  things tell the cache through :mod:`pagecache.registry`. That moment is remembered until a
  schedule changes: the workflow and the picks move the ``SCHEDULES`` tag when they change one.
* Only GET/HEAD requests without a session cookie are served from or stored in the cache; staff
  (logged in), previews and the admin always get a fresh page. Responses that set a cookie or vary
  on it are never stored.
* Each page carries ``Last-Modified`` (when it was rendered); Django's ``ConditionalGetMiddleware``,
  outside this one, adds the ``ETag`` and answers conditional requests, so a conditional request
  for a cached page gets a 304 without any SQL query.
* Parts of pages are kept the same way (:func:`cached_blocks`): a page that has to be rendered
  (its tags moved, or a logged-in editor asked) reuses the blocks whose tags did not move. One
  story published in a section refreshes every page whose Related News fills from it, and those
  pages then re-render that block alone, not the story they are about or the Editor's Pick.

The HTTP caching headers for shared caches (``Cache-Control: public, max-age, s-maxage,
stale-while-revalidate, stale-if-error``) are set by the middleware too, for every response it
would store, so nginx or a CDN in front can hold pages for ``s-maxage`` seconds (one) and keep
serving a stale copy while it refreshes or when the application is down. A 404 or 410 on a
reader's request gets the same headers, so that those caches store it over the page they hold
(see ``middleware``).

Small parts every page shows (the section menu) are kept in each process's memory under the
versions of their tags, with the page cache on or off (:func:`kept_in_process`, ``memo``).

Modules: ``declare`` (what views say), ``keys`` (the address a page is kept under), ``store``
(tag versions, entries), ``versions`` (the version clock), ``purges`` (the outbox of
invalidations), ``blocks``, ``memo``, ``middleware``, ``registry``.
"""

from pagecache.blocks import cached_blocks
from pagecache.declare import tag, tag_request, tagged, uses_params
from pagecache.memo import kept_in_process
from pagecache.store import SCHEDULES, Start, invalidate, started


def invalidate_on_commit(*tags):
    """Refresh what shows ``tags`` once the current transaction commits, come what may (``purges``)."""
    from pagecache import purges  # its model cannot be imported before the apps are loaded

    purges.invalidate_on_commit(*tags)


__all__ = [
    "SCHEDULES",
    "Start",
    "cached_blocks",
    "invalidate",
    "invalidate_on_commit",
    "kept_in_process",
    "started",
    "tag",
    "tag_request",
    "tagged",
    "uses_params",
]
