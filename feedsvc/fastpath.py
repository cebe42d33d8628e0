"""WSGI middleware that answers prepared resources before Flask sees the request.

Aggregators poll the same few URLs all day. Like WhiteNoise for static files,
this answers them from precomputed bodies and header lists: a dictionary
look-up, a content-coding choice and an ETag comparison. Everything else
(unknown paths, /healthz) goes on to the Flask app.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from . import delta
from .catalog import HTML_HEADERS
from .http import ALLOW, Resource, choose_coding, is_fresh
from .pages import render_bare_error

_OPTIONS_HEADERS = [("Allow", ALLOW), ("Content-Length", "0")]
# Fetch standard, CORS protocol: a preflight is answered with what a cross-origin GET may send.
_PREFLIGHT_HEADERS = [
    *_OPTIONS_HEADERS,
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", ALLOW),
    ("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since, A-IM, Cache-Control"),
    ("Access-Control-Max-Age", "86400"),
]
# A redirect from a feed URL with a query string never changes: shared caches may keep it a day.
_REDIRECT_CACHE = ("Cache-Control", "public, max-age=86400")


def error_response(
    code: int, reason: str, text: str, extra: Sequence[tuple[str, str]] = (), catalog=None
) -> tuple[str, list, bytes]:
    """An HTML error page in the look of ``catalog``'s site (a bare one before a site is known)."""
    body = catalog.error_page(code, reason, text) if catalog is not None else render_bare_error(code, reason, text)
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))), *HTML_HEADERS, *extra]
    return f"{code} {reason}", headers, body


class FastPath:
    """Serve the service's catalog; pass every other request to ``app``."""

    def __init__(self, app, service):
        self.app, self.service = app, service

    def __call__(self, environ, start_response):
        catalog = self.service.catalog_for(environ)
        path = environ.get("PATH_INFO") or "/"
        resource = catalog.get(path)
        if resource is None and not path.isascii():
            # WSGI hands the path over as latin-1 decoded bytes; our keys are UTF-8 text.
            try:
                resource = catalog.get(path.encode("latin-1").decode("utf-8"))
            except UnicodeError:
                resource = None
        if resource is None:
            return self.app(environ, start_response)
        status, headers, body = self.respond(catalog, resource, environ, path)
        start_response(status, headers)
        return [body] if environ["REQUEST_METHOD"] != "HEAD" else []

    def respond(self, catalog, resource: Resource, environ: dict, path: str) -> tuple[str, list, bytes]:
        """Choose status, headers and body for a request to a prepared resource."""
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD"):
            if method != "OPTIONS":
                return error_response(405, "Method Not Allowed", "", [("Allow", ALLOW)], catalog)
            cors = "HTTP_ORIGIN" in environ and "doc" in resource.extra
            return "204 No Content", _PREFLIGHT_HEADERS if cors else _OPTIONS_HEADERS, b""
        if environ.get("QUERY_STRING") and "doc" in resource.extra:
            # Feeds ignore query strings; a cache-busting "?_=<ms>" must not be a new cache key.
            location = quote((environ.get("SCRIPT_NAME", "") + path).encode("latin-1"), safe="/:@!$&'()*+,;=-._~%")
            return "301 Moved Permanently", [("Location", location), ("Content-Length", "0"), _REDIRECT_CACHE], b""
        coding = choose_coding(environ.get("HTTP_ACCEPT_ENCODING"), resource.codings)
        if coding is None:
            return error_response(406, "Not Acceptable", "", [("Vary", "Accept-Encoding")], catalog)
        variant = resource.variants[coding]
        if resource.status != "200 OK":
            # RFC 9110 13.2.1: preconditions apply only where the answer would be 2xx.
            return resource.status, variant.headers, variant.body
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            if is_fresh(environ, variant, resource):
                return "304 Not Modified", variant.not_modified, b""
            if "feed" in environ.get("HTTP_A_IM", "") and "doc" in resource.extra:
                answer = delta.answer(self.service, catalog, resource, environ, path, coding)
                if answer is not None:
                    return answer
        return "200 OK", variant.headers, variant.body
