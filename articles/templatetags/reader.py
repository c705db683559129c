"""Template tags for the reader site's shared chrome: the site's name and the section menu."""

from urllib.parse import quote, urlencode, urljoin

from django import template
from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import cachetags, cards, selectors
from pagecache import kept_in_process

register = template.Library()


@register.simple_tag
def site_name():
    """The reader-facing name of the site (``settings.NEWSROOM_SITE_NAME``)."""
    return settings.NEWSROOM_SITE_NAME


@register.filter
def datetime_attr(value):
    """
    ``{{ article.written_at|datetime_attr }}``: the value for a ``<time datetime>`` attribute,
    ISO 8601 in the site's zone to the second (``2026-04-09T17:05:31+09:00``).

    Django's ``date:'c'`` keeps microseconds, and HTML allows at most three digits of a second's
    fraction, so every time element on the site goes through this one filter.
    """
    if not value:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@register.simple_tag
def site_logo_url():
    """
    The header logo's address: ``settings.NEWSROOM_LOGO``, a static file's path (the SVG in
    static/img/ by default) or a full address of a logo served elsewhere.
    """
    logo = settings.NEWSROOM_LOGO
    return logo if "://" in logo or logo.startswith("/") else static(logo)


@register.simple_tag(takes_context=True)
def section_menu(context):
    """
    The navigation listing every section, for the header of every page (404 included): the
    section bar and the Menu, with the page's section marked (``aria-current``).

    It is a tag rather than view context so that error pages rendered by Django's own handlers
    get the same menu; it reads through ``selectors`` like the views do (one query). Each process
    keeps it, one per marked section, until a section changes (``pagecache.memo``: the "site"
    tag, which every reader page carries too), with the page cache on or off: read and rendered
    on every page, it cost more than a story's own text.
    """
    current, current_kind = _current_section(context)

    def render():
        # The items are the same in both lists: rendered once.
        links = render_to_string(
            "includes/section_links.html",
            {"sections": selectors.section_list(), "current": current, "current_kind": current_kind},
        )
        return render_to_string("includes/section_menu.html", {"links": mark_safe(links)})

    return kept_in_process(f"section-menu:{current_kind}:{current}", [cachetags.SITE], render)


def _current_section(context):
    """
    ``(slug, kind)`` of what the page is in: a section's own page ("page"), one of its stories
    ("true"), the home page (``""``, "page"), or ``(None, "")`` for any other page.
    """
    section, article = context.get("section"), context.get("article")
    if getattr(section, "slug", None) and not article:
        return section.slug, "page"
    if getattr(article, "section", None) is not None:
        return article.section.slug, "true"
    request = context.get("request")
    if request is not None and request.path == reverse("articles:home"):
        return "", "page"
    return None, ""


# The card's template is Jinja2's (articles/jinja2.py): a front page renders sixty of them.
CARD_TEMPLATE = "includes/article_card.html"


@register.simple_tag
def article_card(story, heading=3, variant="", eager=False, hide_section=False):
    """
    ``{% article_card story heading=2 variant="compact" %}``: one story in a list. ``story`` is a
    card (``selectors`` lists read them) or an ``Article`` with its section, lead photo, credit
    and live coverage joined (``cards.as_card``). ``variant`` is "", "lead" or "compact";
    ``eager`` for the one photo above the fold; ``hide_section`` leaves out the section label.
    """
    context = {
        "card": cards.as_card(story),
        "heading": heading,
        "variant": variant,
        "eager": eager,
        "hide_section": hide_section,
    }
    # Escaped by Jinja2's autoescape as it renders: marked safe for Django's template.
    return mark_safe(engines["jinja2"].get_template(CARD_TEMPLATE).render(context))


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """``path`` as a full address on the host the page was asked for (canonical, Open Graph)."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def page_href(context, number, absolute=False):
    """
    The address of page ``number`` of the listing being shown. Page 1 has no ``?page=`` so that
    it has one address, and other query parameters are dropped for the same reason.
    """
    request = context["request"]
    number = int(number)
    href = request.path if number == 1 else f"{request.path}?page={number}"
    return request.build_absolute_uri(href) if absolute else href


# Share links are plain addresses of each service's own share page: no script, widget or
# cookie of theirs on our pages, and nothing is sent to them unless the reader follows one.
SHARE_SERVICES = (
    ("E-mail", "mailto:?{}", lambda url, title: {"subject": title, "body": url}),
    ("X", "https://x.com/intent/post?{}", lambda url, title: {"url": url, "text": title}),
    ("Facebook", "https://www.facebook.com/sharer/sharer.php?{}", lambda url, title: {"u": url}),
    ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?{}", lambda url, title: {"url": url}),
    ("WhatsApp", "https://wa.me/?{}", lambda url, title: {"text": f"{title} {url}"}),
    ("LINE", "https://social-plugins.line.me/lineit/share?{}", lambda url, title: {"url": url}),
)


@register.inclusion_tag("includes/share.html")
def share_links(article):
    """
    The share bar of a story: ``links`` as ``[(service, href)]`` and the story's ``url``, full
    on ``settings.SITE_URL`` (the story's block is kept once for every host it is asked on).
    """
    url = urljoin(settings.SITE_URL, article.get_absolute_url())
    links = [
        (name, template.format(urlencode(params(url, article.headline), quote_via=quote)))
        for name, template, params in SHARE_SERVICES
    ]
    return {"links": links, "url": url, "title": article.headline}
