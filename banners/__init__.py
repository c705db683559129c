"""
The breaking-news banner: a short line of text linking to a story, shown at the top of reader
pages from its start until its expiry, site-wide or on one section's pages and stories.

* ``models``: ``Banner`` (one at a time per scope, held by a database constraint) and its audit
  trail ``BannerEvent``, which outlives it.
* ``services``: the only way a banner is set, changed or ended (permission, lock, audit event,
  page cache refresh on commit).
* ``selectors``: what a page shows, and the next moment that changes by the clock alone.
* ``templatetags.banners``: ``{% breaking_news %}`` in ``base.html``.
"""
