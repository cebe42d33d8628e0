"""WebSub publishing against a local hub stand-in that records what it receives."""

from __future__ import annotations

import json
import socket
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
        assert dead.calls == 3 * len(ALL_SEED_TOPICS)  # every topic, in each of the bounded rounds
        assert "giving up" in caplog.text
        health = client.get("/healthz").get_json()
        assert health["status"] == "degraded" and dead.url in health["websub"]["problem"]
    finally:
        dead.close()


class HungHub(Hub):
    """A hub that accepts the connection and never answers."""

    def __init__(self):
        self.received, self.calls = [], 0
        self.server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/"

    def close(self):
        self.server.close()


def test_a_hung_hub_does_not_delay_the_others_and_every_topic_is_tried(hub, tmp_path, monkeypatch):
    from feedsvc import websub

    from .conftest import BUNDLED

    hung = HungHub()
    asked: list[str] = []
    real_ping = websub.ping

    def ping(hub_url, topic, timeout):
        asked.append(hub_url)
        return real_ping(hub_url, topic, 0.2)  # the per-hub time-out, short for the test

    monkeypatch.setattr(websub, "ping", ping)
    try:
        started = time.monotonic()
        app = _app(BUNDLED, f"{hung.url} {hub.url}", tmp_path, WEBSUB_ATTEMPTS=1)
        deadline = time.monotonic() + 10
        while hub.topics() != ALL_SEED_TOPICS:  # the working hub is done long before the hung one
            assert time.monotonic() < deadline, hub.topics()
            time.sleep(0.02)
        assert time.monotonic() - started < 3
        _wait(app)
        assert asked.count(hung.url) == len(ALL_SEED_TOPICS)  # each topic tried, none abandoned
        state = json.loads(next((tmp_path / "state").glob("websub-*.json")).read_text())
        assert sorted(state[hub.url]) == ALL_SEED_TOPICS and not state.get(hung.url)
    finally:
        hung.close()


def test_failed_topics_are_retried_at_the_next_start(tmp_path):
    from .conftest import BUNDLED

    flaky = Hub(fail_first=5)
    try:
        _wait(_app(BUNDLED, flaky.url, tmp_path, WEBSUB_ATTEMPTS=1))
        assert len(flaky.topics()) == len(ALL_SEED_TOPICS) - 5  # every topic was tried, not the first five only
        _wait(_app(BUNDLED, flaky.url, tmp_path, WEBSUB_ATTEMPTS=1))
        assert flaky.topics() == ALL_SEED_TOPICS  # the five that failed, and only those
    finally:
        flaky.close()


def test_an_unwritable_state_folder_is_reported_and_hubs_still_notified(hub, tmp_path):
    from .conftest import BUNDLED

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a folder cannot be made under a file, even by root
    app = make_app(BUNDLED, WEBSUB_HUBS=hub.url, STATE_DIR=str(blocker / "state"), WEBSUB_BACKOFF=0.01)
    _wait(app)
    assert hub.topics() == ALL_SEED_TOPICS
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert "cannot write the WebSub state" in health["websub"]["problem"]
    assert "cannot keep the content index" in health["state"]


def test_the_state_file_is_replaced_atomically(hub, tmp_path, monkeypatch):
    from .conftest import BUNDLED

    _wait(_app(BUNDLED, hub.url, tmp_path))
    state_file = next((tmp_path / "state").glob("websub-*.json"))
    before = state_file.read_text()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("feedsvc.websub.os.fsync", full_disk)
    hub.received.clear()
    app = _app(BUNDLED, hub.url, tmp_path)
    _wait(app)
    assert state_file.read_text() == before  # whole, not truncated
    assert hub.received == []  # nothing changed, so nothing re-sent
    assert "No space left" in app.extensions["feedsvc.websub"].problem


def test_unreachable_hub_is_logged_not_raised(tmp_path, caplog):
    from .conftest import BUNDLED

    app = _app(BUNDLED, "http://127.0.0.1:9/", tmp_path, WEBSUB_ATTEMPTS=2)
    assert app.test_client().get("/feed.rss").status_code == 200
    _wait(app)
    assert "refused" in caplog.text
