"""One content file to a ``FileRecord``: a pure function of its path, its bytes and the site.

This is the per-file step of the reader (and what a content index may cache,
keyed by path, content hash and ``READER_VERSION``): front matter read and each
field normalised once, the body prepared for rendering, and every problem of
the file collected in one pass, errors and notes alike. Which author a byline
names, and whether two files clash, is decided later, when the records are
assembled (``reader``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from . import fields
from .frontmatter import Document, FrontMatterError, parse
from .markup import Markdown
from .model import Body, Problem, Site
from .shortcodes import LINK_TOKEN
from .sitekind import AUTHOR, Keys, Layout, SourceFile, own_keys
from .urls import is_slug

READER_VERSION = 4  # bump whenever what a record holds changes, so cached records are read again
AUTHOR_KEYS = {"name", "title", "email", "website", "date", "updated", "lastmod", "summary", "description", "id"}
AUTHOR_KEYS |= {"draft", "image", "avatar"}
_AUTHOR_DATES = Keys()


@dataclass(frozen=True, kw_only=True)
class FileRecord:
    """What one file says: its fields normalised, its body, and its problems."""

    source: SourceFile
    title: str = ""
    published: datetime | None = None  # when the entry goes public
    updated: datetime | None = None
    expires: datetime | None = None
    author_refs: tuple[str, ...] = ()  # slugs, display names or handles, as written
    categories: tuple[str, ...] = ()
    pinned_id: str = ""
    summary: str = ""
    body: Body | None = None  # a Markdown body, or one kept in the content index (index.StoredBody)
    aliases: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()  # link tokens in the body (Hugo ref, Jekyll link/post_url), resolved on assembly
    email: str = ""
    website: str = ""
    image: str = ""  # an article's lead image, an author's photo
    draft: bool = False
    fields: dict = field(default_factory=dict)  # every front-matter key, the unknown ones too
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the file can be published (no errors)."""
        return not any(problem.severity == "error" for problem in self.problems)


class _Fields:
    """Normalise fields one by one, collecting problems with their line numbers."""

    def __init__(self, source: str, document: Document):
        self.source, self.document = source, document
        self.problems: list[Problem] = []

    def line(self, key: str | None) -> int:
        return self.document.lines.get(key, 1) if key else self.document.body_line

    def add(self, key: str | None, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(path=self.source, line=self.line(key), message=message, severity=severity))

    def first(self, keys: tuple[str, ...]) -> str | None:
        return next((key for key in keys if key in self.document.fields), None)

    def get(self, normalise, keys: tuple[str, ...], **options):
        """Normalise the first of ``keys`` present (later keys are aliases); None when absent or wrong."""
        key = self.first(keys)
        try:
            return normalise(self.document.fields.get(key) if key else None, **options)
        except fields.FieldError as exc:
            self.add(key or keys[0], f"{key or keys[0]}: {exc}")
            return None


def parse_file(source: SourceFile, raw: bytes, site: Site, layout: Layout, *, render: bool = False) -> FileRecord:
    """Read one entry or author file; ``render`` also renders the body to check it."""
    try:
        document = parse(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        return _failed(source, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    except FrontMatterError as exc:
        return _failed(source, exc.line, exc.message)
    if layout.fold_case:  # Hugo reads publishDate, publishdate and PublishDate alike
        document = replace(
            document,
            fields={key.lower(): value for key, value in document.fields.items()},
            lines={key.lower(): line for key, line in document.lines.items()},
        )
    f = _Fields(source.path, document)
    keys = layout.keys
    known = AUTHOR_KEYS if source.role == AUTHOR else own_keys(keys)
    for key in sorted(set(document.fields) - known):
        f.add(key, f"unknown key '{key}' is kept but not used", "note")
    if layout.kind == "feedsvc" and not is_slug(source.slug):
        f.add(None, f"file name '{source.slug}' is not a slug (lowercase letters, digits and hyphens)")
    zone = ZoneInfo(site.timezone)
    if source.role == AUTHOR:
        record = _author(f, source, site, zone, render)
    else:
        record = _article(f, source, site, layout, zone, render)
    draft = record["draft"]
    problems = f.problems
    if draft:  # a draft is never published: what is wrong with it can wait
        problems = [Problem(path=p.path, line=p.line, message=p.message, severity="note") for p in problems]
    return FileRecord(source=source, fields=document.fields, problems=tuple(problems), **record)


def _failed(source: SourceFile, line: int, message: str) -> FileRecord:
    return FileRecord(source=source, problems=(Problem(path=source.path, line=line, message=message),))


def _dates(f: _Fields, keys, zone: ZoneInfo, named: str, *, required: bool) -> dict:
    """Publication, update and expiry instants."""
    date_key = f.first(keys.publish) or f.first(keys.date)
    published = f.get(fields.moment, (date_key,), zone=zone) if date_key else None
    if published is None and named:
        published = fields.moment(named, zone)
    if published is None and required and date_key is None:
        f.add("date", "date: is required (the publication date, e.g. 2011-07-05)")
    updated = published
    if f.first(keys.updated):
        updated = f.get(fields.moment, keys.updated, zone=zone)
        if updated and published and updated < published:
            f.add(f.first(keys.updated), f"{f.first(keys.updated)}: is earlier than the publication date")
    expires = f.get(fields.moment, keys.expires, zone=zone) if f.first(keys.expires) else None
    if expires and published and expires <= published:
        f.add(f.first(keys.expires), f"{f.first(keys.expires)}: is not after the publication date")
    return {"published": published, "updated": updated, "expires": expires}


def _body(f: _Fields, text: str, site: Site, layout: Layout, render: bool) -> tuple[Markdown, tuple[str, ...]]:
    """The body, with shortcodes or Liquid rendered and the excerpt divider found."""
    if layout.preprocess is not None:
        text, notes = layout.preprocess(text, f.document.body_line, site, f.document.fields)
        for line, message in notes:
            f.problems.append(Problem(path=f.source, line=line, message=message, severity="note"))
    lead = None
    separator = str(f.document.fields.get("excerpt_separator") or "")
    for divider in (separator, *layout.more, site.excerpt_separator):
        if divider and divider in text:
            lead, _, rest = text.partition(divider)
            text = lead + rest
            break
    else:
        if layout.kind == "jekyll" and (separator or site.excerpt_separator):
            lead = text  # Jekyll: without its separator, the excerpt is the whole post
    words = site.summary_words if layout.kind == "hugo" else 0
    body = Markdown(text, lead=lead, summary_words=words, is_html=f.source.endswith(".html"), language=site.language)
    # Rendering is the slow part: the service only checks that there is text and
    # renders on first use; `check` renders everything.
    if not (body.html if render else body.source.strip()):
        f.add(None, "the body renders empty")
    if render:
        for what in body.removed():
            f.add(None, f"the sanitiser removed {what}", "note")
    return body, tuple(dict.fromkeys(LINK_TOKEN.findall(text)))


def _author(f: _Fields, source: SourceFile, site: Site, zone: ZoneInfo, render: bool) -> dict:
    """An author file: a name, contacts, and a bio entry when it is dated."""
    name = f.get(fields.text, ("name", "title"), required=True)
    dates = _dates(f, _AUTHOR_DATES, zone, "", required=False)
    body = Markdown(f.document.body, language=site.language)
    if dates["published"] and not (body.html if render else body.source.strip()):
        f.add(None, "the body renders empty")
    return {
        "title": name or source.slug,
        "email": f.get(fields.email, ("email",)) or "",
        "website": f.get(fields.text, ("website",)) or "",
        "image": f.get(fields.image, ("image", "avatar")) or "",
        "summary": f.get(fields.text, ("summary", "description")) or "",
        "pinned_id": f.get(fields.iri, ("id",)) if "id" in f.document.fields else "",
        "body": body,
        "draft": bool(f.get(fields.flag, ("draft",))),
        **dates,
    }


def _article(f: _Fields, source: SourceFile, site: Site, layout: Layout, zone: ZoneInfo, render: bool) -> dict:
    """An article file."""
    keys = layout.keys
    title = f.get(fields.text, keys.title, required=layout.title_from_slug is None)
    if not title and layout.title_from_slug is not None:
        title = layout.title_from_slug(source.path)
        f.add(keys.title[0], f"no title: the file name gives '{title}'", "note")
    split = layout.split_words
    categories = (f.get(fields.tag_names, keys.categories, split=split) or ()) + source.categories
    categories += f.get(fields.tag_names, keys.tags, split=split) or ()
    draft = source.draft or bool(f.get(fields.flag, (keys.draft,)))
    if keys.published_flag and keys.published_flag in f.document.fields:
        draft = draft or not f.get(fields.flag, (keys.published_flag,))
    dates = _dates(f, keys, zone, source.date, required=True)
    body, refs = _body(f, f.document.body, site, layout, render)
    return {
        "title": title or "",
        "author_refs": f.get(fields.people, keys.authors) or (),
        "categories": tuple(dict.fromkeys(categories)),
        "summary": f.get(fields.text, keys.summary) or "",
        "pinned_id": f.get(fields.iri, ("id",)) if "id" in f.document.fields else "",
        "aliases": f.get(fields.text_list, keys.aliases) or () if keys.aliases else (),
        "image": f.get(fields.image, keys.image) or "",
        "body": body,
        "refs": refs,
        "draft": draft,
        **dates,
    }
