"""The running service's state: the loaded content and its catalogs, replaced whole on reload."""

from __future__ import annotations

import gc
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from . import loading
from .catalog import Catalog
from .delta import entries_of
from .deltastore import DeltaStore
from .hosts import BASE_KEY
from .index import ContentIndex
from .model import Content
from .modified import LockCheck
from .reader import read_site
from .schedule import View, view_at
from .settings import Settings
from .siteurls import SiteUrls, site_urls
from .ticker import Clock, ticker, wall_clock

log = logging.getLogger(__name__)

MAX_BASES = 8  # catalogs kept for the base URLs of allowed hosts (FEEDSVC_ALLOWED_HOSTS)
# With FEEDSVC_WARM=auto, a site of up to this many documents (feeds, archive pages,
# pages) is built whole at start-up; a larger one builds the site feeds first and the
# rest on first request. The bundled content has 15; a 1,000-article corpus, 5,000.
AUTO_WARM_LIMIT = 300
SITE_PATHS = ["/", "/feed.atom", "/feed.rss", "/feed.json"]


class StrictContentError(RuntimeError):
    """FEEDSVC_STRICT is set and the content has errors."""


class Prepared(NamedTuple):
    """A content version's documents, built and warmed, ready to be switched to."""

    extras: SiteUrls
    catalog: Catalog
    lock: LockCheck  # what its content lock vouches for


class Service:
    """Loads content and hands out the catalog for a public base URL, as published now.

    ``content`` holds every entry, scheduled and expired ones too; ``view`` is what
    is published at its instant. The process's ticker calls ``tick`` about once a
    second, which replaces the view (and its catalogs) when an entry is due to
    appear or disappear, so that happens on time with no reload and no request.
    """

    def __init__(self, settings: Settings, *, clock: Clock = wall_clock):
        self.settings, self.clock = settings, clock
        self.content_dir = settings.content_dir
        # Parsed files are kept between starts, and bodies shared by the workers, in the content index.
        self.index = ContentIndex(settings.state_folder, settings.content_dir)
        # Without FEEDSVC_SITE_URL, site.yaml's base_url serves where no request names one.
        self.pub = settings.publishing(read_site(settings.content_dir).base_url)
        self.fixed_base = bool(settings.site_url)
        # Set by the first reload, below: typed as always there, as they are once __init__ returns.
        self.content: Content = None  # type: ignore[assignment]
        self.view: View = None  # type: ignore[assignment]
        self.lock = LockCheck()
        self._checks: dict[str, LockCheck] = {}  # the lock as each loaded version found it
        self.state_problem: str | None = None  # why FEEDSVC_STATE_DIR cannot be used, for /healthz
        self.extras = SiteUrls()
        self._catalogs: OrderedDict[str, Catalog] = OrderedDict()
        self._lock = threading.Lock()
        self._publishing = threading.Lock()  # one view replacement at a time (ticker, reload)
        self.listeners: list[Callable[[Catalog], object]] = []  # called with the new catalog after a change
        self.deltas: DeltaStore | None = None
        if settings.delta:
            self.deltas = DeltaStore(settings.state_folder, settings.content_dir, self.default_base)
            self.listeners.append(self._remember_versions)
        self.reload()
        ticker.subscribe(self.tick, clock)

    def reload(self) -> bool:
        """Read the content folder again and serve it; return True if its version changed."""
        return self.adopt(self.load())

    def load(self) -> Content:
        """Read and check the content folder, without serving it; raise if it cannot be served.

        Raises ``ConfigError`` (site settings), ``StrictContentError`` (FEEDSVC_STRICT and
        a file has an error) or ``OSError``; the reloader (``reloader.py``) calls this
        while the current version keeps serving.
        """
        content, check = self._read()
        for error in content.errors:
            log.error("content error: %s", error)
        if content.errors and self.settings.strict:
            raise StrictContentError(f"{len(content.errors)} content error(s), refusing to start (FEEDSVC_STRICT=1)")
        self._checks = {content.version: check}
        return content

    def _read(self) -> tuple[Content, LockCheck]:
        """The content from its store (loading.py); read here, whole, if the state folder cannot hold one."""
        try:
            found = loading.load(self.content_dir, self.index, self.settings.max_file_bytes)
        except (OSError, sqlite3.Error) as exc:
            self.state_problem = f"cannot keep the content index in {self.settings.state_folder}: {exc}"
            log.error("%s; reading every file instead", self.state_problem)
            # The collector would walk the growing heap again and again while hundreds of
            # thousands of objects are made; nothing made here is garbage, so it waits.
            gc.disable()
            try:
                return loading.read_dated(self.content_dir, self.settings.max_file_bytes)
            finally:
                gc.enable()
        self.state_problem = None
        return found

    def adopt(self, content: Content) -> bool:
        """Serve ``content`` from now on; return False if it is the version already served."""
        prepared = self.prepare(content)
        return prepared is not None and self.switch(content, prepared)

    def prepare(self, content: Content) -> Prepared | None:
        """Build the default catalog of ``content`` and warm it, without serving it (None: already served).

        The same content version is served anew when the site's own files changed.
        """
        extras = site_urls(self.content_dir, content)
        if self.content is not None and content.version == self.content.version and extras == self.extras:
            return None
        check = self._checks.get(content.version) or LockCheck()
        catalog = self._build(view_at(content, self.clock(), check.stamps), extras, content)
        return Prepared(extras, catalog, check)

    def switch(self, content: Content, prepared: Prepared) -> bool:
        """Serve ``content`` with its ``prepared`` catalog from the next request on."""
        with self._publishing:
            self.content, self.extras, self.lock = content, prepared.extras, prepared.lock
            self._serve(prepared.catalog)
        log.info(
            "content version %s: %d entries (%d live), %d error(s)",
            content.version,
            len(content.entries),
            len(self.view.content.entries),
            len(content.errors),
        )
        return True

    def tick(self, now) -> bool:
        """Publish what is due at ``now``; True if the view changed. The ticker calls it every second."""
        until = self.view.until
        if until is None or now < until:
            return False
        with self._publishing:
            until = self.view.until  # a reload may have served a newer view meanwhile
            if until is None or now < until:
                return False
            view = view_at(self.content, now, self.lock.stamps, self.view.timeline)
            self._serve(self._build(view, self.extras, self.content))
        log.info("published the content as of %s: %d live entries", now.isoformat(), len(self.view.content.entries))
        return True

    def _build(self, view: View, extras: SiteUrls, content: Content) -> Catalog:
        """The default catalog of ``view`` (of ``content``), warmed: requests keep the current one until built."""
        if len(view.content.entries) != len(content.entries):  # some entries are scheduled or expired
            extras = extras.withholding({entry.path for entry in content.entries.withheld(content.site, view.now)})
        catalog = Catalog(view, self.pub, self.settings.cache_bytes, extras)
        # The home page and the site feeds are what pollers ask for first.
        catalog.warm(None if self._build_whole(catalog) else SITE_PATHS)
        return catalog

    def _serve(self, catalog: Catalog) -> None:
        """Serve ``catalog`` from the next request on, and tell the listeners (WebSub)."""
        with self._lock:
            self.view = catalog.view
            self._catalogs = OrderedDict([(self.default_base, catalog)])
        for listener in self.listeners:
            listener(catalog)

    def _remember_versions(self, catalog: Catalog) -> None:
        """Keep the served current feeds' ETags and entries, for deltas after a reload or restart."""
        served = {}
        for path in catalog.paths():
            resource = catalog.cached(path)
            if resource is not None and "doc" in resource.extra and not resource.extra["doc"].is_archive:
                served[path] = (resource.variants["identity"].etag, entries_of(resource.extra["doc"]))
        assert self.deltas is not None
        self.deltas.record(served)

    def _build_whole(self, catalog: Catalog) -> bool:
        """Whether to build every document at start-up (FEEDSVC_WARM)."""
        if self.settings.warm == "auto":
            return catalog.size() <= AUTO_WARM_LIMIT
        return self.settings.warm == "all"

    @property
    def default_base(self) -> str:
        return self.pub.base_url

    def catalog(self, base: str) -> Catalog:
        """The catalog for ``base``, kept in a small LRU when bases come from requests."""
        catalog = self._catalogs.get(base)
        if catalog is None:
            with self._lock:
                if self.view is None:
                    raise RuntimeError("no content loaded yet: reload() first")
                default = self._catalogs.get(self.default_base)
                catalog = self._catalogs.get(base) or Catalog(
                    self.view,
                    replace(self.pub, base_url=base),
                    self.settings.cache_bytes,
                    self.extras,
                    default.routes if default is not None else None,  # the same documents, other links
                )
                self._catalogs[base] = catalog
                while len(self._catalogs) > MAX_BASES:
                    oldest = next(b for b in self._catalogs if b != self.default_base)
                    del self._catalogs[oldest]
        return catalog

    def catalog_for(self, environ: dict) -> Catalog:
        """The catalog for a request: the default base, or an allowed host's (``hosts.TrustedHosts``)."""
        return self.catalog(environ.get(BASE_KEY) or self.default_base)
