"""The catalog: every URL the service answers from prepared bytes, and how to build each.

For one content version and one public base URL, ``Catalog`` maps each path
to a ``Resource`` (bodies, encodings and headers computed once). Resources are
built on first use and kept: small sites build everything at start-up with
``warm()``; a huge corpus serves its site feed at once and the rest as asked.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Callable

from . import feeds, jsonfeed, pages
from .documents import FORMATS, FeedDoc, feed_docs, tags_of
from .http import Resource, prepare
from .urls import tag_slug
from .model import Content, Publishing, Site

HTML = "text/html; charset=utf-8"
HTML_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    # No script anywhere; images may come from anywhere content links to.
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: http: data:; "
     "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
]  # fmt: skip
FEED_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Access-Control-Allow-Origin", "*")]


def render_feed(doc: FeedDoc, fmt: str, site: Site, pub: Publishing) -> bytes:
    """Build the bytes of ``doc`` in ``fmt`` ("atom", "rss" or "json")."""
    return jsonfeed.build_json(doc, site, pub) if fmt == "json" else feeds.build(doc, site, fmt, pub)


class Catalog:
    """Prepared resources of one content version for one public base URL."""

    def __init__(self, content: Content, pub: Publishing):
        self.content, self.pub = content, pub
        self.docs = feed_docs(content)
        self._builders: dict[str, Callable[[], Resource]] = {}
        self._built: dict[str, Resource] = {}
        for doc in self.docs:
            for fmt in FORMATS:
                self._builders[doc.path(fmt)] = lambda doc=doc, fmt=fmt: self._feed(doc, fmt)
        self._add_pages()

    def get(self, path: str) -> Resource | None:
        """The prepared resource at ``path``, built on first use; None if there is none."""
        resource = self._built.get(path)
        if resource is None:
            builder = self._builders.get(path)
            if builder is None:
                return None
            # Two threads may both build: the bytes are the same, the last one wins.
            resource = self._built[path] = builder()
        return resource

    def paths(self) -> list[str]:
        """Every path in the catalog."""
        return list(self._builders)

    def warm(self, paths: list[str] | None = None) -> None:
        """Build resources now (all, or those at ``paths``), so no request waits for them."""
        for path in self.paths() if paths is None else paths:
            self.get(path)

    def _cache_control(self, long: bool) -> str:
        pub = self.pub
        max_age = pub.archive_max_age if long else pub.max_age
        return f"public, max-age={max_age}, stale-while-revalidate={pub.stale_while_revalidate}, stale-if-error={pub.stale_if_error}"

    def _feed(self, doc: FeedDoc, fmt: str) -> Resource:
        pub = self.pub
        body = render_feed(doc, fmt, self.content.site, pub)
        links = [f'<{hub}>; rel="hub"' for hub in pub.hubs]
        if links:  # W3C WebSub 4: hub and self links in HTTP headers
            links.append(f'<{pub.url(doc.path(fmt))}>; rel="self"')
        headers = [
            ("Cache-Control", self._cache_control(doc.is_archive and doc.full)),
            *FEED_HEADERS,
            *([("Link", ", ".join(links))] if links else []),
        ]
        return prepare(
            body, f"{FORMATS[fmt]}; charset=utf-8", last_modified=doc.updated, headers=headers,
            extra={"doc": doc, "fmt": fmt},
        )  # fmt: skip

    def _page(self, template: str, path: str, title: str, description: str, alternates, **context) -> Resource:
        body = pages.render_page(
            template, self.content.site, self.pub, path=path, title=title, description=description,
            alternates=alternates, **context,
        )  # fmt: skip
        headers = [("Cache-Control", self._cache_control(False)), *HTML_HEADERS]
        return prepare(body, HTML, headers=headers)

    def _add_pages(self) -> None:
        content, site = self.content, self.content.site
        site_feeds = pages.feed_links("", site.title)
        author_feeds = {slug: pages.feed_links(a.path, a.name) for slug, a in content.authors.items()}
        tag_names = tags_of(content)
        tag_feeds = {slug: pages.feed_links(f"/tags/{slug}", name) for slug, name in tag_names.items()}
        add = self._builders.__setitem__
        add("/", lambda: self._page("home.html", "/", site.title, site.description, site_feeds, entries=content.entries))
        for entry in content.entries:
            if entry.kind == "article":
                feeds_here = site_feeds + [f for a in entry.authors for f in author_feeds[a.slug]]
                feeds_here += [f for name in entry.categories for f in tag_feeds[tag_slug(name)]]
                add(entry.path, lambda e=entry, f=feeds_here: self._page("article.html", e.path, e.title, e.summary, f, entry=e))
        for slug, author in content.authors.items():
            bio = content.bios[slug]
            articles = [e for e in content.entries if e.kind == "article" and author in e.authors]
            add(author.path, lambda a=author, b=bio, arts=articles: self._page(
                "author.html", a.path, a.name, b.summary, site_feeds + author_feeds[a.slug], author=a, bio=b, articles=arts))
        for slug, name in tag_names.items():
            entries = [e for e in content.entries if any(tag_slug(c) == slug for c in e.categories)]
            add(f"/tags/{slug}", lambda s=slug, n=name, es=entries: self._page(
                "tag.html", f"/tags/{s}", n, f"Entries filed under {n}.", site_feeds + tag_feeds[s], entries=es))
        add("/feeds", lambda: self._page(
            "feeds.html", "/feeds", "Feeds", f"Every feed {site.title} offers, and how to subscribe.", site_feeds,
            groups=self._feed_groups(author_feeds, tag_names, tag_feeds)))
        add("/style.css", lambda: prepare(
            files("feedsvc").joinpath("static/style.css").read_bytes(), "text/css; charset=utf-8",
            headers=[("Cache-Control", self._cache_control(False)), ("X-Content-Type-Options", "nosniff")]))

    def _feed_groups(self, author_feeds, tag_names, tag_feeds) -> list[dict]:
        content, site = self.content, self.content.site
        groups = [{"title": f"Everything on {site.title}", "description": site.description, "feeds": pages.feed_links("", site.title)}]
        for slug, author in sorted(content.authors.items()):
            groups.append({"title": author.name, "description": f"Articles by {author.name}, and their bio.", "feeds": author_feeds[slug]})
        for slug, name in tag_names.items():
            groups.append({"title": name, "description": f"Entries filed under {name}.", "feeds": tag_feeds[slug]})
        return groups
