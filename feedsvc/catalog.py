"""The catalog: every URL the service answers from prepared bytes, and how to build each.

For one content version and one public base URL, ``Catalog`` maps each path
to a ``Resource`` (bodies, encodings and headers computed once). Resources are
built on first use and kept: small sites build everything at start-up with
``warm()``; a huge corpus serves its site feed at once and the rest as asked.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from . import assets, pages
from .documents import FeedDoc
from .formats import FORMATS, render_feed
from .http import Resource, complete, prepare
from .limits import Refused, read_file
from .model import Publishing
from .modified import feed_modified
from .redirects import render_redirect, toggle_slash
from .responses import FEED_HEADERS, HTML, HTML_HEADERS, cache_control
from .routes import Routes
from .schedule import SITE, View, page_scope
from .siteurls import SiteUrls

log = logging.getLogger(__name__)

MAX_DERIVED = 64  # delta answers kept per catalog


class Catalog:
    """Prepared resources of one content version, as published at one instant, for one public base URL.

    Warmed resources are kept for the life of the content version. Others
    (archive pages, the pages of a large corpus) are built on first request
    and kept in an LRU bounded by ``budget`` bytes, so a crawler walking every
    archive page cannot grow a worker without limit.
    """

    def __init__(
        self,
        view: View,
        pub: Publishing,
        budget: int,
        extras: SiteUrls | None = None,
        routes: Routes | None = None,
    ):
        self.view, self.content, self.pub, self.budget = view, view.content, pub, budget
        content = view.content
        # A generator site's own files and old URLs (siteurls.py); none for feedsvc's layout.
        self.extras = extras or SiteUrls()
        # Which document each path is, found on request (routes.py); shared by a content version's catalogs.
        self.routes = routes or Routes(content)
        self._builders = _Builders(self, self.routes)
        self._pinned: dict[str, Resource] = {}
        self._recent: OrderedDict[str, Resource] = OrderedDict()
        self._recent_bytes = 0
        self._derived: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        for path, (media_type, build) in pages.site_files(content.site, self.routes.pagelist.sitemap()).items():
            if self.extras.file_at(path) is None:  # a site's own robots.txt or favicon wins
                self._builders.files[path] = partial(self._generated, build, media_type)
        self._errors: dict[tuple[int, str, str], bytes] = {}

    def get(self, path: str) -> Resource | None:
        """The prepared resource at ``path``, built on first use; None if there is none."""
        resource = self._pinned.get(path) or self.cached(path)
        if resource is None:
            builder = self._builders.get(path) or self._fallback(path)
            if builder is None:
                return None
            # Two threads may both build: the bytes are the same, the last one wins.
            resource = builder()
            if resource is None:  # a site file that went away or is refused
                return None
            self._remember(path, resource)
        return resource

    def cached(self, path: str) -> Resource | None:
        """The resource at ``path`` if it is built, without building it."""
        resource = self._pinned.get(path)
        if resource is None and path in self._recent:
            with self._lock:
                resource = self._recent.get(path)
                if resource is not None:
                    self._recent.move_to_end(path)
        return resource

    def _fallback(self, path: str) -> Callable[[], Resource | None] | None:
        """A builder for what is not a document: a site file, an old URL, the other slash form."""
        file = self.extras.file_at(path)
        if file is not None:
            return lambda: self._file(path, file)
        target = self.extras.redirects.get(path)
        other = toggle_slash(path)
        if target is None and other is not None and self.exists(other):
            target = other  # one canonical form per URL; the other spelling 301s to it
        if target is None:
            return None
        return lambda: self._redirect(target)

    def answers(self, path: str) -> bool:
        """Whether a request for ``path`` gets a document, a site file or a redirect (nothing is built)."""
        return path in self._builders or self._fallback(path) is not None

    def exists(self, path: str) -> bool:
        """Whether ``path`` answers 200: a document or a site file."""
        return path in self._builders or self.extras.file_at(path) is not None

    def derived(self, key: tuple, make: Callable[[], Any]) -> Any:
        """What ``make`` returns, kept with this catalog (the last MAX_DERIVED): RFC 3229 deltas.

        Kept here, not in a module-level cache, so it goes when the catalog does.
        """
        with self._lock:
            found = self._derived.get(key)
        if found is None:
            found = make()
            with self._lock:
                self._derived[key] = found
                while len(self._derived) > MAX_DERIVED:
                    self._derived.popitem(last=False)
        return found

    def paths(self) -> list[str]:
        """Every path in the catalog."""
        return list(self._builders)

    def size(self) -> int:
        """How many paths the catalog has (without listing them)."""
        return len(self._builders)

    @property
    def docs(self) -> Iterator[FeedDoc]:
        """Every feed document, made as it is iterated."""
        return self.routes.docs()

    def current_docs(self) -> Iterator[FeedDoc]:
        """The current document of every feed."""
        return self.routes.current_docs()

    def warm(self, paths: list[str] | None = None) -> None:
        """Build resources now (all, or those at ``paths``) and keep them, so no request waits."""
        for path in self.paths() if paths is None else paths:
            if path not in self._pinned and path in self._builders:
                self._pinned[path] = complete(self._builders[path]())

    def _remember(self, path: str, resource: Resource) -> None:
        # Counted at twice the plain body: its compressed variants, made later, are smaller together.
        size = 2 * len(resource.variants["identity"].body)
        with self._lock:
            if path not in self._recent:
                self._recent_bytes += size
            self._recent[path] = resource
            while self._recent_bytes > self.budget and len(self._recent) > 1:
                _, oldest = self._recent.popitem(last=False)
                self._recent_bytes -= 2 * len(oldest.variants["identity"].body)

    def _cache(self, immutable: bool = False) -> tuple[int, int, int]:
        """(max-age, stale-while-revalidate, stale-if-error): cut per request before a scheduled change."""
        pub = self.pub
        return (pub.archive_max_age if immutable else pub.max_age), pub.stale_while_revalidate, pub.stale_if_error

    def _feed(self, doc: FeedDoc, fmt: str) -> Resource:
        pub, view = self.pub, self.view
        # A settled archive page is out of reach of new publications: only an expiry changes it.
        doc = replace(doc, next_change=view.timeline.next_change(doc.prefix, view.now, expiries_only=doc.settled))
        body = render_feed(doc, fmt, self.content.site, pub)
        links = [f'<{hub}>; rel="hub"' for hub in pub.hubs]
        if links:  # W3C WebSub 4: hub and self links in HTTP headers
            links.append(f'<{pub.url(doc.path(fmt))}>; rel="self"')
        headers = [
            ("Cache-Control", cache_control(self.pub, immutable=doc.is_archive and doc.full)),
            *FEED_HEADERS,
            *([("Link", ", ".join(links))] if links else []),
        ]
        return prepare(
            body,
            FORMATS[fmt].content_type,
            last_modified=feed_modified(doc, view.timeline, view.stamps, view.now),
            headers=headers,
            extra={"doc": doc, "fmt": fmt},
            changes_at=doc.next_change,
            cache=self._cache(doc.is_archive and doc.full),
        )

    def error_page(self, code: int, name: str, description: str) -> bytes:
        """The body of an HTTP error page in the site's look, rendered once per status and text."""
        key = (code, name, description)
        body = self._errors.get(key)
        if body is None:
            body = pages.render_error(self.content.site, self.pub, code, name, description)
            if len(self._errors) < 64:  # statuses are few; descriptions come from our code only
                self._errors[key] = body
        return body

    def _page(self, spec: pages.PageSpec) -> Resource:
        body = pages.render_page(spec, self.content.site, self.pub)
        headers = [("Cache-Control", cache_control(self.pub)), *HTML_HEADERS]
        changes_at = self.view.timeline.next_change(page_scope(spec.path), self.view.now)
        return prepare(body, HTML, headers=headers, changes_at=changes_at, cache=self._cache())

    def _file(self, path: str, file: str) -> Resource | None:
        try:
            body = read_file(file, os.path.realpath(self.extras.root), assets.MAX_BYTES)
        except (OSError, Refused) as exc:
            log.warning("not serving %s: %s", file, exc)
            return None
        return assets.file_resource(path, body, cache_control(self.pub))

    def _redirect(self, target: str) -> Resource:
        location = self.pub.url(target)
        body = render_redirect(location)
        headers = [("Location", location), ("Cache-Control", cache_control(self.pub)), *HTML_HEADERS]
        return prepare(body, HTML, headers=headers, compressible=False, status="301 Moved Permanently")

    def _generated(self, build: Callable[[Publishing], bytes], media_type: str) -> Resource:
        headers = [("Cache-Control", cache_control(self.pub)), ("X-Content-Type-Options", "nosniff")]
        # The sitemap lists every live entry: it changes with the site.
        changes_at = self.view.timeline.next_change(SITE, self.view.now)
        return prepare(build(self.pub), media_type, headers=headers, changes_at=changes_at, cache=self._cache())


class _Builders(Mapping[str, Callable[[], Resource]]):
    """Each path's builder, made when the path is looked up (a mapping over ``Routes``)."""

    def __init__(self, catalog: Catalog, routes: Routes):
        self.catalog, self.routes = catalog, routes
        self.files: dict[str, Callable[[], Resource]] = {}  # style sheet, robots.txt, sitemaps, icons

    def __getitem__(self, path: str) -> Callable[[], Resource]:
        found = self.routes.feed(path)
        if found is not None:
            return partial(self.catalog._feed, *found)
        spec = self.routes.page(path)
        if spec is not None:
            return partial(self.catalog._page, spec)
        return self.files[path]

    def __iter__(self) -> Iterator[str]:
        yield from self.routes.paths()
        yield from self.files

    def __len__(self) -> int:
        return len(self.routes) + len(self.files)
