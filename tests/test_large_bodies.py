"""Large documents cost neither start-up time nor a copy per slow client.

A multi-megabyte article sits in every feed and page that lists it. Compressing
all of them at start-up held the port for a minute (``http.prepare`` now compresses
a body when a client first asks for that coding, and warming makes only small ones ahead), and a body handed to the
server whole was copied into every connection at once (``fastpath`` now hands it
over in chunks).
"""

from __future__ import annotations

import gzip
import time

import brotli

from feedsvc.fastpath import CHUNK, LARGE_STREAMS, STREAM_OVER, FastPath
from feedsvc.http import FAST_FROM, LARGE_BODY, complete, compress, prepare

from .conftest import make_app, write_article

BIG = ("word " * (3 * 2**20 // 5)).encode()  # 3 MB of text


def test_a_large_body_is_compressed_on_first_request_not_when_prepared():
    started = time.perf_counter()
    resource = prepare(BIG, "text/html")
    assert time.perf_counter() - started < 0.5
    assert resource.codings == ("identity", "br", "gzip")
    assert set(resource.variants) == {"identity"}  # nothing compressed yet
    assert gzip.decompress(resource.variants["gzip"].body) == BIG
    assert brotli.decompress(resource.variants["br"].body) == BIG
    again = prepare(BIG, "text/html")
    assert again.variants["gzip"].body == resource.variants["gzip"].body  # same bytes on every host
    assert again.variants["br"].etag == resource.variants["br"].etag


def test_a_small_body_is_compressed_when_first_asked_for_or_when_completed():
    resource = prepare(b"x" * (LARGE_BODY // 2), "text/html")
    assert set(resource.variants) == {"identity"}  # a first request waits for its own coding only
    assert gzip.decompress(resource.variants["gzip"].body) == b"x" * (LARGE_BODY // 2)
    assert set(resource.variants) == {"identity", "gzip"}
    assert set(complete(resource).variants) == {"identity", "br", "gzip"}  # warmed documents: all at once
    assert set(complete(prepare(BIG, "text/html")).variants) == {"identity"}  # but a large one, still on demand


def test_a_site_with_a_large_article_starts_quickly_and_streams_it(content_copy):
    write_article(content_copy, "huge", 5, body="Lots of words. " * (3 * 2**20 // 15))
    started = time.monotonic()
    app = make_app(content_copy)
    assert time.monotonic() - started < 10  # was over a minute with every document compressed at start-up
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/articles/huge", "SERVER_PROTOCOL": "HTTP/1.0"}
    client = app.test_client()
    body = client.get("/articles/huge", headers={"Accept-Encoding": "gzip"}).data
    assert len(gzip.decompress(body)) > STREAM_OVER
    service = app.extensions["feedsvc"]
    fast = FastPath(lambda *a: [], service)
    answer = fast({**environ, "wsgi.url_scheme": "http"}, lambda *a: None)
    chunks = list(answer)
    answer.close()
    assert len(chunks) > 1 and all(len(chunk) <= CHUNK for chunk in chunks)
    assert b"".join(chunks) == client.get("/articles/huge").data

    # Clients that do not read hold a place each; past LARGE_STREAMS the next gets a 503, and the
    # small answers every other client needs go on.
    statuses: list[str] = []
    held = [fast({**environ, "wsgi.url_scheme": "http"}, lambda s, h: statuses.append(s)) for _ in range(LARGE_STREAMS)]
    refused = fast({**environ, "wsgi.url_scheme": "http"}, lambda s, h: statuses.append(s))
    assert statuses[-1].startswith("503") and statuses[:-1] == ["200 OK"] * LARGE_STREAMS
    assert dict(client.get("/feeds").headers) and client.get("/healthz").status_code == 200
    for answer in held:
        answer.close()
    assert client.get("/articles/huge").status_code == 200
    del refused


def test_a_body_not_built_yet_is_compressed_fast_past_fast_from_and_small_below():
    small, feed_page = b"<entry>words</entry>" * 1000, b"<entry>other words</entry>" * 8000
    assert len(small) < FAST_FROM <= len(feed_page)
    assert compress(small, "gzip") == gzip.compress(small, compresslevel=9, mtime=0)
    assert compress(small, "br") == brotli.compress(small, quality=10)
    assert compress(feed_page, "gzip") == gzip.compress(feed_page, compresslevel=6, mtime=0)
    assert compress(feed_page, "br") == brotli.compress(feed_page, quality=6)
