"""Reader pages. Readers never change state: these views only read through ``selectors``."""

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render

from articles import selectors
from articles.models import Author, Section


def home(request):
    """The front page: the latest published stories."""
    return render(request, "articles/home.html", {"articles": selectors.article_list()[:20]})


def section_detail(request, section_slug):
    section = get_object_or_404(Section, slug=section_slug)
    articles = selectors.article_list(section=section)[:20]
    return render(request, "articles/section.html", {"section": section, "articles": articles})


def author_detail(request, author_slug):
    author = get_object_or_404(Author, slug=author_slug)
    articles = selectors.article_list(author=author)[:20]
    return render(request, "articles/author.html", {"author": author, "articles": articles})


def article_detail(request, section_slug, year, month, day, slug):
    """One published story; any other address of it (old section, wrong date) redirects."""
    article = selectors.article_detail(slug=slug)
    if article is None or not article.is_published:
        raise Http404("No such story.")
    if request.path != article.get_absolute_url():
        return HttpResponsePermanentRedirect(article.get_absolute_url())
    return render(request, "articles/article.html", {"article": article})
