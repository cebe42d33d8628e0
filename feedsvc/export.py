"""Static export: lay the catalog out as files a static host serves at the same URLs.

Besides every document, the export holds a generator site's own files (at
their exact paths) and the redirects the app answers with 301, as maps a
static host loads: ``_redirects`` (Netlify, Cloudflare Pages) and
``redirects.nginx`` (an nginx ``map``), with ``types.nginx``, the media types
the app sends, for nginx (see tests/test_export_nginx.py).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import assets
from .formats import FORMATS
from .redirects import toggle_slash

SUFFIXES = {"gzip": ".gz", "br": ".br"}
MAPS = ("_redirects", "redirects.nginx", "types.nginx")


def file_path(directory: Path, path: str) -> Path:
    """Where the document at URL ``path`` goes: pages without an extension become index.html."""
    relative = path.strip("/")
    if not relative:
        return directory / "index.html"
    if "." not in relative.rsplit("/", 1)[-1]:
        return directory / relative / "index.html"
    return directory / relative


def _write(resource, target: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    for coding in resource.codings:  # a large body's compressed variants are made on first look-up
        target.with_name(target.name + SUFFIXES.get(coding, "")).write_bytes(resource.variants[coding].body)
    return len(resource.codings)


def export_catalog(catalog, directory: Path) -> int:
    """Write every resource, site file and redirect map; return the number of files."""
    count = 0
    for path in catalog.paths():
        count += _write(catalog.get(path), file_path(directory, path))
    for path in catalog.extras.files:
        # A site file keeps its exact name ("/CNAME" stays a file), as the generator wrote it.
        resource = catalog.get(path)
        if resource is not None:
            count += _write(resource, directory / path.lstrip("/"))
    moves = redirects(catalog)
    (directory / "_redirects").write_text("".join(f"{_encoded(catalog, old)} {new} 301\n" for old, new in moves))
    (directory / "redirects.nginx").write_text(nginx_map(catalog, moves))
    (directory / "types.nginx").write_text(nginx_types())
    return count + len(MAPS)


def nginx_types() -> str:
    """An nginx ``types`` block giving each extension the media type the app sends.

    The feed formats win: a site's own ``.json`` file is served by nginx as a
    JSON Feed (application/feed+json), by the app as application/json.
    """
    types = {name: feed_format.media_type for name, feed_format in FORMATS.items()}
    for extension, media_type in assets.MEDIA_TYPES.items():
        types.setdefault(extension.lstrip("."), media_type)
    by_type: dict[str, list[str]] = {}
    for extension, media_type in types.items():
        by_type.setdefault(media_type, []).append(extension)
    lines = [f"    {media_type} {' '.join(extensions)};" for media_type, extensions in by_type.items()]
    return "\n".join(["types {", *lines, "}", ""])


def redirects(catalog) -> list[tuple[str, str]]:
    """Every (old path, new absolute URL) the app answers with 301: old URLs, and the other slash form."""
    moves = dict(catalog.extras.redirects)
    for path in [*catalog.paths(), *catalog.extras.files]:
        other = toggle_slash(path)
        if other is not None and not catalog.exists(other):
            moves.setdefault(other, path)
    return [(old, catalog.pub.url(new)) for old, new in sorted(moves.items()) if not catalog.exists(old)]


def _encoded(catalog, path: str) -> str:
    """The request path as a client sends it (percent-encoded), under the public base URL's path."""
    return urlsplit(catalog.pub.url(path)).path


def nginx_map(catalog, moves: list[tuple[str, str]]) -> str:
    """An nginx ``map`` from ``$uri`` (decoded, as nginx matches it) to the 301 target."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    keys = [quoted(unquote(_encoded(catalog, old))) for old, _new in moves]
    # nginx refuses a map whose longest key does not fit a hash bucket, or with more keys than
    # the hash may hold; size both for this map (http-level directives, so set them once here).
    bucket = 64
    while bucket < max(map(len, keys), default=0) + 32:
        bucket *= 2
    lines = [
        f"map_hash_bucket_size {bucket};",
        f"map_hash_max_size {max(2048, 2 * len(keys))};",
        "map $uri $feedsvc_redirect {",
        '    default "";',
    ]
    for key, (_old, new) in zip(keys, moves, strict=True):
        # $ starts a variable in an nginx value; %24 is the same URL.
        lines.append(f"    {key} {quoted(new.replace('$', '%24'))};")
    return "\n".join([*lines, "}", ""])
