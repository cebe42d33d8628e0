"""When each document last changed: Last-Modified from the content lock and the schedule.

A feed document's bytes change when a file of its scope changes, is added or is
removed (the lock's instant for that scope), when a publication pushes entries
into it (``FeedDoc.moved``) and when an entry of its scope expires. Its
Last-Modified is the latest of these, never after ``now`` (RFC 9110 8.8.2.1: an
origin server MUST NOT send a Last-Modified date later than its Date).
Everything comes from the content and the instant, so every instance of one
release answers the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .documents import FeedDoc
from .entrystore import EntryStore
from .lock import SITE_FILE, ContentLock, current_files, entry_key
from .model import Content
from .schedule import Timeline


@dataclass(frozen=True)
class Stamps:
    """What a lock that matches the content vouches for: when each scope last changed."""

    scopes: dict[str, datetime]
    site: datetime  # when the site settings last changed: every document shows them
    unvouched: frozenset[str] = frozenset()  # scopes touched by files that differ from the lock

    def of(self, scope: str) -> datetime | None:
        """When ``scope`` last changed by the lock, or None if the lock cannot tell."""
        if scope in self.unvouched:
            return None
        return max(self.scopes.get(scope, self.site), self.site)


@dataclass(frozen=True)
class LockCheck:
    """What a content version's lock vouches for, why not more, and its state for /healthz."""

    stamps: Stamps | None = None
    problems: tuple[str, ...] | list[str] = ()
    state: str = "missing"  # current, stale, missing or unreadable


def verify(content: Content, lock: ContentLock | None, folder: Path) -> tuple[Stamps | None, list[str]]:
    """Compare the lock with the content: what it vouches for, and why it is stale (one line per file)."""
    if lock is None:
        return None, ["no content lock: feeds carry no Last-Modified (run `flask --app feedsvc lock`)"]
    stale: list[str] = []
    unvouched: set[str] = set()
    current = current_files(content, folder)
    for key, (sha256, scopes) in sorted(current.items()):
        record = lock.files.get(key)
        if record is None:
            stale.append(f"{key}: added since the content lock")
            unvouched.update(scopes)
        elif record.sha256 != sha256:
            stale.append(f"{key}: changed since the content lock")
            unvouched.update(scopes, record.scopes)
    for key in sorted(lock.files.keys() - current.keys()):
        stale.append(f"{key}: in the content lock but not published (removed, or has errors)")
        unvouched.update(lock.files[key].scopes)
    if SITE_FILE not in lock.files or any(line.startswith(f"{SITE_FILE}:") for line in stale):
        return None, stale
    return Stamps(lock.scopes, lock.files[SITE_FILE].changed, frozenset(unvouched)), stale


def with_edits(content: Content, lock: ContentLock | None) -> Content:
    """Give each entry edited after it was first locked an ``updated`` no earlier than that edit.

    Authors forget ``updated:``; without it readers would never learn of a correction
    (Atom updated, JSON Feed date_modified). Only files whose bytes match the lock count.
    """
    if lock is None:
        return content

    def edited(entry):
        record = lock.files.get(entry_key(entry))
        if record is None or record.changed <= record.added or record.changed <= entry.updated:
            return entry
        if record.sha256 != content.hashes.get(entry_key(entry)):
            return entry
        return replace(entry, updated=record.changed)

    entries = tuple(edited(entry) for entry in content.entries)
    if all(new is old for new, old in zip(entries, content.entries, strict=True)):
        return content
    by_id = {entry.id: entry for entry in entries}
    bios = {slug: by_id.get(bio.id, bio) for slug, bio in content.bios.items()}
    return replace(content, entries=EntryStore.of(entries).entries(), bios=bios)


def feed_modified(doc: FeedDoc, timeline: Timeline, stamps: Stamps | None, now: datetime) -> datetime | None:
    """The Last-Modified of a feed document at ``now``; None when the lock cannot vouch for it."""
    locked = stamps.of(doc.prefix) if stamps is not None else None
    if locked is None:
        return None
    instants = [locked, doc.moved, timeline.last_expiry(doc.prefix, now)]
    return min(max(instant for instant in instants if instant is not None), now)
