"""HTML page builders: pure functions from the model to page bytes, with Jinja templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from .documents import group_entries, tags_of
from .formats import FORMATS
from .model import Content, Publishing, Site
from .urls import tag_slug

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


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
        FeedLink(f"{title} ({kind.label})", kind.label, kind.media_type, f"{prefix}/feed.{kind.name}")
        for kind in FORMATS.values()
    ]


@dataclass(frozen=True)
class PageSpec:
    """One HTML page: where it lives, its template and what goes into it."""

    path: str
    template: str
    title: str
    description: str
    alternates: list[FeedLink]
    context: dict


HOME_LENGTH = 50  # entries on the home page; older ones are in the feeds' archives


def page_specs(content: Content) -> list[PageSpec]:
    """Every HTML page the site has, with the feeds each page offers for autodiscovery."""
    site = content.site
    by_author, by_tag = group_entries(content)
    names = tags_of(content)
    site_feeds = feed_links("", site.title)
    author_feeds = {slug: feed_links(a.path, a.name) for slug, a in content.authors.items()}
    tag_feeds = {slug: feed_links(f"/tags/{slug}", name) for slug, name in names.items()}
    specs = [
        PageSpec("/", "home.html", site.title, site.description, site_feeds, {"entries": content.entries[:HOME_LENGTH]})
    ]
    for entry in content.entries:
        if entry.kind == "article":
            feeds = site_feeds + [f for a in entry.authors for f in author_feeds[a.slug]]
            feeds += [f for slug in dict.fromkeys(map(tag_slug, entry.categories)) for f in tag_feeds[slug]]
            specs.append(
                PageSpec(
                    entry.path,
                    "article.html",
                    entry.title,
                    "",  # the template uses the summary, rendered only then
                    feeds,
                    {"entry": entry},
                )
            )
    for slug, author in content.authors.items():
        bio = content.bios.get(slug)  # an author file without a date has no bio entry
        articles = [e for e in by_author[slug] if e.kind == "article"]
        specs.append(
            PageSpec(
                author.path,
                "author.html",
                author.name,
                f"{author.name}: biography and articles.",
                site_feeds + author_feeds[slug],
                {"author": author, "bio": bio, "articles": articles},
            )
        )
    for slug, name in names.items():
        specs.append(
            PageSpec(
                f"/tags/{slug}",
                "tag.html",
                name,
                f"Entries filed under {name}.",
                site_feeds + tag_feeds[slug],
                {"entries": by_tag[slug]},
            )
        )
    groups = [{"title": f"Everything on {site.title}", "description": site.description, "feeds": site_feeds}]
    groups += [
        {"title": a.name, "description": f"Articles by {a.name}, and their bio.", "feeds": author_feeds[slug]}
        for slug, a in sorted(content.authors.items())
    ]
    groups += [
        {"title": name, "description": f"Entries filed under {name}.", "feeds": tag_feeds[slug]}
        for slug, name in names.items()
    ]
    specs.append(
        PageSpec(
            "/feeds",
            "feeds.html",
            "Feeds",
            f"Every feed {site.title} offers, and how to subscribe.",
            site_feeds,
            {"groups": groups},
        )
    )
    return specs


def render_page(
    template: str,
    site: Site,
    pub: Publishing,
    *,
    path: str,
    title: str,
    description: str,
    alternates: list[FeedLink],
    **context,
) -> bytes:
    """Render one page to UTF-8 bytes; every link in it is absolute for ``pub.base_url``."""
    html = _env.get_template(template).render(
        site=site,
        url=pub.url,
        path=path,
        title=title,
        description=description,
        alternates=alternates,
        **context,
    )
    return html.encode("utf-8")


def render_error(code: int, name: str, description: str) -> bytes:
    """Render the small page every HTTP error shares."""
    return _env.get_template("error.html").render(code=code, name=name, description=description).encode("utf-8")
