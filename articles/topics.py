"""
Filing stories under topics: the one write of ``Article.topics``.

Topics are the desk's filing rather than the story's text, so they are not part of its revisions:
a change shows at once (as a pick does) and refreshes, after commit, the pages it moves: the
story's own, and the pages, feeds and Related News blocks of the topics it joined or left.
"""

from django.db import transaction

from articles import cachetags


@transaction.atomic
def article_set_topics(*, article, topics):
    """File ``article`` under exactly ``topics``; returns the ids of the topics it joined or left."""
    before = set(article.topics.values_list("pk", flat=True))
    after = {topic.pk for topic in topics}
    if before != after:
        article.topics.set(after)
        cachetags.topics_changed(article_pk=article.pk, topic_pks=before ^ after)
    return before ^ after
