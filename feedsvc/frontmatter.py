"""Split a content file into front matter and body, keeping line numbers.

Front matter is written as Hugo and Jekyll write it:

- YAML between two ``---`` lines (both generators);
- TOML between two ``+++`` lines (Hugo), read with the standard library's ``tomllib``;
- a JSON object opening the file (Hugo).

Characters XML cannot carry are dropped from it here; the body is cleaned of
them when it is rendered (``markup``). YAML is loaded safely (no object
construction) and its timestamps stay strings, so that dates are parsed once,
by the reader, in the site's time zone; TOML and JSON give their own types.
"""

from __future__ import annotations

import json
import re
import tomllib
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


class _StringLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's when PyYAML has it) that leaves timestamps as strings."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Document:
    """A parsed content file: field values, the line of each field, the body and where it starts."""

    fields: dict[str, object]
    lines: dict[str, int]
    body: str
    body_line: int
    format: str = "yaml"  # yaml, toml or json


_FENCES = {"yaml": re.compile(r"^[ \t]*---[ \t]*\r?$", re.MULTILINE), "toml": re.compile(r"^\+\+\+[ \t]*\r?$", re.M)}


def parse(text: str) -> Document:
    """Parse ``text`` into front matter fields and a body."""
    if text.startswith("+++"):
        return _fenced(text, "toml")
    if text.startswith("{"):
        return _json(text)
    return _fenced(text, "yaml")


def _fenced(text: str, kind: str) -> Document:
    # Find the two fences without splitting the body into lines: bodies are most of the bytes.
    fence = _FENCES[kind]
    mark = "---" if kind == "yaml" else "+++"
    opening = fence.match(text)
    if opening is None:
        raise FrontMatterError(1, "file must start with front matter: YAML between '---' lines, TOML between '+++'")
    closing = fence.search(text, opening.end() + 1)
    if closing is None or opening.end() == len(text):
        raise FrontMatterError(1, f"front matter has no closing '{mark}' line")
    front = xml_safe(text[opening.end() + 1 : closing.start()])
    body_line = front.count("\n") + 3  # the line after the closing fence
    if kind == "yaml":
        fields, field_lines = _load_yaml(front, first_line=2)
    else:
        fields, field_lines = _load_toml(front, first_line=2)
    return Document(fields, field_lines, text[closing.end() + 1 :], body_line, kind)


def _load_yaml(source: str, first_line: int) -> tuple[dict[str, object], dict[str, int]]:
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


def _load_toml(source: str, first_line: int) -> tuple[dict[str, object], dict[str, int]]:
    """Load TOML front matter; tomllib gives no positions, so each key's line is found by its text."""
    try:
        values = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = first_line + (int(found.group(1)) - 1 if found else 0)
        raise FrontMatterError(line, f"invalid TOML: {exc}") from None
    return values, _key_lines(source, values, first_line, r"^[ \t]*\[?[\"']?{key}[\"']?[ \t]*[=\]]")


def _json(text: str) -> Document:
    """A JSON object at the start of the file is front matter (Hugo); the body follows it."""
    try:
        values, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        raise FrontMatterError(exc.lineno, f"invalid JSON front matter: {exc.msg}") from None
    if not isinstance(values, dict):
        raise FrontMatterError(1, "JSON front matter must be an object")
    front = text[:end]
    values = json.loads(xml_safe(json.dumps(values)))
    body = text[end:].lstrip(" \t").removeprefix("\r").removeprefix("\n")
    body_line = front.count("\n") + 2
    return Document(values, _key_lines(front, values, 1, r"\"{key}\"[ \t]*:"), body, body_line, "json")


def _key_lines(source: str, values: dict, first_line: int, pattern: str) -> dict[str, int]:
    """The file line of each top-level key, found by searching ``source`` with ``pattern``."""
    lines = {}
    for key in values:
        found = re.search(pattern.format(key=re.escape(key)), source, re.MULTILINE)
        lines[key] = first_line + (source.count("\n", 0, found.start()) if found else 0)
    return lines
