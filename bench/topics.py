"""
Topics for the generated newsroom (``manage.py generate_topics``), a step of its own so that it
also fills a newsroom generated before the generator knew of topics: ``make bench`` runs it after
the generator, and it does nothing on a newsroom whose stories already have topics.

Like a real desk's, a few running topics are big and most are small: topic ``n`` of ``TOPICS``
is filed on stories in proportion to ``1 / (n + 1)``; about ``STORY_SHARE`` of the stories have a
topic, a fifth of those a second one. Seeded, so every newsroom gets the same topics.
"""

import random
import time

from django.db import connection, transaction
from django.utils.text import slugify

import pagecache
from articles.cachetags import LISTING, SITE
from articles.models import Article, Topic

ArticleTopic = Article.topics.through

TOPICS = (
    "General election",
    "Cost of living",
    "Climate summit",
    "Storm season",
    "Trade talks",
    "Rail strike",
    "Housing crisis",
    "Harbour expansion",
    "School reform",
    "Health service",
    "Fishing quotas",
    "Energy prices",
    "City budget",
    "Border crossing",
    "Water supply",
    "Museum reopening",
    "Cup final",
    "Olympic bid",
    "Film festival",
    "Space programme",
)
STORY_SHARE = 0.4
SECOND_TOPIC_SHARE = 0.2
BATCH = 5_000


def generate_topics(*, seed=2024, out=None):
    """
    File the newsroom's stories under ``TOPICS`` unless some story already has a topic; returns
    how many links were written (0: there were some already). One transaction; the pages that
    list stories are invalidated on commit.
    """
    if ArticleTopic.objects.exists():
        return 0
    started = time.monotonic()
    rng = random.Random(seed)
    with transaction.atomic():
        topics = [
            Topic.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0].pk for name in TOPICS
        ]
        weights = [1 / (rank + 1) for rank in range(len(topics))]
        links = []
        for article_pk in Article.objects.order_by("pk").values_list("pk", flat=True).iterator():
            if rng.random() >= STORY_SHARE:
                continue
            count = 2 if rng.random() < SECOND_TOPIC_SHARE else 1
            chosen = set(rng.choices(topics, weights, k=count))
            links += [ArticleTopic(article_id=article_pk, topic_id=topic) for topic in chosen]
        ArticleTopic.objects.bulk_create(links, batch_size=BATCH)
        # Every page that lists stories, and every story page (its topics, its Related News).
        pagecache.invalidate_on_commit(SITE, LISTING)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics for the planner, as the generator's
            cursor.execute(f"ANALYZE {connection.ops.quote_name(ArticleTopic._meta.db_table)}")
    if out is not None:
        out.write(f"  topics           {time.monotonic() - started:.1f} s")
    return len(links)
