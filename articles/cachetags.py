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
* ``section:<id>``: the section's pages (and a Related News block that may fill from anywhere
  in the section: a story with fewer earlier stories than the block shows).
* ``section:<id>:<day>``: Related News blocks whose fill from the section spans that day (UTC):
  a story going live, changing or coming down moves the tag of the day it was first published,
  so only the story pages whose block it could enter render again, not the whole section's.
* ``topic:<id>``: the topic's page and feed, and the Related News blocks of its stories (which
  prefer stories sharing a topic): a story going live, changing, coming down or being filed
  under the topic or taken off it refreshes them.
* ``article:<id>``: the story's own page and every page that shows it in a block.
* ``ids:<n>``: pages listing stories by id rather than the newest (a page of the articles
  sitemap), by blocks of ``ID_BLOCK`` ids: a story going live or coming down refreshes its block.
"""

import datetime

import pagecache
from articles.models import Article, RelatedArticle

SITE = "site"
LISTING = "listing"
PICKS = "picks"


def article(pk):
    return f"article:{pk}"


def section(pk):
    return f"section:{pk}"


def topic(pk):
    return f"topic:{pk}"


ID_BLOCK = 1000


def id_block(pk):
    return f"ids:{(pk - 1) // ID_BLOCK}"


def for_id_range(first, last):
    """Tags of a page listing the stories with ids from ``first`` to ``last``: every block it covers."""
    return {f"ids:{block}" for block in range((first - 1) // ID_BLOCK, (last - 1) // ID_BLOCK + 1)}


def for_story(story):
    """Tags of a story's own block (its text, photo, bylines, corrections)."""
    return {SITE, article(story.pk)}


def section_day(pk, day):
    return f"section:{pk}:{day.isoformat()}"


# A Related News block whose fill spans more days than this carries its section's tag instead.
MAX_DAYS_PER_BLOCK = 31


def _day(moment):
    return moment.astimezone(datetime.UTC).date()


def for_related_news(story, *, shown, limit, topics=()):
    """
    Tags of a story's Related News (``selectors.related_news``) showing ``shown`` of at most
    ``limit``, for a story filed under ``topics`` (ids): the stories shown, the topics (any
    change to a story of theirs may move the fill), and what could enter its fill from the
    section. A story can only enter that by going live (again) with a first publication between
    the oldest filled story and this one, so the block carries the tags of those days; its
    manual links are refreshed from the other side (``visibility_changed``).
    """
    tags = {SITE, article(story.pk), *(article(s.pk) for s in shown), *(topic(pk) for pk in topics)}
    filled = [s.written_at for s in shown if getattr(s, "manual_position", None) is None]
    if story.written_at is None or len(shown) < limit:
        # A preview fills from the newest; a short block from anything earlier in the section.
        return tags | {section(story.section_id)}
    if not filled:
        return tags  # all manual links: nothing can enter but by a link coming down
    first, last = _day(min(filled)), _day(story.written_at)
    days = (last - first).days + 1
    if days > MAX_DAYS_PER_BLOCK:
        return tags | {section(story.section_id)}
    return tags | {section_day(story.section_id, first + datetime.timedelta(n)) for n in range(days)}


def for_editors_pick(*, shown):
    """Tags of an Editor's Pick block showing ``shown``."""
    return {SITE, PICKS, *(article(s.pk) for s in shown)}


def visibility_changed(*, article_pk, section_pks, schedule_changed=True):
    """A story went live, was updated, came down or was (re)scheduled: after commit, refresh
    its page, its sections' pages, the Related News that could show it (its first publication's
    day in those sections, and the stories that link to it by hand), every listing and the
    pages listing its id; and, if its status, embargo or take-down time changed
    (``schedule_changed``), have the next scheduled change asked again."""
    section_pks = {pk for pk in section_pks if pk}
    tags = [LISTING, article(article_pk), id_block(article_pk), *(section(pk) for pk in section_pks)]
    if schedule_changed:
        tags.append(pagecache.SCHEDULES)
    written_at = Article.objects.filter(pk=article_pk).values_list("written_at", flat=True).first()
    if written_at is not None:
        tags += [section_day(pk, _day(written_at)) for pk in section_pks]
    linking = RelatedArticle.objects.filter(to_article=article_pk).values_list("from_article", flat=True)
    tags += [article(pk) for pk in linking]
    tags += [
        topic(pk)
        for pk in Article.topics.through.objects.filter(article=article_pk).values_list("topic_id", flat=True)
    ]
    pagecache.invalidate_on_commit(*tags)


def topics_changed(*, article_pk, topic_pks):
    """
    A story was filed under topics or taken off them (``topic_pks``: the ones it left and the
    ones it joined), or a topic was renamed: after commit, refresh the story's page (its topic
    links, its Related News) and those topics' pages, feeds and Related News blocks.
    """
    tags = [topic(pk) for pk in topic_pks]
    if article_pk is not None:
        tags.append(article(article_pk))
    pagecache.invalidate_on_commit(*tags)


def audio_changed(*, articles):
    """A recording's title, credit or file changed: refresh the pages and podcast feeds of its stories."""
    pagecache.invalidate_on_commit(LISTING, *(article(story.pk) for story in articles))


def picks_changed():
    """The picks changed (their windows too: the next scheduled change is asked again)."""
    pagecache.invalidate_on_commit(PICKS, pagecache.SCHEDULES)


def site_changed():
    """Sections, bylines, photos or credits changed: every page may show them."""
    pagecache.invalidate_on_commit(SITE)


def photo_shown_differently(*, articles):
    """
    A photo's pages show other files now (its renditions were made): after commit, refresh the
    pages of the stories using it, and every page that may show their cards.
    """
    cards_changed(articles=articles)


def cards_changed(*, articles):
    """
    What these stories' cards show changed (a photo's files, the LIVE label of a live story):
    after commit, refresh their pages and every page that may show their cards (listings, their
    sections, Related News and Editor's Pick blocks through ``article:<id>``, the sitemap's block).
    """
    tags = set()
    for story in articles:
        tags |= {LISTING, article(story.pk), id_block(story.pk), section(story.section_id)}
    pagecache.invalidate_on_commit(*tags)
