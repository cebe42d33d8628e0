"""Links from one entry to another (Hugo ``ref``/``relref``, Jekyll ``link``/``post_url``), resolved.

The per-file parse leaves a token (``shortcodes.REF_PREFIX`` + target) where such a
link goes, as a file alone cannot know another's URL; once every entry has its URL,
``Links`` maps each token to it and ``LinkedBody`` writes it into the rendered HTML.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from .model import Body, Entry, Problem
from .shortcodes import LINK_TOKEN


class Links:
    """Resolve the link tokens Hugo ``ref``/``relref`` and Jekyll ``link``/``post_url`` left in bodies.

    A target is named the ways the generators allow: the file's path in the site
    or under ``content/``, with or without extension, its base name, a bundle's
    folder; ``post_url`` by the post's file name without extension.
    """

    def __init__(self, entries):
        self.paths: dict[str, str] = {}
        for entry in entries:
            for key in self.names(entry.source):
                self.paths.setdefault(key, entry.path)

    @staticmethod
    def names(source: str) -> list[str]:
        relative = source.partition("/")[2]
        names = []
        for path in (relative, relative.removeprefix("content/")):
            stem = posixpath.splitext(path)[0]
            names += [path, "/" + path, stem, "/" + stem]
        base = posixpath.basename(relative)
        stem = posixpath.splitext(base)[0]
        names += [base, stem, "post_url:" + stem]
        if "_posts/" in relative:
            names.append("post_url:" + relative.split("_posts/")[0] + stem)
        if stem in ("index", "_index"):
            folder = posixpath.dirname(relative.removeprefix("content/"))
            names += [folder, "/" + folder, posixpath.basename(folder)]
        return names

    def resolve(self, entry: Entry, refs: tuple[str, ...], problems: list[Problem]) -> Entry:
        """``entry`` with the link tokens of its body pointing at the URLs they name (unknown ones noted, "#")."""
        if not refs:
            return entry
        targets = {}
        for ref in refs:
            target, _, anchor = ref.partition("#")
            path = self.paths.get(target) or self.paths.get(target.strip("/"))
            if path is None:
                name = target.removeprefix("post_url:")
                message = f"link to '{name}' names no published post: it points nowhere"
                problems.append(Problem(path=entry.source, line=1, message=message, severity="note"))
            targets[ref] = "#" if path is None else path + (f"#{anchor}" if anchor else "")
        return replace(entry, body=LinkedBody(entry.body, targets))


class LinkedBody:
    """A body whose link tokens (``shortcodes.REF_PREFIX`` + target) are replaced by the URLs they name."""

    __slots__ = ("body", "targets")

    def __init__(self, body: Body, targets: dict[str, str]):
        self.body, self.targets = body, targets

    @property
    def html(self) -> str:
        return LINK_TOKEN.sub(lambda match: self.targets.get(match.group(1), "#"), self.body.html)

    @property
    def excerpt(self) -> str:
        return self.body.excerpt

    # Equal and alike by what it holds: an entry made again from the entry store is the same entry,
    # and stands for the same content in fingerprints (WebSub topics).
    def __repr__(self) -> str:
        return f"LinkedBody({self.body!r}, {sorted(self.targets.items())!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinkedBody) and (other.body, other.targets) == (self.body, self.targets)

    def __hash__(self) -> int:
        return hash(self.body)
