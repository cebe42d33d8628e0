"""What the reader agrees to open and parse: limits that keep one file from stalling a load.

A content folder is trusted to hold content, not to be harmless: a FIFO blocks an
``open()`` forever, a symlink to ``/dev/zero`` never ends, a link out of the folder
publishes whatever it points at, and a few hundred bytes of YAML aliases expand to
gigabytes. Every file goes through ``read_file`` and every YAML document through
``check_yaml`` before anything else looks at it; each refusal is a ``Refused`` with
a message for ``path:line: message``.
"""

from __future__ import annotations

import os
import stat

import yaml

MAX_FILE_BYTES = 4 * 2**20  # FEEDSVC_MAX_FILE_MB's default
# Front matter is a few fields; a document that expands past these is an alias bomb
# (https://en.wikipedia.org/wiki/Billion_laughs_attack) or a mistake.
MAX_YAML_NODES = 10_000
MAX_YAML_DEPTH = 32


class Refused(ValueError):
    """A file or document the reader will not take; ``line`` is 1-based."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.message, self.line = message, line


def inside(path: str, root: str) -> bool:
    """Whether ``path``, all symlinks resolved, is within ``root`` (itself resolved)."""
    real = os.path.realpath(path)
    return real == root or real.startswith(os.path.join(root, ""))


def read_file(path: str, root: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file inside ``root`` (a resolved folder) of at most ``max_bytes``.

    Raises ``Refused`` for anything else, before reading it, and ``OSError`` if it
    cannot be read. Never blocks: a FIFO is opened non-blocking and refused.
    """
    if os.path.islink(path) and not inside(path, root):
        raise Refused(f"is a symlink to {os.path.realpath(path)}, outside the content folder")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"is not a regular file ({_kind(info.st_mode)}); only files are read")
        if info.st_size > max_bytes:
            raise Refused(f"is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit (FEEDSVC_MAX_FILE_MB)")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # Ask for what stat says (asking for max_bytes would allocate that much per file:
            # minutes over 100,000 files); a file that grew while we read is read on, within the limit.
            want = min(info.st_size, max_bytes) + 1
            data = handle.read(want)
            if len(data) == want:
                data += handle.read(max_bytes + 1 - len(data))
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise Refused(f"is over the {max_bytes:,}-byte limit (FEEDSVC_MAX_FILE_MB)")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "a directory" if stat.S_ISDIR(mode) else "a socket or other special file"


def check_yaml(node: yaml.Node | None) -> None:
    """Refuse a composed YAML document that is not plain data of a sane size.

    Counts the nodes the document expands to (an alias counts the whole tree it
    names, every time), without expanding it; refuses mapping keys that are not
    scalars (``? [a, b]: ...``), recursive aliases and very deep nesting.
    """
    sizes: dict[int, int] = {}

    def size(current: yaml.Node, depth: int, path: tuple[int, ...]) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if key in path:
            raise Refused("a YAML alias refers to itself", current.start_mark.line + 1)
        if depth > MAX_YAML_DEPTH:
            raise Refused(f"YAML nested deeper than {MAX_YAML_DEPTH} levels", current.start_mark.line + 1)
        total = 1
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise Refused("a YAML mapping key must be a plain value, not a list or mapping", _line(key_node))
                total += 1 + size(value_node, depth + 1, (*path, key))
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(current, yaml.SequenceNode):
            for item in current.value:
                total += size(item, depth + 1, (*path, key))
                if total > MAX_YAML_NODES:
                    break
        if total > MAX_YAML_NODES:
            raise Refused(f"YAML expands to more than {MAX_YAML_NODES:,} values (aliases?)", _line(current))
        sizes[key] = total
        return total

    if node is not None:
        size(node, 0, ())


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1
