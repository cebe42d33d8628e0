"""Structured access logs: one JSON line per request on stdout."""

from __future__ import annotations

import json
import logging
import sys
from time import perf_counter

log = logging.getLogger("feedsvc.access")


def configure() -> None:
    """Send access lines to stdout as bare JSON, apart from the application log."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


class AccessLog:
    """WSGI middleware logging method, path, status, bytes, duration and user agent."""

    def __init__(self, app):
        self.app = app
        configure()

    def __call__(self, environ, start_response):
        started = perf_counter()
        status = []

        def capture(line, headers, exc_info=None):
            status[:] = [line]
            return start_response(line, headers, exc_info)

        body = self.app(environ, capture)
        if isinstance(body, list):
            self._log(environ, status, sum(map(len, body)), started)
            return body
        return _Counted(body, lambda size: self._log(environ, status, size, started))

    @staticmethod
    def _log(environ, status, size, started) -> None:
        log.info(json.dumps({
            "method": environ.get("REQUEST_METHOD"),
            "path": _text(environ.get("PATH_INFO", "")),
            "query": environ.get("QUERY_STRING") or None,
            "status": int(status[0][:3]) if status else None,
            "bytes": size,
            "duration_ms": round((perf_counter() - started) * 1000, 3),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "remote": environ.get("REMOTE_ADDR"),
        }, ensure_ascii=False))  # fmt: skip


def _text(wsgi_string: str) -> str:
    """WSGI strings are bytes decoded as latin-1 (PEP 3333): log them as the UTF-8 text they are."""
    if wsgi_string.isascii():
        return wsgi_string
    return wsgi_string.encode("latin-1", "replace").decode("utf-8", "replace")


class _Counted:
    """Wrap a streamed body: count its bytes and log once it is closed."""

    def __init__(self, body, done):
        self.body, self.done, self.size = body, done, 0

    def __iter__(self):
        for chunk in self.body:
            self.size += len(chunk)
            yield chunk

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done(self.size)
