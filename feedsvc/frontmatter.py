"""Split a content file into YAML front matter and body, keeping line numbers.

Front matter is YAML between two ``---`` lines, as Hugo and Jekyll write it.
Characters XML cannot carry are dropped from it here; the body is cleaned of
them when it is rendered (``markup.Markdown``).
It is loaded safely (no object construction) and every scalar stays a string,
so that dates are parsed once, by the reader, in the site's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from .limits import Refused, check_yaml
from .markup import xml_safe


class FrontMatterError(ValueError):
    """Malformed front matter; ``line`` is 1-based within the file."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _StringLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (libyaml's when PyYAML has it) that leaves timestamps as strings."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Document:
    """A parsed content file: field values, the line of each field, the body."""

    fields: dict[str, object]
    lines: dict[str, int]
    body: str
    body_line: int


_FENCE = re.compile(r"^[ \t]*---[ \t]*\r?$", re.MULTILINE)


def parse(text: str) -> Document:
    """Parse ``text`` into front matter fields and a Markdown body."""
    # Find the two fences without splitting the body into lines: bodies are most of the bytes.
    opening = _FENCE.match(text)
    if opening is None:
        raise FrontMatterError(1, "file must start with a '---' front matter line")
    closing = _FENCE.search(text, opening.end() + 1)
    if closing is None or opening.end() == len(text):
        raise FrontMatterError(1, "front matter has no closing '---' line")
    front = text[opening.end() + 1 : closing.start()]
    body_line = front.count("\n") + 3  # the line after the closing fence
    fields, field_lines = _load_mapping(xml_safe(front), first_line=2)
    return Document(fields, field_lines, text[closing.end() + 1 :], body_line)


def _load_mapping(source: str, first_line: int) -> tuple[dict[str, object], dict[str, int]]:
    """Load a YAML mapping, returning values and the file line of each key."""
    try:
        node = yaml.compose(source, Loader=_StringLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        raise FrontMatterError(line, f"invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    try:
        check_yaml(node)  # aliases, complex keys and depth, before anything is built (limits.py)
    except Refused as exc:
        raise FrontMatterError(first_line + exc.line - 1, exc.message) from None
    if node is None:
        return {}, {}
    if not isinstance(node, yaml.MappingNode):
        raise FrontMatterError(first_line, "front matter must be a mapping of 'key: value' lines")
    values: dict[str, object] = {}
    key_lines: dict[str, int] = {}
    loader = _StringLoader("")
    try:
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            line = first_line + key_node.start_mark.line
            if key in values:
                raise FrontMatterError(line, f"duplicate field '{key}'")
            values[key] = loader.construct_object(value_node, deep=True)
            key_lines[key] = line
    except yaml.YAMLError as exc:
        raise FrontMatterError(first_line, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return values, key_lines
