"""Records to entries: bylines resolved, URLs given, links between entries filled in, clashes reported.

The step after the per-file parse (``entryfile``): it needs every record at once,
as an article's byline may name an author file, and a link may name another post.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from .entryfile import FileRecord
from .entrylinks import Links
from .ids import entry_id
from .jekyll_urls import file_slug
from .model import Author, Entry, Problem, Site
from .sitekind import ARTICLE, AUTHOR, Layout
from .urls import tag_slug


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
        byline = bylines.resolve(record, problems)
        aliases, section = layout.aliases(record, path, site), layout.section(record, site)
        entry = _entry(record, "article", path, byline, site, aliases, section)
        if path in by_path:
            other = by_path[path].source
            problems.append(Problem(path=record.source.path, line=1, message=f"duplicate URL {path} (also {other})"))
            continue
        by_path[path] = entry
    refs = {record.source.path: record.refs for record in records}
    if any(refs.values()):  # mapping every entry's names to its URL costs seconds at 100,000 entries
        links = Links(by_path.values())
        by_path = {path: links.resolve(entry, refs[entry.source], problems) for path, entry in by_path.items()}
    entries = _unique_ids([*by_path.values(), *bios.values()], problems)
    entries.sort(key=lambda entry: (entry.published, entry.id), reverse=True)
    return entries, authors, bios, problems


def _note(record: FileRecord, message: str) -> Problem:
    return Problem(path=record.source.path, line=1, message=message, severity="note")


def _entry(
    record: FileRecord,
    kind: str,
    path: str,
    authors: tuple[Author, ...],
    site: Site,
    aliases: tuple[str, ...] = (),
    section: str = "",
) -> Entry:
    # Made whole at once: a ``dataclasses.replace`` per entry afterwards costs a second at 100,000.
    assert record.published is not None and record.updated is not None and record.body is not None
    return Entry(
        kind=kind,
        slug=record.source.slug,
        # The slug only when the id needs it (jekyll-feed's): working it out costs seconds at 100,000.
        id=record.pinned_id or entry_id(site, path=path, published=record.published, slug=partial(_slug_of, record)),
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
        aliases=aliases,
        section=section,
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
