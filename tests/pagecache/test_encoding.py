"""Content codings: what a request takes, the page cache keeping every coding, and the rest compressed."""

import gzip
from unittest import mock

import brotli
import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from pagecache import encoding, middleware
from tests.pagecache import urls

pytestmark = pytest.mark.django_db

BROWSER = "gzip, deflate, br, zstd"


def decoded(response):
    decode = {"br": brotli.decompress, "gzip": gzip.decompress}.get(response.get("Content-Encoding"), bytes)
    return decode(response.content)


def vary(response):
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        (BROWSER, "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0.5, gzip", "gzip"),  # q-values decide, not the order
        ("gzip;q=0.8, br;q=0.8", "br"),  # a tie: brotli
        ("GZIP", "gzip"),
        ("x-gzip", "gzip"),
        ("*", "br"),
        ("*;q=0.5, br;q=0", "gzip"),
        ("br;q=0, gzip;q=0", "identity"),
        ("gzip;q=0.5, identity", "identity"),  # identity explicitly preferred
        ("identity", "identity"),
        ("deflate", "identity"),
        ("", "identity"),
        ("gzip;q=nonsense, br;q=2", "identity"),  # unreadable or out of range: not accepted
        (" , ;q=1, br ;q=0.3 ", "br"),
    ],
)
def test_negotiate(accept_encoding, coding):
    assert encoding.negotiate(accept_encoding) == coding


@pytest.mark.parametrize(
    ("content_type", "length", "expected"),
    [
        ("text/html; charset=utf-8", 500, True),
        ("application/rss+xml; charset=utf-8", 500, True),
        ("application/xml", 500, True),
        ("application/json", 500, True),
        ("text/plain", 199, False),  # too short to gain anything
        ("image/jpeg", 5000, False),
    ],
)
def test_compressible(content_type, length, expected):
    assert encoding.compressible(HttpResponse(b"x" * length, content_type=content_type)) is expected


def test_already_encoded_responses_are_left_alone():
    response = HttpResponse(b"x" * 500, content_type="text/html")
    response["Content-Encoding"] = "gzip"
    assert not encoding.compressible(response)


@pytest.mark.parametrize("url", ["/article/a/", "/article/a/?untagged=1"])
def test_each_coding_gets_its_bytes_and_all_decode_to_the_same_page(client, url):
    plain, gzipped, brotlied = (
        client.get(url, HTTP_ACCEPT_ENCODING=accept) for accept in ("", "gzip, deflate", BROWSER)
    )

    assert "Content-Encoding" not in plain
    assert gzipped["Content-Encoding"] == "gzip"
    assert brotlied["Content-Encoding"] == "br"
    assert len(brotlied.content) < len(plain.content) / 3
    assert decoded(gzipped) == decoded(brotlied) == plain.content
    assert plain.content.startswith(b"<!doctype html>")
    for response in (plain, gzipped, brotlied):
        assert vary(response) == {"accept-encoding"}
        assert int(response["Content-Length"]) == len(response.content)
    # One ETag per coding: a cache never answers a gzip client's If-None-Match with brotli.
    assert len({plain["ETag"], gzipped["ETag"], brotlied["ETag"]}) == 3


def test_the_page_is_compressed_once_when_stored_and_never_on_a_hit(client):
    with mock.patch.object(encoding.brotli, "compress", wraps=brotli.compress) as compress:
        stored = client.get("/article/a/", HTTP_ACCEPT_ENCODING="gzip")
        assert compress.call_count == 1  # every coding is made when the page is stored

    with (
        mock.patch.object(encoding.brotli, "compress") as compress_br,
        mock.patch.object(encoding, "compress_string") as compress_gzip,
    ):
        hits = [client.get("/article/a/", HTTP_ACCEPT_ENCODING=accept) for accept in (BROWSER, "gzip", "")]

    assert [hit["X-Page-Cache"] for hit in hits] == ["HIT"] * 3
    compress_br.assert_not_called()
    compress_gzip.assert_not_called()
    assert hits[1].content == stored.content
    assert decoded(hits[0]) == decoded(hits[1]) == hits[2].content
    assert urls.RENDERS == ["a"]


def test_a_hit_in_any_coding_is_one_round_trip_once_read(client):
    client.get("/article/a/", HTTP_ACCEPT_ENCODING="gzip")
    client.get("/article/a/", HTTP_ACCEPT_ENCODING="br")

    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert client.get("/article/a/", HTTP_ACCEPT_ENCODING="br")["X-Page-Cache"] == "HIT"

    get_many.assert_called_once()


def test_conditional_requests_for_a_cached_compressed_page_are_304s(client, django_assert_num_queries):
    etag = client.get("/article/a/", HTTP_ACCEPT_ENCODING="br")["ETag"]

    with django_assert_num_queries(0):
        response = client.get("/article/a/", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert "accept-encoding" in vary(response)
    # The brotli copy's ETag does not validate a gzip client's copy.
    assert client.get("/article/a/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_short_pages_are_kept_and_sent_as_they_are(client):
    client.get("/tagged/a/", HTTP_ACCEPT_ENCODING="br")

    response = client.get("/tagged/a/", HTTP_ACCEPT_ENCODING="br")

    assert response["X-Page-Cache"] == "HIT"
    assert "Content-Encoding" not in response
    assert response.content == b"page a #1"


def test_a_views_own_etag_differs_per_coding():
    def view(request):
        response = HttpResponse(b"<p>story</p>" * 50, content_type="text/html")
        response["ETag"] = '"v1"'
        return response

    compress = middleware.CompressionMiddleware(view)
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")

    assert compress(request)["ETag"] == '"v1-gzip"'


def test_responses_that_handed_out_a_csrf_token_are_never_compressed():
    """BREACH: such a response holds a secret and may reflect what the request sent."""

    def view(request):
        from django.middleware.csrf import get_token

        return HttpResponse(f"<form><input value='{get_token(request)}'></form>".encode() * 20)

    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="br")
    response = middleware.CompressionMiddleware(view)(request)

    assert "Content-Encoding" not in response
    assert b"<form>" in response.content

