"""Scheduled publishing and expiry: what is live at an instant, and when that changes next.

An entry is live from its publication instant (``published``: ``date``, or Hugo's
``publishDate``) until its ``expires`` instant (Hugo's ``expiryDate``), if any.
``live_at`` is the one place that decides it: every document, page, export and
WebSub topic is built from its result, so nothing lists a post before its time.

A ``Timeline`` answers, for each feed scope (the site "", "/authors/<slug>",
"/tags/<slug>", a Hugo section, and each entry's own page path), the next instant
at which an entry of that scope appears or disappears, and the last at which one
expired, from the entry store (``entrystore``). From it come a document's next
change (its Cache-Control max-age and RSS ttl never reach past it) and the
instants that feed its Last-Modified. Pure functions of the content and ``now``:
no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from .model import Content, Entry, Site
from .urls import tag_slug

if TYPE_CHECKING:
    from .entrystore import Entries
    from .modified import Stamps

SITE = ""  # the scope of the site feed, the home page and /feeds


def span(entry: Entry, site: Site) -> tuple[datetime | None, datetime | None]:
    """When ``entry`` goes live and when it is withdrawn (None: at once / never).

    A site built with Hugo's ``buildFuture`` or Jekyll's ``future`` published
    future-dated posts at once, and Hugo's ``buildExpired`` kept expired ones:
    such a site keeps doing so here.
    """
    return (None if site.publish_future else entry.published, None if site.publish_expired else entry.expires)


def is_live(entry: Entry, site: Site, now: datetime) -> bool:
    """Whether ``entry`` is published at ``now``."""
    start, end = span(entry, site)
    return (start is None or start <= now) and (end is None or now < end)


def live_at(content: Content, now: datetime) -> Content:
    """The content as published at ``now``: scheduled and expired entries left out."""
    entries = content.entries.live(content.site, now)  # the same rule as ``is_live``, as a query
    if len(entries) == len(content.entries):
        return content
    # A bio is an entry too: its author's page and article author boxes show it only once it is live.
    bios = {slug: bio for slug, bio in content.bios.items() if is_live(bio, content.site, now)}
    return replace(content, entries=entries, bios=bios)


def scopes_of(entry: Entry) -> tuple[str, ...]:
    """The feed scopes that list ``entry``: the site, its authors, its tags, and its own page."""
    return (
        SITE,
        *(author.path for author in entry.authors),
        *dict.fromkeys(f"/tags/{tag_slug(name)}" for name in entry.categories),
        entry.path,
    )


def page_scope(path: str) -> str:
    """The scope whose entries an HTML page lists (the home page and /feeds list the whole site)."""
    return SITE if path in ("/", "/feeds") else path


@dataclass(frozen=True)
class Timeline:
    """When the entries of each scope appear or disappear (every entry, live or not), asked of the entry store."""

    entries: Entries
    site: Site

    def next_change(self, scope: str, now: datetime, *, expiries_only: bool = False) -> datetime | None:
        """The first instant after ``now`` at which ``scope`` changes, or None if nothing is scheduled."""
        return self.entries.store.next_instant(scope, now, self.site, expiries_only=expiries_only)

    def last_expiry(self, scope: str, now: datetime) -> datetime | None:
        """The latest instant at or before ``now`` at which an entry of ``scope`` expired."""
        return self.entries.store.last_expiry(scope, now, self.site)


def timeline(content: Content) -> Timeline:
    """The timeline of every entry of ``content``, live or not."""
    return Timeline(content.entries, content.site)


def scheduled(content: Content, now: datetime) -> list[tuple[datetime, str, Entry]]:
    """Every change still to come, in order: (instant, "publishes" or "expires", entry)."""
    events = content.entries.store.changes_after(now, content.site)
    return sorted(events, key=lambda event: (event[0], event[2].source))


@dataclass(frozen=True)
class View:
    """The content as published at ``now``, with what dates and times out its documents."""

    content: Content  # the live entries only
    now: datetime
    timeline: Timeline  # of every entry, live or not
    stamps: Stamps | None = None  # from the content lock; None: no Last-Modified can be vouched for

    @property
    def until(self) -> datetime | None:
        """When the next entry appears or disappears anywhere: the view is replaced then."""
        return self.timeline.next_change(SITE, self.now)


def view_at(content: Content, now: datetime, stamps: Stamps | None = None, line: Timeline | None = None) -> View:
    """The view of all of ``content`` at ``now`` (``line``: its timeline, if already computed)."""
    return View(live_at(content, now), now, line or timeline(content), stamps)
