"""A Jekyll site root as feedsvc reads it (Jekyll 4.3 and jekyll-feed conventions, https://jekyllrb.com/docs/).

- Settings from ``_config.yml``: ``title``, ``description``, ``url`` + ``baseurl``,
  ``lang``, ``timezone``, ``author``, ``excerpt_separator``; ``site.yaml`` beside it
  may add feedsvc's keys.
- Posts are ``_posts/YYYY-MM-DD-title.(md|markdown|html)``, anywhere (``news/_posts/``
  files them under ``news``); ``_drafts/`` are drafts, never published; other pages
  are not posts, as jekyll-feed lists only posts; ``_data/authors.yml`` names authors.
- ``published: false`` unpublishes; a post without a title takes it from its file
  name; ``categories: a b`` is two categories; Liquid renders (``liquid``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from . import liquid, permalinks, siteyaml
from .configfile import read_config
from .hugo import authors_data as _hugo_style_authors
from .jekyll_urls import categories_from_path, file_slug, slugify
from .model import Author, Problem, Site
from .sitekind import ARTICLE, JEKYLL_CONFIGS, SKIPPED, TEXT_SUFFIXES, UNSET_SINCE, Keys, Layout, SourceFile, walk

_DATED = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")


def read_site(folder: Path) -> tuple[Site, list[Problem]]:
    """Read ``_config.yml``, then ``site.yaml`` if there is one."""
    path = next(folder / name for name in JEKYLL_CONFIGS if (folder / name).is_file())
    config = read_config(path)
    author = config.get("author")
    url = str(config.get("url") or "http://127.0.0.1:8000").rstrip("/") + str(config.get("baseurl") or "")
    settings = {
        "title": config.get("title") or config.get("name") or "Jekyll site",
        "description": config.get("description") or config.get("title") or "Jekyll site",
        "language": config.get("lang") or config.get("locale") or "en",
        "timezone": config.get("timezone") or "UTC",
        "tag_authority": re.sub(r"^https?://|[:/].*$", "", url) or "localhost",
        "since": UNSET_SINCE.date().isoformat(),
        "copyright": config.get("copyright"),
        "base_url": url,
        "author": author.get("name") if isinstance(author, dict) else author,
    }
    extra, notes = siteyaml.read_settings(folder / "site.yaml", required=False)
    settings.update(extra)
    separator = config.get("excerpt_separator", "\n\n")
    site = siteyaml.make_site(
        settings,
        str(path),
        kind="jekyll",
        publish_future=config.get("future") is True,
        # The default, a blank line, is the first paragraph: feedsvc's own default summary.
        excerpt_separator="" if separator == "\n\n" else str(separator or ""),
        params=config,
        config=config,
    )
    return site, notes


def files(folder: Path, site: Site) -> Iterator[SourceFile]:
    """Classify every post, draft and page of the site; layouts, includes and data are not content."""
    found, failed = walk(folder)
    yield from failed
    for relative, reported in found:
        parts = relative.split("/")
        if not relative.endswith(TEXT_SUFFIXES) or parts[0] in ("_site", "vendor", "node_modules"):
            continue  # static files (served as they are) and the generator's own folders
        name = parts[-1]
        if "_posts" in parts[:-1] or "_drafts" in parts[:-1]:
            draft = "_drafts" in parts[:-1]
            stem = posixpath.splitext(name)[0]
            dated = _DATED.match(stem)
            if not dated and not draft:
                reason = "not a post: a post's file name starts with its date (YYYY-MM-DD-title.md), as Jekyll requires"
                yield SourceFile(path=reported, role=SKIPPED, reason=reason)
                continue
            yield SourceFile(
                path=reported,
                role=ARTICLE,
                slug=slugify(file_slug(relative)) or "post",
                date=dated.group(1) if dated else "",
                draft=draft,
                categories=tuple(categories_from_path(relative)),
            )
        elif not any(part.startswith("_") for part in parts):
            yield SourceFile(path=reported, role=SKIPPED, reason="a page, not a post: Jekyll's feed lists posts only")


def titleize(path: str) -> str:
    """Jekyll's title for a post without one: its file name's words, capitalised (Utils.titleize_slug)."""
    return " ".join(word[:1].upper() + word[1:] for word in file_slug(path).split("-"))


def authors_data(folder: Path) -> tuple[list[Author], list[Problem]]:
    """Authors from ``_data/authors.yml`` (a map of handle to ``name``, ``email``, ``uri``)."""
    return _hugo_style_authors(folder, "_data")


KEYS = Keys(
    updated=("last_modified_at", "updated", "lastmod"),
    categories=("categories", "category"),
    tags=("tags", "tag"),
    summary=("description", "excerpt"),
    aliases=("redirect_from",),
    published_flag="published",
    known=frozenset(
        ["layout", "permalink", "slug", "excerpt_separator", "render_with_liquid", "redirect_to", "image", "sitemap"]
    ),
)

LAYOUT = Layout(
    kind="jekyll",
    read_site=read_site,
    files=files,
    keys=KEYS,
    preprocess=liquid.render,
    title_from_slug=titleize,
    split_words=True,
    authors_data=authors_data,
    permalink=permalinks.jekyll_path,
    aliases=permalinks.jekyll_aliases,
)
