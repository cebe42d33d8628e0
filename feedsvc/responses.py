"""Response policy: the headers every answer carries, Cache-Control, error answers, the request path.

One home for HTTP policy, as WhiteNoise's responders keep theirs: the catalog
attaches these headers when it prepares a resource, the fast path, the Flask
views and the host check answer errors with ``error_response``. Conditional
requests and content codings are ``http.py``'s; which Host may steer links is
``hosts.py``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from .model import Publishing
from .pages import render_bare_error

if TYPE_CHECKING:
    from .catalog import Catalog

Headers = list[tuple[str, str]]
Answer = tuple[str, Headers, bytes]  # status line, headers, body

HTML = "text/html; charset=utf-8"
ALLOW = "GET, HEAD, OPTIONS"
HTML_HEADERS: Headers = [
    ("X-Content-Type-Options", "nosniff"),
    # Only our own script (the copy button) and styles; images may come from anywhere content
    # links to; the only frames are the video players the sanitiser keeps (sanitise.py);
    # connect-src lets tools such as Lighthouse fetch robots.txt from the page.
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
        "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
]
# Browser-based readers fetch feeds across origins and revalidate with ETag (Fetch standard, CORS).
FEED_HEADERS: Headers = [
    ("X-Content-Type-Options", "nosniff"),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "ETag, Link"),
]
OPTIONS_HEADERS: Headers = [("Allow", ALLOW), ("Content-Length", "0")]
# Fetch standard, CORS protocol: a preflight is answered with what a cross-origin GET may send.
PREFLIGHT_HEADERS: Headers = [
    *OPTIONS_HEADERS,
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", ALLOW),
    ("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since, A-IM, Cache-Control"),
    ("Access-Control-Max-Age", "86400"),
]
# RFC 3986 pchar and "/": what a Location path may hold unencoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_PATH_KEY = "feedsvc.path"  # where request_path leaves the decoded path in the environ


def cache_control(pub: Publishing, *, immutable: bool = False) -> str:
    """Cache-Control of a prepared answer; ``immutable``: a full archive page, which never changes."""
    max_age = pub.archive_max_age if immutable else pub.max_age
    return (
        f"public, max-age={max_age}, stale-while-revalidate={pub.stale_while_revalidate}, "
        f"stale-if-error={pub.stale_if_error}"
    )


def error_cache_control(code: int) -> str:
    """Cache-Control of an error answer.

    RFC 9111 4.2.2: a 404 is heuristically cacheable; a short explicit lifetime keeps a
    shared cache from hammering the app with misses, and a new page shows within a minute.
    Any other error may pass with the next request: no cache keeps it.
    """
    return "public, max-age=60" if code in (404, 410) else "no-store"


def error_response(
    code: int, reason: str, text: str, extra: Sequence[tuple[str, str]] = (), catalog: Catalog | None = None
) -> Answer:
    """The HTML page of an error with its headers: in ``catalog``'s site look, or bare before a site is known."""
    body = catalog.error_page(code, reason, text) if catalog is not None else render_bare_error(code, reason, text)
    headers = [
        ("Content-Type", HTML),
        ("Content-Length", str(len(body))),
        ("Cache-Control", error_cache_control(code)),
        *HTML_HEADERS,
        *extra,
    ]
    return f"{code} {reason}", headers, body


def canonical_redirect(environ: dict, path: str) -> Answer:
    """301 to ``path`` without the query string: feeds ignore queries, so ``?_=<ms>`` is no new cache key."""
    script = environ.get("SCRIPT_NAME", "").encode("latin-1", "replace")  # WSGI: bytes as latin-1
    location = quote(script + path.encode("utf-8"), safe=_PATH_SAFE)
    # The redirect never changes: shared caches may keep it a day.
    headers = [("Location", location), ("Content-Length", "0"), ("Cache-Control", "public, max-age=86400")]
    return "301 Moved Permanently", headers, b""


def delta_headers(content_type: str, coding: str, length: int, etag: str) -> Headers:
    """Headers of an RFC 3229 ``226 IM Used`` answer: tailored to one client's version."""
    return [
        ("Content-Type", content_type),
        *([("Content-Encoding", coding)] if coding != "identity" else []),
        ("Content-Length", str(length)),
        ("ETag", etag),
        ("IM", "feed"),
        ("Vary", "Accept-Encoding, A-IM, If-None-Match"),
        ("Cache-Control", "private, no-store"),  # no shared cache may reuse it
        *FEED_HEADERS,
    ]


def request_path(environ: dict) -> str:
    """The request's path as text, decoded once per request.

    WSGI hands PATH_INFO over as bytes decoded as latin-1 (PEP 3333); URLs and
    catalog keys are UTF-8 text. Bytes that are not UTF-8 become U+FFFD, which
    no catalog key holds.
    """
    path = environ.get(_PATH_KEY)
    if path is None:
        raw = environ.get("PATH_INFO") or "/"
        path = raw if raw.isascii() else raw.encode("latin-1", "replace").decode("utf-8", "replace")
        environ[_PATH_KEY] = path
    return path
