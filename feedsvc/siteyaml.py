"""feedsvc's own layout: ``site.yaml``, ``authors/<slug>.md``, ``articles/**/<slug>.md``.

``site.yaml`` is also read beside a Hugo or Jekyll configuration, for the keys
feedsvc has and the generators do not (``tag_authority``, ``feed_length``...).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import fields
from .configfile import read_config
from .ids import check_scheme
from .model import Problem, Site
from .sitekind import ARTICLE, AUTHOR, SKIPPED, TEXT_SUFFIXES, ConfigError, Keys, Layout, SourceFile, walk
from .urls import normalize_base_url

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
    "author",
    "feed_ids",
}


def read_settings(path: Path, *, required: bool = True) -> tuple[dict, list[Problem]]:
    """The mapping in ``path`` (``site.yaml``), and a note for each key feedsvc does not know."""
    reported = f"{path.parent.name}/{path.name}"
    if not required and not path.exists():
        return {}, []
    data = read_config(path)
    unknown = sorted(set(map(str, data)) - SITE_FIELDS)
    notes = [
        Problem(path=reported, line=1, message=f"unknown setting '{key}' is ignored", severity="note")
        for key in unknown
    ]
    return data, notes


def make_site(data: dict, where: str, **layout) -> Site:
    """Check site settings and build the ``Site``; raise ``ConfigError`` saying how to fix it."""
    try:
        zone_name = str(data.get("timezone") or "UTC")
        zone = ZoneInfo(zone_name)
        site = Site(
            title=fields.text(data.get("title"), required=True),
            description=fields.text(data.get("description"), required=True),
            language=fields.text(data.get("language") or "en"),
            timezone=zone_name,
            tag_authority=fields.text(data.get("tag_authority"), required=True),
            since=fields.moment(str(data.get("since", "")), zone),
            copyright=fields.text(data.get("copyright")),
            feed_length=int(data.get("feed_length", Site.feed_length)),
            base_url=normalize_base_url(str(data.get("base_url", Site.base_url))),
            icon=fields.text(data.get("icon")),
            logo=fields.text(data.get("logo")),
            author=fields.text(data.get("author")),
            feed_ids=check_scheme(str(data.get("feed_ids") or "")),
            **layout,
        )
    except (fields.FieldError, ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if site.feed_length < 1:
        raise ConfigError(f"{where}: feed_length must be a positive number of entries")
    return site


def read_site(folder: Path) -> tuple[Site, list[Problem]]:
    """Read and check ``site.yaml``."""
    data, notes = read_settings(folder / "site.yaml")
    return make_site(data, str(folder / "site.yaml")), notes


def stem(name: str) -> str:
    """A file name without its extension."""
    return os.path.splitext(name)[0]


def files(folder: Path, site: Site) -> Iterator[SourceFile]:
    """Classify every file of the folder; articles/ must be there."""
    found, failed = walk(folder)
    if not (folder / "articles").is_dir():
        yield from walk(folder, "articles")[1]
    yield from failed
    for relative, reported in found:
        top, _, rest = relative.partition("/")
        text = relative.endswith(TEXT_SUFFIXES)
        if relative == "site.yaml":
            continue
        if top == "authors" and text and "/" not in rest:
            yield SourceFile(path=reported, role=AUTHOR, slug=stem(rest))
        elif top == "articles" and text:
            yield SourceFile(path=reported, role=ARTICLE, slug=stem(os.path.basename(rest)))
        else:
            reason = "not an article or author: feedsvc reads articles/**/*.md and authors/*.md"
            yield SourceFile(path=reported, role=SKIPPED, reason=reason)


KEYS = Keys(
    # Scheduling as Hugo spells it: publishDate (else date) goes out, expiryDate (or expires) withdraws.
    publish=("publishDate", "date"),
    expires=("expiryDate", "expires"),
    updated=("updated", "lastmod"),
    summary=("summary", "description"),
)

LAYOUT = Layout(kind="feedsvc", read_site=read_site, files=files, keys=KEYS, more=("<!--more-->",))
