"""A Hugo site root as feedsvc reads it (Hugo 0.111 conventions, https://gohugo.io/content-management/).

- Settings from ``hugo.toml|yaml|json`` (or ``config.*``): ``title``, ``baseURL``,
  ``languageCode``, ``copyright``, ``timeZone``, ``summaryLength``, ``author``,
  ``params`` (``description``, ``author``); ``site.yaml`` beside it may add feedsvc's keys.
- Files under ``content/``: every regular page is an entry, as in Hugo's home RSS;
  ``_index.md`` holds a section's settings; ``<folder>/index.md`` heads a leaf
  bundle (the folder names it, the other files are its resources); ``post.fr.md``
  is a translation, published only in the default language.
- Front matter keys are case-insensitive; dates are ``date``, ``publishDate``,
  ``lastmod``, ``expiryDate`` and their aliases; shortcodes render (``shortcodes``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from . import permalinks, shortcodes, siteyaml
from .configfile import read_config
from .hugo_urls import sanitize
from .model import Author, Problem, Site
from .sitekind import (
    ARTICLE,
    HUGO_CONFIGS,
    SECTION,
    SKIPPED,
    STATIC,
    TEXT_SUFFIXES,
    UNSET_SINCE,
    ConfigError,
    Keys,
    Layout,
    SourceFile,
    walk,
)

OTHER_FORMATS = (".org", ".adoc", ".asciidoc", ".ad", ".rst", ".pandoc", ".pdc")


def _text(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("name")
    return str(value) if isinstance(value, (str, int, float)) else ""


def read_site(folder: Path) -> tuple[Site, list[Problem]]:
    """Read the Hugo configuration, then ``site.yaml`` if there is one."""
    path = next(folder / name for name in HUGO_CONFIGS if (folder / name).is_file())
    config = read_config(path)
    lowered = {str(key).lower(): value for key, value in config.items()}
    params: dict = lowered["params"] if isinstance(lowered.get("params"), dict) else {}
    base = str(lowered.get("baseurl") or "http://127.0.0.1:8000")
    settings = {
        "title": lowered.get("title") or urlsplit(base).netloc or "Hugo site",
        "description": params.get("description") or lowered.get("description") or lowered.get("title"),
        "language": lowered.get("languagecode") or lowered.get("defaultcontentlanguage") or "en",
        "timezone": lowered.get("timezone") or "UTC",
        "tag_authority": urlsplit(base).hostname or "localhost",
        "since": UNSET_SINCE.date().isoformat(),
        "copyright": lowered.get("copyright"),
        "base_url": base,
        "author": _text(lowered.get("author")) or _text(params.get("author")),
    }
    extra, notes = siteyaml.read_settings(folder / "site.yaml", required=False)
    settings.update(extra)
    words = lowered.get("summarylength", 70)
    site = siteyaml.make_site(
        settings,
        str(path),
        kind="hugo",
        summary_words=words if isinstance(words, int) and words > 0 else 70,
        publish_future=lowered.get("buildfuture") is True,
        publish_expired=lowered.get("buildexpired") is True,
        params=params,
        config=lowered,
    )
    return site, notes


def languages(site: Site) -> tuple[str, frozenset[str]]:
    """The default content language and every configured one."""
    default = str(site.config.get("defaultcontentlanguage") or "en").lower()
    configured = site.config.get("languages")
    names = {str(name).lower() for name in configured} if isinstance(configured, dict) else set()
    return default, frozenset(names | {default})


def files(folder: Path, site: Site) -> Iterator[SourceFile]:
    """Classify every file under ``content/``."""
    content_dir = str(site.config.get("contentdir") or "content")
    found, failed = walk(folder, content_dir)
    yield from failed
    default, known = languages(site)
    prefix = content_dir.strip("/") + "/"
    relatives = [(relative[len(prefix) :], reported) for relative, reported in found]
    bundles = {posixpath.dirname(r) for r, _ in relatives if _stem(r)[0] == "index" and r.endswith(TEXT_SUFFIXES)}
    bundles.discard("")
    for relative, reported in relatives:
        directory, name = posixpath.split(relative)
        stem, language = _stem(relative, known)
        bundle = next((b for b in bundles if relative.startswith(b + "/")), None)
        if not name.endswith(TEXT_SUFFIXES):
            why = "an unsupported content format" if name.endswith(OTHER_FORMATS) else ""
            if why:
                yield SourceFile(path=reported, role=SKIPPED, reason=f"{why}: feedsvc reads Markdown and HTML")
            else:
                yield SourceFile(path=reported, role=STATIC, reason="a file published as it is", bundle=bundle or "")
        elif language and language != default:
            reason = f"a translation ({language}): feedsvc publishes the site's default language ({default})"
            yield SourceFile(path=reported, role=SKIPPED, reason=reason)
        elif stem == "_index":
            reason = f"the settings of section '{directory or '/'}' (a list page, not an entry)"
            yield SourceFile(path=reported, role=SECTION, reason=reason)
        elif bundle is not None and (directory, stem) != (bundle, "index"):
            yield SourceFile(path=reported, role=STATIC, reason=f"a resource of page bundle {bundle}", bundle=bundle)
        else:
            slug = posixpath.basename(directory) if stem == "index" else stem
            yield SourceFile(path=reported, role=ARTICLE, slug=sanitize(slug), bundle=bundle or "")


def _stem(relative: str, known: frozenset[str] = frozenset()) -> tuple[str, str]:
    """A content file's name without extension, and its language suffix (``post.fr.md``) if a known one."""
    stem = posixpath.splitext(posixpath.basename(relative))[0]
    base, dot, language = stem.rpartition(".")
    if dot and language.lower() in known:
        return base, language.lower()
    return stem, ""


def untitled(relative: str) -> str:
    """A title for a page that gives none: its file (or bundle folder) name's words, capitalised.

    Hugo publishes such a page with an empty title; feed readers would show it as
    "untitled", so feedsvc names it as Jekyll would and ``check`` notes it.
    """
    stem = _stem(relative)[0]
    if stem in ("index", "_index"):
        stem = posixpath.basename(posixpath.dirname(relative)) or stem
    words = stem.replace("_", "-").split("-")
    return " ".join(word[:1].upper() + word[1:] for word in words if word)


def authors_data(folder: Path, data_dir: str = "data") -> tuple[list[Author], list[Problem]]:
    """Authors from ``data/authors/<slug>.(yaml|toml|json)`` or ``data/authors.(yaml|toml|json)``."""
    found: dict[str, dict] = {}
    problems: list[Problem] = []
    data = folder / data_dir
    for path in sorted(data.glob("authors.*")) + sorted((data / "authors").glob("*.*")):
        if path.suffix not in (".yaml", ".yml", ".toml", ".json"):
            continue
        try:
            mapping = read_config(path)
        except ConfigError as exc:
            problems.append(Problem(path=f"{folder.name}/{path.relative_to(folder)}", line=1, message=str(exc)))
            continue
        if path.parent.name == "authors":
            found[path.stem] = mapping
        else:
            found.update({str(k): v for k, v in mapping.items() if isinstance(v, dict)})
    return [_author(slug, entry) for slug, entry in found.items()], problems


def _author(slug: str, entry: dict) -> Author:
    """One author of a data file: ``name``, ``email``, and a web address under any usual key."""
    website = entry.get("website") or entry.get("uri") or entry.get("url") or ""
    return Author(slug=slug, name=_text(entry) or slug, email=str(entry.get("email") or ""), website=str(website))


KEYS = Keys(
    date=("date", "publishdate", "pubdate", "published", "lastmod", "modified"),
    publish=("publishdate", "pubdate", "published", "date"),
    updated=("lastmod", "modified"),
    expires=("expirydate", "unpublishdate"),
    summary=("summary",),
    aliases=("aliases",),
    known=frozenset(
        [
            "audio",
            "cascade",
            "description",
            "headless",
            "images",
            "iscjklanguage",
            "keywords",
            "layout",
            "linktitle",
            "markup",
            "outputs",
            "resources",
            "series",
            "slug",
            "type",
            "url",
            "videos",
            "weight",
            "_build",
            "build",
            "sitemap",
            "menu",
            "menus",
            "params",
            "translationkey",
            "toc",
        ]
    ),
)

LAYOUT = Layout(
    kind="hugo",
    read_site=read_site,
    files=files,
    keys=KEYS,
    preprocess=shortcodes.render,
    more=("<!--more-->",),
    fold_case=True,
    authors_data=authors_data,
    permalink=permalinks.hugo_path,
    aliases=permalinks.hugo_aliases,
    section=permalinks.hugo_section,
    title_from_slug=untitled,
)
