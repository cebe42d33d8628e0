"""The vocabulary of feedsvc: a site, its authors and its entries, and nothing else.

Plain frozen dataclasses. No Flask, no XML, no I/O: the reader builds them, the
builders and views only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .markup import Markdown
from .urls import absolute_url


@dataclass(frozen=True)
class Site:
    """Site-wide settings read from ``site.yaml``."""

    title: str
    description: str
    language: str
    timezone: str
    tag_authority: str
    since: datetime
    copyright: str = ""
    feed_length: int = 20
    base_url: str = "http://127.0.0.1:8000"
    icon: str = ""
    logo: str = ""


@dataclass(frozen=True)
class Author:
    """A person who writes entries; also the subject of a bio entry."""

    slug: str
    name: str
    email: str = ""
    website: str = ""

    @property
    def path(self) -> str:
        """Root-relative URL of the author page."""
        return f"/authors/{self.slug}"


@dataclass(frozen=True)
class Entry:
    """One feed entry: an article, or an author's bio.

    ``body`` renders (once, on first use) to sanitised HTML whose links may be
    root-relative; the builders make them absolute for the base URL they build for.
    """

    kind: str  # "article" or "author"
    slug: str
    id: str
    title: str
    body: Markdown
    published: datetime
    updated: datetime
    authors: tuple[Author, ...]
    categories: tuple[str, ...] = ()
    source: str = ""
    given_summary: str = ""  # front matter summary/description, if any

    @property
    def content_html(self) -> str:
        return self.body.html

    @property
    def summary(self) -> str:
        """The given summary, else the first paragraph of the body."""
        return self.given_summary or self.body.first_paragraph

    @property
    def path(self) -> str:
        """Root-relative URL of the entry's HTML page."""
        return f"/{self.kind}s/{self.slug}"


@dataclass(frozen=True)
class ContentError:
    """A problem in one content file, reported as ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Content:
    """Everything the reader found: entries newest first, and the problems."""

    site: Site
    entries: tuple[Entry, ...]
    authors: dict[str, Author]
    errors: tuple[ContentError, ...] = ()
    version: str = ""
    bios: dict[str, Entry] = field(default_factory=dict)


@dataclass(frozen=True)
class Publishing:
    """Where and how documents are published: what a builder needs besides the content."""

    base_url: str
    hubs: tuple[str, ...] = ()
    max_age: int = 300
    stale_while_revalidate: int = 60
    stale_if_error: int = 86400
    archive_max_age: int = 30 * 86400

    @property
    def ttl_minutes(self) -> int:
        """RSS <ttl>, consistent with the HTTP max-age."""
        return max(1, -(-self.max_age // 60))

    def url(self, path: str) -> str:
        """The public absolute URL of a root-relative path."""
        return absolute_url(self.base_url, path)
