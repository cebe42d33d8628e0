"""Time in the real server: a scheduled post goes out on its own, and deltas survive a SIGHUP reload."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from feedsvc.lock import read_lock, updated_lock, write_lock
from feedsvc.reader import read_content

from .conftest import FIXTURE, write_article
from .servers import LOOPBACK, free_port, granian_app

pytestmark = pytest.mark.integration

AHEAD = 4.0  # seconds between the server answering and the post's instant ("~3 s ahead" plus start-up slack)


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_a_scheduled_post_appears_in_the_feed_at_its_instant_without_a_reload(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=10)
    (content / "articles" / "on-the-dot.md").write_text(
        f"---\ntitle: On the dot\ndate: {due.isoformat()}\nauthor: ada-lovelace\ntags: [engines]\n---\nEmbargoed.\n"
    )
    write_lock(
        content, updated_lock(read_content(content, render=False), content, read_lock(content), datetime.now(UTC))
    )
    port = free_port()
    env = {"FEEDSVC_CONTENT_DIR": str(content), "FEEDSVC_SITE_URL": f"http://{LOOPBACK}:{port}"}
    with granian_app(tmp_path, env, port=port, workers=2):
        seen = None
        while seen is None:
            now = time.time()
            assert now < due.timestamp() + 5, "the post never appeared"
            status, headers, body = get(port, "/feed.atom")
            assert status == 200
            if b"/articles/on-the-dot" in body:
                seen = now
            else:  # before its instant, nothing lists it, and caches are told to come back by then
                assert now < due.timestamp() + 0.01 or now - due.timestamp() < 1.5, "late"
                max_age = int(headers["cache-control"].split("max-age=")[1].split(",")[0])
                assert now + max_age <= due.timestamp() + 1
            time.sleep(0.05)
        assert due.timestamp() - 0.01 <= seen <= due.timestamp() + 1.5  # the ticker wakes once a second
        for path in ("/feed.json", "/tags/engines/feed.rss", "/authors/ada-lovelace/feed.atom", "/"):
            # The other worker ticks in the same second, but may still be building its documents.
            while b"on-the-dot" not in get(port, path)[2]:
                assert time.time() < due.timestamp() + 1.5, path
                time.sleep(0.02)
        assert get(port, "/healthz")[1]["cache-control"] == "no-store"


def test_delta_after_a_sighup_reload(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    port = free_port()
    env = {
        "FEEDSVC_CONTENT_DIR": str(content),
        "FEEDSVC_SITE_URL": f"http://{LOOPBACK}:{port}",
        "FEEDSVC_DELTA": "true",
        "FEEDSVC_STATE_DIR": str(tmp_path / "state"),
    }
    with granian_app(tmp_path, env, port=port, workers=2, procfile=True) as server:
        _, headers, _ = get(port, "/feed.atom")
        etag = headers["etag"]
        write_article(content, "after-the-hup", 900)
        os.kill(server.proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 30
        served = 0  # the workers switch within milliseconds of each other: wait until every answer is new
        while served < 10:
            served = served + 1 if b"after-the-hup" in get(port, "/feed.atom")[2] else 0
            assert time.monotonic() < deadline, "the reload was never served by every worker"
            time.sleep(0.05)
        for _ in range(4):  # whichever worker answers
            status, headers, body = get(port, "/feed.atom", {"A-IM": "feed", "If-None-Match": etag})
            assert status == 226 and headers["im"] == "feed", status
            assert b"after-the-hup" in body and b"engine-note-5" not in body
