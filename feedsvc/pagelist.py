"""Which HTML pages the site has: home and listing pages (paginated), articles, authors, tags, /feeds."""

from __future__ import annotations

from functools import partial

from . import preview
from .documents import group_entries, tags_of
from .model import Content, Entry
from .pages import PAGE_SIZE, FeedLink, PageSpec, Scope, feed_links, newest
from .urls import tag_slug


def page_specs(content: Content) -> list[PageSpec]:
    """Every HTML page of the site, with the feeds it offers for autodiscovery and following."""
    site = content.site
    by_author, by_tag = group_entries(content)
    names = tags_of(content)
    site_scope = Scope(site.title, "/", "")
    author_scopes = {slug: Scope(a.name, a.path, a.path) for slug, a in content.authors.items()}
    tag_scopes = {slug: Scope(name, f"/tags/{slug}", f"/tags/{slug}") for slug, name in names.items()}
    articles = [entry for entry in content.entries if entry.kind == "article"]
    specs = listing_pages(
        "/",
        "home.html",
        site.title,
        site.description,
        articles,
        alternates(site_scope),
        (site_scope,),
        {"authors": sorted(content.authors.values(), key=lambda a: a.name)},
    )
    for index, entry in enumerate(articles):
        scopes = (
            *(author_scopes[a.slug] for a in entry.authors),
            *(tag_scopes[tag_slug(name)] for name in entry.categories[:1]),
            site_scope,
        )
        context = {
            "entry": entry,
            "bios": [content.bios.get(a.slug) for a in entry.authors],
            "newer": articles[index - 1] if index > 0 else None,
            "older": articles[index + 1] if index + 1 < len(articles) else None,
        }
        specs.append(
            PageSpec(
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
                alternates(site_scope) + alternates(author_scopes[slug]),
                {"author": author, "bio": bio, "articles": written},
                partial(preview.author_preview, author=author, bio=bio),
                (author_scopes[slug],),
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
            alternates(site_scope) + alternates(tag_scopes[slug]),
            (tag_scopes[slug],),
            {},
        )
    scopes = (site_scope, *(author_scopes[s] for s, _ in sorted(content.authors.items())), *tag_scopes.values())
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
