"""Structured access logs: one JSON line per request on stdout.

The lines bypass the logging module: a LogRecord, a handler lock and a flush
per line cost about 10 µs, several times what answering a prepared feed costs.
Lines are written to a buffered stream instead and flushed twice a second by
one background thread per process, so a quiet server still shows its last
requests at once.
Lines go to stdout's byte buffer, under a lock: a text stream is not safe
across threads, and the application log writes through stdout's text layer.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from json.encoder import encode_basestring as _json_string
from time import perf_counter

from .responses import request_path
from .threads import start_background

FLUSH_INTERVAL = 0.5  # seconds
# A header can be hundreds of kilobytes; a log line carries at most this much of each field.
MAX_FIELD = 1024


class AccessLog:
    """WSGI middleware logging method, path, query, status, bytes, duration, user agent, client
    and the conditional and coding request headers (null when absent)."""

    def __init__(self, app, stream=None):
        self.app = app
        self.stream = stream or sys.stdout.buffer
        self.lock = threading.Lock()
        _flusher.add(self)

    def __call__(self, environ, start_response):
        started = perf_counter()
        status: list[str] = []

        def capture(line, headers, exc_info=None):
            status[:] = [line]
            return start_response(line, headers, exc_info)

        body = self.app(environ, capture)
        if isinstance(body, list):
            self.write(environ, status, sum(map(len, body)), started)
            return body
        return _Counted(body, lambda size: self.write(environ, status, size, started))

    def write(self, environ, status, size, started) -> None:
        """Write one line; every string is JSON-escaped."""
        line = (
            f'{{"method":{_json_string(environ.get("REQUEST_METHOD", ""))}'
            f',"path":{_json_string(request_path(environ)[:MAX_FIELD])}'
            f',"query":{_json_string(_text(environ.get("QUERY_STRING", "")))}'
            f',"status":{status[0][:3] if status else "null"},"bytes":{size:d}'
            f',"duration_ms":{(perf_counter() - started) * 1000:.3f}'
            f',"user_agent":{_json_string(_text(environ.get("HTTP_USER_AGENT", "")))}'
            f',"remote":{_json_string(_text(environ.get("REMOTE_ADDR", "")))}'
            # The headers that decide a 304, a delta or an encoding: with them a line tells a
            # conditional poll answered 200 (a change, or a lost validator) from a plain fetch.
            f',"if_none_match":{_optional(environ.get("HTTP_IF_NONE_MATCH"))}'
            f',"if_modified_since":{_optional(environ.get("HTTP_IF_MODIFIED_SINCE"))}'
            f',"a_im":{_optional(environ.get("HTTP_A_IM"))}'
            f',"accept_encoding":{_optional(environ.get("HTTP_ACCEPT_ENCODING"))}}}\n'
        )
        with self.lock:
            self.stream.write(line.encode("utf-8", "replace"))

    def flush(self) -> None:
        try:
            with self.lock:
                self.stream.flush()
        except (OSError, ValueError):  # stdout closed while shutting down
            pass


class _Flusher:
    """Flushes every live access log twice a second, from one thread per process.

    Apps come and go (tests make hundreds); the thread is started by the first
    log of a process, and again in a forked child, which inherits no threads.
    """

    def __init__(self):
        self.logs: weakref.WeakSet[AccessLog] = weakref.WeakSet()
        self.pid: int | None = None
        self.lock = threading.Lock()

    def add(self, log: AccessLog) -> None:
        self.logs.add(log)
        with self.lock:
            if self.pid != os.getpid():
                self.pid = os.getpid()
                start_background(self._run, name="access-log-flush")

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL)
            for log in list(self.logs):
                log.flush()


_flusher = _Flusher()


def _text(wsgi_string: str) -> str:
    """WSGI strings are bytes decoded as latin-1 (PEP 3333): log them as the UTF-8 text they are, capped."""
    if len(wsgi_string) > MAX_FIELD:
        wsgi_string = wsgi_string[:MAX_FIELD]
    if wsgi_string.isascii():
        return wsgi_string
    return wsgi_string.encode("latin-1", "replace").decode("utf-8", "replace")


def _optional(value: str | None) -> str:
    """A header's value as a JSON string, or null when the request did not send it."""
    return "null" if value is None else _json_string(_text(value))


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
