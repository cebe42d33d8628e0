"""Entry ids that survive a move: what the site's previous feed called each entry.

A feed reader knows an entry by its id (RSS ``guid``, Atom ``id``, JSON Feed
``id``); a new id for an old post shows it again as unread. So a site moving
to feedsvc keeps the ids its previous feed gave (``feed_ids`` in the site
settings, by default the generator the site is laid out for):

- ``hugo``: Hugo's built-in RSS template, ``<guid>{{ .Permalink }}</guid>``;
- ``jekyll-feed``: ``<id>{{ post.id | absolute_url }}</id>``, the post URL's
  folder and its slug (``jekyll_urls.post_id``);
- ``tag``: feedsvc's own RFC 4151 tag URI, ``tag:<authority>,<date>:<path>``.

An ``id:`` in an entry's front matter always wins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .jekyll_urls import post_id
from .model import Site
from .urls import absolute_url, tag_uri

SCHEMES = ("tag", "hugo", "jekyll-feed")
DEFAULT_SCHEME = {"feedsvc": "tag", "hugo": "hugo", "jekyll": "jekyll-feed"}


def check_scheme(setting: str) -> str:
    """Validate a ``feed_ids`` setting ("" means the default of the site's layout)."""
    if setting and setting not in SCHEMES:
        raise ValueError(f"feed_ids: {setting!r} is not one of {', '.join(SCHEMES)} (the site's previous feed)")
    return setting


def feed_id(site: Site, path: str) -> str:
    """The id of the feed whose current document is at ``path`` (RFC 4287 4.2.6: it never changes).

    With tag: ids it is a tag URI dated from the site's ``since``; a site keeping
    its generator's ids gets the feed's URL on the site's configured base, as
    jekyll-feed's ``<id>{{ page.url | absolute_url }}</id>`` is, so it does not
    move when an older post is imported.
    """
    if (site.feed_ids or DEFAULT_SCHEME.get(site.kind, "tag")) == "tag":
        return tag_uri(site.tag_authority, site.since, path)
    return absolute_url(site.base_url, path)


def entry_id(site: Site, *, path: str, published: datetime, slug: Callable[[], str]) -> str:
    """The id of the entry at ``path`` (published at ``published``; ``slug()`` as Jekyll names it).

    Built from the site's configured public URL (Hugo ``baseURL``, Jekyll ``url``
    + ``baseurl``), never a request's: ids do not depend on who asks.
    """
    scheme = site.feed_ids or DEFAULT_SCHEME.get(site.kind, "tag")
    if scheme == "hugo":
        return absolute_url(site.base_url, path)
    if scheme == "jekyll-feed":
        return absolute_url(site.base_url, post_id(path, slug()))
    return tag_uri(site.tag_authority, published, path)
