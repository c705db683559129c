"""
Reader queries: every page, block and feed the public sees is shaped here, on top of
``Article.objects.published()``.
"""

from django.db.models import Prefetch

from articles.models import Article, ArticleAuthor


def _with_card_relations(queryset):
    return queryset.select_related("section", "lead_photo__credit").prefetch_related(
        Prefetch("bylines", queryset=ArticleAuthor.objects.select_related("author"))
    )


def article_list(*, section=None, author=None):
    """Published stories, newest first, ready to render as cards."""
    articles = Article.objects.published()
    if section is not None:
        articles = articles.filter(section=section)
    if author is not None:
        articles = articles.filter(authors=author)
    return _with_card_relations(articles.newest_first())


def article_detail(*, slug):
    """The article with this slug whatever its status; the view decides 404 or 410."""
    return (
        Article.objects.select_related("section", "lead_photo__credit")
        .prefetch_related("authors")
        .filter(slug=slug)
        .first()
    )
