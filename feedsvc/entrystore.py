"""The entries of one content version as rows of SQLite: what each feed scope lists, newest first, live at an instant.

A 100,000-article archive held as Python objects costs hundreds of megabytes in
every worker, for documents that each show twenty entries. Here the entries are
rows; ``Entries`` is a read-only sequence over some of them (a scope's, the live
ones at an instant, the articles) that answers lengths and slices with queries
and makes ``Entry`` objects only for the rows a document shows.

One schema and one set of queries, two ways of holding the rows:

- ``EntryStore.of(entries)``: entries already in memory (a small site, a read
  without the content index, tests): an in-memory database of their positions and
  scopes whose rows stand for the objects themselves;
- ``write_store`` / ``EntryStore.open``: every column of every entry in a file of
  the state folder, written once by the process that assembled the content and
  opened read-only by the workers, which share it through the OS page cache.

Rows are numbered newest first (``seq``), as ``assembly`` orders entries; a
scope is an author's (``/authors/<slug>``), a tag's (``/tags/<slug>``) or a
Hugo section's (``/<section>``) feed folder. Instants are compared as POSIX
microseconds and kept as text with their zone, so a date reads back exactly as
the file gave it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, overload
from zoneinfo import ZoneInfo

from .entrylinks import LinkedBody
from .model import Author, Entry, Site
from .urls import tag_slug

SCHEMA = """
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,
    path TEXT NOT NULL, source TEXT NOT NULL, given_summary TEXT NOT NULL, section TEXT NOT NULL, image TEXT NOT NULL,
    published TEXT NOT NULL, updated TEXT NOT NULL, expires TEXT,
    start_us INTEGER NOT NULL, end_us INTEGER, updated_us INTEGER NOT NULL,
    article INTEGER,  -- its position among the articles (NULL: a bio), for listing pages
    body INTEGER, links TEXT, authors TEXT NOT NULL, categories TEXT NOT NULL, aliases TEXT NOT NULL);
CREATE TABLE members (scope TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (scope, seq)) WITHOUT ROWID;
CREATE TABLE head (key TEXT PRIMARY KEY, value BLOB NOT NULL);
"""
# Made once the rows are in: building an index in one pass is several times faster than row by row.
INDEXES = """
CREATE INDEX entries_path ON entries (path);
CREATE INDEX entries_article ON entries (article);
CREATE INDEX entries_start ON entries (start_us);
CREATE INDEX entries_end ON entries (end_us);
CREATE INDEX members_kind ON members (kind, scope);
CREATE TABLE scopes AS SELECT m.scope, m.kind, m.name, MAX(m.seq) AS oldest, COUNT(*) AS entries,
    COUNT(e.article) AS articles FROM members m JOIN entries e ON e.seq = m.seq GROUP BY m.scope;
"""
# ``scopes``: each scope's entries and articles, and its name as its oldest entry spells it (SQLite
# gives a bare column the values of the row MAX() picked), counted once, for when every entry is live.
COLUMNS = (
    "seq, kind, slug, id, title, path, source, given_summary, section, image, published, updated, expires, "
    "body, links, authors, categories, aliases"
)
CHUNK = 500  # rows fetched at a time when a whole sequence is walked
Live = tuple[int, bool, bool]  # (now in microseconds, publish_future, publish_expired)


def micros(moment: datetime) -> int:
    """``moment`` as POSIX microseconds: how instants are compared in the store."""
    return round(moment.timestamp() * 1_000_000)


def _text(moment: datetime) -> str:
    """``moment`` as ISO 8601 text, with its zone's name when it has one, so it reads back the same."""
    zone = getattr(moment.tzinfo, "key", None)
    return f"{moment.isoformat()} {zone}" if zone else moment.isoformat()


def moment(text: str) -> datetime:
    """The datetime ``_text`` wrote."""
    iso, _, zone = text.partition(" ")
    parsed = datetime.fromisoformat(iso)
    return parsed.astimezone(ZoneInfo(zone)) if zone else parsed


def _body_id(body: Any) -> tuple[int | None, str | None]:
    """The index row of a body kept in the content index, and the link targets of a linked one."""
    links = None
    if isinstance(body, LinkedBody):
        body, links = body.body, json.dumps(body.targets, sort_keys=True)
    return getattr(body, "body_id", None), links


def _json(values: Sequence[str]) -> str:
    return _encode(values) if values else "[]"


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _rows(entries: Sequence[Entry]) -> Iterator[tuple]:
    article = 0
    for seq, e in enumerate(entries):
        body, links = _body_id(e.body)
        expires = e.expires
        yield (
            *(seq, e.kind, e.slug, e.id, e.title, e.path, e.source, e.given_summary, e.section, e.image),
            *(_text(e.published), _text(e.updated), _text(expires) if expires else None),
            *(micros(e.published), micros(expires) if expires else None, micros(e.updated)),
            article if e.kind == "article" else None,
            *(body, links, _json([a.slug for a in e.authors]), _json(e.categories), _json(e.aliases)),
        )
        article += e.kind == "article"


def _members(entries: Sequence[Entry]) -> Iterator[tuple[str, int, str, str]]:
    for seq, entry in enumerate(entries):
        for author in entry.authors:
            yield author.path, seq, "author", author.name
        tags: dict[str, str] = {}
        for name in entry.categories:
            tags.setdefault(tag_slug(name), name)
        for slug, name in tags.items():
            yield f"/tags/{slug}", seq, "tag", name
        if entry.section:
            yield f"/{entry.section}", seq, "section", entry.section


def _fill(db: sqlite3.Connection, entries: Sequence[Entry], head: Mapping[str, bytes] = {}) -> None:
    """Create the tables and write ``entries`` and ``head`` in one transaction."""
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO entries VALUES ({', '.join('?' * 22)})", _rows(entries))
    # In key order: appended to the table's tree rather than inserted all over it.
    db.executemany("INSERT INTO members VALUES (?, ?, ?, ?)", sorted(_members(entries)))
    db.executemany("INSERT INTO head VALUES (?, ?)", head.items())
    for statement in filter(str.strip, INDEXES.split(";")):
        db.execute(statement)
    db.execute("COMMIT")


def write_store(path: Path, entries: Sequence[Entry], head: Mapping[str, bytes]) -> None:
    """Write ``entries`` (newest first) and the ``head`` values beside them to a new file at ``path``.

    Written under another name and renamed, so a reader never sees half a store.
    """
    partial = path.with_name(f"{path.name}.partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # written once, then only read: nothing to roll back
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -131072")  # 128 MB while writing, in the process that writes
        _fill(db, entries, head)
    finally:
        db.close()
    partial.replace(path)


class EntryStore:
    """One content version's entries in SQLite, and how a row becomes an ``Entry``."""

    def __init__(self, db: sqlite3.Connection | None, make: Callable[[tuple], Entry]):
        self._db, self.make = db, make
        self._lock = threading.Lock()  # one query at a time on the shared connection
        self._counts: dict[tuple, dict[str, int]] = {}

    @classmethod
    def of(cls, entries: Sequence[Entry]) -> EntryStore:
        """A store of ``entries`` held in memory, newest first: each row stands for its object.

        Its database is made on the first query: content read only to be written to a
        store file (``loading.build``) never needs one.
        """
        held = tuple(entries)
        store = cls(None, lambda row: held[row[0]])
        store.held = held
        return store

    @property
    def db(self) -> sqlite3.Connection:
        """The connection (a store held in memory fills its database now, if not yet done)."""
        if self._db is None:
            assert self.held is not None
            db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
            _fill(db, self.held)
            self._db = db
        return self._db

    @classmethod
    def open(cls, path: Path, authors: Mapping[str, Author], body: Callable[[int], Any]) -> EntryStore:
        """The store written at ``path``, read-only; ``body`` makes the body of an index row."""
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)

        def make(row: tuple) -> Entry:
            _, kind, slug, id_, title, path_, source, summary, section, image, published, updated, expires = row[:13]
            body_id, links, bylines, categories, aliases = row[13:]
            content = body(body_id)
            if links is not None:
                content = LinkedBody(content, json.loads(links))
            return Entry(
                kind=kind,
                slug=slug,
                id=id_,
                title=title,
                path=path_,
                body=content,
                published=moment(published),
                updated=moment(updated),
                expires=moment(expires) if expires else None,
                authors=tuple(authors[slug] for slug in json.loads(bylines)),
                categories=tuple(json.loads(categories)),
                source=source,
                given_summary=summary,
                aliases=tuple(json.loads(aliases)),
                section=section,
                image=image,
            )

        return cls(db, make)

    held: tuple[Entry, ...] | None = None  # the objects, for a store made ``of`` them

    def query(self, sql: str, params: Sequence | Mapping = ()) -> list[tuple]:
        """The rows of one query."""
        with self._lock:
            return self.db.execute(sql, params).fetchall()  # (the first one may fill the database)

    def head(self, key: str) -> bytes | None:
        """A value written beside the entries (``write_store``'s ``head``)."""
        rows = self.query("SELECT value FROM head WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def entries(self) -> Entries:
        """Every entry, newest first."""
        return Entries(self)

    def scope_counts(self, selection: Entries) -> dict[str, int]:
        """How many entries of ``selection`` (not narrowed to a scope) each scope has; kept per selection."""
        key = (selection.articles_only, selection.live_at if selection.live_at and not selection.all_live else None)
        with self._lock:
            found = self._counts.get(key)
        if found is None and key[1] is None:  # every entry counts: counted when the store was written
            column = "articles" if selection.articles_only else "entries"
            found = dict(self.query(f"SELECT scope, {column} FROM scopes WHERE {column} > 0"))
        if found is None:
            where, params = selection._conditions()
            sql = f"SELECT m.scope, COUNT(*) FROM members m JOIN entries e ON e.seq = m.seq{where} GROUP BY m.scope"
            rows = self.query(sql, params)
            found = dict(rows)
            with self._lock:
                self._counts[key] = found
        return found

    def at(self, seq: int) -> Entry:
        """The entry of row ``seq``."""
        return self.make(self.query(f"SELECT {COLUMNS} FROM entries WHERE seq = ?", (seq,))[0])

    def instant(self, seq: int, text: str, name: str) -> datetime:
        """The datetime ``name`` (published, updated, expires) of row ``seq``, whose text is ``text``."""
        return getattr(self.held[seq], name) if self.held is not None else moment(text)

    # -- the schedule (schedule.Timeline asks) ----------------------------------------------

    def next_instant(self, scope: str, now: datetime, site: Site, *, expiries_only: bool = False) -> datetime | None:
        """The first instant after ``now`` at which an entry of ``scope`` ("" = any) appears or expires."""
        found = []
        if not expiries_only and not site.publish_future:
            found += self._instants(scope, "start_us", "published", "> :now ORDER BY e.start_us", now)
        if not site.publish_expired:
            found += self._instants(scope, "end_us", "expires", "> :now ORDER BY e.end_us", now)
        return min(found, key=lambda pair: pair[0])[1] if found else None

    def last_expiry(self, scope: str, now: datetime, site: Site) -> datetime | None:
        """The latest instant at or before ``now`` at which an entry of ``scope`` expired."""
        if site.publish_expired:
            return None
        found = self._instants(scope, "end_us", "expires", "<= :now ORDER BY e.end_us DESC", now)
        return found[0][1] if found else None

    def _instants(self, scope: str, column: str, name: str, condition: str, now: datetime) -> list:
        # A scope is a feed folder (members) or, for an entry's own page, that entry's path.
        where = "(e.seq IN (SELECT seq FROM members WHERE scope = :scope) OR e.path = :scope) AND " if scope else ""
        rows = self.query(
            f"SELECT e.{column}, e.seq, e.{name} FROM entries e WHERE {where}e.{column} {condition} LIMIT 1",
            {"scope": scope, "now": micros(now)},
        )
        return [(us, self.instant(seq, text, name)) for us, seq, text in rows]

    def changes_after(self, now: datetime, site: Site) -> list[tuple[datetime, str, Entry]]:
        """Every publication and expiry after ``now``: (instant, "publishes" or "expires", entry)."""
        events = []
        for column, name, what, skip in (
            ("start_us", "published", "publishes", site.publish_future),
            ("end_us", "expires", "expires", site.publish_expired),
        ):
            if not skip:
                rows = self.query(f"SELECT {COLUMNS} FROM entries WHERE {column} > ?", (micros(now),))
                events += [(getattr(entry, name), what, entry) for entry in map(self.make, rows)]
        return events


class Entries(Sequence[Entry]):
    """Some entries of a store, newest first: all, a scope's, the articles, those live at an instant.

    Immutable like the tuple it stands for: lengths are counted once, slices and
    items are queried and made into ``Entry`` objects when asked for.
    """

    def __init__(self, store: EntryStore, scope: str | None = None, articles: bool = False, live: Live | None = None):
        self.store, self.scope_name, self.articles_only, self.live_at = store, scope, articles, live
        self._tags: dict[str, str] | None = None

    # -- narrowing ---------------------------------------------------------------------

    def scope(self, scope: str) -> Entries:
        """Those of a feed scope: ``/authors/<slug>``, ``/tags/<slug>`` or ``/<section>``."""
        return Entries(self.store, scope, self.articles_only, self.live_at)

    def articles(self) -> Entries:
        """The articles only (no bios)."""
        return Entries(self.store, self.scope_name, True, self.live_at)

    def live(self, site: Site, now: datetime) -> Entries:
        """Those published at ``now`` (``schedule.is_live``, as a query)."""
        return Entries(
            self.store, self.scope_name, self.articles_only, (micros(now), site.publish_future, site.publish_expired)
        )

    # -- the query ---------------------------------------------------------------------

    @property
    def _seq(self) -> str:
        """The column to order and page by: a scope's own (its members' key), so its rows are read in order."""
        return "m.seq" if self.scope_name is not None else "e.seq"

    def _where(self, *extra: str) -> tuple[str, dict]:
        """FROM and WHERE of this selection, with its parameters."""
        sql, params = "FROM entries e", dict[str, Any]()
        if self.scope_name is not None:
            sql += " JOIN members m ON m.seq = e.seq AND m.scope = :scope"
            params["scope"] = self.scope_name
        clauses, more = self._conditions(*extra)
        return sql + clauses, {**params, **more}

    def _conditions(self, *extra: str) -> tuple[str, dict]:
        """The WHERE clause (or "") of this selection besides its scope, with its parameters."""
        clauses, params = list(extra), dict[str, Any]()
        if self.articles_only:
            clauses.append("e.article IS NOT NULL")
        if self.live_at is not None and not self.all_live:
            now, future, expired = self.live_at
            clauses.append(LIVE)
            params.update(now=now, future=future, expired=expired)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    @cached_property
    def all_live(self) -> bool:
        """Whether every entry of the store is live at this selection's instant (no filter needed then)."""
        assert self.live_at is not None
        now, future, expired = self.live_at
        hidden = self.store.query(
            "SELECT 1 FROM entries WHERE (NOT :future AND start_us > :now) "
            "OR (NOT :expired AND end_us <= :now) LIMIT 1",
            {"now": now, "future": future, "expired": expired},
        )
        return not hidden

    @cached_property
    def _length(self) -> int:
        if self.store.held is not None and (self.scope_name, self.articles_only, self.live_at) == (None, False, None):
            return len(self.store.held)
        if self.scope_name is not None:  # every scope's count in one pass: a site has hundreds of feeds
            unscoped = Entries(self.store, None, self.articles_only, self.live_at)
            return self.store.scope_counts(unscoped).get(self.scope_name, 0)
        sql, params = self._where()
        return self.store.query(f"SELECT COUNT(*) {sql}", params)[0][0]

    def __len__(self) -> int:
        return self._length

    def _range(self, start: int, stop: int) -> list[tuple]:
        """Rows ``start`` to ``stop`` of this selection."""
        if stop <= start:
            return []
        plain = self.scope_name is None and (self.live_at is None or self.all_live)
        if plain:  # positions are columns: no rows to step over
            column = "article" if self.articles_only else "seq"
            return self.store.query(
                f"SELECT {COLUMNS} FROM entries WHERE {column} >= ? AND {column} < ? ORDER BY seq", (start, stop)
            )
        sql, params = self._where()
        # SQLite steps over the rows an OFFSET skips: rows nearer the end (a feed's oldest archive
        # pages) are counted from the end instead, so no page costs more than half the scope.
        from_end = len(self) - stop
        if from_end < start:
            rows = self.store.query(
                f"SELECT {_prefixed(COLUMNS)} {sql} ORDER BY {self._seq} DESC LIMIT :limit OFFSET :offset",
                {**params, "limit": stop - start, "offset": from_end},
            )
            return rows[::-1]
        return self.store.query(
            f"SELECT {_prefixed(COLUMNS)} {sql} ORDER BY {self._seq} LIMIT :limit OFFSET :offset",
            {**params, "limit": stop - start, "offset": start},
        )

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Entry, ...]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            found = tuple(map(self.store.make, self._range(start, stop))) if step == 1 else tuple(self)[index]
            return found
        position = index + len(self) if index < 0 else index
        rows = self._range(position, position + 1) if 0 <= position < len(self) else []
        if not rows:
            raise IndexError("entry index out of range")
        return self.store.make(rows[0])

    def __iter__(self) -> Iterator[Entry]:
        held = self.store.held
        if held is not None and (self.scope_name, self.articles_only, self.live_at) == (None, False, None):
            yield from held  # every entry of a store held in memory: no query, and no database yet
            return
        last = -1
        while True:
            sql, params = self._where(f"{self._seq} > :last")
            rows = self.store.query(
                f"SELECT {_prefixed(COLUMNS)} {sql} ORDER BY {self._seq} LIMIT {CHUNK}", {**params, "last": last}
            )
            yield from map(self.store.make, rows)
            if len(rows) < CHUNK:
                return
            last = rows[-1][0]

    def __bool__(self) -> bool:
        return len(self) > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Entries) and other.store is self.store:
            return (other.scope_name, other.articles_only, other.live_at) == (
                self.scope_name,
                self.articles_only,
                self.live_at,
            ) or tuple(self) == tuple(other)
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((id(self.store), self.scope_name, self.articles_only, self.live_at))

    def __repr__(self) -> str:
        return f"Entries(scope={self.scope_name!r}, articles={self.articles_only}, live={self.live_at}, n={len(self)})"

    # -- questions about the selection ------------------------------------------------------

    def position(self, path: str) -> int | None:
        """The position of the entry at ``path`` in this selection, or None if it has none."""
        sql, params = self._where("e.path = :path")
        found = self.store.query(f"SELECT e.seq {sql}", {**params, "path": path})
        if not found:
            return None
        sql, params = self._where(f"{self._seq} < :seq")
        return self.store.query(f"SELECT COUNT(*) {sql}", {**params, "seq": found[0][0]})[0][0]

    def tags(self) -> dict[str, str]:
        """Each tag's URL segment -> its display name: the spelling of its oldest entry here."""
        if self._tags is None:
            if (self.scope_name, self.articles_only) == (None, False) and (self.live_at is None or self.all_live):
                rows = self.store.query("SELECT scope, name, oldest FROM scopes WHERE kind = 'tag'")
            else:
                sql, params = self._where()
                # SQLite gives a bare column the values of the row MAX() picked: the oldest entry's spelling.
                rows = self.store.query(
                    f"SELECT m.scope, m.name, MAX(m.seq) FROM members m JOIN (SELECT e.seq {sql}) s ON s.seq = m.seq "
                    "WHERE m.kind = 'tag' GROUP BY m.scope",
                    params,
                )
            self._tags = dict(sorted((scope.removeprefix("/tags/"), name) for scope, name, _ in rows))
        return self._tags

    def sections(self) -> list[str]:
        """The Hugo sections that have entries here, sorted."""
        sql, params = self._where()
        rows = self.store.query(
            f"SELECT DISTINCT m.name FROM members m JOIN (SELECT e.seq {sql}) s ON s.seq = m.seq "
            "WHERE m.kind = 'section'",
            params,
        )
        return sorted(name for (name,) in rows)

    def paths(self) -> Iterator[str]:
        """The page path of each entry, in order, without making entries."""
        yield from (path for path, _ in self.dated_paths())

    def dated_paths(self) -> Iterator[tuple[str, datetime]]:
        """Each entry's page path and ``updated``, in order, without making entries."""
        last = -1
        while True:
            sql, params = self._where(f"{self._seq} > :last")
            rows = self.store.query(
                f"SELECT e.seq, e.path, e.updated {sql} ORDER BY {self._seq} LIMIT {CHUNK * 10}",
                {**params, "last": last},
            )
            yield from ((path, self._updated(seq, text)) for seq, path, text in rows)
            if len(rows) < CHUNK * 10:
                return
            last = rows[-1][0]

    def _updated(self, seq: int, text: str) -> datetime:
        return self.store.instant(seq, text, "updated")

    def newest_updated(self) -> datetime | None:
        """The latest ``updated`` here (the first one, among equal instants), or None if empty."""
        sql, params = self._where()
        rows = self.store.query(f"SELECT e.seq, e.updated {sql} ORDER BY e.updated_us DESC, e.seq LIMIT 1", params)
        return self._updated(*rows[0]) if rows else None

    def withheld(self, site: Site, now: datetime) -> list[Entry]:
        """The entries here that are not published at ``now`` (scheduled, or expired)."""
        sql, params = Entries(self.store, self.scope_name, self.articles_only)._where(f"NOT ({LIVE})")
        params.update(now=micros(now), future=site.publish_future, expired=site.publish_expired)
        rows = self.store.query(f"SELECT {_prefixed(COLUMNS)} {sql} ORDER BY e.seq", params)
        return [self.store.make(row) for row in rows]


LIVE = "(:future OR e.start_us <= :now) AND (:expired OR e.end_us IS NULL OR :now < e.end_us)"


def _prefixed(columns: str) -> str:
    return ", ".join(f"e.{name.strip()}" for name in columns.split(","))
