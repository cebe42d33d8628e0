"""Permanent redirects: the old URLs a migrated site must keep answering, and the 301 responses.

- an entry's old addresses (Hugo ``aliases``, Jekyll ``redirect_from``) go to its page;
- Hugo's list pages (sections, taxonomies) go to the home, feeds or tag page;
- the feeds the generator published (Hugo ``index.xml`` of home, sections, tags
  and categories; jekyll-feed's ``feed.xml``, ``feed/<category>.xml`` and
  ``feed/by_tag/<tag>.xml``) go to feedsvc's feed of the same entries, in the
  same format (RSS for Hugo, Atom for jekyll-feed), so a reader that follows
  301s moves the subscription by itself (RSS Best Practices, "Redirection").

A redirect never hides a document: ``Catalog`` answers its own paths first.
"""

from __future__ import annotations

from html import escape

from .documents import sections_of, tags_of
from .hugo_urls import list_path, rss_path
from .jekyll_urls import feed_path
from .model import Content


def entry_redirects(content: Content) -> dict[str, str]:
    """Each entry alias -> the entry's canonical path."""
    return {alias: entry.path for entry in content.entries for alias in entry.aliases if alias != entry.path}


def feed_redirects(content: Content) -> dict[str, str]:
    """The generator's own feed URLs -> feedsvc's equivalent feed (nothing for feedsvc's layout)."""
    kind = content.site.kind
    tags = tags_of(content)
    moves: dict[str, str] = {}
    if kind == "hugo":
        moves[rss_path()] = "/feed.rss"
        for section in sections_of(content):
            moves[f"/{section}/index.xml"] = f"/{section}/feed.rss"
        for slug, name in tags.items():
            for taxonomy in ("tags", "categories"):
                moves.setdefault(rss_path(taxonomy, name), f"/tags/{slug}/feed.rss")
    elif kind == "jekyll":
        # jekyll-feed's settings (`feed:` in _config.yml) may move its feeds.
        settings = content.site.config.get("feed")
        settings = settings if isinstance(settings, dict) else {}
        moves["/" + str(settings.get("path") or feed_path()).lstrip("/")] = "/feed.atom"
        by_tag = settings.get("tags")
        tag_folder = str(by_tag.get("path") or "/feed/by_tag/") if isinstance(by_tag, dict) else "/feed/by_tag/"
        for slug, name in tags.items():
            moves.setdefault(feed_path(name), f"/tags/{slug}/feed.atom")
            moves.setdefault("/" + f"{tag_folder.strip('/')}/{name}.xml".lstrip("/"), f"/tags/{slug}/feed.atom")
    return moves


def list_redirects(content: Content) -> dict[str, str]:
    """Hugo's list pages -> feedsvc's nearest page: a section to the home page, a term to its tag page."""
    if content.site.kind != "hugo":
        return {}
    moves = {list_path(section): "/" for section in sections_of(content)}
    config = content.site.config
    if isinstance(config.get("languages"), dict) and len(config["languages"]) > 1:
        # A multilingual Hugo site redirects /<default language>/ to its home page.
        moves[list_path(str(config.get("defaultcontentlanguage") or "en"))] = "/"
    moves.update({list_path("tags"): "/feeds", list_path("categories"): "/feeds"})
    for slug, name in tags_of(content).items():
        for taxonomy in ("tags", "categories"):
            moves.setdefault(list_path(taxonomy, name), f"/tags/{slug}")
    return moves


def render_redirect(location: str) -> bytes:
    """The small page a 301 carries, for people whose client does not follow it."""
    link = escape(location)
    return (
        '<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>Moved permanently</title>\n'
        f'<p>This address has moved to <a href="{link}">{link}</a>.</p></html>\n'
    ).encode()


def toggle_slash(path: str) -> str | None:
    """The other spelling of ``path`` (``/x/`` <-> ``/x``); None for the root."""
    if path == "/":
        return None
    return path[:-1] if path.endswith("/") else path + "/"
