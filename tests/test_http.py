"""HTTP rules for aggregators (RFC 9110, 9111): validators, 304, HEAD, encodings, cache headers."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from .conftest import make_app

FEED = "/feed.atom"
PATHS = ["/feed.atom", "/feed.rss", "/feed.json", "/authors/tom-brewster/feed.json", "/tags/cyber-war/feed.rss", "/"]


def test_strong_etag_and_last_modified(client):
    response = client.get(FEED)
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["ETag"])
    # When content/.feedsvc.lock first recorded the content: later than every entry's date.
    assert response.headers["Last-Modified"] == "Mon, 30 Nov 2026 00:47:52 GMT"
    article_feed = client.get("/tags/cyber-war/feed.atom")
    assert article_feed.headers["Last-Modified"] == "Mon, 30 Nov 2026 00:47:52 GMT"


@pytest.mark.parametrize("path", PATHS)
def test_if_none_match_gives_304_with_validators_and_no_body(client, path):
    first = client.get(path)
    etag = first.headers["ETag"]
    for header in (etag, f'"nope", {etag}', "*", f"W/{etag}", f" {etag} "):
        response = client.get(path, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.data == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == first.headers["Cache-Control"]
        assert response.headers["Vary"] == "Accept-Encoding"
        assert "Content-Type" not in response.headers


@pytest.mark.parametrize("header", ['"other"', 'W/"other"', "garbage", '"', ",,,", "x" * 5000])
def test_other_or_malformed_if_none_match_gives_200(client, header):
    response = client.get(FEED, headers={"If-None-Match": header})
    assert response.status_code == 200 and response.data


def test_if_modified_since(client):
    last_modified = client.get(FEED).headers["Last-Modified"]
    assert client.get(FEED, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(FEED, headers={"If-Modified-Since": "Mon, 30 Nov 2026 00:47:51 GMT"}).status_code == 200
    # Unparseable or in the future: ignored.
    for header in ("yesterday", "Fri, 01 Jan 2100 00:00:00 GMT", "", "Mon, 99 Foo 2026 99:99:99 GMT"):
        assert client.get(FEED, headers={"If-Modified-Since": header}).status_code == 200, header


def test_if_none_match_takes_precedence(client):
    last_modified = client.get(FEED).headers["Last-Modified"]
    response = client.get(FEED, headers={"If-None-Match": '"stale"', "If-Modified-Since": last_modified})
    assert response.status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_head_has_the_headers_of_get(client, path):
    for encoding in ("", "gzip", "br"):
        get = client.get(path, headers={"Accept-Encoding": encoding})
        head = client.head(path, headers={"Accept-Encoding": encoding})
        assert head.status_code == 200 and head.data == b""
        assert dict(head.headers) == dict(get.headers)


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        (None, None),
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("*", "br"),
        ("*;q=0.1, identity", None),
        ("deflate", None),
        ("GZIP", "gzip"),
        ("gzip;q=nonsense, br", "br"),
        (";;;,,=", None),
    ],
)
def test_content_coding_negotiation(client, accept, coding):
    identity = client.get(FEED).data
    response = client.get(FEED, headers={"Accept-Encoding": accept} if accept is not None else {})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == coding
    assert response.headers["Vary"] == "Accept-Encoding"
    decoded = {None: lambda b: b, "gzip": gzip.decompress, "br": brotli.decompress}[coding](response.data)
    assert decoded == identity
    assert int(response.headers["Content-Length"]) == len(response.data)


@pytest.mark.parametrize("accept", ["identity;q=0", "*;q=0", "gzip;q=0, identity;q=0, br;q=0"])
def test_nothing_acceptable_is_406(client, accept):
    response = client.get(FEED, headers={"Accept-Encoding": accept})
    assert response.status_code == 406


def test_each_variant_has_its_own_etag_and_304(client):
    etags = {}
    for coding in ("identity", "gzip", "br"):
        response = client.get(FEED, headers={"Accept-Encoding": coding})
        etags[coding] = response.headers["ETag"]
        again = client.get(FEED, headers={"Accept-Encoding": coding, "If-None-Match": etags[coding]})
        assert again.status_code == 304 and again.headers["ETag"] == etags[coding]
    assert len(set(etags.values())) == 3
    assert etags["gzip"] == etags["identity"][:-1] + '-gzip"'


def test_variants_are_precomputed(app):
    catalog = app.extensions["feedsvc"].catalog_for({})
    resource = catalog.get(FEED)
    assert set(resource.variants) == {"identity", "gzip", "br"}
    assert catalog.get(FEED) is resource  # the same object on every request


def test_cache_control_and_ttl_follow_configuration():
    client = make_app(MAX_AGE=120, STALE_WHILE_REVALIDATE=30, STALE_IF_ERROR=3600).test_client()
    response = client.get("/feed.rss")
    assert response.headers["Cache-Control"] == "public, max-age=120, stale-while-revalidate=30, stale-if-error=3600"
    assert b"<ttl>2</ttl>" in response.data


def test_default_cache_control(client):
    assert (
        client.get(FEED).headers["Cache-Control"]
        == "public, max-age=300, stale-while-revalidate=60, stale-if-error=86400"
    )
    assert client.get("/").headers["Cache-Control"].startswith("public, max-age=300")
    assert b"<ttl>5</ttl>" in client.get("/feed.rss").data


@pytest.mark.parametrize("path", PATHS[:5])
def test_feeds_allow_cross_origin_reads(client, path):
    response = client.get(path)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/", "/articles/icspa-launched-to-fight-global-cyber-crime", "/feeds", "/nope", "/healthz"]
)
def test_nosniff_everywhere_and_security_headers_on_html(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if response.mimetype == "text/html":
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self';" in csp and "connect-src 'self';" in csp  # our copy button; robots.txt fetches
        # Only the players the sanitiser keeps may be framed (sanitise.py).
        assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com;" in csp
        assert response.headers["Referrer-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_methods(client):
    options = client.options(FEED)
    assert options.status_code == 204 and options.headers["Allow"] == "GET, HEAD, OPTIONS"
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)(FEED)
        assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert client.open(FEED, method="BREW").status_code == 405


def test_websub_link_headers_when_hubs_are_configured(tmp_path):
    # Closed loopback ports: the background publisher fails fast and quietly.
    hubs = "http://127.0.0.1:9/ http://127.0.0.1:9/hub"
    client = make_app(WEBSUB_HUBS=hubs, WEBSUB_ATTEMPTS=1, STATE_DIR=str(tmp_path)).test_client()
    links = client.get("/authors/tom-brewster/feed.rss").headers["Link"]
    assert '<http://127.0.0.1:9/>; rel="hub"' in links
    assert '<http://127.0.0.1:9/hub>; rel="hub"' in links
    assert '<https://news.example.org/authors/tom-brewster/feed.rss>; rel="self"' in links


def test_no_link_header_without_hubs(client):
    assert "Link" not in client.get(FEED).headers
