"""feedparser, the most-used Python feed client, reads every feed the same way in every format."""

from __future__ import annotations

import time
from datetime import UTC

import feedparser
import pytest

from .feedhelpers import build_all, parse_json


def _parsed(content, prefix=""):
    feeds = build_all(content, prefix=prefix)
    return feedparser.parse(feeds["atom"]), feedparser.parse(feeds["rss"]), parse_json(feeds["json"])


def _feedparser_view(parsed):
    return [
        (
            e.title,
            e.link,
            e.id,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", e.published_parsed),
            sorted(a.name for a in e.authors),
        )
        for e in parsed.entries
    ]


def _json_view(feed):
    from datetime import datetime

    def utc(value):
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return [
        (i["title"], i["url"], i["id"], utc(i["date_published"]), sorted(a["name"] for a in i["authors"]))
        for i in feed["items"]
    ]


@pytest.mark.parametrize(
    ("which", "prefix"),
    [
        ("seed", ""),
        ("seed", "/authors/tom-brewster"),
        ("seed", "/tags/cyber-war"),
        ("fixture", ""),
        ("fixture", "/authors/ada-lovelace"),
        ("fixture", "/authors/alan-turing"),
        ("fixture", "/tags/engines"),
    ],
)
def test_same_entries_in_every_format_without_bozo(which, prefix, seed_content, fixture_content):
    content = seed_content if which == "seed" else fixture_content
    atom, rss, json_feed = _parsed(content, prefix)
    assert not atom.bozo, atom.bozo_exception
    assert not rss.bozo, rss.bozo_exception
    assert atom.version == "atom10" and rss.version == "rss20"
    assert _feedparser_view(atom) == _feedparser_view(rss) == _json_view(json_feed)
    assert len(atom.entries) > 0


def test_feedparser_sees_feed_metadata(seed_content):
    atom, rss, _ = _parsed(seed_content)
    for parsed in (atom, rss):
        assert parsed.feed.title == "feedsvc news"
        assert parsed.feed.link == "https://news.example.org/"
        assert parsed.feed.language == "en-GB"
    article = atom.entries[1]
    assert article.tags[0].term == "Cyber war"
    assert article.author_detail.href == "https://news.example.org/authors/tom-brewster"
    assert article.content[0].type == "text/html"
    assert "Europol is the only major law enforcement body" in article.content[0].value
