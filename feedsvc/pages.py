"""HTML page builders: pure functions from the model to page bytes, with Jinja templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from .documents import FORMATS
from .model import Publishing, Site
from .urls import tag_slug

FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
MONTHS = "January February March April May June July August September October November December".split()


def long_date(moment: datetime) -> str:
    """Format a date for people, the same in every locale: "5 July 2011"."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def tag_path(name: str) -> str:
    """Root-relative URL of a tag's page."""
    return f"/tags/{tag_slug(name)}"


_env = Environment(
    loader=PackageLoader("feedsvc"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["long_date"] = long_date
_env.globals["tag_path"] = tag_path


@dataclass(frozen=True)
class FeedLink:
    """One feed, as offered on a page: autodiscovery ``<link>`` and the /feeds list."""

    title: str
    format: str
    type: str
    path: str


def feed_links(prefix: str, title: str) -> list[FeedLink]:
    """The three formats of the current feed under ``prefix``."""
    return [
        FeedLink(f"{title} ({FORMAT_NAMES[fmt]})", FORMAT_NAMES[fmt], media_type, f"{prefix}/feed.{fmt}")
        for fmt, media_type in FORMATS.items()
    ]


def render_page(
    template: str, site: Site, pub: Publishing, *, path: str, title: str, description: str,
    alternates: list[FeedLink], **context,
) -> bytes:  # fmt: skip
    """Render one page to UTF-8 bytes; every link in it is absolute for ``pub.base_url``."""
    html = _env.get_template(template).render(
        site=site, url=pub.url, path=path, title=title, description=description,
        alternates=alternates, **context,
    )  # fmt: skip
    return html.encode("utf-8")


def render_error(code: int, name: str, description: str) -> bytes:
    """Render the small page every HTTP error shares."""
    return _env.get_template("error.html").render(code=code, name=name, description=description).encode("utf-8")
