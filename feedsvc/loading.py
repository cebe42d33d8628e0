"""How the service gets its content: read once per version, by one process, into a store every worker opens.

Reading, assembling and dating 100,000 entries takes seconds and leaves hundreds
of megabytes behind in the process that did it (CPython keeps its peak). So one
process does it per content version, under the content index's lock, and writes
the result to a file of the state folder (``entrystore.write_store``); every
worker then opens that file read-only and holds only the site, its authors and
its problems. A large site is read in a child process, whose memory goes back
to the system when it exits; a small one in the process that asks.

A version's file is named by what it is made from (``store_path``): the SHA-256
of every file (kept by the content index), the site settings, the content lock
and the reader's version. An unchanged folder's store is found from the stat of
its files and the index alone: no file is read or parsed again. A changed file
changes the key: the index reads only the files whose stat changed, and the
store is assembled again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from .entrystore import EntryStore, write_store
from .index import ContentIndex, StoredBody, exclusive, reader_key
from .lock import LockError, lock_digest, read_lock
from .model import Content
from .modified import LockCheck, verify, with_edits
from .reader import FolderListing, folder_listing, read_content, update_index

log = logging.getLogger(__name__)

STORE_VERSION = 2  # bump when what a store holds changes
IN_CHILD_FROM = 5_000  # files from which a version is assembled, or files are read, in a child process
DATA_FILES = ("data/authors.*", "data/authors/*", "_data/authors.*", "_data/authors/*")
KEEP = 3  # store files kept per folder: workers not yet reloaded still read theirs


def dated(content: Content, folder: Path) -> tuple[Content, LockCheck]:
    """``content`` with the edit dates of its content lock, as a version of its own, and what the lock vouches for."""
    try:
        lock = read_lock(folder)
        state = "missing" if lock is None else "current"
    except LockError as exc:
        log.error("%s", exc)
        lock, state = None, "unreadable"
    stamps, problems = verify(content, lock, folder)
    if problems:  # one line, however many files: check lists them all
        more = f" and {len(problems) - 1} more (flask --app feedsvc check)" if len(problems) > 1 else ""
        log.warning("content lock: %s%s; documents they touch carry no Last-Modified", problems[0], more)
    version = hashlib.sha256(f"{content.version}/{lock_digest(folder)}".encode()).hexdigest()[:16]
    content = replace(with_edits(content, lock), version=version)
    return content, LockCheck(stamps, problems, "stale" if state == "current" and problems else state)


def read_dated(folder: Path, max_file_bytes: int, index: ContentIndex | None = None) -> tuple[Content, LockCheck]:
    """Read ``folder`` (through ``index``, if given) and date it: the content as this process holds it."""
    return dated(read_content(folder, render=False, max_file_bytes=max_file_bytes, index=index), folder)


def load(folder: Path, index: ContentIndex, max_file_bytes: int) -> tuple[Content, LockCheck]:
    """The content of ``folder`` from its store, made first (by one process at a time) if there is none."""
    folder = Path(folder)
    listing = folder_listing(folder)
    if index.is_current(listing.stats(os.path.realpath(folder)), listing.settings):
        path = store_path(folder, listing, index)
        if path.exists():  # the usual start: nothing changed since the store was made
            return open_store(path, index)
    index.state_dir.mkdir(parents=True, exist_ok=True)
    # Its own lock, not the index's: the process that makes the store updates the index.
    with exclusive(index.state_dir / f"{index.path.stem}-content.lock"):
        stats = listing.stats(os.path.realpath(folder))
        large = len(listing.files) >= IN_CHILD_FROM
        if not index.is_current(stats, listing.settings):
            # Hash what changed first: a copy with new inodes and file times may still be a stored version.
            if index.stale_files(stats, listing.settings) >= IN_CHILD_FROM:
                _child("index", folder, index, max_file_bytes)
            else:
                refresh(folder, index, max_file_bytes, listing)
        path = store_path(folder, listing, index)
        if not path.exists():  # another process may have just made it
            if large:
                _child("store", folder, index, max_file_bytes)
            else:
                build(folder, index, max_file_bytes, listing)
            if not path.exists():
                raise OSError(f"{folder} changed while it was read: reload again")
            _prune(index, path)
    return open_store(path, index)


def refresh(folder: Path, index: ContentIndex, max_file_bytes: int, listing: FolderListing | None = None) -> None:
    """Bring ``index`` up to date with ``folder``."""
    update_index(folder, index, max_file_bytes, listing or folder_listing(folder))


def store_path(folder: Path, listing: FolderListing, index: ContentIndex) -> Path:
    """Where the store of ``listing`` is (or goes), once ``index`` is up to date with it.

    Named by what the content is made of: every entry file's SHA-256 (from the index; a
    file it could not read, by its stat), the other files and why they are not entries,
    the authors' data files, the site settings, the content lock and the reader's version.
    A copy of the folder with new inodes and file times (a PaaS slug) finds the same store
    once the index has hashed its files.
    """
    digest = hashlib.sha256(f"{STORE_VERSION}/{reader_key(listing.settings)}/{lock_digest(folder)}\n".encode())
    digests = index.digests()
    for source in listing.files:
        digest.update(f"{source.path}\0{source.role}\0{source.reason}\0{digests.get(source.path, '')}\n".encode())
    # Authors' data files (Hugo data/, Jekyll _data/) are read besides the listed files.
    for name in sorted(str(p.relative_to(folder)) for pattern in DATA_FILES for p in folder.glob(pattern)):
        digest.update(f"{name}\0".encode() + hashlib.sha256((folder / name).read_bytes()).digest())
    return index.state_dir / f"{index.path.stem}-content-{digest.hexdigest()[:20]}.sqlite"


def build(folder: Path, index: ContentIndex, max_file_bytes: int, listing: FolderListing | None = None) -> None:
    """Read ``folder`` through ``index`` (bringing it up to date) and write its store."""
    listing = listing or folder_listing(folder)
    content = read_content(folder, render=False, max_file_bytes=max_file_bytes, index=index, listing=listing)
    content, check = dated(content, folder)
    held = content.entries.store.held
    assert held is not None
    seqs = {id(entry): seq for seq, entry in enumerate(held)}
    head = {
        "site": content.site,
        "authors": content.authors,
        "bios": {slug: seqs[id(bio)] for slug, bio in content.bios.items()},
        "errors": content.errors,
        "notes": content.notes,
        "version": content.version,
        "check": check,
    }
    write_store(store_path(folder, listing, index), held, {"content": pickle.dumps(head, protocol=5)})


def _child(step: str, folder: Path, index: ContentIndex, max_file_bytes: int) -> None:
    """``refresh`` (``step`` "index") or ``build`` ("store") in a child process: its memory goes back when it ends."""
    code = "import sys; from feedsvc.loading import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, step, str(folder), str(index.state_dir), str(max_file_bytes)]
    log.info("reading %s in a child process (%s)", folder, step)
    # The child imports this feedsvc, wherever the parent was started from.
    here = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, stdin=subprocess.DEVNULL, env=env, check=False)
    if done.returncode != 0:
        raise OSError(f"reading {folder} failed in a child process (exit status {done.returncode})")


def open_store(path: Path, index: ContentIndex) -> tuple[Content, LockCheck]:
    """The content whose store is at ``path``: its entries stay in the file, bodies in the index."""
    authors: dict = {}  # filled from the head, before any entry is made
    store = EntryStore.open(path, authors, lambda body_id: StoredBody(index, body_id))
    raw = store.head("content")
    if raw is None:
        raise OSError(f"{path} is not a whole content store")
    head = pickle.loads(raw)
    authors.update(head["authors"])
    entries = store.entries()
    content = Content(
        site=head["site"],
        entries=entries,
        authors=head["authors"],
        errors=head["errors"],
        notes=head["notes"],
        version=head["version"],
        bios={slug: store.at(seq) for slug, seq in head["bios"].items()},
    )
    return content, head["check"]


def _prune(index: ContentIndex, keep: Path) -> None:
    """Remove all but the newest KEEP stores of this folder (open ones stay readable until closed)."""
    stores = sorted(index.state_dir.glob(f"{index.path.stem}-content-*.sqlite"), key=lambda p: p.stat().st_mtime)
    for old in stores[:-KEEP]:
        if old != keep:
            old.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    """``main(["index" or "store", FOLDER, STATE_DIR, MAX_FILE_BYTES])``: what ``_child`` runs."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    step, folder, state_dir, max_file_bytes = argv
    run = refresh if step == "index" else build
    run(Path(folder), ContentIndex(state_dir, folder), int(max_file_bytes))
    return 0
