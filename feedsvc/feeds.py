"""Feed builders: pure functions from a ``FeedDoc`` to the bytes of RSS 2.0 and Atom 1.0.

Both are built with feedgen. Where feedgen falls short (RFC 5005 and WebSub
links in RSS, the ``fh:`` elements) a feedgen extension adds the elements.
Nothing here reads the clock, the request or the environment.
"""

from __future__ import annotations

import re
import threading

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from .documents import FeedDoc
from .ids import feed_id
from .model import Author, Entry, Publishing, Site
from .sanitise import feed_html

MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
GENERATOR = "feedsvc"

# feedgen's formatRFC2822 switches the process locale to C and back: two
# builds at once could interleave, so builds take turns.
_build_lock = threading.Lock()


class HistoryExtension(BaseExtension):
    """RFC 5005 ``fh:complete``/``fh:archive``, and ``atom:link``s RSS has no element for."""

    def __init__(self):
        self.marker: str | None = None  # "complete" or "archive"
        self.rss_links: list[tuple[str, str]] = []

    def extend_ns(self):
        return {"fh": HISTORY_NS} if self.marker else {}

    def _add_marker(self, parent):
        if self.marker:
            etree.SubElement(parent, f"{{{HISTORY_NS}}}{self.marker}")

    def extend_atom(self, feed):
        self._add_marker(feed)
        return feed

    def extend_rss(self, feed):
        channel = feed.find("channel")
        for rel, href in self.rss_links:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", rel=rel, href=href)
        self._add_marker(channel)
        return feed


def feed_links(doc: FeedDoc, fmt: str, pub: Publishing) -> list[tuple[str, str]]:
    """The (rel, href) links of a document besides its alternate page: self, hubs, RFC 5005."""
    links = [("self", pub.url(doc.path(fmt)))]
    links += [("hub", hub) for hub in pub.hubs]
    if doc.is_archive:
        links.append(("current", pub.url(doc.path(fmt, 0))))
        if doc.page < doc.pages:
            links.append(("next-archive", pub.url(doc.path(fmt, doc.page + 1))))
    previous = doc.page - 1 if doc.is_archive else doc.pages
    if previous > 0:
        links.append(("prev-archive", pub.url(doc.path(fmt, previous))))
    return links


def _generator(doc: FeedDoc, site: Site, fmt: str, pub: Publishing) -> FeedGenerator:
    """Set up the feed-level elements shared by RSS and Atom."""
    fg = FeedGenerator()
    fg.register_extension("history", HistoryExtension, None, atom=True, rss=True)
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(feed_id(site, doc.path("atom", 0)))
    fg.title(doc.title)
    fg.subtitle(doc.subtitle)  # also the RSS description
    fg.language(site.language)
    fg.generator(GENERATOR)
    if site.copyright:
        fg.rights(site.copyright)
    if site.icon:
        fg.icon(pub.url(site.icon))
    if site.logo:
        fg.logo(pub.url(site.logo))
    updated = doc.updated or site.since
    fg.updated(updated)
    fg.lastBuildDate(updated)
    links = feed_links(doc, fmt, pub)
    for rel, href in links:
        fg.link(
            href=href,
            rel=rel,
            type=MEDIA_TYPES[fmt] if rel in ("self", "current", "prev-archive", "next-archive") else None,
        )
    fg.history.rss_links = [(rel, href) for rel, href in links if rel != "self"]
    fg.history.marker = "complete" if doc.complete else "archive" if doc.is_archive else None
    # feedgen uses the last link added as the RSS <channel><link>: the alternate goes last.
    fg.link(href=pub.url(doc.alternate), rel="alternate", type="text/html")
    if doc.next_change is None:
        # A ttl would let readers wait past a scheduled change: it is left out until none is ahead.
        fg.ttl(pub.ttl_minutes)
    if doc.author is not None:
        _feed_author(fg, doc.author, pub)
    return fg


def _person(author: Author, pub: Publishing, with_email: bool) -> dict[str, str]:
    """An author as feedgen takes one: name, author page, and the email address if asked."""
    return {"name": author.name, "uri": pub.url(author.path), **({"email": author.email} if with_email else {})}


def _feed_author(fg: FeedGenerator, author: Author, pub: Publishing) -> None:
    """Name the author of an author's own feed at feed level.

    Atom: atom:author in the feed (RFC 4287 4.1.1, 4.2.1). RSS has no element for a
    feed's writer: the RSS Best Practices Profile defines dc:creator for items only,
    and its channel-level people, managingEditor and webMaster, are email addresses.
    The author's own feed is theirs to answer for, so with an email address they are
    its managingEditor ("email (name)", as the profile writes it); without one the
    channel names no one, and every item still carries its dc:creator or author.
    """
    fg.author(_person(author, pub, bool(author.email)))  # written by atom_str() only
    if author.email:
        fg.managingEditor(f"{author.email} ({author.name})")


def _add_entry(fg: FeedGenerator, entry: Entry, pub: Publishing) -> None:
    """Add one entry; ``order="append"`` because feedgen prepends by default."""
    page_url = pub.url(entry.path)
    fe = fg.add_entry(order="append")
    fe.id(entry.id)
    # RSS 2.0 <guid>: isPermaLink says the id is also the item's URL, as Hugo's feeds had it.
    fe.guid(entry.id, permalink=entry.id == page_url)
    fe.title(entry.title)
    fe.link(href=page_url, rel="alternate", type="text/html")
    fe.published(entry.published)
    fe.pubDate(entry.published)
    fe.updated(entry.updated)
    # RSS 2.0: <author> must be an email address. feedgen writes one for each author
    # with an email; when any author has none, every name goes to dc:creator instead,
    # since readers mangle a mix of the two.
    with_email = all(author.email for author in entry.authors)
    for author in entry.authors:
        fe.author(_person(author, pub, with_email))
    if not with_email:
        fe.dc.dc_creator([author.name for author in entry.authors])
    for name in entry.categories:
        fe.category(term=name)
    if entry.summary:
        fe.summary(entry.summary)
    fe.content(feed_html(entry.content_html, page_url), type="html")


# RSS has no type attribute: readers take <description> as HTML and guess about the rest.
_RSS_DESCRIPTION = re.compile(rb"(<description>)([^<]*)(</description>)")
_RSS_PLAIN_TEXT = re.compile(rb"(<(title|category|dc:creator)(?: [^>]*)?>)([^<]*)(</\2>)")


def rss_text_conventions(rss: bytes) -> bytes:
    """Apply the RSS Best Practices Profile to plain text that lxml serialised.

    Our descriptions are plain-text summaries, but readers render <description>
    as HTML, so their text is escaped once more. In titles, categories and
    creators, "&" and "<" are written as &#x26; and &#x3C;, which every reader
    takes as text whether or not it guesses HTML.
    """
    rss = _RSS_DESCRIPTION.sub(lambda m: m[1] + m[2].replace(b"&", b"&amp;") + m[3], rss)
    return _RSS_PLAIN_TEXT.sub(
        lambda m: m[1] + m[3].replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;") + m[4], rss
    )


def _build(doc: FeedDoc, site: Site, fmt: str, pub: Publishing) -> bytes:
    with _build_lock:
        fg = _generator(doc, site, fmt, pub)
        for entry in doc.entries:
            _add_entry(fg, entry, pub)
        return fg.atom_str() if fmt == "atom" else rss_text_conventions(fg.rss_str())


def build_atom(doc: FeedDoc, site: Site, pub: Publishing) -> bytes:
    """Build the Atom 1.0 bytes of ``doc``."""
    return _build(doc, site, "atom", pub)


def build_rss(doc: FeedDoc, site: Site, pub: Publishing) -> bytes:
    """Build the RSS 2.0 bytes of ``doc``."""
    return _build(doc, site, "rss", pub)
