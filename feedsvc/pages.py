"""HTML pages: how a page renders (``render_page``), error pages, and the files beside the pages.

Pages are pure functions of the content and the publishing settings, like the
feeds: which pages exist is in ``pagelist.py``, templates in ``templates/``,
link previews in ``preview.py``, follow blocks in ``follow.py``, robots.txt,
sitemap and favicon bytes in ``webfiles.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from importlib.resources import files
from operator import attrgetter
from typing import Protocol

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from . import preview, webfiles
from .dates import long_date
from .follow import RECOMMENDED, follow
from .formats import FORMATS
from .markup import typographic
from .model import Entry, Publishing, Site
from .urls import tag_slug

PAGE_SIZE = 20  # entries per listing page (home, tags); the rest on /page/2, /page/3...


def tag_path(name: str) -> str:
    """Root-relative URL of a tag's page."""
    return f"/tags/{tag_slug(name)}"


_BREAK_BEFORE = re.compile(r"(?<=[^/])/(?!/)|(?=[.?])")  # after a lone "/", before "." or "?"


def breakable(url: str) -> Markup:
    """``url`` as unbreakable pieces with a line-break opportunity after each "/" and before "." or "?".

    Browsers also wrap after a hyphen ("cyber-|war"), which reads as a hyphenated word: each
    piece is a nowrap span, so an address only wraps where a reader can see it is one.
    """
    pieces, start = [], 0
    for match in _BREAK_BEFORE.finditer(url):
        end = match.end()
        if end > start:
            pieces.append(url[start:end])
            start = end
    pieces.append(url[start:])
    return Markup("<wbr>".join(f'<span class="nowrap">{escape(piece)}</span>' for piece in pieces if piece))


@pass_context
def typography(context, text: str) -> str:
    """Titles and summaries with the typographic quotes and dashes of the site's language, as bodies have."""
    return typographic(text, context["site"].language)


_env = Environment(
    loader=PackageLoader("feedsvc"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["long_date"] = long_date
_env.filters["breakable"] = breakable
_env.filters["typo"] = typography
_env.globals["tag_path"] = tag_path


@dataclass(frozen=True)
class FeedLink:
    """One feed, as offered on a page: autodiscovery ``<link>`` and the /feeds list."""

    title: str
    format: str
    type: str
    path: str


def feed_links(prefix: str, title: str) -> list[FeedLink]:
    """The three formats of the current feed under ``prefix``, the recommended one first."""
    return [
        FeedLink(f"{title} ({kind.label})", kind.label, kind.media_type, f"{prefix}/feed.{kind.name}")
        for kind in sorted(FORMATS.values(), key=lambda kind: kind.name != RECOMMENDED)
    ]


@dataclass(frozen=True)
class Scope:
    """Something a reader can follow: its name, its page and its feed folder."""

    name: str
    page: str
    prefix: str


@dataclass(frozen=True)
class PageSpec:
    """One HTML page: where it lives, its template and what goes into it."""

    path: str
    template: str
    title: str
    description: str
    alternates: list[FeedLink]
    context: dict
    preview: Callable[[Site, Publishing], preview.Preview]
    follows: tuple[Scope, ...] = ()
    lastmod: datetime | None = None
    links: tuple[tuple[str, str], ...] = field(default=())  # (rel, path): prev/next of paginated lists


def render_page(spec: PageSpec, site: Site, pub: Publishing) -> bytes:
    """Render one page to UTF-8 bytes; every link in it is absolute for ``pub.base_url``."""
    follows = [follow(s.name, pub.url(s.page), pub.url(f"{s.prefix}/feed.{RECOMMENDED}")) for s in spec.follows]
    html = _env.get_template(spec.template).render(
        site=site,
        url=pub.url,
        path=spec.path,
        title=spec.title,
        description=spec.description,
        alternates=spec.alternates,
        preview=spec.preview(site, pub),
        follows=follows,
        links=spec.links,
        icon=preview.image_url(pub, site.icon) or pub.url("/favicon.svg"),
        **spec.context,
    )
    return html.encode("utf-8")


# Heading and text per status; any other status uses the HTTP reason phrase and description.
ERRORS = {
    404: ("Page not found", "There is nothing at this address. The link may be mistyped, or the page may have moved."),
    405: ("This address can only be read", "Pages and feeds here can be read, not changed: ask for them with GET."),
    406: (
        "No version you accept",
        "This page exists, but only plain or compressed (gzip, brotli) as usual, which your browser refused.",
    ),
    500: ("Something went wrong", "The fault is ours, not yours. Please try again in a moment."),
}


def render_error(site: Site, pub: Publishing, code: int, name: str, description: str) -> bytes:
    """Render the page of an HTTP error in the site's own look, language and navigation."""
    heading, text = ERRORS.get(code, (name, description))
    spec = PageSpec(
        "/",
        "error.html",
        heading,
        text,
        feed_links("", site.title),
        {"code": code},
        lambda site, pub: preview.Preview(),
    )
    return render_page(spec, site, pub)


def render_bare_error(code: int, name: str, description: str) -> bytes:
    """An error page for a request no site answers (no usable Host): the same words, no site around them."""
    heading, text = ERRORS.get(code, (name, description))
    return _env.get_template("bare_error.html").render(code=code, title=heading, description=text).encode("utf-8")


def static_file(name: str) -> bytes:
    """The bytes of a file in ``static/``."""
    return files("feedsvc").joinpath("static", name).read_bytes()


SiteFile = tuple[str, Callable[[Publishing], bytes]]
XML = "application/xml; charset=utf-8"


class Listable(Protocol):
    """A page as the sitemap needs it (a ``PageSpec``, or ``pagelist.Listed``)."""

    @property
    def path(self) -> str: ...

    @property
    def lastmod(self) -> datetime | None: ...


def site_files(site: Site, specs: Sequence[Listable]) -> dict[str, SiteFile]:
    """The files beside the pages, each as (media type, builder from the publishing settings)."""
    # Each sitemap file's pages are walked when it is built: a large site's listing takes seconds.
    chunks = [(i, i + webfiles.SITEMAP_LIMIT) for i in range(0, len(specs), webfiles.SITEMAP_LIMIT)]
    result: dict[str, SiteFile] = {
        "/style.css": ("text/css; charset=utf-8", lambda pub: static_file("style.css")),
        "/follow.js": ("text/javascript; charset=utf-8", lambda pub: static_file("follow.js")),
        "/robots.txt": ("text/plain; charset=utf-8", lambda pub: webfiles.robots_txt(pub.url("/sitemap.xml"))),
    }
    if len(chunks) <= 1:
        result["/sitemap.xml"] = (XML, partial(_sitemap, specs, 0, len(specs)))
    else:  # sitemaps.org: a site over the limit lists its sitemap files in a sitemap index
        names = [f"/sitemap-{number}.xml" for number in range(1, len(chunks) + 1)]
        result["/sitemap.xml"] = (XML, partial(sitemap_index, names))
        result.update(
            {name: (XML, partial(_sitemap, specs, *chunk)) for name, chunk in zip(names, chunks, strict=True)}
        )
    if not site.icon:
        icon = ("image/svg+xml", lambda pub: webfiles.favicon_svg(site.title))
        # Readers (Liferea, NetNewsWire) ask /favicon.ico whatever the page says; an SVG answers them.
        result.update({"/favicon.svg": icon, "/favicon.ico": icon})
    return result


def sitemap_index(names: list[str], pub: Publishing) -> bytes:
    """The sitemap index naming ``names``."""
    return webfiles.sitemap_index_xml([pub.url(name) for name in names])


def _sitemap(specs: Sequence[Listable], start: int, stop: int, pub: Publishing) -> bytes:
    return webfiles.sitemap_xml([webfiles.SitemapURL(pub.url(s.path), s.lastmod) for s in specs[start:stop]])


def newest(entries: list[Entry] | tuple[Entry, ...]) -> datetime | None:
    """When the newest of ``entries`` last changed: a listing page's lastmod."""
    return max(map(attrgetter("updated"), entries), default=None)  # no generator: 27,000 listing pages at 100,000
