"""Which document each path of one content version is, worked out when the path is asked for.

A 100,000-article archive has some 200,000 feed documents and pages. Listing
them up front (one builder per path) takes seconds and tens of megabytes in
every worker, for documents most of which nobody asks for between two reloads.
``Routes`` keeps the whole feeds (one per site, author, tag and section) and the
pages that are not articles; an archive page's entries and an article's page are
found from the path itself when it is requested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import pages
from .documents import FeedDoc, feeds_of, page_count, page_of
from .formats import FORMATS
from .model import Content
from .pagelist import PageList

# RFC 5005 archive pages are numbered from 1; the current document has no number.
_FEED_PATH = re.compile(r"(?P<prefix>.*?)(?:/archive/(?P<page>[1-9][0-9]{0,8}))?/feed\.(?P<fmt>atom|rss|json)")


class Routes:
    """The feeds and pages of one content version, shared by the catalogs of every base URL."""

    def __init__(self, content: Content):
        self.size = content.site.feed_length
        self.feeds = {feed.prefix: feed for feed in feeds_of(content)}
        self.pagelist = PageList(content)

    def feed(self, path: str) -> tuple[FeedDoc, str] | None:
        """The feed document at ``path`` and its format, if there is one."""
        match = _FEED_PATH.fullmatch(path)
        feed = self.feeds.get(match["prefix"]) if match else None
        if match is None or feed is None:
            return None
        doc = page_of(feed, self.size, int(match["page"] or 0))
        return (doc, match["fmt"]) if doc is not None else None

    def page(self, path: str) -> pages.PageSpec | None:
        """The HTML page at ``path``, if there is one."""
        return self.pagelist.page(path)

    def current_docs(self) -> Iterator[FeedDoc]:
        """The current document of every feed (what WebSub topics are)."""
        for feed in self.feeds.values():
            yield from self._pages(feed, 1)

    def docs(self) -> Iterator[FeedDoc]:
        """Every feed document, each feed's current document first."""
        for feed in self.feeds.values():
            yield from self._pages(feed, page_count(feed, self.size) + 1)

    def _pages(self, feed: FeedDoc, count: int) -> Iterator[FeedDoc]:
        for number in range(count):
            doc = page_of(feed, self.size, number)
            if doc is not None:
                yield doc

    def paths(self) -> Iterator[str]:
        """Every path: feed documents in every format, then pages."""
        for doc in self.docs():
            for fmt in FORMATS:
                yield doc.path(fmt)
        yield from self.pagelist.paths()

    def __len__(self) -> int:
        feeds = sum(page_count(feed, self.size) + 1 for feed in self.feeds.values()) * len(FORMATS)
        return feeds + self.pagelist.count()
