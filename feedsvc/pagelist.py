"""Which HTML pages the site has: home and listing pages (paginated), articles, authors, tags, /feeds.

Pages are made when asked for, from their path: a 100,000-article archive has
some 30,000 listing pages and 100,000 article pages, most of which nobody asks
for between two reloads. What exists (``paths``, ``sitemap``) is counted and
walked from the entry store without making the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from itertools import islice
from typing import NamedTuple, overload

from . import preview
from .documents import tags_of
from .entrystore import Entries
from .model import Content, Entry
from .pages import PAGE_SIZE, FeedLink, PageSpec, Scope, feed_links, newest
from .urls import tag_slug


class PageList:
    """Every HTML page of one content version, each made when its path is asked for."""

    def __init__(self, content: Content):
        site = content.site
        names = tags_of(content)
        self.content = content
        self.site_scope = Scope(site.title, "/", "")
        self.author_scopes = {slug: Scope(a.name, a.path, a.path) for slug, a in content.authors.items()}
        self.tag_scopes = {slug: Scope(name, f"/tags/{slug}", f"/tags/{slug}") for slug, name in names.items()}
        self.articles = content.entries.articles()
        authors = sorted(content.authors.values(), key=lambda a: a.name)
        home = Listing("/", "home.html", site.title, site.description, self.articles, alternates(self.site_scope))
        self.home = home.with_context(follows=(self.site_scope,), context={"authors": authors})
        self.tags = {
            f"/tags/{slug}": Listing(
                f"/tags/{slug}",
                "tag.html",
                name,
                f"Articles and profiles filed under {name}.",
                content.entries.scope(f"/tags/{slug}"),
                alternates(self.site_scope) + alternates(self.tag_scopes[slug]),
                (self.tag_scopes[slug],),
            )
            for slug, name in names.items()
        }
        self.authors = {author.path: self._author_listing(slug) for slug, author in content.authors.items()}

    def page(self, path: str) -> PageSpec | None:
        """The page at ``path``, if there is one."""
        if path == "/feeds":
            return self.feeds()
        base = path.rpartition("/page/")[0]
        candidates = (self.tags.get(path), self.tags.get(base), self.authors.get(path), self.authors.get(base))
        for listing in (self.home, *candidates):
            number = listing.number(path) if listing is not None else None
            if listing is not None and number is not None:
                return listing.spec(number)
        return self.article(path)

    def article(self, path: str) -> PageSpec | None:
        """The page of the article at ``path``, if there is one."""
        index = self.articles.position(path)
        if index is None:
            return None
        # The article and its neighbours in one query: newer (none for the newest), it, older.
        window = self.articles[max(index - 1, 0) : index + 2]
        newer, entry, rest = (window[0], window[1], window[2:]) if index else (None, window[0], window[1:])
        older = rest[0] if rest else None
        scopes = (
            *(self.author_scopes[a.slug] for a in entry.authors),
            *(self.tag_scopes[tag_slug(name)] for name in entry.categories[:1]),
            self.site_scope,
        )
        context = {
            "entry": entry,
            "bios": [self.content.bios.get(a.slug) for a in entry.authors],
            "newer": newer,
            "older": older,
        }
        return PageSpec(
            entry.path,
            "article.html",
            entry.title,
            "",  # the template uses the summary, rendered only then
            [f for scope in scopes for f in alternates(scope)],
            context,
            partial(preview.article_preview, entry=entry),
            scopes,
            entry.updated,
        )

    def _author_listing(self, slug: str) -> Listing:
        """An author's pages: their profile and bio, and their articles, newest first, PAGE_SIZE a page."""
        author, site_scope = self.content.authors[slug], self.site_scope
        bio = self.content.bios.get(slug)  # an author file without a date has no bio entry
        return Listing(
            author.path,
            "author.html",
            author.name,
            f"{author.name}: biography and articles.",
            self.content.entries.scope(author.path).articles(),
            alternates(site_scope) + alternates(self.author_scopes[slug]),
            (self.author_scopes[slug],),
            {"author": author, "bio": bio},
            bio.updated if bio else None,
            partial(preview.author_preview, author=author, bio=bio),
        )

    def feeds(self) -> PageSpec:
        """/feeds: every feed of the site, to follow."""
        site, site_scope = self.content.site, self.site_scope
        scopes = (
            site_scope,
            *(self.author_scopes[s] for s, _ in sorted(self.content.authors.items())),
            *self.tag_scopes.values(),
        )
        description = f"Follow {site.title} in a feed reader: new articles come to you."
        return PageSpec(
            "/feeds",
            "feeds.html",
            "Follow us",
            description,
            alternates(site_scope),
            {"groups": [(scope, feed_links(scope.prefix, scope.name)) for scope in scopes]},
            partial(preview.website_preview, path="/feeds", title="Follow us", description=description),
            scopes,
        )

    def listed(self) -> Iterator[Listed]:
        """Every page's path and last change, in site order: home, articles, authors, tags, /feeds."""
        yield from self.home.listed()
        yield from (Listed(path, updated) for path, updated in self.articles.dated_paths())
        for listing in (*self.authors.values(), *self.tags.values()):
            yield from listing.listed()
        yield Listed("/feeds", None)

    def paths(self) -> Iterator[str]:
        """Every page's path, in site order."""
        yield from self.home.paths()
        yield from self.articles.paths()
        for listing in (*self.authors.values(), *self.tags.values()):
            yield from listing.paths()
        yield "/feeds"

    def count(self) -> int:
        """How many pages there are (without making them)."""
        listings = (self.home, *self.authors.values(), *self.tags.values())
        return sum(listing.count() for listing in listings) + len(self.articles) + 1

    def sitemap(self) -> Sitemap:
        """Every page's path and last change, for the sitemap (counted now, walked when built)."""
        return Sitemap(self)

    def all(self) -> list[PageSpec]:
        """Every page, in site order."""
        return [spec for path in self.paths() if (spec := self.page(path)) is not None]


class Sitemap(Sequence["Listed"]):
    """The pages as the sitemap lists them: counted at once, walked only when a sitemap file is built."""

    def __init__(self, pagelist: PageList):
        self.pagelist, self.length = pagelist, pagelist.count()

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Listed: ...

    @overload
    def __getitem__(self, index: slice) -> list[Listed]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.length)
            return list(islice(self.pagelist.listed(), start, stop, step))
        position = index + self.length if index < 0 else index
        found = self[position : position + 1] if position >= 0 else []
        if not found:
            raise IndexError("sitemap index out of range")
        return found[0]

    def __iter__(self) -> Iterator[Listed]:
        return self.pagelist.listed()


@dataclass(frozen=True)
class Listing:
    """A list of entries split into pages of PAGE_SIZE: ``path``, then ``path/page/2``..., linked prev/next."""

    path: str
    template: str
    title: str
    description: str
    entries: Sequence[Entry]
    feeds: list[FeedLink]
    follows: tuple[Scope, ...] = ()
    context: dict | None = None
    lead: datetime | None = None  # a change shown on the first page besides its entries (an author's bio)
    first_preview: Callable[..., preview.Preview] | None = None  # the first page's link preview, if not the website's

    def with_context(self, *, follows: tuple[Scope, ...], context: dict) -> Listing:
        return replace(self, follows=follows, context=context)

    def count(self) -> int:
        """How many pages (at least one, which says there is nothing yet)."""
        return max(1, -(-len(self.entries) // PAGE_SIZE))

    def page_path(self, number: int) -> str:
        return self.path if number == 1 else f"{self.path.rstrip('/')}/page/{number}"

    def paths(self) -> Iterator[str]:
        return (self.page_path(number) for number in range(1, self.count() + 1))

    def number(self, path: str) -> int | None:
        """Which page ``path`` is, if it is one of these."""
        if path == self.path:
            return 1
        text = path.removeprefix(f"{self.path.rstrip('/')}/page/")
        if text == path or not text.isascii() or not text.isdigit() or text.startswith("0"):
            return None
        number = int(text)
        return number if 2 <= number <= self.count() else None

    def spec(self, number: int) -> PageSpec:
        """Page ``number`` (from 1)."""
        chunk = tuple(self.entries[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
        pages = self.count()
        # HTML: rel=prev/next tell crawlers and assistive technology the pages form a sequence.
        links: tuple[tuple[str, str], ...] = (("prev", self.page_path(number - 1)),) if number > 1 else ()
        links += (("next", self.page_path(number + 1)),) if number < pages else ()
        path = self.page_path(number)
        title = self.title if number == 1 else f"{self.title}, page {number}"
        website = partial(preview.website_preview, path=path, title=title, description=self.description)
        return PageSpec(
            path,
            self.template,
            title,
            self.description,
            self.feeds,
            {**(self.context or {}), "entries": chunk, "page": number, "pages": pages},
            self.first_preview if self.first_preview and number == 1 else website,
            self.follows,
            self._lastmod(number, newest(chunk)),
            links,
        )

    def _lastmod(self, number: int, newest: datetime | None) -> datetime | None:
        """A page's last change: its newest entry's, and on the first page the ``lead``'s."""
        found = [instant for instant in (self.lead if number == 1 else None, newest) if instant is not None]
        return max(found, default=None)

    def listed(self) -> Iterator[Listed]:
        """Each page's path and newest ``updated``, walking the entries once."""
        assert isinstance(self.entries, Entries)
        chunk: list[datetime] = []
        number = 1
        for _, updated in self.entries.dated_paths():
            chunk.append(updated)
            if len(chunk) == PAGE_SIZE:
                yield Listed(self.page_path(number), self._lastmod(number, max(chunk)))
                chunk, number = [], number + 1
        if chunk or number == 1:
            yield Listed(self.page_path(number), self._lastmod(number, max(chunk, default=None)))


class Listed(NamedTuple):
    """A page as the sitemap lists it."""

    path: str
    lastmod: datetime | None


def page_specs(content: Content) -> list[PageSpec]:
    """Every HTML page of the site, with the feeds it offers for autodiscovery and following."""
    return PageList(content).all()


def alternates(scope: Scope) -> list[FeedLink]:
    """The autodiscovery links of a scope's feeds."""
    return feed_links(scope.prefix, scope.name)
