"""WSGI middleware that answers prepared resources before Flask sees the request.

Aggregators poll the same few URLs all day. Like WhiteNoise for static files,
this answers them from precomputed bodies and header lists: a dictionary
look-up, a content-coding choice and an ETag comparison. Everything else
(unknown paths, /healthz) goes on to the Flask app.
"""

from __future__ import annotations

import threading

from . import delta
from .http import Resource, choose_coding, is_fresh
from .responses import (
    ALLOW,
    OPTIONS_HEADERS,
    PREFLIGHT_HEADERS,
    Answer,
    canonical_redirect,
    error_response,
    request_path,
)

# A body handed over whole is copied into each connection's send buffer at once: 300
# clients that do not read a 23 MB page held 1.4 GB in one worker. In chunks, the
# server takes the next one as the socket drains, but a client that does not read
# then holds one of the worker's threads (--blocking-threads 32): at most
# LARGE_STREAMS such answers run at once, and one more gets a 503 to retry, so slow
# readers can neither grow a worker nor take the threads every other request needs.
STREAM_OVER = 1 << 20
CHUNK = 1 << 18
LARGE_STREAMS = 12
_streams = threading.BoundedSemaphore(LARGE_STREAMS)


class _Stream:
    """A large body in chunks; holds one of the LARGE_STREAMS places until the server closes it."""

    def __init__(self, body: bytes):
        self.body, self._held = body, True

    def __iter__(self):
        view = memoryview(self.body)
        for start in range(0, len(self.body), CHUNK):
            yield bytes(view[start : start + CHUNK])

    def close(self) -> None:
        """PEP 3333: the server calls this when the answer is sent or abandoned."""
        if self._held:
            self._held = False
            _streams.release()

    __del__ = close  # should a server forget to close


class FastPath:
    """Serve the service's catalog; pass every other request to ``app``."""

    def __init__(self, app, service):
        self.app, self.service = app, service

    def __call__(self, environ, start_response):
        catalog = self.service.catalog_for(environ)
        path = request_path(environ)
        resource = catalog.get(path)
        if resource is None:
            return self.app(environ, start_response)
        status, headers, body = self.respond(catalog, resource, environ, path)
        if environ["REQUEST_METHOD"] == "HEAD":
            start_response(status, headers)
            return []
        if len(body) > STREAM_OVER:
            if not _streams.acquire(blocking=False):
                status, headers, body = error_response(
                    503, "Service Unavailable", "Too many large downloads at once.", [("Retry-After", "10")], catalog
                )
                start_response(status, headers)
                return [body]
            start_response(status, headers)
            return _Stream(body)
        start_response(status, headers)
        return [body]

    def respond(self, catalog, resource: Resource, environ: dict, path: str) -> Answer:
        """Choose status, headers and body for a request to a prepared resource."""
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD"):
            if method != "OPTIONS":
                return error_response(405, "Method Not Allowed", "", [("Allow", ALLOW)], catalog)
            cors = "HTTP_ORIGIN" in environ and "doc" in resource.extra
            return "204 No Content", PREFLIGHT_HEADERS if cors else OPTIONS_HEADERS, b""
        if environ.get("QUERY_STRING") and "doc" in resource.extra:
            return canonical_redirect(environ, path)
        coding = choose_coding(environ.get("HTTP_ACCEPT_ENCODING"), resource.codings)
        if coding is None:
            return error_response(406, "Not Acceptable", "", [("Vary", "Accept-Encoding")], catalog)
        variant = resource.variants[coding]
        if resource.status != "200 OK":
            # RFC 9110 13.2.1: preconditions apply only where the answer would be 2xx.
            return resource.status, variant.headers, variant.body
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            if is_fresh(environ, variant, resource, self.service.clock()):
                return "304 Not Modified", self._at_now(resource, variant.not_modified), b""
            if self.service.deltas is not None and "feed" in environ.get("HTTP_A_IM", "") and "doc" in resource.extra:
                answer = delta.answer(self.service, catalog, resource, environ, path, coding)
                if answer is not None:
                    return answer
        return "200 OK", self._at_now(resource, variant.headers), variant.body

    def _at_now(self, resource: Resource, headers: list) -> list:
        """Cut max-age to the document's next scheduled change (only documents that have one read the clock)."""
        if resource.changes_at is None:
            return headers
        return resource.headers_at(headers, self.service.clock().timestamp())
