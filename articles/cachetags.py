"""
What a reader page shows, as cache tags, and which tags a change refreshes.

Views tag their responses, and the blocks they keep, with these names (``pagecache``
``tag`` and ``cached_blocks``); the workflow, the curation service and the admin call the
``*_changed`` functions inside their transaction: the purge is recorded with the change and
done once it commits (``pagecache.invalidate_on_commit``).
One module, so that what a page declares and what a change invalidates cannot drift apart.

* ``site``: every page (section menu, photos and credits, bylines). Rare, global edits.
* ``listing``: every page that lists the newest stories (home, archives, search, author pages,
  feeds, sitemaps): any story going live or coming down refreshes them.
* ``picks``: every page with an Editor's Pick block.
* ``section:<id>``: the section's pages, and article pages whose Related News fills from it.
* ``article:<id>``: the story's own page and every page that shows it in a block.
* ``ids:<n>``: pages listing stories by id rather than the newest (a page of the articles
  sitemap), by blocks of ``ID_BLOCK`` ids: a story going live or coming down refreshes its block.
"""

import pagecache

SITE = "site"
LISTING = "listing"
PICKS = "picks"


def article(pk):
    return f"article:{pk}"


def section(pk):
    return f"section:{pk}"


ID_BLOCK = 1000


def id_block(pk):
    return f"ids:{(pk - 1) // ID_BLOCK}"


def for_id_range(first, last):
    """Tags of a page listing the stories with ids from ``first`` to ``last``: every block it covers."""
    return {f"ids:{block}" for block in range((first - 1) // ID_BLOCK, (last - 1) // ID_BLOCK + 1)}


def for_story(story):
    """Tags of a story's own block (its text, photo, bylines, corrections)."""
    return {SITE, article(story.pk)}


def for_related_news(story, *, shown):
    """Tags of a story's Related News: its manual links, its section's newest, ``shown``."""
    return {SITE, article(story.pk), section(story.section_id), *(article(s.pk) for s in shown)}


def for_editors_pick(*, shown):
    """Tags of an Editor's Pick block showing ``shown``."""
    return {SITE, PICKS, *(article(s.pk) for s in shown)}


def visibility_changed(*, article_pk, section_pks):
    """A story went live, was updated, came down or was (re)scheduled: after commit, refresh
    its page, its sections' pages, every listing and the pages listing its id (the next
    scheduled change is recomputed after any invalidation)."""
    tags = [LISTING, article(article_pk), id_block(article_pk), *(section(pk) for pk in section_pks if pk)]
    pagecache.invalidate_on_commit(*tags)


def picks_changed():
    pagecache.invalidate_on_commit(PICKS)


def site_changed():
    """Sections, bylines, photos or credits changed: every page may show them."""
    pagecache.invalidate_on_commit(SITE)
