"""The reader: a content folder to a ``Content`` model, with every problem collected.

Layout::

    site.yaml               site settings
    authors/<slug>.md       one author each: bio in Markdown
    articles/**/<slug>.md   one article each

A file with an error is skipped and reported as ``path:line: message``; it never
takes the other entries down. Nothing here reads the clock or file times.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from . import fields
from .frontmatter import Document, FrontMatterError, parse
from .limits import MAX_FILE_BYTES, Refused, check_yaml, read_file
from .markup import Markdown
from .model import Author, Content, ContentError, Entry, Site
from .urls import is_slug, normalize_base_url, tag_uri

ARTICLE_FIELDS = {
    "title",
    "date",
    "updated",
    "lastmod",
    "author",
    "authors",
    "tags",
    "categories",
    "summary",
    "description",
    "id",
    "draft",
}
AUTHOR_FIELDS = {
    "name",
    "title",
    "date",
    "updated",
    "lastmod",
    "email",
    "website",
    "summary",
    "description",
    "id",
    "draft",
}
SITE_FIELDS = {
    "title",
    "description",
    "language",
    "timezone",
    "tag_authority",
    "copyright",
    "feed_length",
    "base_url",
    "icon",
    "logo",
    "since",
}


class ConfigError(RuntimeError):
    """``site.yaml`` is missing or wrong: the service cannot start."""


def load_site(folder: Path) -> Site:
    """Read and check ``site.yaml``; raise ``ConfigError`` saying how to fix it."""
    path = folder / "site.yaml"
    try:
        text = read_file(str(path), os.path.realpath(folder)).decode("utf-8")
        check_yaml(yaml.compose(text, Loader=yaml.SafeLoader))
        data = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, Refused, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else exc
        raise ConfigError(f"{path}: cannot read site settings: {reason}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping of 'key: value' lines")
    unknown = sorted(set(map(str, data)) - SITE_FIELDS)
    if unknown:
        raise ConfigError(f"{path}: unknown settings {unknown}; known: {sorted(SITE_FIELDS)}")
    try:
        ZoneInfo(str(data.get("timezone", "UTC")))
        site = Site(
            title=fields.text(data.get("title"), required=True),
            description=fields.text(data.get("description"), required=True),
            language=fields.text(data.get("language") or "en"),
            timezone=str(data.get("timezone", "UTC")),
            tag_authority=fields.text(data.get("tag_authority"), required=True),
            since=fields.moment(str(data.get("since", "")), ZoneInfo(str(data.get("timezone", "UTC")))),
            copyright=fields.text(data.get("copyright")),
            feed_length=int(data.get("feed_length", 20)),
            base_url=normalize_base_url(str(data.get("base_url", "http://127.0.0.1:8000"))),
            icon=fields.text(data.get("icon")),
            logo=fields.text(data.get("logo")),
        )
    except (fields.FieldError, ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if site.feed_length < 1:
        raise ConfigError(f"{path}: feed_length must be a positive number of entries")
    return site


def load_content(folder: Path | str, *, render: bool = True, max_file_bytes: int = MAX_FILE_BYTES) -> Content:
    """Read a whole content folder; bad files are left out and listed in ``errors``.

    ``render=False`` leaves Markdown to render on first use (the service does,
    so a large corpus starts fast): only a body with no text at all is then an
    error, and one that renders empty (say, nothing but a script) is left to
    ``check``, which renders everything. Each file is read through ``limits``.
    """
    folder = Path(folder)
    site = load_site(folder)
    zone = ZoneInfo(site.timezone)
    errors: list[ContentError] = []
    reader = _Reader(folder, max_file_bytes, errors)
    digest = reader.digest

    authors: dict[str, Author] = {}
    bios: dict[str, Entry] = {}
    for path in markdown_files(folder / "authors", recursive=False, errors=errors):
        parsed = reader.read(path)
        if parsed is not None:
            _add(_author_from(parsed, _stem(path), site, zone, render), authors, bios, errors)

    articles: dict[str, Entry] = {}
    for path in markdown_files(folder / "articles", recursive=True, errors=errors):
        parsed = reader.read(path)
        if parsed is not None:
            _add(_article_from(parsed, _stem(path), site, zone, authors, render), {}, articles, errors)

    entries = _unique_ids([*articles.values(), *bios.values()], errors)
    entries.sort(key=lambda entry: (entry.published, entry.id), reverse=True)
    return Content(site, tuple(entries), authors, tuple(errors), digest.hexdigest()[:16], bios)


def markdown_files(directory: Path, *, recursive: bool, errors: list[ContentError] | None = None) -> list[str]:
    """The ``.md`` files in ``directory``, sorted; plain strings, as pathlib costs seconds at 100k files.

    A folder that is missing or cannot be listed is an error in ``errors``: an empty
    site is never served as if it were complete. Symlinked folders are not followed.
    """

    def unreadable(exc: OSError) -> None:
        where = f"{directory.parent.name}/{os.path.relpath(exc.filename or directory, directory.parent)}"
        if errors is not None:
            errors.append(ContentError(where, 1, f"cannot list this folder: {exc.strerror}"))

    found: list[str] = []
    for root, _folders, names in os.walk(directory, onerror=unreadable):
        found += [os.path.join(root, name) for name in names if name.endswith(".md")]
        if not recursive:
            break
    return sorted(found)


def _stem(path: str) -> str:
    return os.path.basename(path)[: -len(".md")]


class _Reader:
    """Read and split files of one content folder, within ``limits``; every problem goes to ``errors``."""

    def __init__(self, folder: Path, max_file_bytes: int, errors: list[ContentError]):
        self.root = os.path.realpath(folder)
        self.parent = os.path.join(str(folder.parent), "")
        self.folder, self.max_file_bytes, self.errors = folder, max_file_bytes, errors
        self.digest = hashlib.sha256(read_file(str(folder / "site.yaml"), self.root, max_file_bytes))

    def read(self, path: str) -> tuple[str, Document] | None:
        """Return (relative path, document), or None after recording why not."""
        parent = self.parent
        relative = (
            path[len(parent) :] if path.startswith(parent) else os.path.relpath(path, self.folder.parent)
        ).replace(os.sep, "/")
        try:
            raw = read_file(path, self.root, self.max_file_bytes)
            self.digest.update(relative.encode() + b"\0" + raw + b"\0")
            return relative, parse(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            self._error(relative, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        except (FrontMatterError, Refused) as exc:
            self._error(relative, exc.line, exc.message)
        except OSError as exc:
            self._error(relative, 1, f"cannot read: {exc.strerror or exc}")
        except (MemoryError, RecursionError) as exc:
            # One file must not take the others down, whatever it holds.
            self._error(relative, 1, f"too large or deep to read ({type(exc).__name__})")
        return None

    def _error(self, relative: str, line: int, message: str) -> None:
        self.errors.append(ContentError(relative, line, message))


def _add(result, by_slug: dict, entries: dict, errors: list[ContentError]) -> None:
    """File a reader result, or its errors."""
    if isinstance(result, list):
        errors.extend(result)
        return
    author, entry = result if isinstance(result, tuple) else (None, result)
    if entry.slug in entries:
        errors.append(
            ContentError(entry.source, 1, f"duplicate slug '{entry.slug}' (also {entries[entry.slug].source})")
        )
        return
    if author is not None:
        by_slug[author.slug] = author
    entries[entry.slug] = entry


def _unique_ids(entries: list[Entry], errors: list[ContentError]) -> list[Entry]:
    """Keep the first entry of each id; report the others."""
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen:
            errors.append(ContentError(entry.source, 1, f"duplicate id '{entry.id}' (also {seen[entry.id].source})"))
        else:
            seen[entry.id] = entry
    return list(seen.values())


class _Fields:
    """Normalise fields one by one, collecting errors with their line numbers."""

    def __init__(self, source: str, document: Document, allowed: set[str]):
        self.source, self.document, self.errors = source, document, []
        for key in sorted(set(document.fields) - allowed):
            self.error(key, f"unknown field '{key}' (known: {', '.join(sorted(allowed))})")

    def error(self, key: str | None, message: str) -> None:
        line = self.document.lines.get(key, 1) if key else self.document.body_line
        self.errors.append(ContentError(self.source, line, message))

    def get(self, normalise, *keys: str, **options):
        """Normalise the first of ``keys`` present (later keys are aliases)."""
        key = next((k for k in keys if k in self.document.fields), keys[0])
        try:
            return normalise(self.document.fields.get(key), **options)
        except fields.FieldError as exc:
            self.error(key, f"{key}: {exc}")
            return None


def _common(f: _Fields, zone: ZoneInfo, render: bool):
    """Read the fields articles and bios share: dates, summary, body, draft."""
    published = f.get(fields.moment, "date", zone=zone) if "date" in f.document.fields else None
    if published is None and not f.errors:
        f.error("date", "date: is required (the publication date, e.g. 2011-07-05)")
    updated = published
    if "updated" in f.document.fields or "lastmod" in f.document.fields:
        updated = f.get(fields.moment, "updated", "lastmod", zone=zone)
        if updated and published and updated < published:
            f.error("updated", "updated: is earlier than date")
    body = Markdown(f.document.body)
    # Rendering is the slow part: the service only checks that there is text and
    # renders on first use; `check` renders everything.
    if not (body.html if render else body.source.strip()):
        f.error(None, "the body renders empty")
    summary = f.get(fields.text, "summary", "description") or ""
    return published, updated, summary, body


def _author_from(parsed, slug: str, site: Site, zone: ZoneInfo, render: bool):
    """Build an author and their bio entry, or return the list of errors."""
    source, document = parsed
    f = _Fields(source, document, AUTHOR_FIELDS)
    if not is_slug(slug):
        f.error(None, f"file name '{slug}' is not a slug (lowercase letters, digits and hyphens)")
    name = f.get(fields.text, "name", "title", required=True)
    author = Author(slug, name or "", f.get(fields.email, "email") or "", f.get(fields.text, "website") or "")
    published, updated, summary, body = _common(f, zone, render)
    pinned = f.get(fields.iri, "id") if "id" in document.fields else None
    if f.get(fields.flag, "draft") or f.errors:
        return f.errors
    entry = Entry(
        "author",
        slug,
        pinned or tag_uri(site.tag_authority, published, author.path),
        name,
        body,
        published,
        updated,
        (author,),
        (),
        source,
        summary,
    )
    return author, entry


def _article_from(parsed, slug: str, site: Site, zone: ZoneInfo, authors: dict[str, Author], render: bool):
    """Build an article entry, or return the list of errors."""
    source, document = parsed
    f = _Fields(source, document, ARTICLE_FIELDS)
    if not is_slug(slug):
        f.error(None, f"file name '{slug}' is not a slug (lowercase letters, digits and hyphens)")
    title = f.get(fields.text, "title", required=True)
    key = "authors" if "authors" in document.fields else "author"
    author_slugs = f.get(fields.text_list, key) or ()
    if not author_slugs and not f.errors:
        f.error(key, "author: is required (the slug of a file in authors/)")
    for missing in [s for s in author_slugs if s not in authors]:
        f.error(key, f"{key}: no valid author file authors/{missing}.md")
    categories = (f.get(fields.tag_names, "categories") or ()) + (f.get(fields.tag_names, "tags") or ())
    published, updated, summary, body = _common(f, zone, render)
    pinned = f.get(fields.iri, "id") if "id" in document.fields else None
    if f.get(fields.flag, "draft") or f.errors:
        return f.errors
    path = f"/articles/{slug}"
    return Entry(
        "article",
        slug,
        pinned or tag_uri(site.tag_authority, published, path),
        title,
        body,
        published,
        updated,
        tuple(authors[s] for s in author_slugs),
        tuple(dict.fromkeys(categories)),
        source,
        summary,
    )
