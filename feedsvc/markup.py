"""Text and HTML handling: Markdown to safe HTML, plain-text summaries, XML-safe text.

Markdown is CommonMark (markdown-it-py) plus tables, strikethrough and a
``::: pullquote`` container. HTML is sanitised with nh3 (ammonia): scripts,
event handlers and ``javascript:`` URLs never reach a feed or a page.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from urllib.parse import urljoin

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin

# XML 1.0 section 2.2 (Char): everything else, including lone surrogates and
# U+FFFE/U+FFFF, makes a document ill-formed, so it is dropped at the reader.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_TAGS = nh3.ALLOWED_TAGS | {"aside"}
_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "a": nh3.ALLOWED_ATTRIBUTES["a"] | {"title"},
    "img": nh3.ALLOWED_ATTRIBUTES["img"] | {"title", "loading"},
    "*": {"id", "lang", "dir"},
}
_URL_ATTRIBUTES = {"href", "src", "cite"}


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 cannot carry."""
    return _NOT_XML_CHAR.sub("", text)


def _render_pullquote(self, tokens, idx, options, env):
    """Render ``::: pullquote`` as an aside, the HTML element for a pull quote."""
    return '<aside class="pullquote">\n' if tokens[idx].nesting == 1 else "</aside>\n"


_markdown = (
    MarkdownIt("commonmark", {"html": True})
    .enable(["table", "strikethrough"])
    .use(container_plugin, "pullquote", render=_render_pullquote)
)
_cleaner = nh3.Cleaner(tags=_TAGS, attributes=_ATTRIBUTES, allowed_classes={"aside": {"pullquote"}})


class Markdown:
    """A Markdown body, rendered to sanitised HTML when first needed.

    Rendering is the costliest step of reading content, and most entries of a
    large corpus are never shown between two reloads, so it waits until a feed
    or a page needs it. One parse gives both the HTML and the first paragraph;
    the most recently used renderings are kept (``_render``'s cache), so an
    entry in several feeds renders once and memory stays bounded.
    """

    __slots__ = ("source",)

    def __init__(self, source: str):
        self.source = source

    def __repr__(self) -> str:
        return f"Markdown({self.source!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Markdown) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    @property
    def html(self) -> str:
        """The body as sanitised HTML (links may stay relative)."""
        return _render(self.source)[0]

    @property
    def first_paragraph(self) -> str:
        """The plain text of the first paragraph: the default summary."""
        return _render(self.source)[1]


@lru_cache(maxsize=2048)
def _render(source: str) -> tuple[str, str]:
    tokens = _markdown.parse(xml_safe(source))
    html = _cleaner.clean(_markdown.renderer.render(tokens, _markdown.options, {})).strip()
    return html, _first_paragraph(tokens)


def _first_paragraph(tokens) -> str:
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if opening.type == "paragraph_open" and not opening.hidden and inline.children is not None:
            parts = [child.content if child.type != "softbreak" else " " for child in inline.children]
            return " ".join("".join(parts).split())
    return ""


def _absolute(base: str, tag: str, attribute: str, value: str) -> str | None:
    return urljoin(base, value) if attribute in _URL_ATTRIBUTES else value


def absolutize(html: str, base: str) -> str:
    """Resolve every URL in sanitised ``html`` against ``base`` (the page's URL)."""
    cleaner = nh3.Cleaner(
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        allowed_classes={"aside": {"pullquote"}},
        attribute_filter=partial(_absolute, base),
    )
    return cleaner.clean(html)
