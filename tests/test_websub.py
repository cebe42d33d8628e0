"""WebSub publishing against a local hub stand-in that records what it receives."""

from __future__ import annotations

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import SITE_URL, make_app, write_article


class Hub:
    """A hub stand-in on 127.0.0.1: records publish pings; can be told to fail."""

    def __init__(self, fail_first: int = 0, status: int = 204):
        self.received: list[dict[str, list[str]]] = []
        self.fail_first, self.status, self.calls = fail_first, status, 0
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                hub.calls += 1
                if hub.calls <= hub.fail_first:
                    self.send_response(503)
                else:
                    hub.received.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
                    self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def topics(self) -> list[str]:
        return sorted(url for ping in self.received for url in ping["hub.url"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def hub():
    stand_in = Hub()
    yield stand_in
    stand_in.close()


def _wait(app):
    for thread in app.extensions["feedsvc.websub"].threads:
        thread.join(timeout=20)


def _app(content, hub_urls, tmp_path, **config):
    return make_app(content, WEBSUB_HUBS=hub_urls, STATE_DIR=str(tmp_path / "state"), WEBSUB_BACKOFF=0.01, **config)


ALL_SEED_TOPICS = sorted(
    f"{SITE_URL}{prefix}/feed.{fmt}"
    for prefix in ("", "/authors/tom-brewster", "/tags/cyber-war")
    for fmt in ("atom", "rss", "json")
)


def test_start_up_notifies_every_feed_once(hub, tmp_path):
    from .conftest import BUNDLED

    app = _app(BUNDLED, hub.url, tmp_path)
    _wait(app)
    assert all(ping["hub.mode"] == ["publish"] for ping in hub.received)
    assert hub.topics() == ALL_SEED_TOPICS
    # A second worker or a restart with the same content sends nothing more.
    again = _app(BUNDLED, hub.url, tmp_path)
    _wait(again)
    assert hub.topics() == ALL_SEED_TOPICS


def test_a_change_notifies_only_the_feeds_it_touches(hub, tmp_path, content_copy):
    app = _app(content_copy, hub.url, tmp_path)
    _wait(app)
    hub.received.clear()
    write_article(content_copy, "new-one", 800, tags=("brand-new",))
    app.extensions["feedsvc"].reload()
    _wait(app)
    expected = {
        f"{SITE_URL}{prefix}/feed.{fmt}"
        for prefix in ("", "/authors/ada-lovelace", "/tags/brand-new")
        for fmt in ("atom", "rss", "json")
    }
    assert set(hub.topics()) == expected


def test_failing_hub_is_retried_with_backoff(tmp_path):
    from .conftest import BUNDLED

    flaky = Hub(fail_first=2)
    try:
        app = _app(BUNDLED, flaky.url, tmp_path)
        _wait(app)
        assert flaky.topics() == ALL_SEED_TOPICS
        assert flaky.calls == len(ALL_SEED_TOPICS) + 2
    finally:
        flaky.close()


def test_dead_hub_never_blocks_serving(tmp_path, caplog):
    from .conftest import BUNDLED

    dead = Hub(fail_first=10**6)
    try:
        started = time.monotonic()
        app = _app(BUNDLED, dead.url, tmp_path, WEBSUB_ATTEMPTS=3)
        client = app.test_client()
        assert client.get("/feed.atom").status_code == 200
        assert time.monotonic() - started < 5
        _wait(app)
        assert dead.calls == 3  # gave up on the hub after the bounded retries
        assert "giving up" in caplog.text
    finally:
        dead.close()


def test_unreachable_hub_is_logged_not_raised(tmp_path, caplog):
    from .conftest import BUNDLED

    app = _app(BUNDLED, "http://127.0.0.1:9/", tmp_path, WEBSUB_ATTEMPTS=2)
    assert app.test_client().get("/feed.rss").status_code == 200
    _wait(app)
    assert "refused" in caplog.text
