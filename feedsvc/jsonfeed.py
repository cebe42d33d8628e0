"""JSON Feed 1.1 builder (https://www.jsonfeed.org/version/1.1/), with the standard json module."""

from __future__ import annotations

import json

from .dates import rfc3339
from .documents import FeedDoc
from .model import Author, Entry, Publishing, Site
from .sanitise import feed_html

VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"


def _author(author: Author, pub: Publishing) -> dict[str, str]:
    return {"name": author.name, "url": pub.url(author.path)}


def _item(entry: Entry, pub: Publishing) -> dict:
    page_url = pub.url(entry.path)
    item = {
        "id": entry.id,
        "url": page_url,
        "title": entry.title,
        "content_html": feed_html(entry.content_html, page_url),
        "summary": entry.summary,
        "date_published": rfc3339(entry.published),
        "date_modified": rfc3339(entry.updated),
        "authors": [_author(author, pub) for author in entry.authors],
    }
    if entry.categories:
        item["tags"] = list(entry.categories)
    if not entry.summary:
        del item["summary"]
    return item


def build_json(doc: FeedDoc, site: Site, pub: Publishing) -> bytes:
    """Build the JSON Feed bytes of ``doc``; older entries are paged with ``next_url``."""
    feed: dict = {
        "version": VERSION,
        "title": doc.title,
        "home_page_url": pub.url(doc.alternate),
        "feed_url": pub.url(doc.path("json")),
        "description": doc.subtitle,
        "language": site.language,
    }
    # JSON Feed 1.1: next_url leads to older items; page 1 is the oldest archive page.
    older = doc.page - 1 if doc.is_archive else doc.pages
    if older > 0:
        feed["next_url"] = pub.url(doc.path("json", older))
    if site.icon:
        feed["favicon"] = pub.url(site.icon)
    if doc.author is not None:  # JSON Feed 1.1: the feed's authors (an author's own feed)
        feed["authors"] = [_author(doc.author, pub)]
    if pub.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in pub.hubs]
    feed["items"] = [_item(entry, pub) for entry in doc.entries]
    return json.dumps(feed, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
