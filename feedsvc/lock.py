"""The content lock: when each content file last changed, recorded by the publisher, committed with it.

Last-Modified must move whenever a document's bytes change, and every instance
of one release must agree on it, so it cannot come from a process's clock or
from file times (a fresh checkout has new ones). ``flask --app feedsvc lock``
(``make lock``), run before deploying, writes ``.feedsvc.lock`` in the content
folder: per file its SHA-256, when it was first locked (``added``), when its
bytes last changed (``changed``), and the feed scopes it appears in; per scope,
the last instant something in it changed, including files that were removed
or left it (an entry leaving a tag). Running it again without a change leaves
the file byte for byte as it was.

At start-up ``verify`` compares the lock with what was read. A scope all of
whose files match is *vouched for*: its documents get a Last-Modified from the
lock and the publication and expiry instants (modified.py). A scope touched by a
file that differs from the lock (edited, added or removed since) is not, and its
documents carry no Last-Modified at all, so a client revalidating with
If-Modified-Since alone gets a 200 rather than a 304 that hides a change; ETags
still give 304s. Without a lock, or with site settings that differ, nothing is
vouched for. ``check`` says which files make the lock stale.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .model import Content, Entry
from .schedule import SITE, scopes_of

LOCK_NAME = ".feedsvc.lock"  # hidden: Hugo, Jekyll and static file serving all leave it alone
FORMAT = 1
SITE_FILE = "(site settings)"  # the files of SETTINGS_FILES that the folder has, together
SETTINGS_FILES = (
    *("site.yaml", "hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json"),
    *("_config.yml", "_config.yaml", "_config.toml"),
)


class LockError(ValueError):
    """The lock file cannot be read; the message says how to fix it."""


@dataclass(frozen=True)
class FileRecord:
    """What the lock knows of one content file."""

    sha256: str
    added: datetime
    changed: datetime
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContentLock:
    """The whole lock: files by path inside the content folder, scopes' last changes, removals."""

    files: dict[str, FileRecord]
    scopes: dict[str, datetime]
    removed: dict[str, datetime]

    @property
    def latest(self) -> datetime:
        """The latest instant the lock records."""
        return max([*self.scopes.values(), *(r.changed for r in self.files.values()), *self.removed.values()])


def entry_key(entry: Entry) -> str:
    """The file of ``entry`` as the lock names it: its path inside the content folder (``Content.hashes``)."""
    return entry.source.split("/", 1)[-1]


def file_scopes(content: Content) -> dict[str, tuple[str, ...]]:
    """The scopes each content file's bytes appear in; a bio also reaches every entry its author wrote."""
    scopes = {entry_key(entry): scopes_of(entry) for entry in content.entries}
    by_author: dict[str, set[str]] = {}
    for entry in content.entries:
        for author in entry.authors:
            by_author.setdefault(author.slug, set()).update(scopes_of(entry))
    for slug, bio in content.bios.items():
        scopes[entry_key(bio)] = tuple(sorted(by_author.get(slug, set()) | set(scopes_of(bio))))
    return scopes


def current_files(content: Content, folder: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every published file and the site settings, as (sha256, scopes)."""
    files = {key: (content.hashes[key], scopes) for key, scopes in file_scopes(content).items()}
    files[SITE_FILE] = (settings_hash(folder), ())
    return files


def settings_hash(folder: Path) -> str:
    """A hash of the site's settings files (site.yaml; Hugo's or Jekyll's configuration), as they are."""
    digest = hashlib.sha256()
    found = [Path(folder) / name for name in SETTINGS_FILES]
    found += sorted((Path(folder) / "config").rglob("*"))  # Hugo's configuration folder
    for path in found:
        if path.is_file():
            digest.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def updated_lock(
    content: Content, folder: Path, old: ContentLock | None, now: datetime, *, everything: bool = False
) -> ContentLock:
    """The lock after recording what changed since ``old`` at ``now`` (``old`` itself if nothing did).

    ``everything`` records that every document changed: after an upgrade of feedsvc or
    its templates, which changes bytes the lock cannot see.
    """
    stamp = now.astimezone(UTC).replace(microsecond=0)
    if old is not None:  # strictly later than anything recorded, whatever the publisher's clock says
        stamp = max(stamp, old.latest + timedelta(seconds=1))
    files: dict[str, FileRecord] = {}
    touched: set[str] = set()
    before_files = old.files if old else {}
    for key, (sha256, reach) in sorted(current_files(content, folder).items()):
        before = before_files.get(key)
        if before is not None and before.sha256 == sha256:
            files[key] = replace(before, scopes=reach)  # a bio reaches new articles: no change of its own
            continue
        files[key] = FileRecord(sha256, before.added if before else stamp, stamp, reach)
        touched.update(reach, before.scopes if before else (), [SITE] if key == SITE_FILE else ())
    removed = {k: v for k, v in (old.removed if old else {}).items() if k not in files}
    for key in before_files.keys() - files.keys():
        removed[key] = stamp
        touched.update(before_files[key].scopes)
    if everything:
        files[SITE_FILE] = replace(files[SITE_FILE], changed=stamp)
        touched.add(SITE)
    if old is not None and not touched and files == old.files:
        return old
    scopes = dict(old.scopes if old else {})
    scopes.update(dict.fromkeys(touched, stamp))
    return ContentLock(files, dict(sorted(scopes.items())), dict(sorted(removed.items())))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_lock(folder: Path) -> ContentLock | None:
    """The lock of the content ``folder``, None if it has none; ``LockError`` if it is unreadable."""
    path = Path(folder) / LOCK_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise LockError(f"{path}: cannot read the content lock ({exc}); run `flask --app feedsvc lock`") from None
    try:
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        files = {
            key: FileRecord(r["sha256"], _instant(r["added"]), _instant(r["changed"]), tuple(r["scopes"]))
            for key, r in data["files"].items()
        }
        scopes = {scope: _instant(value) for scope, value in data["scopes"].items()}
        removed = {key: _instant(value) for key, value in data["removed"].items()}
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise LockError(f"{path}: not a feedsvc content lock ({exc}); run `flask --app feedsvc lock`") from None
    return ContentLock(files, scopes, removed)


def lock_digest(folder: Path) -> str:
    """A fingerprint of the lock file's bytes ("" without one): a reload that changes only the lock counts."""
    try:
        return hashlib.sha256((Path(folder) / LOCK_NAME).read_bytes()).hexdigest()
    except OSError:
        return ""


def write_lock(folder: Path, lock: ContentLock) -> None:
    """Write the lock atomically, one file per line so that its diffs read well in review."""

    def record(r: FileRecord) -> dict:
        return {"sha256": r.sha256, "added": _text(r.added), "changed": _text(r.changed), "scopes": list(r.scopes)}

    lines = [f"  {json.dumps(key)}: {json.dumps(record(r), sort_keys=True)}" for key, r in sorted(lock.files.items())]
    text = (
        '{\n "about": "feedsvc content lock: run `flask --app feedsvc lock` before each deploy and commit it",\n'
        f' "format": {FORMAT},\n'
        ' "files": {\n' + ",\n".join(lines) + "\n },\n"
        f' "scopes": {json.dumps({s: _text(v) for s, v in lock.scopes.items()}, indent=2, sort_keys=True)},\n'
        f' "removed": {json.dumps({k: _text(v) for k, v in lock.removed.items()}, indent=2, sort_keys=True)}\n'
        "}\n"
    )
    path = Path(folder) / LOCK_NAME
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
