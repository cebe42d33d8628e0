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
4. ``assemble`` files the records into entries and authors, resolving bylines
   and reporting clashes.

A file with an error is left out and reported as ``path:line: message``; it never
takes the other entries down. Nothing here reads the clock or file times.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .entryfile import FileRecord, parse_file
from .ids import entry_id
from .index import ContentIndex
from .jekyll_urls import file_slug
from .limits import MAX_FILE_BYTES, Refused, read_file
from .model import Author, Body, Content, Entry, Problem, Site
from .shortcodes import LINK_TOKEN
from .sitekind import ARTICLE, AUTHOR, STATIC, UNREADABLE, UNSET_SINCE, ConfigError, Layout, SourceFile, layout_for
from .urls import tag_slug

__all__ = ["ConfigError", "read_content", "read_site"]


def read_site(folder: Path | str) -> Site:
    """Read and check the site settings of ``folder``; raise ``ConfigError`` saying how to fix it."""
    folder = Path(folder)
    return layout_for(folder).read_site(folder)[0]


def read_content(
    folder: Path | str, *, render: bool = True, max_file_bytes: int = MAX_FILE_BYTES, index: ContentIndex | None = None
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
    layout = layout_for(folder)
    site, problems = layout.read_site(folder)
    settings = f"{layout.kind}/{site!r}"
    digest = hashlib.sha256(settings.encode())
    listed = list(layout.files(folder, site))
    wanted = [source for source in listed if source.role in (ARTICLE, AUTHOR)]
    if index is not None and not render:
        results = index.records(
            root,
            wanted,
            settings,
            lambda source: _read(root, source, max_file_bytes),
            lambda source, raw: _parse(source, raw, site, layout, render=False),
        )
    else:
        results = [_read_and_parse(root, source, site, layout, render, max_file_bytes) for source in wanted]
    found = iter(results)
    records: list[FileRecord] = []
    for source in listed:
        if source.role in (ARTICLE, AUTHOR):
            result, file_digest = next(found)
            digest.update(f"{source.path}\0{file_digest}\0".encode())
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
    if site.since == UNSET_SINCE and entries:
        # A generator site names no start date for its tag: URIs; its oldest entry's is stable.
        site = replace(site, since=min(entry.published for entry in entries))
    return Content(
        site=site,
        entries=tuple(entries),
        authors=authors,
        errors=tuple(p for p in problems if p.severity == "error"),
        notes=tuple(p for p in problems if p.severity != "error"),
        version=digest.hexdigest()[:16],
        bios=bios,
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


def assemble(
    site: Site, layout: Layout, records: list[FileRecord], known_authors: Sequence[Author] = ()
) -> tuple[list[Entry], dict[str, Author], dict[str, Entry], list[Problem]]:
    """File records into entries (newest first), authors and bios; report what clashes."""
    problems: list[Problem] = []
    authors: dict[str, Author] = {author.slug: author for author in known_authors}
    bios: dict[str, Entry] = {}
    for record in (r for r in records if r.source.role == AUTHOR):
        author = Author(
            slug=record.source.slug,
            name=record.title or record.source.slug,
            email=record.email,
            website=record.website,
            image=record.image,
        )
        authors[author.slug] = author
        if record.ok and record.published and not record.draft:
            bios[author.slug] = _entry(record, "author", author.path, (author,), site)
        elif record.draft:
            problems.append(_note(record, "a draft author: named in bylines, without a bio entry"))
    bylines = _Bylines(authors, site)
    by_path: dict[str, Entry] = {}
    for record in (r for r in records if r.source.role == ARTICLE):
        if record.draft:
            problems.append(_note(record, "a draft (draft: true, published: false or in _drafts/): not published"))
            continue
        if not record.ok:
            continue
        try:
            path = layout.permalink(record, site)
        except ValueError as exc:  # a permalinks pattern naming an attribute the generator lacks
            problems.append(Problem(path=record.source.path, line=1, message=str(exc)))
            continue
        entry = _entry(record, "article", path, bylines.resolve(record, problems), site)
        entry = replace(entry, aliases=layout.aliases(record, path, site), section=layout.section(record, site))
        if path in by_path:
            other = by_path[path].source
            problems.append(Problem(path=record.source.path, line=1, message=f"duplicate URL {path} (also {other})"))
            continue
        by_path[path] = entry
    links = Links(by_path.values())
    refs = {record.source.path: record.refs for record in records}
    by_path = {path: links.resolve(entry, refs[entry.source], problems) for path, entry in by_path.items()}
    entries = _unique_ids([*by_path.values(), *bios.values()], problems)
    entries.sort(key=lambda entry: (entry.published, entry.id), reverse=True)
    return entries, authors, bios, problems


def _note(record: FileRecord, message: str) -> Problem:
    return Problem(path=record.source.path, line=1, message=message, severity="note")


def _entry(record: FileRecord, kind: str, path: str, authors: tuple[Author, ...], site: Site) -> Entry:
    assert record.published is not None and record.updated is not None and record.body is not None
    return Entry(
        kind=kind,
        slug=record.source.slug,
        id=record.pinned_id or entry_id(site, path=path, published=record.published, slug=_slug_of(record)),
        title=record.title,
        path=path,
        body=record.body,
        published=record.published,
        updated=record.updated,
        expires=record.expires,
        authors=authors,
        categories=record.categories,
        source=record.source.path,
        given_summary=record.summary,
        image=record.image if kind == "article" else "",
    )


def _slug_of(record: FileRecord) -> str:
    """The slug Jekyll gives a post (front matter ``slug``, else the file's), for jekyll-feed ids."""
    slug = record.fields.get("slug")
    return str(slug) if slug else file_slug(record.source.path)


class _Bylines:
    """Resolve what ``author:`` says (a slug, a display name, a handle, or nothing) to authors."""

    def __init__(self, authors: dict[str, Author], site: Site):
        self.authors, self.site = authors, site
        self.by_name = {author.name.casefold(): author for author in authors.values()}

    def resolve(self, record: FileRecord, problems: list[Problem]) -> tuple[Author, ...]:
        refs = record.author_refs or (self.site.author or self.site.title,)
        found = []
        for ref in refs:
            author = self.authors.get(ref) or self.by_name.get(ref.casefold()) or self._new(ref, record, problems)
            if author is not None and author not in found:
                found.append(author)
        fallback = None if found else self._new(self.site.title, record, problems)
        return tuple(found) or ((fallback,) if fallback else ())

    def _new(self, name: str, record: FileRecord, problems: list[Problem]) -> Author | None:
        """An author known only by the name a byline gives: they get a page and a feed."""
        slug = tag_slug(name)
        if not slug:
            problems.append(_note(record, f"author {name!r} has no letter or digit: left out of the byline"))
            return None
        author = self.authors.get(slug) or Author(slug=slug, name=name)
        self.authors[slug] = self.by_name[name.casefold()] = author
        return author


class Links:
    """Resolve the link tokens Hugo ``ref``/``relref`` and Jekyll ``link``/``post_url`` left in bodies.

    A target is named the ways the generators allow: the file's path in the site
    or under ``content/``, with or without extension, its base name, a bundle's
    folder; ``post_url`` by the post's file name without extension.
    """

    def __init__(self, entries):
        self.paths: dict[str, str] = {}
        for entry in entries:
            for key in self.names(entry.source):
                self.paths.setdefault(key, entry.path)

    @staticmethod
    def names(source: str) -> list[str]:
        relative = source.partition("/")[2]
        names = []
        for path in (relative, relative.removeprefix("content/")):
            stem = posixpath.splitext(path)[0]
            names += [path, "/" + path, stem, "/" + stem]
        base = posixpath.basename(relative)
        stem = posixpath.splitext(base)[0]
        names += [base, stem, "post_url:" + stem]
        if "_posts/" in relative:
            names.append("post_url:" + relative.split("_posts/")[0] + stem)
        if stem in ("index", "_index"):
            folder = posixpath.dirname(relative.removeprefix("content/"))
            names += [folder, "/" + folder, posixpath.basename(folder)]
        return names

    def resolve(self, entry: Entry, refs: tuple[str, ...], problems: list[Problem]) -> Entry:
        """``entry`` with the link tokens of its body pointing at the URLs they name (unknown ones noted, "#")."""
        if not refs:
            return entry
        targets = {}
        for ref in refs:
            target, _, anchor = ref.partition("#")
            path = self.paths.get(target) or self.paths.get(target.strip("/"))
            if path is None:
                name = target.removeprefix("post_url:")
                message = f"link to '{name}' names no published post: it points nowhere"
                problems.append(Problem(path=entry.source, line=1, message=message, severity="note"))
            targets[ref] = "#" if path is None else path + (f"#{anchor}" if anchor else "")
        return replace(entry, body=LinkedBody(entry.body, targets))


class LinkedBody:
    """A body whose link tokens (``shortcodes.REF_PREFIX`` + target) are replaced by the URLs they name."""

    __slots__ = ("body", "targets")

    def __init__(self, body: Body, targets: dict[str, str]):
        self.body, self.targets = body, targets

    @property
    def html(self) -> str:
        return LINK_TOKEN.sub(lambda match: self.targets.get(match.group(1), "#"), self.body.html)

    @property
    def excerpt(self) -> str:
        return self.body.excerpt


def _unique_ids(entries: list[Entry], problems: list[Problem]) -> list[Entry]:
    """Keep the first entry of each id; report the others."""
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen:
            message = f"duplicate id '{entry.id}' (also {seen[entry.id].source})"
            problems.append(Problem(path=entry.source, line=1, message=message))
        else:
            seen[entry.id] = entry
    return list(seen.values())
