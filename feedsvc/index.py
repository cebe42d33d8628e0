"""The content index: each content file's parsed record and rendered body, kept in SQLite between starts.

Reading 100,000 files takes a process most of a minute, and holding their bodies
takes gigabytes, in every worker. The index (one SQLite file in FEEDSVC_STATE_DIR)
keeps what ``entryfile.parse_file`` gave for each file, keyed by its path and the
SHA-256 of its bytes, and each distinct Markdown body with, once rendered, its
sanitised HTML. Workers keep the records' metadata and fetch bodies from the
file when a document is built, so the bodies are shared through the OS page cache.

Bringing it up to date: the folder's stat signature (path, size, mtime, inode of
every file) is compared with the one the index was last updated with. Equal: the
index is opened read-only as it is. Different: one process at a time (an exclusive
lock beside it; the others wait, then find it current) reads the files whose stat
changed and parses again only those whose bytes changed. Stat is only a hint for
what to re-read: what a record holds depends on the bytes alone, so the same
content gives the same bytes wherever the index was built.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import pickle
import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import fields
from importlib import metadata
from pathlib import Path

from . import entryfile
from .entryfile import FileRecord
from .markup import Markdown
from .model import Problem
from .sitekind import SourceFile

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bodies (
    id INTEGER PRIMARY KEY, digest BLOB UNIQUE NOT NULL, source TEXT NOT NULL, lead TEXT,
    summary_words INTEGER NOT NULL, html TEXT, excerpt TEXT, orphaned INTEGER, is_html INTEGER NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, inode INTEGER,
    digest TEXT NOT NULL, record BLOB NOT NULL, body INTEGER REFERENCES bodies(id));
CREATE INDEX IF NOT EXISTS files_body ON files (body);  -- which bodies are still used (_collect)
"""
SCHEMA_VERSION = 4  # bump when the tables change: an index of another version is built again
Signature = tuple[int, int, int]  # size, mtime_ns, inode
Stats = dict[str, "Signature | None"]  # each file's signature, by path
RefusedFiles = dict[str, Problem]  # why a file could not be read, by path
Result = tuple[FileRecord | Problem, str]  # a file's record (or why it could not be read), and its SHA-256
Reader = Callable[[SourceFile], "bytes | Problem"]
Parser = Callable[[SourceFile, bytes], FileRecord]


def reader_key(settings: str) -> str:
    """What every record depends on besides its file: the reader's version and the site's settings."""
    return hashlib.sha256(f"{SCHEMA_VERSION}/{entryfile.READER_VERSION}/{settings}".encode()).hexdigest()


def render_key() -> str:
    """What rendered HTML depends on besides its source: the Markdown renderer and the sanitiser."""
    return "/".join(f"{name} {metadata.version(name)}" for name in ("markdown-it-py", "mdit-py-plugins", "nh3"))


def signatures(root: str, files: list[SourceFile]) -> Stats:
    """The stat signature of each file (None if it cannot be stat'ed: it is then always read again)."""
    result: dict[str, Signature | None] = {}
    for source in files:
        try:
            st = os.stat(os.path.join(root, source.path.partition("/")[2]))
            result[source.path] = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            result[source.path] = None
    return result


def fingerprint(stats: Stats, key: str) -> str:
    """One hash of every file's signature and the reader key: equal means nothing to read again."""
    digest = hashlib.sha256(key.encode())
    for relative, signature in stats.items():
        digest.update(f"{relative}\0{signature}\n".encode())
    return digest.hexdigest()


@contextmanager
def exclusive(lock_path: Path):
    """Hold an exclusive lock on the file ``lock_path`` (made if missing); other processes wait for it."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _connect_rw(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        db.close()
        _remove(path)  # empty, or written by another version of feedsvc: start afresh
        db = sqlite3.connect(path, isolation_level=None)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    # WAL: workers keep reading while a reload writes. The index is a cache that can be
    # built again, so commits need not wait for the disk (a torn file is found and rebuilt).
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -65536")  # 64 MB while writing, instead of spilling every 2 MB
    db.executescript(SCHEMA)
    return db


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class ContentIndex:
    """The index of one content folder, in ``state_dir``; shared by every process serving it."""

    def __init__(self, state_dir: Path | str, folder: Path | str):
        folder = Path(folder).resolve()
        name = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
        self.state_dir = Path(state_dir).absolute()  # a file: URI (read-only opening) needs an absolute path
        self.path = self.state_dir / f"index-{name}.sqlite"
        self.lock_path = self.state_dir / f"index-{name}.lock"
        self._db: sqlite3.Connection | None = None
        self._db_lock = threading.Lock()
        self.read_files = 0  # files read (and hashed) by the last update, for logs and tests
        self.parsed_files = 0  # files parsed by the last update

    # -- bringing the index up to date -------------------------------------------------

    def update(self, files: list[SourceFile], settings: str, read: Reader, parse: Parser, stats: Stats) -> RefusedFiles:
        """Bring the index up to date with ``files``: read only files whose stat changed, parse only changed bytes.

        ``settings`` is what every record depends on (the site's settings), ``read`` reads a
        file within the reader's limits, ``parse`` is the reader's pure per-file step, ``stats``
        the files' ``signatures``. Returns the files that could not be read, and why.
        """
        key = reader_key(settings)
        wanted = fingerprint(stats, key)
        self.read_files = self.parsed_files = 0
        refused: RefusedFiles = {}
        if self._current() != wanted:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            with self.exclusive():
                if self._current() != wanted:  # another process may have just done it
                    refused = self._update(files, stats, key, wanted, read, parse)
        return refused

    def is_current(self, stats: Stats, settings: str) -> bool:
        """Whether the index was last brought up to date with exactly these files and settings."""
        return self._current() == fingerprint(stats, reader_key(settings))

    def stale_files(self, stats: Stats, settings: str) -> int:
        """How many of the files (by their ``stats``) an update would read: those whose stat changed, or all."""
        try:
            with self._db_lock:
                db = self._reader()
                meta = dict(db.execute("SELECT key, value FROM meta"))
                known = {row[0]: tuple(row[1:]) for row in db.execute("SELECT path, size, mtime_ns, inode FROM files")}
        except sqlite3.DatabaseError:  # missing, empty or another version: everything is read
            self.close()
            return len(stats)
        if meta.get("reader") != reader_key(settings):
            return len(stats)
        return sum(1 for path, signature in stats.items() if signature is None or known.get(path) != signature)

    def digests(self) -> dict[str, str]:
        """The SHA-256 of each file the index holds a record of, by path."""
        with self._db_lock:
            return dict(self._reader().execute("SELECT path, digest FROM files"))

    def _current(self) -> str | None:
        """The fingerprint the index was last brought up to date with, or None if it is missing or unreadable."""
        if not self.path.exists():
            return None
        try:
            db = self._reader()
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self.close()
                return None
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        except sqlite3.DatabaseError as exc:
            log.warning("content index %s is unreadable (%s): it will be built again", self.path, exc)
            self.close()
            return None
        return row[0] if row else None

    def exclusive(self):
        """Hold the index's lock: one process updates, the others wait for it."""
        return exclusive(self.lock_path)

    def _writer(self) -> sqlite3.Connection:
        """A read-write connection; a file that is not a usable index is replaced by an empty one."""
        self.close()
        try:
            return _connect_rw(self.path)
        except sqlite3.DatabaseError as exc:
            log.warning("content index %s is corrupt (%s): building it again", self.path, exc)
            _remove(self.path)
            return _connect_rw(self.path)

    def _update(self, files, stats, key: str, wanted: str, read: Reader, parse: Parser) -> dict[str, Problem]:
        """Read the files whose stat changed, parse those whose bytes changed; return the ones refused."""
        db = self._writer()
        refused: dict[str, Problem] = {}
        try:
            db.execute("BEGIN IMMEDIATE")
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("reader") != key:
                db.execute("DELETE FROM files")  # another reader version or other site settings: parse all again
            if meta.get("render") != render_key():
                db.execute("UPDATE bodies SET html = NULL, excerpt = NULL")
            known = {row[0]: row[1:] for row in db.execute("SELECT path, size, mtime_ns, inode, digest FROM files")}
            for source in files:
                old, signature = known.pop(source.path, None), stats[source.path]
                if old is not None and signature is not None and tuple(old[:3]) == signature:
                    continue
                problem = self._refresh(db, source, signature, old, read, parse)
                if problem is not None:
                    refused[source.path] = problem
            db.executemany("DELETE FROM files WHERE path = ?", [(path,) for path in [*known, *refused]])
            self._collect(db, int(meta.get("generation", "0")) + 1)
            # A refused file keeps the index stale, so the next start tries it again.
            meta = {"reader": key, "render": render_key(), "fingerprint": "" if refused else wanted}
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            db.execute("COMMIT")
        finally:
            db.close()
        log.info(
            "content index %s: %d file(s) read, %d parsed, %d removed",
            self.path,
            self.read_files,
            self.parsed_files,
            len(known),
        )
        return refused

    def _refresh(self, db, source: SourceFile, signature, old, read: Reader, parse: Parser) -> Problem | None:
        """Read one file whose stat changed; parse it again only if its bytes did."""
        self.read_files += 1
        raw = read(source)
        if isinstance(raw, Problem):
            return raw
        digest = hashlib.sha256(raw).hexdigest()
        if old is not None and old[3] == digest and signature is not None:
            db.execute("UPDATE files SET size = ?, mtime_ns = ?, inode = ? WHERE path = ?", (*signature, source.path))
            return None
        self.parsed_files += 1
        record = parse(source, raw)
        body = None
        if isinstance(record.body, Markdown):
            markdown = record.body
            state = (markdown.source, markdown.lead, markdown.summary_words, markdown.is_html, markdown.language)
            key = hashlib.sha256(repr(state).encode()).digest()
            db.execute(
                "INSERT OR IGNORE INTO bodies (digest, source, lead, summary_words, is_html, language) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, *state),
            )
            body = db.execute("SELECT id FROM bodies WHERE digest = ?", (key,)).fetchone()[0]
        size, mtime_ns, inode = signature or (-1, -1, -1)  # not stat'ed: read again next time
        db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
            (source.path, size, mtime_ns, inode, digest, _dump(record), body),
        )
        return None

    @staticmethod
    def _collect(db, generation: int) -> None:
        """Delete bodies no file has used since the update before (a worker not yet reloaded may still read one)."""
        used = "SELECT body FROM files WHERE body IS NOT NULL"
        db.execute(f"UPDATE bodies SET orphaned = NULL WHERE orphaned IS NOT NULL AND id IN ({used})")
        db.execute(f"UPDATE bodies SET orphaned = ? WHERE orphaned IS NULL AND id NOT IN ({used})", (generation,))
        db.execute("DELETE FROM bodies WHERE orphaned < ?", (generation,))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),))

    # -- reading -------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        """This process's read-only connection (made on first use)."""
        if self._db is None:
            self._db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        return self._db

    def close(self) -> None:
        """Close this process's connection (a new one is made when next needed)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def records(self, files: list[SourceFile], refused: RefusedFiles) -> list[Result]:
        """Each file's record (or why it was ``refused``) and SHA-256, in the order of ``files``."""
        # Row by row: holding every row's bytes at once would cost 100 MB at 100,000 files.
        sources = {source.path: source for source in files}
        found: dict[str, Result] = {}
        for path, digest, blob, body in self._reader().execute("SELECT path, digest, record, body FROM files"):
            source = sources.get(path)
            if source is not None and path not in refused:
                found[path] = (_loaded(source, blob, body, self), digest)
        return [(refused[source.path], "") if source.path in refused else found[source.path] for source in files]

    def body(self, body_id: int) -> tuple[str, str]:
        """The sanitised HTML and excerpt of a body, rendered now if the index has no rendering of it."""
        with self._db_lock:
            row = (
                self._reader()
                .execute(
                    "SELECT html, excerpt, source, lead, summary_words, is_html, language FROM bodies WHERE id = ?",
                    (body_id,),
                )
                .fetchone()
            )
        if row is None:
            log.error("content index %s: body %d is gone; reload to see the current content", self.path, body_id)
            return "", ""
        html, excerpt, source, lead, words, is_html, language = row
        if html is not None:
            return html, excerpt
        # Rendered once per process (markup's cache).
        markdown = Markdown(source, lead=lead, summary_words=words, is_html=bool(is_html), language=language)
        return markdown.html, markdown.excerpt

    def source(self, body_id: int) -> str:
        """The Markdown source of a body."""
        with self._db_lock:
            row = self._reader().execute("SELECT source FROM bodies WHERE id = ?", (body_id,)).fetchone()
        return row[0] if row else ""

    # -- rendering ahead (flask --app feedsvc build) -------------------------------------

    def render_all(self, processes: int | None = None) -> int:
        """Render every body the index has no HTML for, in parallel; return how many."""
        import multiprocessing

        db = self._writer()
        try:
            # Only the ids here: each worker reads its bodies' sources itself, so no process holds
            # every source at once (a gigabyte at 100,000 articles, and again in each forked worker).
            pending = [body_id for (body_id,) in db.execute("SELECT id FROM bodies WHERE html IS NULL")]
            context = multiprocessing.get_context("fork")
            with context.Pool(processes or os.cpu_count() or 1, _open_sources, (str(self.path),)) as pool:
                rendered = pool.imap(_render, pending, chunksize=64)
                db.execute("BEGIN IMMEDIATE")
                db.executemany("UPDATE bodies SET html = ?, excerpt = ? WHERE id = ?", rendered)
                db.execute("COMMIT")
        finally:
            db.close()
        return len(pending)


# A record is stored as the dict of its fields, without the two that are not its own: the file
# (``SourceFile``, from the current listing) and the body (a row of ``bodies``).
def _dump(record: FileRecord) -> bytes:
    values = {spec.name: getattr(record, spec.name) for spec in fields(record)}
    del values["source"], values["body"]
    return pickle.dumps(values, protocol=5)


def _loaded(source: SourceFile, blob: bytes, body: int | None, index: ContentIndex) -> FileRecord:
    return FileRecord(source=source, body=StoredBody(index, body) if body is not None else None, **pickle.loads(blob))


_sources: sqlite3.Connection | None = None  # a rendering worker's read-only connection (``render_all``)


def _open_sources(path: str) -> None:
    global _sources
    _sources = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro", uri=True)


def _render(body_id: int) -> tuple[str, str, int]:
    assert _sources is not None
    query = "SELECT source, lead, summary_words, is_html, language FROM bodies WHERE id = ?"
    source, lead, words, is_html, language = _sources.execute(query, (body_id,)).fetchone()
    markdown = Markdown(source, lead=lead, summary_words=words, is_html=bool(is_html), language=language)
    return markdown.html, markdown.excerpt, body_id


class StoredBody:
    """An entry's body kept in the index (``model.Body``): fetched from it when used, never held."""

    __slots__ = ("_index", "_id")

    def __init__(self, index: ContentIndex, body_id: int):
        self._index, self._id = index, body_id

    @property
    def body_id(self) -> int:
        """Its row in the index (what an entry store keeps)."""
        return self._id

    @property
    def html(self) -> str:
        return self._index.body(self._id)[0]

    @property
    def excerpt(self) -> str:
        return self._index.body(self._id)[1]

    @property
    def source(self) -> str:
        return self._index.source(self._id)

    def __repr__(self) -> str:
        # Stands for the content in fingerprints (WebSub topics): the source, through its hash.
        return f"StoredBody({hashlib.sha256(self.source.encode()).hexdigest()[:16]})"

    def __eq__(self, other) -> bool:
        return isinstance(other, StoredBody) and (other._index, other._id) == (self._index, self._id)

    def __hash__(self) -> int:
        return hash(self._id)
