"""Which kind of site a content folder is, and the vocabulary every layout shares.

``FEEDSVC_CONTENT_DIR`` may point at feedsvc's own layout (``site.yaml``), a
Hugo site root (``hugo.toml|yaml|json`` or ``config.*`` beside ``content/``) or a
Jekyll site root (``_config.yml`` and ``_posts/``). Each layout module offers a
``Layout``: how to read the site settings, how to classify every file, which
front-matter keys mean what, and the URL an entry gets.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .model import Author, Problem, Site

# What a file is to the reader; every file of the site gets exactly one role.
ARTICLE, AUTHOR, SECTION, STATIC, SKIPPED = "article", "author", "section", "static", "skipped"
UNREADABLE = "unreadable"  # a folder that cannot be listed: an error, as the site would be incomplete
TEXT_SUFFIXES = (".md", ".markdown", ".mdown", ".html")
# A generator site's Site.since until the reader knows its oldest entry (settings may pin it).
UNSET_SINCE = datetime(1970, 1, 1, tzinfo=UTC)


class ConfigError(RuntimeError):
    """The site's settings are missing or wrong: the service cannot start."""


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """One file of the site and what it is: the reader's plan for it."""

    path: str  # as reported: relative to the content folder's parent, '/'-separated
    role: str
    slug: str = ""
    reason: str = ""  # why a skipped file is not published
    date: str = ""  # the date in the file name (Jekyll's YYYY-MM-DD-title.md)
    draft: bool = False  # in a drafts folder (Jekyll's _drafts/)
    categories: tuple[str, ...] = ()  # from the folders above it (Jekyll's news/_posts/)
    bundle: str = ""  # the page bundle folder a Hugo index.md heads


@dataclass(frozen=True)
class Keys:
    """The front-matter keys a layout reads for each field, the first present winning."""

    title: tuple[str, ...] = ("title",)
    date: tuple[str, ...] = ("date",)
    publish: tuple[str, ...] = ("date",)  # when the entry goes public
    updated: tuple[str, ...] = ("updated", "lastmod")
    expires: tuple[str, ...] = ()
    authors: tuple[str, ...] = ("authors", "author")
    categories: tuple[str, ...] = ("categories",)
    tags: tuple[str, ...] = ("tags",)
    summary: tuple[str, ...] = ("summary", "description")
    aliases: tuple[str, ...] = ()
    image: tuple[str, ...] = ("image", "images")  # the lead image of link previews
    draft: str = "draft"  # true = not published
    published_flag: str = ""  # Jekyll's ``published: false``
    known: frozenset[str] = frozenset()  # keys the generator defines that feedsvc need not read


def own_keys(keys: Keys) -> set[str]:
    """Every key ``keys`` reads."""
    named = [*keys.title, *keys.date, *keys.publish, *keys.updated, *keys.expires, *keys.authors]
    named += [*keys.categories, *keys.tags, *keys.summary, *keys.aliases, *keys.image]
    named += [keys.draft, keys.published_flag, "id"]
    return {key for key in named if key} | keys.known


def article_path(record, site: Site) -> str:
    """feedsvc's own article URL (generator layouts have theirs: ``permalinks``)."""
    return f"/articles/{record.source.slug}"


def no_aliases(record, path: str, site: Site) -> tuple[str, ...]:
    """feedsvc's own layout has no old URLs."""
    return ()


def no_section(record, site: Site) -> str:
    """Only Hugo sites have sections with feeds of their own."""
    return ""


@dataclass(frozen=True)
class Layout:
    """How one kind of site is read."""

    kind: str
    read_site: Callable[[Path], tuple[Site, list[Problem]]]
    files: Callable[[Path, Site], Iterator[SourceFile]]
    keys: Keys
    # URL rules, given the parsed file (an ``entryfile.FileRecord``) and the site (``permalinks``):
    permalink: Callable[..., str] = article_path  # (record, site) -> the canonical root-relative URL
    aliases: Callable[..., tuple[str, ...]] = no_aliases  # (record, path, site) -> old URLs that 301
    section: Callable[..., str] = no_section  # (record, site) -> the section whose feed lists it
    # Rewrites a body before Markdown (shortcodes, Liquid): (text, first line, site, fields) -> text, notes.
    preprocess: Callable[..., tuple[str, list[tuple[int, str]]]] | None = None
    more: tuple[str, ...] = ()  # excerpt dividers of the layout
    fold_case: bool = False  # front-matter keys are case-insensitive (Hugo)
    title_from_slug: Callable[[str], str] | None = None  # the title of a file that gives none
    split_words: bool = False  # "categories: a b" is two names (Jekyll)
    authors_data: Callable[[Path], tuple[list[Author], list[Problem]]] | None = None  # data/authors files


HUGO_CONFIGS = tuple(f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json"))
JEKYLL_CONFIGS = ("_config.yml", "_config.yaml")


def detect(folder: Path) -> str:
    """Tell which kind of site ``folder`` holds, by the files present: "hugo", "jekyll" or "feedsvc"."""
    names = set(os.listdir(folder)) if folder.is_dir() else set()
    if names & set(HUGO_CONFIGS):
        return "hugo"
    if names & set(JEKYLL_CONFIGS) or "_posts" in names:
        return "jekyll"
    return "feedsvc"


def layout_for(folder: Path) -> Layout:
    """The layout module for the site in ``folder``."""
    kind = detect(folder)
    if kind == "hugo":
        from . import hugo

        return hugo.LAYOUT
    if kind == "jekyll":
        from . import jekyll

        return jekyll.LAYOUT
    from . import siteyaml

    return siteyaml.LAYOUT


def walk(folder: Path, top: str = "") -> tuple[list[tuple[str, str]], list[SourceFile]]:
    """The files under ``folder/top`` as (path relative to ``folder``, reported path), sorted,
    and the folders that cannot be listed, as ``UNREADABLE`` source files.

    Plain strings and os.walk, as pathlib costs seconds at 100k files; hidden
    files and folders (``.git``) are left out, as the generators leave them, and
    symlinked folders are not followed. A folder that is missing or cannot be
    listed is an error: an incomplete site is never served as if it were whole.
    """
    base = folder / top if top else folder
    prefix = folder.name
    found: list[tuple[str, str]] = []
    failed: list[SourceFile] = []

    def unreadable(exc: OSError) -> None:
        where = os.path.relpath(exc.filename or base, folder).replace(os.sep, "/")
        reason = f"cannot list this folder: {exc.strerror}"
        failed.append(SourceFile(path=f"{prefix}/{where}", role=UNREADABLE, reason=reason))

    if not base.is_dir():
        unreadable(OSError(2, "no such folder" if not base.exists() else "not a folder", str(base)))
    for root, folders, names in os.walk(base, onerror=unreadable):
        folders[:] = [name for name in folders if not name.startswith(".")]
        relative_root = os.path.relpath(root, folder).replace(os.sep, "/")
        for name in names:
            if not name.startswith("."):
                relative = name if relative_root == "." else f"{relative_root}/{name}"
                found.append((relative, f"{prefix}/{relative}"))
    return sorted(found), failed
