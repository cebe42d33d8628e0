"""Prepared responses for a site's own files (images, styles, downloads): media type, caching, encodings.

The same ``prepare`` as feeds and pages: strong ETag from the bytes, 304s,
gzip and brotli for types that compress. The media type comes from the file
name by a fixed table (not the host's /etc/mime.types), so every host sends the
same headers. A fingerprinted name (Hugo Pipes' ``style.<hash>.css``) never
changes content, so it may be cached for a year (RFC 9111 5.2.2.1;
``immutable``, RFC 8246).
"""

from __future__ import annotations

import posixpath
import re

from .http import Resource, prepare

# The web's common types, pinned; Python's table differs between versions.
MEDIA_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",  # RFC 9239
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".ics": "text/calendar",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".wasm": "application/wasm",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
# Types worth compressing: text, and the text-based application and image types.
_COMPRESSIBLE = re.compile(r"text/.*|application/(.*\+)?(json|xml|javascript|wasm)|image/svg\+xml|font/(ttf|otf)")
# Hugo's fingerprint (sha256 by default, md5/sha384/sha512 possible) before the extension.
_FINGERPRINT = re.compile(r"[.-][0-9a-f]{32,128}\.[A-Za-z0-9]+$")
IMMUTABLE = "public, max-age=31536000, immutable"
# A file larger than this is served without compressed variants: compressing it would hold a
# request (and the memory of three copies) for little gain on what is mostly already compressed.
MAX_COMPRESS = 4 * 2**20
# The largest file served: each is held in memory while served (and in the catalog's
# byte-bounded cache); larger media belong on a file host or CDN.
MAX_BYTES = 64 * 2**20


def media_type(name: str, body: bytes = b"") -> str:
    """The Content-Type for a file: by extension (else octet-stream); text declares UTF-8 when it is."""
    extension = posixpath.splitext(name)[1].lower()
    kind = MEDIA_TYPES.get(extension, "application/octet-stream")
    if _is_text(kind):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return kind
        return f"{kind}; charset=utf-8"
    return kind


def _is_text(kind: str) -> bool:
    # SVG declares its encoding in its XML declaration (and the favicon is sent without charset).
    return (
        kind.startswith("text/")
        or kind in ("application/json", "application/xml")
        or (kind.endswith(("+xml", "+json")) and kind != "image/svg+xml")
    )


def is_fingerprinted(name: str) -> bool:
    """Whether a file name carries a content hash, so its bytes never change."""
    return _FINGERPRINT.search(name) is not None


def file_resource(name: str, body: bytes, cache_control: str) -> Resource:
    """The prepared response for a site file's ``body``, published at URL path ``name``."""
    kind = media_type(name, body)
    headers = [
        ("Cache-Control", IMMUTABLE if is_fingerprinted(name) else cache_control),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if kind.startswith("image/svg+xml"):
        # An SVG opened on its own is a document of this origin: no script may run in it.
        headers.append(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox"))
    compressible = _COMPRESSIBLE.fullmatch(kind.split(";")[0]) is not None and len(body) <= MAX_COMPRESS
    return prepare(body, kind, headers=headers, compressible=compressible)
