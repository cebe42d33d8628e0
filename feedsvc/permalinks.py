"""Each layout's URL rules applied to a parsed file: its canonical path, old paths and section.

The glue between the reader's records and the generators' rules
(``hugo_urls``, ``jekyll_urls``): which front-matter keys and settings feed
them. feedsvc's own layout keeps ``/articles/<slug>`` and has no aliases.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from . import fields, hugo_urls, jekyll_urls
from .entryfile import FileRecord
from .model import Site

# Hugo's default front-matter date keys, in its order (config "frontmatter.date").
HUGO_DATE_KEYS = ("date", "publishdate", "pubdate", "published", "lastmod", "modified")


def _text(value: object) -> str:
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _strings(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [text for text in map(_text, items) if text]


def content_relative(source: str, site: Site) -> str:
    """A Hugo file's path under ``content/`` (``source`` is reported as ``<site>/content/...``)."""
    relative = source.partition("/")[2]
    content_dir = str(site.config.get("contentdir") or "content").strip("/") + "/"
    return relative.removeprefix(content_dir)


def hugo_path(record: FileRecord, site: Site) -> str:
    """The URL Hugo gives the page: ``url``, else the section's ``permalinks`` pattern, else folder + slug."""
    values = record.fields
    key = next((k for k in HUGO_DATE_KEYS if values.get(k) not in (None, "")), None)
    try:
        date = fields.moment(values[key], ZoneInfo(site.timezone)) if key else record.published
    except fields.FieldError:
        date = record.published
    assert date is not None
    page = hugo_urls.HugoPage(
        content_relative(record.source.path, site),
        date,
        title=_text(values.get("title")),
        slug=_text(values.get("slug")),
        url=_text(values.get("url")),
    )
    return hugo_urls.page_path(page, hugo_urls.rules_from_config(site.config))


def hugo_aliases(record: FileRecord, path: str, site: Site) -> tuple[str, ...]:
    """Where Hugo wrote the page's ``aliases`` (relative ones beside the page)."""
    rules = hugo_urls.rules_from_config(site.config)
    return tuple(dict.fromkeys(hugo_urls.alias_path(alias, path, rules) for alias in _strings(record.aliases)))


def hugo_section(record: FileRecord, site: Site) -> str:
    """The URL folder of the page's top-level section ("" for a page at the root of ``content/``)."""
    section = hugo_urls.section_of(content_relative(record.source.path, site))
    return hugo_urls.sanitize(section, lower=hugo_urls.rules_from_config(site.config).lower)


def jekyll_path(record: FileRecord, site: Site) -> str:
    """The URL Jekyll gives the post: its ``permalink``, else the site's (style name or pattern)."""
    assert record.published is not None
    values = record.fields
    source = record.source.path.partition("/")[2]
    post = jekyll_urls.JekyllPost(
        source,
        # Jekyll formats dates in the site's zone (it sets TZ from `timezone`).
        record.published.astimezone(ZoneInfo(site.timezone)),
        jekyll_urls.post_categories(record.source.categories, values),
        slug=_text(values.get("slug")),
        permalink=jekyll_urls.posts_permalink(site.config, source, _text(values.get("permalink"))),
        output_ext=".html",
    )
    return jekyll_urls.post_path(post)


def jekyll_aliases(record: FileRecord, path: str, site: Site) -> tuple[str, ...]:
    """The paths jekyll-redirect-from wrote for the post's ``redirect_from``."""
    return tuple(dict.fromkeys(jekyll_urls.redirect_path(value) for value in _strings(record.aliases)))
