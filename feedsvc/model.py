"""The vocabulary of feedsvc: a site, its authors and its entries, and nothing else.

Plain frozen dataclasses with keyword-only constructors. No Flask, no XML, no
I/O: the reader builds them, the builders and views only read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from .urls import absolute_url

if TYPE_CHECKING:
    from .entrystore import Entries


@dataclass(frozen=True, kw_only=True)
class Site:
    """Site-wide settings: ``site.yaml``, or a Hugo or Jekyll site's configuration."""

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
    author: str = ""  # the site's author: the byline of entries that name none
    kind: str = "feedsvc"  # the layout the content was read from: feedsvc, hugo or jekyll
    feed_ids: str = ""  # the previous feed whose ids entries keep (ids.py); "" = the layout's generator
    summary_words: int = 70  # Hugo summaryLength: words of an automatic summary (Hugo only)
    excerpt_separator: str = ""  # Jekyll excerpt_separator ("" = the first paragraph)
    publish_future: bool = False  # Hugo buildFuture / Jekyll future: future-dated entries go out at once
    publish_expired: bool = False  # Hugo buildExpired: expired entries stay published
    params: dict = field(default_factory=dict, compare=False)  # Hugo params / Jekyll site variables
    config: dict = field(default_factory=dict, compare=False)  # the generator's whole configuration


@dataclass(frozen=True, kw_only=True)
class Author:
    """A person who writes entries; also the subject of a bio entry when their file is dated."""

    slug: str
    name: str
    email: str = ""
    website: str = ""
    image: str = ""  # a photo of the author: a URL, root-relative or absolute

    @property
    def path(self) -> str:
        """Root-relative URL of the author page."""
        return f"/authors/{self.slug}"


class Body(Protocol):
    """An entry's body: sanitised HTML (links may be root-relative) and its plain-text excerpt."""

    @property
    def html(self) -> str: ...

    @property
    def excerpt(self) -> str: ...


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One feed entry: an article, or an author's bio.

    ``body`` renders (once, on first use) to sanitised HTML whose links may be
    root-relative; the builders make them absolute for the base URL they build for.
    ``published`` is the instant the entry goes public (Hugo ``publishDate`` when given),
    ``expires`` the instant it is withdrawn (Hugo ``expiryDate``; None = never).
    """

    kind: str  # "article" or "author"
    slug: str
    id: str
    title: str
    path: str  # the canonical root-relative URL of the entry's page
    body: Body
    published: datetime
    updated: datetime
    authors: tuple[Author, ...]
    categories: tuple[str, ...] = ()
    source: str = ""  # the file, relative to the content folder's parent
    given_summary: str = ""  # the summary the file gives (front matter, excerpt divider), if any
    aliases: tuple[str, ...] = ()  # old root-relative URLs that answer 301 to ``path``
    section: str = ""  # a Hugo section's URL folder ("posts"), which has a feed of its own
    expires: datetime | None = None
    image: str = ""  # the entry's lead image (link previews): a URL, root-relative or absolute

    @property
    def content_html(self) -> str:
        return self.body.html

    @property
    def summary(self) -> str:
        """The given summary, else the body's excerpt (first paragraph, or Hugo's word count)."""
        return self.given_summary or self.body.excerpt


@dataclass(frozen=True, kw_only=True)
class Problem:
    """Something wrong or worth knowing in one content file, reported as ``path:line: message``.

    An ``error`` keeps the file (or part of it) from being published and fails
    ``check``; a ``note`` (an unknown key, a dropped shortcode, a draft) does not.
    """

    path: str
    line: int
    message: str
    severity: str = "error"  # "error" or "note"

    def __str__(self) -> str:
        label = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.path}:{self.line}: {label}{self.message}"


@dataclass(frozen=True, kw_only=True)
class Content:
    """Everything the reader found: entries newest first, authors, and the problems.

    ``entries`` are ``Entries`` (entrystore.py), which answer which entries each
    feed, page and instant has: ``EntryStore.of(entries).entries()`` for a list.
    """

    site: Site
    entries: Entries
    authors: dict[str, Author]
    errors: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()
    version: str = ""
    bios: dict[str, Entry] = field(default_factory=dict)
    # SHA-256 of every entry and author file read, by path inside the content folder
    # ("articles/x.md"): what the content lock (lock.py) compares with.
    hashes: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, kw_only=True)
class Publishing:
    """Where and how documents are published: what a builder needs besides the content.

    Made from the settings (``Settings.publishing``), which hold the defaults.
    """

    base_url: str
    hubs: tuple[str, ...]
    max_age: int
    stale_while_revalidate: int
    stale_if_error: int
    archive_max_age: int

    @property
    def ttl_minutes(self) -> int:
        """RSS <ttl>, consistent with the HTTP max-age."""
        return max(1, -(-self.max_age // 60))

    def url(self, path: str) -> str:
        """The public absolute URL of a root-relative path."""
        return absolute_url(self.base_url, path)
