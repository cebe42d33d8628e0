"""Jekyll's Liquid in a body: the tags people use most rendered, any other dropped and noted.

Rendered (https://jekyllrb.com/docs/liquid/tags/): ``highlight``, ``raw``,
``link``, ``post_url``, ``comment``, and ``{{ site.* }}`` / ``{{ page.* }}``
variables with the ``relative_url``/``absolute_url`` filters. Site links are
written root-relative (``site.url`` and ``site.baseurl`` become ""), as feedsvc
serves the site at its own base URL. Any other tag or output is dropped; the
text between a block's tags stays. ``link``/``post_url`` targets become link
tokens the reader resolves once every post's URL is known.
"""

from __future__ import annotations

import re
from html import escape

from .model import Site
from .shortcodes import REF_PREFIX

_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
_HIGHLIGHT = re.compile(r"\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}\n?(.*?)\{%-?\s*endhighlight\s*-?%\}", re.S)
_TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.S)
_OUTPUT = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_URL_FILTERS = {"relative_url", "absolute_url", "prepend: site.baseurl", "uri_escape", "strip", "escape", "xml_escape"}
_ROOT_VARIABLES = {"site.url", "site.baseurl", "site.github.url"}


def render(text: str, first_line: int, site: Site, fields: dict) -> tuple[str, list[tuple[int, str]]]:
    """Render the Liquid of a Jekyll body; return the new text and (line, note) pairs."""
    if ("{%" not in text and "{{" not in text) or fields.get("render_with_liquid") is False:
        return text, []
    notes: list[tuple[int, str]] = []
    # Raw blocks are kept aside first, so nothing inside them is read as Liquid.
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        return _aside(kept, match.group(1), match.group(0))

    def line_of(match: re.Match, source: str) -> int:
        return first_line + source.count("\n", 0, match.start())

    text = _RAW.sub(keep, text)
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    text = _HIGHLIGHT.sub(lambda m: keep_code(m, kept), text)

    def tag(match: re.Match) -> str:
        name, argument = match.group(1), match.group(2).strip()
        if name == "link":
            return REF_PREFIX + argument.strip("\"'")
        if name == "post_url":
            return REF_PREFIX + "post_url:" + argument.strip("\"'")
        notes.append((line_of(match, current), f"Liquid tag '{{% {name} %}}' is not supported: dropped"))
        return ""

    current = text
    text = _TAG.sub(tag, text)
    current = text

    def output(match: re.Match) -> str:
        value = _output(match.group(1).strip(), site, fields)
        if value is None:
            notes.append(
                (
                    line_of(match, current),
                    f"Liquid output '{{{{ {match.group(1).strip()} }}}}' is not supported: dropped",
                )
            )
            return ""
        return value

    text = _OUTPUT.sub(output, text)
    return re.sub("\x00(\\d+)\n*\x00", lambda m: kept[int(m.group(1))], text), notes


def keep_code(match: re.Match, kept: list[str]) -> str:
    """``{% highlight lang %}`` as a fenced code block, kept aside from further Liquid."""
    code = match.group(2).strip("\n")
    return _aside(kept, f"\n\n```{match.group(1)}\n{code}\n```\n\n", match.group(0))


def _aside(kept: list[str], text: str, original: str) -> str:
    """A token standing for ``text``, with as many line breaks as ``original`` so later lines keep their numbers."""
    kept.append(text)
    return f"\x00{len(kept) - 1}{chr(10) * original.count(chr(10))}\x00"


def _output(expression: str, site: Site, fields: dict) -> str | None:
    """The value of ``{{ expression }}``: a literal or a site/page variable, with URL filters; None if unknown."""
    head, *filters = [part.strip() for part in expression.split("|")]
    if any(item not in _URL_FILTERS for item in filters):
        return None
    if head[:1] in "\"'" and head[-1:] == head[:1]:
        return head[1:-1]
    if head in _ROOT_VARIABLES:
        return ""
    scope, _, name = head.partition(".")
    source = site.params if scope == "site" else fields if scope == "page" else None
    value: object = source
    for part in name.split(".") if source is not None else ():
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or isinstance(value, (dict, list)) or source is None:
        return None
    return escape(str(value), quote=False)
