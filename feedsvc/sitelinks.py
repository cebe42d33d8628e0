"""Find the links and images in entries that point at the site itself and resolve to nothing.

A migrated site's posts link to each other, to their bundle images and to
static files by root-relative or relative URLs. Each one is resolved against
the entry's page URL (as the builders make them absolute) and must answer:
a document, a site file, or a redirect. What does not is reported by
``check`` as a note, ``path:line: note: ...``, with the line the link is written on.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html

from .model import Entry, Problem


def site_path(url: str, base_url: str) -> str | None:
    """The root-relative path of ``url`` if it is on the site at ``base_url``, else None."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    prefix = base.path.rstrip("/")
    if parts.path != prefix and not parts.path.startswith(prefix + "/"):
        return None
    return unquote(parts.path[len(prefix) :]) or "/"


def links_of(html: str) -> list[str]:
    """Every URL an entry's HTML links to or loads (href, src, cite...), in document order."""
    if not html.strip():
        return []
    return [link for _element, _attribute, link, _pos in lxml.html.fragment_fromstring(html, "div").iterlinks()]


def broken_links(entries: list[Entry], catalog, root: Path) -> list[Problem]:
    """A note for every link in ``entries`` to a path of the site that ``catalog`` does not answer."""
    base = catalog.pub.base_url
    notes = []
    for entry in entries:
        page = catalog.pub.url(entry.path)
        for link in dict.fromkeys(links_of(entry.content_html)):
            path = site_path(urljoin(page, link), base)
            if path is None or catalog.answers(path):
                continue
            notes.append(
                Problem(
                    path=entry.source,
                    line=_line_of(root / entry.source, link),
                    message=f"link to {link} resolves to nothing on this site ({path})",
                    severity="note",
                )
            )
    return notes


def _line_of(file: Path, link: str) -> int:
    """The line of ``file`` that spells ``link`` (as written, or decoded); 1 if none does."""
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    for spelling in dict.fromkeys((link, unquote(link))):
        for number, line in enumerate(lines, start=1):
            if spelling in line:
                return number
    return 1
