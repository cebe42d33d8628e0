"""The feed formats feedsvc publishes, each with its name, label, media type and builder.

One registry, as each of Django's feedgenerator classes carries its own
``content_type``: the catalog, delta answers, WebSub topics and pages iterate
over it; the builders (``feeds.py``, ``jsonfeed.py``) know nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import feeds, jsonfeed
from .documents import FeedDoc
from .model import Publishing, Site


@dataclass(frozen=True)
class Format:
    """One feed format."""

    name: str  # the URL suffix: /feed.<name>
    label: str  # what people read: "Atom", "RSS", "JSON Feed"
    media_type: str
    build: Callable[[FeedDoc, Site, Publishing], bytes]

    @property
    def content_type(self) -> str:
        """The Content-Type header: every format is UTF-8."""
        return f"{self.media_type}; charset=utf-8"


FORMATS: dict[str, Format] = {
    feed_format.name: feed_format
    for feed_format in (
        Format("atom", "Atom", feeds.MEDIA_TYPES["atom"], feeds.build_atom),
        Format("rss", "RSS", feeds.MEDIA_TYPES["rss"], feeds.build_rss),
        Format("json", "JSON Feed", jsonfeed.MEDIA_TYPE, jsonfeed.build_json),
    )
}


def render_feed(doc: FeedDoc, fmt: str, site: Site, pub: Publishing) -> bytes:
    """Build the bytes of ``doc`` in format ``fmt`` ("atom", "rss" or "json")."""
    return FORMATS[fmt].build(doc, site, pub)
