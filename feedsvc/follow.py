"""Following a feed from a page: one recommended feed address and one-click links into readers.

A person who has never used a feed reader should not have to choose between
three formats: each scope (the site, an author, a tag) offers one address, in
the format every reader understands, and links that open it in the popular
readers through the subscribe URLs they document.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

RECOMMENDED = "atom"  # every reader reads Atom; its dates, ids and content are the best specified

# (reader, URL template): {url} is the feed URL percent-encoded as a query value.
READERS = (
    # Feedly's "follow" button: the feed id is "feed/" + the feed URL.
    ("Feedly", "https://feedly.com/i/subscription/feed%2F{url}"),
    # Inoreader's subscribe button.
    ("Inoreader", "https://www.inoreader.com/?add_feed={url}"),
    # NewsBlur's "add site" link.
    ("NewsBlur", "https://www.newsblur.com/?url={url}"),
    # The Old Reader's subscribe link.
    ("The Old Reader", "https://theoldreader.com/feeds/subscribe?url={url}"),
    # Miniflux's hosted service, through its bookmarklet endpoint.
    ("Miniflux", "https://reader.miniflux.app/bookmarklet?uri={url}"),
)
APPS = "NetNewsWire and other apps"  # through the feed: URI scheme the desktop and phone apps register


@dataclass(frozen=True)
class Follow:
    """How to follow one scope: its name, its page, its recommended feed and reader links."""

    name: str
    page_url: str
    feed_url: str
    readers: tuple[tuple[str, str], ...]


def feed_uri(feed_url: str) -> str:
    """The feed: URI of an http(s) feed, as NetNewsWire and other apps handle it.

    ``feed://host/path`` for http, ``feed:https://host/path`` for https (the
    only form that keeps the scheme).
    """
    return "feed:" + feed_url.removeprefix("http:")


def reader_links(feed_url: str) -> tuple[tuple[str, str], ...]:
    """Links that open ``feed_url`` in each reader's subscribe screen."""
    encoded = quote(feed_url, safe="")
    return (*((name, template.format(url=encoded)) for name, template in READERS), (APPS, feed_uri(feed_url)))


def follow(name: str, page_url: str, feed_url: str) -> Follow:
    """The follow block of one scope."""
    return Follow(name, page_url, feed_url, reader_links(feed_url))
