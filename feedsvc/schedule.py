"""Scheduled publishing and expiry: what is live at an instant, and when that changes next.

An entry is live from its publication instant (``published``: ``date``, or Hugo's
``publishDate``) until its ``expires`` instant (Hugo's ``expiryDate``), if any.
``live_at`` is the one place that decides it: every document, page, export and
WebSub topic is built from its result, so nothing lists a post before its time.

A ``Timeline`` holds, for each feed scope (the site "", "/authors/<slug>",
"/tags/<slug>", and each entry's own page path), the sorted instants at which an
entry of that scope appears or disappears. From it come a document's next change
(its Cache-Control max-age and RSS ttl never reach past it) and the instants
that feed its Last-Modified. Pure functions of the content and ``now``: no clock.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from .model import Content, Entry, Site
from .urls import tag_slug

if TYPE_CHECKING:
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
    entries = tuple(entry for entry in content.entries if is_live(entry, content.site, now))
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


def _sorted(instants: Iterable[datetime]) -> tuple[datetime, ...]:
    return tuple(sorted(set(instants)))


@dataclass(frozen=True)
class Timeline:
    """Per scope, the instants at which an entry appears or disappears; expiries also on their own."""

    changes: dict[str, tuple[datetime, ...]]
    expiries: dict[str, tuple[datetime, ...]]

    def next_change(self, scope: str, now: datetime, *, expiries_only: bool = False) -> datetime | None:
        """The first instant after ``now`` at which ``scope`` changes, or None if nothing is scheduled."""
        instants = (self.expiries if expiries_only else self.changes).get(scope, ())
        index = bisect_right(instants, now)
        return instants[index] if index < len(instants) else None

    def last_expiry(self, scope: str, now: datetime) -> datetime | None:
        """The latest instant at or before ``now`` at which an entry of ``scope`` expired."""
        instants = self.expiries.get(scope, ())
        index = bisect_right(instants, now)
        return instants[index - 1] if index else None


def timeline(content: Content) -> Timeline:
    """Index every publication and expiry instant of ``content`` (all entries, live or not) by scope."""
    changes: dict[str, list[datetime]] = {}
    expiries: dict[str, list[datetime]] = {}
    for entry in content.entries:
        start, end = span(entry, content.site)
        instants = [instant for instant in (start, end) if instant is not None]  # once per entry, not per scope
        for scope in scopes_of(entry):
            changes.setdefault(scope, []).extend(instants)
            if end is not None:
                expiries.setdefault(scope, []).append(end)
    return Timeline(
        {scope: _sorted(instants) for scope, instants in changes.items()},
        {scope: _sorted(instants) for scope, instants in expiries.items()},
    )


def scheduled(content: Content, now: datetime) -> list[tuple[datetime, str, Entry]]:
    """Every change still to come, in order: (instant, "publishes" or "expires", entry)."""
    spans = [(span(entry, content.site), entry) for entry in content.entries]
    events = [(start, "publishes", entry) for (start, _), entry in spans if start is not None and start > now]
    events += [(end, "expires", entry) for (_, end), entry in spans if end is not None and end > now]
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
