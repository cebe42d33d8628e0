"""The running service's state: the loaded content and its catalogs, replaced whole on reload."""

from __future__ import annotations

import gc
import logging
import sqlite3
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

from .catalog import Catalog
from .hosts import BASE_KEY
from .index import ContentIndex
from .model import Content
from .reader import read_content, read_site
from .settings import Settings
from .siteurls import SiteUrls, site_urls

log = logging.getLogger(__name__)

MAX_BASES = 8  # catalogs kept for the base URLs of allowed hosts (FEEDSVC_ALLOWED_HOSTS)
MAX_PREVIOUS = 3  # earlier content versions remembered for RFC 3229 delta answers
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


class Service:
    """Loads content and hands out the catalog for a public base URL."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.content_dir = settings.content_dir
        # Parsed files are kept between starts, and bodies shared by the workers, in the content index.
        self.index = ContentIndex(settings.state_folder, settings.content_dir)
        # Without FEEDSVC_SITE_URL, site.yaml's base_url serves where no request names one.
        self.pub = settings.publishing(read_site(settings.content_dir).base_url)
        self.fixed_base = bool(settings.site_url)
        self.content: Content | None = None
        self.state_problem: str | None = None  # why FEEDSVC_STATE_DIR cannot be used, for /healthz
        self.extras = SiteUrls()
        self._catalogs: OrderedDict[str, Catalog] = OrderedDict()
        self.previous: deque[Catalog] = deque(maxlen=MAX_PREVIOUS)
        self._lock = threading.Lock()
        self.listeners: list[Callable[[Catalog], object]] = []  # called with the new catalog after a change
        self.reload()

    def reload(self) -> bool:
        """Read the content folder again and serve it; return True if its version changed."""
        return self.adopt(self.load())

    def load(self) -> Content:
        """Read and check the content folder, without serving it; raise if it cannot be served.

        Raises ``ConfigError`` (site settings), ``StrictContentError`` (FEEDSVC_STRICT and
        a file has an error) or ``OSError``; the reloader (``reloader.py``) calls this
        while the current version keeps serving.
        """
        # The collector would walk the growing heap again and again while hundreds of
        # thousands of objects are made; nothing made here is garbage, so it waits.
        gc.disable()
        try:
            content = self._read()
        finally:
            gc.enable()
        for error in content.errors:
            log.error("content error: %s", error)
        if content.errors and self.settings.strict:
            raise StrictContentError(f"{len(content.errors)} content error(s), refusing to start (FEEDSVC_STRICT=1)")
        return content

    def _read(self) -> Content:
        """Read through the content index; without it if the state folder cannot hold one."""

        def read(index: ContentIndex | None = None) -> Content:
            return read_content(
                self.content_dir, render=False, max_file_bytes=self.settings.max_file_bytes, index=index
            )

        try:
            content = read(self.index)
        except (OSError, sqlite3.Error) as exc:
            self.state_problem = f"cannot keep the content index in {self.settings.state_folder}: {exc}"
            log.error("%s; reading every file instead", self.state_problem)
            return read()
        self.state_problem = None
        return content

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
        catalog = Catalog(content, self.pub, self.settings.cache_bytes, extras)
        # The home page and the site feeds are what pollers ask for first; requests
        # keep getting the current version until these are built.
        catalog.warm(None if self._build_whole(catalog) else SITE_PATHS)
        return Prepared(extras, catalog)

    def switch(self, content: Content, prepared: Prepared) -> bool:
        """Serve ``content`` with its ``prepared`` catalog from the next request on."""
        with self._lock:
            if self.content is not None and self.default_base in self._catalogs:
                self.previous.append(self._catalogs[self.default_base])
            self.content, self.extras = content, prepared.extras
            self._catalogs = OrderedDict([(self.default_base, prepared.catalog)])
        log.info(
            "content version %s: %d entries, %d error(s)", content.version, len(content.entries), len(content.errors)
        )
        for listener in self.listeners:
            listener(prepared.catalog)
        return True

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
                if self.content is None:
                    raise RuntimeError("no content loaded yet: reload() first")
                default = self._catalogs.get(self.default_base)
                catalog = self._catalogs.get(base) or Catalog(
                    self.content,
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

    def previous_resources(self, path: str):
        """Earlier versions of the resource at ``path``, newest first, that were built."""
        for catalog in reversed(self.previous):
            resource = catalog.cached(path)
            if resource is not None:
                yield resource
