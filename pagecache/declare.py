"""What a view tells the page cache: the tags its page shows, and the query parameters it reads."""

import functools

# Response attribute a view's tags are collected on.
TAGS_ATTRIBUTE = "cache_tags"
# View attribute naming the query parameters the view reads (see ``pagecache.keys``).
PARAMS_ATTRIBUTE = "page_cache_params"
# Request attribute the tags of what a page's templates rendered are collected on.
RENDERED_TAGS_ATTRIBUTE = "page_cache_rendered_tags"


def tag(response, *tags):
    """Declare what ``response`` shows; only tagged responses are cached."""
    existing = getattr(response, TAGS_ATTRIBUTE, set())
    setattr(response, TAGS_ATTRIBUTE, existing | {str(t) for t in tags})
    return response


def tag_request(request, *tags):
    """
    Declare what a part of ``request``'s page shows, from a template tag that renders it on
    every page without the view knowing (the breaking-news banner). The page cache adds these
    ``tags`` to those the view gave its response; a response no view tagged stays unkept.
    """
    existing = getattr(request, RENDERED_TAGS_ATTRIBUTE, set())
    setattr(request, RENDERED_TAGS_ATTRIBUTE, existing | {str(t) for t in tags})


def add_rendered_tags(request, response):
    """Add the tags declared with :func:`tag_request` to ``response``, if its view tagged it."""
    rendered = getattr(request, RENDERED_TAGS_ATTRIBUTE, None)
    if rendered and getattr(response, TAGS_ATTRIBUTE, None):
        tag(response, *rendered)
    return response


def uses_params(*names):
    """
    Decorate a view that reads the query parameters ``names`` (none: it reads no query string).
    Its pages are kept per value of those alone, and it is shown no others: nothing else in a
    query string can make a new entry, or be written into a page that other readers get.
    """

    def decorator(view):
        setattr(view, PARAMS_ATTRIBUTE, tuple(sorted(set(names))))
        return view

    return decorator


def tagged(view, *tags, params=None):
    """
    Wrap a view someone else wrote (a sitemap, say) so that its pages carry ``tags``; ``params``
    are the query parameters it reads (as :func:`uses_params`).
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return tag(view(request, *args, **kwargs), *tags)

    return wrapper if params is None else uses_params(*params)(wrapper)


def declared_params(view):
    """The query parameters ``view`` reads, or ``None`` if it never said."""
    return getattr(view, PARAMS_ATTRIBUTE, None)
