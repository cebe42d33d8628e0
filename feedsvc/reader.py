"""The reader: a site folder to a ``Content`` model, with every problem collected.

The pipeline (one direction, each step small):

1. ``sitekind.layout_for`` tells which kind of site the folder is (feedsvc's own
   layout, Hugo or Jekyll) and the layout reads its settings into a ``Site``;
2. the layout classifies every file: entry, author, section settings, static,
   or skipped with a reason (nothing is skipped silently);
3. ``read_file`` reads each file's bytes (the one seam for reading limits) and
   ``entryfile.parse_file`` turns them into a record, a pure function of path,
   bytes and site; the service keeps these records in its content index
   (``index``), which reads and parses only the files that changed;
4. ``assembly.assemble`` files the records into entries and authors, resolving
   bylines and links and reporting clashes.

A file with an error is left out and reported as ``path:line: message``; it never
takes the other entries down. Nothing here reads the clock or file times.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from .assembly import assemble
from .entryfile import FileRecord, parse_file
from .entrystore import EntryStore
from .index import ContentIndex, RefusedFiles, Stats, signatures
from .limits import MAX_FILE_BYTES, Refused, read_file
from .model import Author, Content, Problem, Site
from .sitekind import ARTICLE, AUTHOR, STATIC, UNREADABLE, UNSET_SINCE, ConfigError, Layout, SourceFile, layout_for

__all__ = ["ConfigError", "read_content", "read_site"]


def read_site(folder: Path | str) -> Site:
    """Read and check the site settings of ``folder``; raise ``ConfigError`` saying how to fix it."""
    folder = Path(folder)
    return layout_for(folder).read_site(folder)[0]


@dataclass(frozen=True)
class FolderListing:
    """A site folder as its layout sees it: its settings and every file, classified (nothing read yet)."""

    layout: Layout
    site: Site
    problems: tuple[Problem, ...]
    settings: str  # what every file's record depends on besides the file (the index's key)
    files: list[SourceFile]

    @cached_property
    def entry_files(self) -> list[SourceFile]:
        """The files read as entries or authors."""
        return [source for source in self.files if source.role in (ARTICLE, AUTHOR)]

    def stats(self, root: str) -> Stats:
        """The stat signature of each entry file (taken once: 100,000 files take seconds)."""
        if self._stats is None:
            object.__setattr__(self, "_stats", signatures(root, self.entry_files))
        assert self._stats is not None
        return self._stats

    _stats: Stats | None = field(default=None, compare=False, repr=False)


def folder_listing(folder: Path | str) -> FolderListing:
    """Read the settings of ``folder`` and list its files; raise ``ConfigError`` on bad settings."""
    folder = Path(folder)
    layout = layout_for(folder)
    site, problems = layout.read_site(folder)
    return FolderListing(layout, site, tuple(problems), f"{layout.kind}/{site!r}", list(layout.files(folder, site)))


def read_content(
    folder: Path | str,
    *,
    render: bool = True,
    max_file_bytes: int = MAX_FILE_BYTES,
    index: ContentIndex | None = None,
    listing: FolderListing | None = None,
) -> Content:
    """Read a whole site folder; bad files are left out and listed in ``errors``.

    ``render=False`` leaves Markdown to render on first use (the service does,
    so a large corpus starts fast): only a body with no text at all is then an
    error, and one that renders empty (say, nothing but a script) is left to
    ``check``, which renders everything. Each file is read through ``limits``.
    With an ``index`` (the service's), records of files unchanged since it was
    last brought up to date come from it, and their bodies stay there.
    """
    folder = Path(folder)
    root = os.path.realpath(folder)
    listing = listing or folder_listing(folder)
    layout, site, settings, listed = listing.layout, listing.site, listing.settings, listing.files
    problems = list(listing.problems)
    digest = hashlib.sha256(settings.encode())
    wanted = listing.entry_files
    if index is not None and not render:
        results = index.records(wanted, update_index(folder, index, max_file_bytes, listing))
    else:
        results = [_read_and_parse(root, source, site, layout, render, max_file_bytes) for source in wanted]
    found = iter(results)
    records: list[FileRecord] = []
    hashes: dict[str, str] = {}
    for source in listed:
        if source.role in (ARTICLE, AUTHOR):
            result, file_digest = next(found)
            digest.update(f"{source.path}\0{file_digest}\0".encode())
            if file_digest:  # the content lock compares these (lock.py)
                hashes[source.path.partition("/")[2]] = file_digest
            if isinstance(result, Problem):
                problems.append(result)
            else:
                records.append(result)
        elif source.role != STATIC:  # static files are published as they are (sitefiles)
            # Skipped files and section settings are said, never silent; unlistable folders are errors.
            severity = "error" if source.role == UNREADABLE else "note"
            problems.append(Problem(path=source.path, line=1, message=source.reason, severity=severity))
    known_authors: list[Author] = []
    if layout.authors_data is not None:
        known_authors, data_problems = layout.authors_data(folder)
        problems += data_problems
    entries, authors, bios, assembly_problems = assemble(site, layout, records, known_authors)
    problems += [problem for record in records for problem in record.problems] + assembly_problems
    # Compared by date: the generator's settings read it in the site's zone.
    if site.since.date() == UNSET_SINCE.date() and entries:
        # A generator site names no start date for its tag: URIs; its oldest entry's is stable.
        site = replace(site, since=min(entry.published for entry in entries))
    return Content(
        site=site,
        entries=EntryStore.of(entries).entries(),
        authors=authors,
        errors=tuple(p for p in problems if p.severity == "error"),
        notes=tuple(p for p in problems if p.severity != "error"),
        version=digest.hexdigest()[:16],
        bios=bios,
        hashes=hashes,
    )


def update_index(folder: Path | str, index: ContentIndex, max_file_bytes: int, listing: FolderListing) -> RefusedFiles:
    """Bring ``index`` up to date with the files of ``listing`` (read and parse only what changed)."""
    root = os.path.realpath(folder)
    site, layout = listing.site, listing.layout
    return index.update(
        listing.entry_files,
        listing.settings,
        lambda source: _read(root, source, max_file_bytes),
        lambda source, raw: _parse(source, raw, site, layout, render=False),
        listing.stats(root),
    )


def _read_and_parse(
    root: str, source: SourceFile, site: Site, layout: Layout, render: bool, max_file_bytes: int
) -> tuple[FileRecord | Problem, str]:
    """One file's record (or why it could not be read) and the SHA-256 of its bytes, without an index."""
    raw = _read(root, source, max_file_bytes)
    if isinstance(raw, Problem):
        return raw, ""
    return _parse(source, raw, site, layout, render=render), hashlib.sha256(raw).hexdigest()


def _read(root: str, source: SourceFile, max_file_bytes: int) -> bytes | Problem:
    """The bytes of one file, read within ``limits``, or the problem that stopped it."""
    try:
        return read_file(os.path.join(root, source.path.partition("/")[2]), root, max_file_bytes)
    except Refused as exc:
        message = exc.message
    except OSError as exc:
        message = f"cannot read: {exc.strerror or exc}"
    return Problem(path=source.path, line=1, message=message)


def _parse(source: SourceFile, raw: bytes, site: Site, layout: Layout, *, render: bool) -> FileRecord:
    """Parse one file; whatever it holds, it cannot take the others down."""
    try:
        return parse_file(source, raw, site, layout, render=render)
    except (MemoryError, RecursionError) as exc:
        message = f"too large or deep to read ({type(exc).__name__})"
        return FileRecord(source=source, problems=(Problem(path=source.path, line=1, message=message),))
