"""Hugo shortcodes in a body: the built-in ones people use most rendered, any other dropped and noted.

Rendered: ``figure``, ``youtube``, ``vimeo``, ``highlight``, ``ref``/``relref`` and
``param`` (https://gohugo.io/content-management/shortcodes/). Any other shortcode
is dropped; a paired one keeps its inner text. ``{{</* x */>}}`` is Hugo's way to
write a shortcode literally, and stays literal. ``ref`` targets become link
tokens (``REF_PREFIX``) that the reader resolves once every page's URL is known.
"""

from __future__ import annotations

import re
import shlex
from html import escape

from .model import Site
from .sanitise import iframe, vimeo_embed, youtube_embed

REF_PREFIX = "/__feedsvc_ref__/"  # + target: a link the reader replaces with the target page's URL
LINK_TOKEN = re.compile(re.escape(REF_PREFIX) + r"([^\s)\"'<>]+)")  # in Markdown, and in HTML attributes
_TAG = re.compile(r"\{\{([<%])(/\*)?\s*(/)?\s*([\w./-]+)(.*?)(\*/)?\s*[>%]\}\}", re.S)
_PAIRED = {"highlight"}


def _arguments(text: str) -> tuple[list[str], dict[str, str]]:
    """Positional and named arguments of a shortcode (``"quoted"``, `raw`, bare, ``key="value"``)."""
    try:
        words = shlex.split(text.strip().rstrip("/").replace("`", '"'), posix=True)
    except ValueError:
        words = text.split()
    named = dict(word.split("=", 1) for word in words if re.fullmatch(r"[\w-]+=.*", word, re.S))
    return [word for word in words if not re.fullmatch(r"[\w-]+=.*", word, re.S)], named


def _figure(named: dict[str, str]) -> str:
    image = f'<img src="{escape(named.get("src", ""))}" alt="{escape(named.get("alt", named.get("caption", "")))}"'
    for size in ("width", "height"):
        if named.get(size):
            image += f' {size}="{escape(named[size])}"'
    image += ">"
    if named.get("link"):
        image = f'<a href="{escape(named["link"])}">{image}</a>'
    caption = ""
    if named.get("title") or named.get("caption") or named.get("attr"):
        title = f"<h4>{escape(named['title'])}</h4>" if named.get("title") else ""
        text = escape(named.get("caption", ""))
        if named.get("attr"):
            text += " " + escape(named["attr"])
        caption = (
            f"<figcaption>{title}<p>{text.strip()}</p></figcaption>"
            if text.strip()
            else f"<figcaption>{title}</figcaption>"
        )
    return f"\n\n<figure>{image}{caption}</figure>\n\n"


def _param(name: str, fields: dict, site: Site) -> str | None:
    """A page parameter, else a site one (``param "a.b"`` walks nested maps)."""
    for source in (fields, fields.get("params") or {}, site.params):
        value: object = source
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and not isinstance(value, (dict, list)):
            return str(value)
    return None


def render(text: str, first_line: int, site: Site, fields: dict) -> tuple[str, list[tuple[int, str]]]:
    """Render the shortcodes of a Hugo body; return the new text and (line, note) pairs."""
    if "{{" not in text:
        return text, []
    notes: list[tuple[int, str]] = []
    tags = list(_TAG.finditer(text))
    closers = {match.group(4) for match in tags if match.group(3)}
    out: list[str] = []
    position = 0
    skip_to = -1
    for index, match in enumerate(tags):
        if match.start() < skip_to:
            continue
        out.append(text[position : match.start()])
        position = match.end()
        line = first_line + text.count("\n", 0, match.start())
        if match.group(2) and match.group(6):  # {{</* x */>}}: the shortcode written out
            out.append(match.group(0).replace("/*", "", 1).replace("*/", "", 1).replace("{{<", "{{<", 1))
            continue
        name, closing = match.group(4), bool(match.group(3))
        if closing:
            if name not in _PAIRED:
                continue  # the inner text of an unknown paired shortcode was kept: drop its end tag
            notes.append((line, f"shortcode '{{{{< /{name} >}}}}' closes nothing: dropped"))
            continue
        positional, named = _arguments(match.group(5))
        if name in _PAIRED and name in closers:
            end = next((m for m in tags[index + 1 :] if m.group(3) and m.group(4) == name), None)
            if end is not None:
                inner = text[match.end() : end.start()].strip("\n")
                language = positional[0] if positional else ""
                out.append(f"\n\n```{language}\n{inner}\n```\n\n")
                position = skip_to = end.end()
                continue
        rendered = _render_one(name, positional, named, fields, site)
        if rendered is None:
            paired = name in closers
            kept = " (its inner text is kept)" if paired else ""
            notes.append((line, f"shortcode '{name}' is not supported: dropped{kept}"))
            continue
        out.append(rendered)
    out.append(text[position:])
    return "".join(out), notes


def _render_one(name: str, positional: list[str], named: dict[str, str], fields: dict, site: Site) -> str | None:
    first = positional[0] if positional else ""
    if name == "figure":
        return _figure(named)
    if name == "youtube":
        video = named.get("id", first)
        return f"\n\n<div>{iframe(youtube_embed(video), named.get('title', 'YouTube video'))}</div>\n\n"
    if name == "vimeo":
        video = named.get("id", first)
        return f"\n\n<div>{iframe(vimeo_embed(video), named.get('title', 'Vimeo video'))}</div>\n\n"
    if name in ("ref", "relref"):
        return REF_PREFIX + named.get("path", first)
    if name == "param":
        value = _param(named.get("name", first), fields, site)
        return escape(value) if value is not None else None
    return None
