"""What a page's templates declare on the request (pagecache.tag_request) joins its view's tags."""

from django.http import HttpResponse
from django.test import RequestFactory

from pagecache import tag, tag_request
from pagecache.declare import TAGS_ATTRIBUTE, add_rendered_tags


def test_rendered_tags_join_the_tags_of_a_tagged_page():
    request = RequestFactory().get("/")
    tag_request(request, "banner:site")
    tag_request(request, "article:3")

    response = add_rendered_tags(request, tag(HttpResponse(), "site"))

    assert getattr(response, TAGS_ATTRIBUTE) == {"site", "banner:site", "article:3"}


def test_rendered_tags_never_make_an_untagged_page_kept():
    request = RequestFactory().get("/")
    tag_request(request, "banner:site")

    response = add_rendered_tags(request, HttpResponse())

    assert not hasattr(response, TAGS_ATTRIBUTE)
