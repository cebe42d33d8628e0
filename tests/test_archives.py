"""RFC 5005 feed paging and archiving: an aggregator that was away recovers every entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import feedparser
import pytest
from lxml import etree

from feedsvc.reader import read_content

from .conftest import SITE_URL, make_app, write_article
from .feedhelpers import NS

# fixture 6 articles + 2 bios + 23 bulk articles = 31 entries, 5 per document
TOTAL = 31


def _links(client, url, fmt):
    data = client.get(url.removeprefix(SITE_URL)).data
    if fmt == "json":
        feed = json.loads(data)
        return feed, {"next": feed.get("next_url")}, [item["id"] for item in feed["items"]]
    root = etree.fromstring(data)
    scope = root if fmt == "atom" else root.find("channel")
    links = {link.get("rel"): link.get("href") for link in scope.findall("a:link", NS)}
    ids = [e.findtext("a:id", namespaces=NS) for e in root.findall("a:entry", NS)] or [
        i.findtext("guid") for i in root.iter("item")
    ]
    return root, links, ids


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_walking_prev_archive_recovers_every_entry(corpus, fmt, atom_schema, rss_schema):
    client = make_app(corpus).test_client()
    url, seen, pages = f"{SITE_URL}/feed.{fmt}", [], 0
    root, links, ids = _links(client, url, fmt)
    assert root.find(".//fh:complete", NS) is None and root.find(".//fh:archive", NS) is None
    assert len(ids) == 5
    seen += ids
    while "prev-archive" in links:
        url = links["prev-archive"]
        root, links, ids = _links(client, url, fmt)
        pages += 1
        assert root.find(".//fh:archive", NS) is not None, url
        assert links["current"] == f"{SITE_URL}/feed.{fmt}"
        assert links["self"] == url
        assert (atom_schema if fmt == "atom" else rss_schema).validate(root), url
        seen += ids
    assert pages == 6  # 26 archived entries: five full pages of 5 and one of 1
    assert url == f"{SITE_URL}/archive/1/feed.{fmt}"
    assert len(seen) == len(set(seen)) == TOTAL
    assert set(seen) == {entry.id for entry in read_content(corpus).entries}


def test_archive_pages_link_both_ways(corpus):
    client = make_app(corpus).test_client()
    _, first, _ = _links(client, f"{SITE_URL}/archive/1/feed.atom", "atom")
    assert "prev-archive" not in first and first["next-archive"] == f"{SITE_URL}/archive/2/feed.atom"
    _, last, _ = _links(client, f"{SITE_URL}/archive/6/feed.atom", "atom")
    assert "next-archive" not in last and last["prev-archive"] == f"{SITE_URL}/archive/5/feed.atom"
    assert client.get("/archive/7/feed.atom").status_code == 404
    assert client.get("/archive/0/feed.atom").status_code == 404


def test_json_feed_pages_through_next_url(corpus, json_schema):
    client = make_app(corpus).test_client()
    url, seen = f"{SITE_URL}/feed.json", []
    while url:
        feed, links, ids = _links(client, url, "json")
        json_schema.validate(feed)
        seen += ids
        url = links["next"]
    assert len(seen) == len(set(seen)) == TOTAL


def test_small_feeds_are_complete(client):
    for fmt in ("atom", "rss"):
        root = etree.fromstring(client.get(f"/feed.{fmt}").data)
        assert root.find(".//fh:complete", NS) is not None
        assert root.find(".//a:link[@rel='prev-archive']", NS) is None


def test_full_archive_pages_never_change_and_are_cached_long(corpus):
    before = make_app(corpus).test_client()
    full, partial = before.get("/archive/1/feed.atom"), before.get("/archive/6/feed.atom")
    assert "max-age=2592000" in full.headers["Cache-Control"]
    assert "max-age=300" in partial.headers["Cache-Control"]
    write_article(corpus, "newest", 400)
    after = make_app(corpus).test_client()
    for page in range(1, 6):
        assert (
            after.get(f"/archive/{page}/feed.atom").headers["ETag"]
            == before.get(f"/archive/{page}/feed.atom").headers["ETag"]
        )
    # The oldest entry of the current document moved to the last, partial page.
    assert after.get("/archive/6/feed.atom").headers["ETag"] != partial.headers["ETag"]
    assert b"/articles/newest" in after.get("/feed.atom").data


def test_feedparser_reads_archive_pages(corpus):
    client = make_app(corpus).test_client()
    parsed = feedparser.parse(client.get("/archive/3/feed.rss").data)
    assert not parsed.bozo and len(parsed.entries) == 5


def test_tag_and_author_feeds_have_archives_too(corpus):
    client = make_app(corpus).test_client()
    assert client.get("/tags/archive-test/archive/1/feed.atom").status_code == 200
    assert client.get("/authors/ada-lovelace/archive/1/feed.json").status_code == 200


def test_documents_built_on_request_are_kept_within_a_byte_budget(corpus):
    from feedsvc.catalog import Catalog
    from feedsvc.schedule import view_at
    from feedsvc.settings import Settings

    now = datetime(2030, 1, 1, tzinfo=UTC)
    catalog = Catalog(view_at(read_content(corpus), now), Settings().publishing(SITE_URL), budget=60_000)
    catalog.warm(["/feed.atom"])
    archives = [f"/archive/{page}/feed.{fmt}" for page in range(1, 7) for fmt in ("atom", "rss", "json")]
    first = {path: catalog.get(path).variants["identity"].body for path in archives}
    kept = [path for path in archives if catalog.cached(path) is not None]
    assert 0 < len(kept) < len(archives)  # the oldest were dropped
    assert catalog._recent_bytes <= 60_000
    assert catalog.cached("/feed.atom") is not None  # warmed documents stay
    assert all(catalog.get(path).variants["identity"].body == body for path, body in first.items())
