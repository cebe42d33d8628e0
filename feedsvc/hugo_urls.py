"""The URLs Hugo (0.111) gives a site's pages, feeds and taxonomy terms, as pure functions.

Read from Hugo's own code, and checked against the real ``hugo`` by the
integration tests: ``resources/page/permalinks.go`` (the ``permalinks``
patterns), ``resources/page/page_paths.go`` (``CreateTargetPaths``: ``url``,
``slug``, pretty URLs) and ``helpers/path.go`` (``UnicodeSanitize``). Paths
here are root-relative to the site's ``baseURL`` and not percent-encoded.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from .dates import month_name, weekday_name

_ATTRIBUTE = re.compile(r":(\w+)(\[.+?\])?")
_ALLOWED = set("./\\_#+~-@")
_HEX = set("0123456789abcdefABCDEF")


def _allowed(text: str, index: int) -> bool:
    char = text[index]
    if char in _ALLOWED or unicodedata.category(char)[0] in "LM" or unicodedata.category(char) == "Nd":
        return True
    return char == "%" and index + 2 < len(text) and text[index + 1] in _HEX and text[index + 2] in _HEX


def sanitize(text: str, *, lower: bool = True) -> str:
    """Hugo's ``MakePathSanitized``: keep letters, digits and ``./_#+~-@``, spaces become one hyphen."""
    target: list[str] = []
    prepend = was_hyphen = False
    for index, char in enumerate(text):
        if _allowed(text, index):
            was_hyphen = char == "-"
            if prepend and not was_hyphen:
                target.append("-")
            prepend = False
            target.append(char)
        elif target and not was_hyphen and char.isspace():
            prepend = True
    result = "".join(target)
    return result.lower() if lower else result


@dataclass(frozen=True)
class HugoRules:
    """What decides URLs in a Hugo config: ``permalinks`` per section, ``uglyURLs``, ``disablePathToLower``."""

    permalinks: dict[str, str] = field(default_factory=dict)
    ugly_urls: bool = False
    lower: bool = True  # not disablePathToLower
    languages: frozenset[str] = frozenset()  # configured language codes: "post.fr.md" is "post" in French


@dataclass(frozen=True)
class HugoPage:
    """What a page's URL depends on. ``source`` is relative to ``content/``, e.g. ``posts/my-bundle/index.md``."""

    source: str
    date: datetime
    title: str = ""
    slug: str = ""
    url: str = ""


def _parts(source: str, languages: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(directory, base name): the file name without extension and language, or a leaf bundle's folder."""
    directory, name = posixpath.split(source)
    stem = posixpath.splitext(name)[0]
    base, dot, language = stem.rpartition(".")
    if dot and language.lower() in languages:  # TranslationBaseName
        stem = base
    if stem == "index" and directory:  # a leaf bundle takes its folder's name (Hugo #4870)
        directory, stem = posixpath.split(directory)
    return directory, stem


def section_of(source: str) -> str:
    """The page's top-level section: the first folder under ``content/`` ("" at the root)."""
    return source.split("/", 1)[0] if "/" in source else ""


def _expand(pattern: str, page: HugoPage, rules: HugoRules) -> str:
    """Expand one ``permalinks`` pattern (permalinks.go: pageToPermalink*)."""
    date = page.date
    directory, stem = _parts(page.source, rules.languages)

    def value(match: re.Match) -> str:
        name, cut = match.group(1), match.group(2)
        named = {
            "year": str(date.year),
            "month": f"{date.month:02d}",
            "monthname": month_name(date),  # Go's time.Month names: English, as in Hugo
            "day": f"{date.day:02d}",
            "weekday": str(date.isoweekday() % 7),
            "weekdayname": weekday_name(date),
            "yearday": str(date.timetuple().tm_yday),
            "section": section_of(page.source),
            "title": sanitize(page.title, lower=rules.lower),
            "slug": sanitize(page.slug or page.title, lower=rules.lower),
            "slugorfilename": sanitize(page.slug or stem, lower=rules.lower),
            "filename": sanitize(stem, lower=rules.lower),
        }
        if name == "sections":
            sections = [part for part in directory.split("/") if part] if "/" in page.source else []
            return "/".join(_cut(sections, cut)) if cut else "/".join(sections)
        if name not in named:
            raise ValueError(f"permalinks: unknown attribute ':{name}' in {pattern!r}")
        return named[name]

    return _ATTRIBUTE.sub(value, pattern)


def _cut(items: list[str], spec: str) -> list[str]:
    """Hugo's ``:sections[low:high]`` / ``[n]`` / ``[last]`` slicing, lenient at the bounds."""
    inner = spec[1:-1].strip().lower()

    def index(text: str, default: int) -> int:
        if text == "":
            return default
        if text == "last":
            return len(items) - 1
        return min(max(int(text), 0), len(items))

    if ":" not in inner:
        return [items[index(inner, 0)]] if items and index(inner, 0) < len(items) else []
    low, high = inner.split(":", 1)
    return items[index(low, 0) : index(high, len(items))]


def _clean(link: str) -> str:
    """Go's path.Join cleaning: no empty, "." or ".." segments (POSIX normpath would keep a leading "//")."""
    return "/" + posixpath.normpath(link).lstrip("/")


def page_path(page: HugoPage, rules: HugoRules) -> str:
    """The root-relative URL Hugo gives a regular page (page_paths.go, KindPage)."""
    if page.url:
        link = "/" + page.url.strip("/")
        # A front-matter url is kept as written; without a dot it is a folder.
        if page.url.endswith("/") or "." not in page.url:
            return link.rstrip("/") + "/"
        return link
    pattern = rules.permalinks.get(section_of(page.source))
    if pattern is not None:
        link = _clean("/" + _expand(pattern, page, rules))
    else:
        directory, stem = _parts(page.source, rules.languages)
        link = _clean("/" + posixpath.join(directory, page.slug or stem))
    link = sanitize(link, lower=rules.lower)
    return link + ".html" if rules.ugly_urls else link.rstrip("/") + "/"


def list_path(*segments: str, rules: HugoRules | None = None) -> str:
    """The URL of a list page (home, section, taxonomy, term): ``/`` + sanitised segments + ``/``."""
    lower = rules.lower if rules else True
    parts = [sanitize(segment, lower=lower) for segment in segments if segment]
    return "/" + "".join(part + "/" for part in parts)


def rss_path(*segments: str, rules: HugoRules | None = None) -> str:
    """Where Hugo writes the RSS feed of a list page: ``index.xml`` in its folder."""
    return list_path(*segments, rules=rules) + "index.xml"


def alias_path(alias: str, page: str, rules: HugoRules) -> str:
    """Where Hugo writes an alias of the page at ``page`` (site_render.go ``renderAliases``).

    A relative alias sits beside the page; one without ``.html`` is a folder (``index.html``).
    """
    alias = alias.strip().replace("\\", "/")
    if not alias.startswith("/"):
        alias = posixpath.join(posixpath.dirname(page.rstrip("/")), alias)
    alias = _clean(alias)
    if rules.ugly_urls and not alias.endswith(".html"):
        return alias + ".html"
    return alias if alias.endswith(".html") else alias.rstrip("/") + "/"


def rules_from_config(config: dict) -> HugoRules:
    """The URL settings of a Hugo configuration (keys as Hugo spells them, case-insensitively)."""
    lowered = {str(key).lower(): value for key, value in config.items()}
    permalinks = lowered.get("permalinks") or {}
    languages = lowered.get("languages") or {}
    return HugoRules(
        permalinks={str(k).strip(" /"): str(v) for k, v in permalinks.items()} if isinstance(permalinks, dict) else {},
        ugly_urls=lowered.get("uglyurls") is True,
        lower=lowered.get("disablepathtolower") is not True,
        languages=frozenset(str(code).lower() for code in languages) if isinstance(languages, dict) else frozenset(),
    )
