"""Which HTML pages the site has: home and listing pages (paginated), articles, authors, tags, /feeds."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import NamedTuple

from . import preview
from .documents import Groups, group_entries, tags_of
from .model import Content, Entry
from .pages import PAGE_SIZE, FeedLink, PageSpec, Scope, feed_links, newest
from .urls import tag_slug


class PageList:
    """Every HTML page of one content version.

    The listing, author, tag and /feeds pages are made up front (``specs``); an
    article's page is made when asked for (``article``): a large archive has a
    hundred thousand of them, and most are not asked for between two reloads.
    """

    def __init__(self, content: Content, groups: Groups | None = None):
        site = content.site
        by_author, by_tag = groups or group_entries(content)
        names = tags_of(content)
        self.content = content
        self.site_scope = Scope(site.title, "/", "")
        self.author_scopes = {slug: Scope(a.name, a.path, a.path) for slug, a in content.authors.items()}
        self.tag_scopes = {slug: Scope(name, f"/tags/{slug}", f"/tags/{slug}") for slug, name in names.items()}
        self.articles = [entry for entry in content.entries if entry.kind == "article"]
        self.positions = {entry.path: index for index, entry in enumerate(self.articles)}
        self.specs = self._listings(by_author, by_tag, names)

    def article(self, path: str) -> PageSpec | None:
        """The page of the article at ``path``, if there is one."""
        index = self.positions.get(path)
        if index is None:
            return None
        entry, articles = self.articles[index], self.articles
        scopes = (
            *(self.author_scopes[a.slug] for a in entry.authors),
            *(self.tag_scopes[tag_slug(name)] for name in entry.categories[:1]),
            self.site_scope,
        )
        context = {
            "entry": entry,
            "bios": [self.content.bios.get(a.slug) for a in entry.authors],
            "newer": articles[index - 1] if index > 0 else None,
            "older": articles[index + 1] if index + 1 < len(articles) else None,
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

    def all(self) -> list[PageSpec]:
        """Every page, in site order: the home listing, articles, authors, tags, /feeds."""
        home = sum(1 for spec in self.specs if spec.template == "home.html")
        articles = [self.article(entry.path) for entry in self.articles]
        return [*self.specs[:home], *(spec for spec in articles if spec), *self.specs[home:]]

    def sitemap(self) -> list[Listed]:
        """Every page's path and last change, for the sitemap."""
        home = sum(1 for spec in self.specs if spec.template == "home.html")
        listed = [Listed(spec.path, spec.lastmod) for spec in self.specs]
        return [*listed[:home], *(Listed(entry.path, entry.updated) for entry in self.articles), *listed[home:]]

    def _listings(self, by_author, by_tag, names) -> list[PageSpec]:
        content, site, site_scope = self.content, self.content.site, self.site_scope
        specs = listing_pages(
            "/",
            "home.html",
            site.title,
            site.description,
            self.articles,
            alternates(site_scope),
            (site_scope,),
            {"authors": sorted(content.authors.values(), key=lambda a: a.name)},
        )
        for slug, author in content.authors.items():
            bio = content.bios.get(slug)  # an author file without a date has no bio entry
            written = [e for e in by_author[slug] if e.kind == "article"]
            specs.append(
                PageSpec(
                    author.path,
                    "author.html",
                    author.name,
                    f"{author.name}: biography and articles.",
                    alternates(site_scope) + alternates(self.author_scopes[slug]),
                    {"author": author, "bio": bio, "articles": written},
                    partial(preview.author_preview, author=author, bio=bio),
                    (self.author_scopes[slug],),
                    newest([*([bio] if bio else []), *written]),
                )
            )
        for slug, name in names.items():
            specs += listing_pages(
                f"/tags/{slug}",
                "tag.html",
                name,
                f"Articles and profiles filed under {name}.",
                by_tag[slug],
                alternates(site_scope) + alternates(self.tag_scopes[slug]),
                (self.tag_scopes[slug],),
                {},
            )
        scopes = (
            site_scope,
            *(self.author_scopes[s] for s, _ in sorted(content.authors.items())),
            *self.tag_scopes.values(),
        )
        description = f"Follow {site.title} in a feed reader: new articles come to you."
        specs.append(
            PageSpec(
                "/feeds",
                "feeds.html",
                "Follow us",
                description,
                alternates(site_scope),
                {"groups": [(scope, feed_links(scope.prefix, scope.name)) for scope in scopes]},
                partial(preview.website_preview, path="/feeds", title="Follow us", description=description),
                scopes,
            )
        )
        return specs


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


def listing_pages(
    path: str,
    template: str,
    title: str,
    description: str,
    entries: list[Entry],
    feeds: list[FeedLink],
    follows: tuple[Scope, ...],
    context: dict,
) -> list[PageSpec]:
    """A list of entries split into pages of PAGE_SIZE: ``path``, then ``path/page/2``..., linked prev/next."""
    chunks = [entries[i : i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)] or [[]]
    paths = [path] + [f"{path.rstrip('/')}/page/{n}" for n in range(2, len(chunks) + 1)]
    specs = []
    for number, (page_path, chunk) in enumerate(zip(paths, chunks, strict=True), start=1):
        # HTML: rel=prev/next tell crawlers and assistive technology the pages form a sequence.
        links: tuple[tuple[str, str], ...] = (("prev", paths[number - 2]),) if number > 1 else ()
        links += (("next", paths[number]),) if number < len(paths) else ()
        page_title = title if number == 1 else f"{title}, page {number}"
        specs.append(
            PageSpec(
                page_path,
                template,
                page_title,
                description,
                feeds,
                {**context, "entries": chunk, "page": number, "pages": len(paths)},
                partial(preview.website_preview, path=page_path, title=page_title, description=description),
                follows,
                newest(chunk),
                links,
            )
        )
    return specs
