"""Text and HTML handling: Markdown to safe HTML, plain-text excerpts, XML-safe text.

Markdown is CommonMark (markdown-it-py) plus tables, strikethrough, footnotes,
a ``::: pullquote`` container and typography: the quotation marks of the site's
language, dashes and ellipses (markdown-it's typographer). HTML is sanitised with nh3 (ammonia):
scripts, event handlers and ``javascript:`` URLs never reach a feed or a page;
YouTube and Vimeo players stay, as the providers' privacy-friendly iframes
(``sanitise``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import unescape

from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .sanitise import sanitise

# XML 1.0 section 2.2 (Char): everything else, including lone surrogates and
# U+FFFE/U+FFFF, makes a document ill-formed, so it is dropped at the reader.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 cannot carry."""
    return _NOT_XML_CHAR.sub("", text)


def _render_pullquote(self, tokens, idx, options, env):
    """Render ``::: pullquote`` as an aside, the HTML element for a pull quote.

    A pull quote repeats a sentence of the body: hidden from assistive technology
    so a screen reader does not read it twice (WAI-ARIA 1.2, aria-hidden).
    """
    return '<aside class="pullquote" aria-hidden="true">\n' if tokens[idx].nesting == 1 else "</aside>\n"


# Quotation marks (double open/close, single open/close) by primary language subtag,
# as each language's typographic convention writes them (CLDR's "delimiters").
_QUOTES = {
    **dict.fromkeys(["en", "nl", "ga", "cy", "pt-br", "tr", "ko", "zh", "hi", "id"], "“”‘’"),
    **dict.fromkeys(["de", "cs", "sk", "sl", "is", "lt", "bg", "et", "ka"], "„“‚‘"),
    **dict.fromkeys(["es", "it", "pt", "ca", "el", "ru", "uk", "be", "no", "nb", "nn"], "«»“”"),
    **dict.fromkeys(["pl", "ro", "hu", "hr", "sr"], "„”‚’"),
    **dict.fromkeys(["sv", "fi"], "””’’"),
    **dict.fromkeys(["da"], "»«›‹"),
    **dict.fromkeys(["fr"], ["«\u00a0", "\u00a0»", "‹\u00a0", "\u00a0›"]),
    **dict.fromkeys(["ja"], "「」『』"),
}


def quotes_for(language: str) -> tuple[str, ...]:
    """The quotation marks for a BCP 47 ``language`` ("en-GB" -> “”‘’); () keeps straight quotes."""
    tag = language.strip().lower().replace("_", "-")
    return tuple(_QUOTES.get(tag, _QUOTES.get(tag.split("-")[0], "")))


def _options(quotes: tuple[str, ...]) -> dict:
    return {"html": True, "typographer": True, "quotes": list(quotes) if quotes else "\"\"''"}


@lru_cache(maxsize=64)
def _parser(quotes: tuple[str, ...]) -> MarkdownIt:
    """The Markdown parser writing ``quotes`` (none: straight quotes), typographic dashes and ellipses."""
    md = MarkdownIt("commonmark", _options(quotes)).enable(["table", "strikethrough", "replacements"])
    if quotes:
        md.enable("smartquotes")
    return md.use(container_plugin, "pullquote", render=_render_pullquote).use(footnote_plugin)


@lru_cache(maxsize=64)
def _text_parser(quotes: tuple[str, ...]) -> MarkdownIt:
    """A parser that reads text as text (no Markdown at all) and only applies the typographer."""
    return MarkdownIt("zero", _options(quotes)).enable(["replacements", "smartquotes"] if quotes else ["replacements"])


@lru_cache(maxsize=8192)
def typographic(text: str, language: str) -> str:
    """Plain text (a title, a summary) with the typographer's quotes, dashes and ellipses; still plain text."""
    tokens = _text_parser(quotes_for(language)).parseInline(text)
    return "".join(child.content for token in tokens for child in token.children or ())


class Markdown:
    """A Markdown body, rendered to sanitised HTML when first needed.

    Rendering is the costliest step of reading content, and most entries of a
    large corpus are never shown between two reloads, so it waits until a feed
    or a page needs it. ``lead`` is the part before an excerpt divider
    (Hugo's ``<!--more-->``, Jekyll's ``excerpt_separator``), if the file has one;
    ``summary_words`` asks for Hugo's automatic summary instead of the first
    paragraph; ``language`` chooses the quotation marks. The most recently used
    renderings are kept (``_render``'s cache), so an entry in several feeds
    renders once and memory stays bounded.
    """

    __slots__ = ("source", "lead", "summary_words", "is_html", "language", "quotes")

    def __init__(
        self,
        source: str,
        *,
        lead: str | None = None,
        summary_words: int = 0,
        is_html: bool = False,
        language: str = "en",
    ):
        self.source, self.lead, self.summary_words, self.is_html = source, lead, summary_words, is_html
        self.language, self.quotes = language, quotes_for(language)

    def __repr__(self) -> str:
        return f"Markdown({self.source!r})"

    def __eq__(self, other) -> bool:
        mine = (self.source, self.lead, self.quotes)
        return isinstance(other, Markdown) and (other.source, other.lead, other.quotes) == mine

    def __hash__(self) -> int:
        return hash(self.source)

    @property
    def html(self) -> str:
        """The body as sanitised HTML (links may stay relative)."""
        return _render(self.source, self.is_html, self.quotes)[0]

    @property
    def excerpt(self) -> str:
        """Plain text for a summary: the lead, Hugo's automatic summary, or the first paragraph."""
        if self.lead is not None:
            return plain_text(_render(self.lead, self.is_html, self.quotes)[0])
        if self.summary_words:
            return hugo_summary(plain_text(self.html, lines=True), self.summary_words)
        return _render(self.source, self.is_html, self.quotes)[1]

    def removed(self) -> list[str]:
        """What the sanitiser took out of the rendered body (for ``check``)."""
        source = xml_safe(self.source)
        return sanitise(source if self.is_html else _parser(self.quotes).render(source))[1]


@lru_cache(maxsize=2048)
def _render(source: str, is_html: bool = False, quotes: tuple[str, ...] = ()) -> tuple[str, str]:
    if is_html:  # an .html content file is published as written, sanitised
        html = sanitise(xml_safe(source))[0].strip()
        # The first block, up to a blank line, as Jekyll takes an HTML post's excerpt.
        return html, plain_text(sanitise(xml_safe(source).strip().split("\n\n")[0])[0])
    markdown = _parser(quotes)
    tokens = markdown.parse(xml_safe(source))
    html = sanitise(markdown.renderer.render(tokens, markdown.options, {}))[0].strip()
    return html, _first_paragraph(tokens)


def _first_paragraph(tokens) -> str:
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if opening.type == "paragraph_open" and not opening.hidden and inline.children is not None:
            # Raw inline HTML (<em>, <!--more-->) is markup, not text: a summary is plain text.
            parts = [
                " " if child.type == "softbreak" else child.content
                for child in inline.children
                if child.type != "html_inline"
            ]
            return " ".join("".join(parts).split())
    return ""


_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|pre|div|figure|figcaption|tr)>|<br\s*/?>", re.I)


def plain_text(html: str, *, lines: bool = False) -> str:
    """The text of sanitised ``html`` on one line (or one line per block, with ``lines``)."""
    if lines:
        html = _BLOCK_END.sub("\n", html)
        return "\n".join(" ".join(unescape(_TAG.sub("", line)).split()) for line in html.split("\n")).strip()
    return " ".join(unescape(_TAG.sub("", html)).split())


_SENTENCE_END = '.?!"\n'


def hugo_summary(text: str, words: int) -> str:
    """Hugo's automatic summary: ``words`` words, then on to the end of that sentence.

    Hugo (helpers.TruncateWordsToWholeSentence) counts spaces up to ``summaryLength``
    and cuts at the next sentence end; a shorter text is the whole summary.
    """
    count, last = 0, -1
    for index, char in enumerate(text):
        if char.isspace():
            count, last = count + 1, index
            if count >= words:
                break
    if last == -1 or count < words:
        return " ".join(text.split())
    ends = [text.find(mark, last) for mark in _SENTENCE_END]
    end = min((position for position in ends if position != -1), default=-1)
    return " ".join((text if end == -1 else text[: end + 1]).split())
