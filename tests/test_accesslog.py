"""The access log: conditional request headers in each line, and one flush thread per process."""

from __future__ import annotations

import io
import json
import threading

import pytest

from feedsvc.accesslog import FLUSH_INTERVAL, MAX_FIELD, AccessLog

from .conftest import make_app


@pytest.fixture()
def logged(app, client):
    """Run requests with the app's access log writing to memory; return the lines as dicts."""
    log = app.wsgi_app
    stream, log.stream = log.stream, io.BytesIO()

    def lines():
        return [json.loads(line) for line in log.stream.getvalue().decode().splitlines()]

    yield lines
    log.stream = stream


def test_a_conditional_poll_shows_what_it_sent(client, logged):
    etag = client.get("/feed.atom", headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    client.get(
        "/feed.atom",
        headers={
            "If-None-Match": etag,
            "If-Modified-Since": "Tue, 05 Jul 2011 10:00:00 GMT",
            "A-IM": "feed",
            "Accept-Encoding": "gzip",
        },
    )
    client.get("/feed.atom", headers={"If-None-Match": '"stale"', "Accept-Encoding": "gzip"})
    fetch, poll, missed = logged()
    assert (fetch["if_none_match"], fetch["if_modified_since"], fetch["a_im"]) == (None, None, None)
    assert fetch["accept_encoding"] == "gzip" and fetch["status"] == 200
    assert poll["status"] == 304 and poll["if_none_match"] == etag and poll["a_im"] == "feed"
    assert poll["if_modified_since"] == "Tue, 05 Jul 2011 10:00:00 GMT"
    # A 200 answered to a conditional poll is told from a plain fetch by its validator.
    assert missed["status"] == 200 and missed["if_none_match"] == '"stale"'


def test_conditional_fields_are_capped(client, logged):
    client.get("/feed.atom", headers={"If-None-Match": ", ".join(f'"{n:032x}"' for n in range(2000))})
    (entry,) = logged()
    assert len(entry["if_none_match"]) == MAX_FIELD


def _flushers() -> int:
    return sum(thread.name == "access-log-flush" for thread in threading.enumerate())


def test_one_flush_thread_per_process_however_many_apps():
    """Every AccessLog once started a thread that never ended: one per app made."""
    apps = [make_app(ACCESS_LOG=True) for _ in range(3)]
    assert all(isinstance(app.wsgi_app, AccessLog) for app in apps)
    assert _flushers() == 1


def test_lines_are_flushed_without_more_requests():
    class Stream(io.BytesIO):
        flushed = threading.Event()

        def flush(self):
            super().flush()
            if self.getvalue():
                self.flushed.set()

    stream = Stream()
    log = AccessLog(lambda environ, start_response: start_response("200 OK", []) or [b"ok"], stream)
    log({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *args: None)
    assert stream.flushed.wait(10 * FLUSH_INTERVAL)
