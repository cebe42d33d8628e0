"""Which feed documents exist: the site feed, per-author and per-tag feeds, their archives.

A ``FeedDoc`` says what one document holds and where it lives; the builders
turn it into bytes. Paging follows RFC 5005: the current document holds the
newest ``feed_length`` entries; older ones go to archive pages numbered from
the oldest, so a full page never changes. The last page may be partial and
fills up as entries move out of the current document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .model import Author, Content, Entry


@dataclass(frozen=True, kw_only=True)
class FeedDoc:
    """One feed document, in every format.

    ``prefix`` is the feed's folder ("" for the site, "/authors/x", "/tags/y");
    ``page`` is 0 for the current document, else the archive page number.
    ``author`` is set on an author's own feeds: the whole feed is theirs.
    """

    prefix: str
    title: str
    subtitle: str
    alternate: str
    entries: Sequence[Entry]  # a tuple, or a whole feed's ``Entries`` before paging
    author: Author | None = None
    page: int = 0
    pages: int = 0
    full: bool = False
    # When its list of entries last moved: the publication that last pushed an entry
    # into it or opened the next archive page. A ``settled`` archive page is out of
    # reach of new publications (only an expiry or an edit can change it).
    moved: datetime | None = None
    settled: bool = False
    # The next instant a scheduled publication or expiry changes it (None: nothing scheduled).
    next_change: datetime | None = None

    def path(self, fmt: str, page: int | None = None) -> str:
        """Root-relative URL of this feed (or of another of its pages) in ``fmt``."""
        page = self.page if page is None else page
        return f"{self.prefix}/archive/{page}/feed.{fmt}" if page else f"{self.prefix}/feed.{fmt}"

    @property
    def updated(self) -> datetime | None:
        """The newest entry update: atom:updated, lastBuildDate and Last-Modified."""
        return max((entry.updated for entry in self.entries), default=None)

    @property
    def complete(self) -> bool:
        """RFC 5005 section 2: the current document holds every entry."""
        return self.page == 0 and self.pages == 0

    @property
    def is_archive(self) -> bool:
        return self.page > 0


def page_count(feed: FeedDoc, size: int) -> int:
    """How many archive pages ``feed`` has besides its current document."""
    return -(-max(0, len(feed.entries) - size) // size)


def page_of(feed: FeedDoc, size: int, number: int) -> FeedDoc | None:
    """Document ``number`` of ``feed`` (0: the current one), or None if there is no such page.

    Older entries are numbered from the oldest, ``size`` to a page, so a full page never changes.
    """
    pages = page_count(feed, size)
    if number == 0:
        newest = feed.entries[0].published if feed.entries else None
        return replace(feed, entries=feed.entries[:size], page=0, pages=pages, moved=newest)
    if not 1 <= number <= pages:
        return None
    older = len(feed.entries) - size
    entries = feed.entries[size + max(0, older - number * size) : size + older - (number - 1) * size]
    # Page n last moved when the entry `size` places newer than its end went out, which
    # pushed its newest entry out of the current document or opened page n + 1.
    last, pusher = len(feed.entries) - 1, (number + 1) * size
    moved = feed.entries[max(last - pusher, 0)].published
    full, settled = len(entries) == size, pusher <= last
    return replace(feed, entries=entries, page=number, pages=pages, full=full, moved=moved, settled=settled)


def paginate(feed: FeedDoc, size: int) -> list[FeedDoc]:
    """Split ``feed``'s newest-first entries into the current document and its archive pages."""
    return [doc for number in range(page_count(feed, size) + 1) if (doc := page_of(feed, size, number))]


def tags_of(content: Content) -> dict[str, str]:
    """Map each tag's URL segment to its display name (the first spelling seen, oldest entry first)."""
    return content.entries.tags()


def feed_docs(content: Content) -> list[FeedDoc]:
    """Every feed document the service offers, current documents first."""
    size = content.site.feed_length
    return [doc for feed in feeds_of(content) for doc in paginate(feed, size)]


def feeds_of(content: Content) -> list[FeedDoc]:
    """Every feed, whole (all its entries, not yet paged): the site's, each author's, tag's and section's."""
    site, entries = content.site, content.entries
    feeds = [FeedDoc(prefix="", title=site.title, subtitle=site.description, alternate="/", entries=entries)]
    for _, author in sorted(content.authors.items()):
        feeds.append(
            FeedDoc(
                prefix=author.path,
                title=f"{author.name} – {site.title}",
                subtitle=f"Articles by {author.name}, and their bio.",
                alternate=author.path,
                entries=entries.scope(author.path),
                author=author,
            )
        )
    for slug, name in tags_of(content).items():
        feeds.append(
            FeedDoc(
                prefix=f"/tags/{slug}",
                title=f"{name} – {site.title}",
                subtitle=f"Entries filed under {name}.",
                alternate=f"/tags/{slug}",
                entries=entries.scope(f"/tags/{slug}"),
            )
        )
    for section in sections_of(content):
        # A Hugo section had its own feed (/posts/index.xml); its subscribers keep exactly those entries.
        name = section.replace("-", " ").capitalize()
        feeds.append(
            FeedDoc(
                prefix=f"/{section}",
                title=f"{name} – {site.title}",
                subtitle=f"Entries in {name}.",
                alternate="/",
                entries=entries.scope(f"/{section}"),
            )
        )
    return feeds


def sections_of(content: Content) -> list[str]:
    """The Hugo sections that have entries, sorted (only Hugo entries have one)."""
    return content.entries.sections()
