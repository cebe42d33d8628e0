"""The HTML sanitiser (nh3, i.e. ammonia): what may reach a feed or a page, and what was removed.

Scripts, styles, event handlers, forms and ``javascript:`` URLs never pass.
Embedded players pass only as the providers' privacy-friendly iframes: YouTube's
``youtube-nocookie.com`` and Vimeo's player with ``dnt=1`` (do not track); any
other iframe loses its source and is reported. ``sanitise`` returns what it took
out so ``check`` can say it, instead of content vanishing silently.
"""

from __future__ import annotations

import re
from functools import partial
from html.parser import HTMLParser
from urllib.parse import urljoin

import nh3

_TAGS = nh3.ALLOWED_TAGS | {"aside", "section", "iframe"}
_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "aside": {"aria-hidden"},  # pull quotes: markup.py hides them from assistive technology
    "a": nh3.ALLOWED_ATTRIBUTES["a"] | {"title"},
    "img": nh3.ALLOWED_ATTRIBUTES["img"] | {"title", "loading"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen", "loading", "referrerpolicy"},
    "*": {"id", "lang", "dir"},
}
_CLASSES = {"aside": {"pullquote"}}
_URL_ATTRIBUTES = {"href", "src", "cite"}
_DROPPED_WITH_CONTENT = {"script", "style"}

# The embeds kept: group 1 is the video id.
_YOUTUBE = re.compile(r"https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]{1,64})(?:[?#].*)?")
_VIMEO = re.compile(r"https?://player\.vimeo\.com/video/(\d{1,20})(?:[?#].*)?")


def youtube_embed(video: str) -> str:
    """YouTube's privacy-enhanced player for ``video`` (no cookies until play)."""
    return f"https://www.youtube-nocookie.com/embed/{video}"


def vimeo_embed(video: str) -> str:
    """Vimeo's player for ``video`` with do-not-track on."""
    return f"https://player.vimeo.com/video/{video}?dnt=1"


def iframe(src: str, title: str) -> str:
    """The HTML of an embedded player, as the sanitiser keeps it."""
    return (
        f'<iframe src="{src}" title="{title}" width="560" height="315" loading="lazy" '
        'allow="fullscreen; picture-in-picture" allowfullscreen></iframe>'
    )


def _embed_only(removed: list[str], tag: str, attribute: str, value: str) -> str | None:
    """Keep an iframe's src only for the known players, rewritten to their private form."""
    if tag != "iframe" or attribute != "src":
        return value
    if found := _YOUTUBE.fullmatch(value):
        return youtube_embed(found.group(1))
    if found := _VIMEO.fullmatch(value):
        return vimeo_embed(found.group(1))
    removed.append(f"iframe from {value[:80]} (only YouTube and Vimeo players are kept)")
    return None


def _cleaner(attribute_filter) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_TAGS,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        allowed_classes=_CLASSES,
        attribute_filter=attribute_filter,
        link_rel="noopener noreferrer",
    )


def sanitise(html: str) -> tuple[str, list[str]]:
    """Return ``html`` made safe, and a list saying what was removed."""
    removed: list[str] = []
    cleaned = _cleaner(partial(_embed_only, removed)).clean(html)
    if "<" in html:
        removed = _Inventory.removed(html, cleaned) + removed
    return cleaned, removed


class _Inventory(HTMLParser):
    """Count the elements and attributes of a fragment, to compare before and after cleaning."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.items[f"<{tag}>"] = self.items.get(f"<{tag}>", 0) + 1
        for name, value in attrs:
            key = f"{name} attribute of <{tag}>"
            if name in _URL_ATTRIBUTES and value and value.strip().lower().startswith(("javascript:", "data:text")):
                key = f"{name}={value.split(':')[0]}: URL of <{tag}>"
            self.items[key] = self.items.get(key, 0) + 1

    @classmethod
    def removed(cls, before: str, after: str) -> list[str]:
        counts = []
        for html in (before, after):
            parser = cls()
            parser.feed(html)
            parser.close()
            counts.append(parser.items)
        gone = [key for key, count in counts[0].items() if count > counts[1].get(key, 0)]
        # rel and class values are set or filtered on purpose; they are not content.
        return [key for key in gone if not key.startswith(("rel attribute", "class attribute"))]


def _absolute(base: str, tag: str, attribute: str, value: str) -> str | None:
    return urljoin(base, value) if attribute in _URL_ATTRIBUTES else value


def absolutize(html: str, base: str) -> str:
    """Resolve every URL in sanitised ``html`` against ``base`` (the page's URL)."""
    return _cleaner(partial(_absolute, base)).clean(html)


# A kept player, as the sanitiser serialises it: group 1 is its attributes.
_PLAYER = re.compile(r"<iframe\b([^>]*)>\s*</iframe>")
_ATTRIBUTE = re.compile(r'\b(src|title)="([^"]*)"')
_PLAYER_ID = re.compile(r"https://(?:www\.youtube-nocookie\.com/embed|player\.vimeo\.com/video)/([\w-]+)")


def _player_link(found: re.Match) -> str:
    """A link to the video's own page in place of its player."""
    attributes = dict(_ATTRIBUTE.findall(found.group(1)))
    video = _PLAYER_ID.match(attributes.get("src", ""))
    if video is None:
        return ""
    src = attributes["src"]
    watch = (
        f"https://vimeo.com/{video.group(1)}" if "vimeo" in src else f"https://www.youtube.com/watch?v={video.group(1)}"
    )
    return f'<a href="{watch}">{attributes.get("title") or "Watch the video"}</a>'


def feed_html(html: str, base: str) -> str:
    """Sanitised ``html`` as feeds carry it: URLs absolute, players as links to the video.

    Feed readers drop or block iframes (the W3C feed validator warns "content
    should not contain iframe tag"), so a reader sees a link where a page
    shows the player.
    """
    return _PLAYER.sub(_player_link, absolutize(html, base))
