"""Bad content never takes the service down; hostile requests get a clear answer, never a 5xx."""

from __future__ import annotations

import json
import logging

import pytest

from feedsvc.service import StrictContentError

from .conftest import make_app


@pytest.fixture()
def broken(content_copy):
    (content_copy / "articles" / "broken.md").write_text("---\ntitle: [oops\n---\nBody\n")
    return content_copy


def test_bad_file_is_skipped_logged_and_reported_in_healthz(broken, caplog):
    with caplog.at_level(logging.ERROR):
        client = make_app(broken).test_client()
    assert "content/articles/broken.md:3: invalid YAML" in caplog.text
    health = json.loads(client.get("/healthz").data)
    assert health["status"] == "degraded"
    assert health["entries"] == 8
    assert health["errors"][0].startswith("content/articles/broken.md:3:")
    assert client.get("/feed.atom").status_code == 200
    assert client.get("/articles/engine-note-1").status_code == 200
    assert client.get("/articles/broken").status_code == 404


def test_strict_mode_refuses_to_start(broken):
    with pytest.raises(StrictContentError):
        make_app(broken, STRICT=True)


def test_strict_mode_starts_on_clean_content(content_copy):
    assert make_app(content_copy, STRICT=True).test_client().get("/healthz").status_code == 200


def test_access_log_is_one_json_line_per_request(app, client):
    import io

    access_log = app.wsgi_app  # the outermost middleware
    stream, access_log.stream = access_log.stream, io.BytesIO()
    try:
        client.get("/feeds?x=1", headers={"User-Agent": 'Test "Reader"/1.0', "Accept-Encoding": "gzip"})
        client.get("/nope").close()  # a streamed Flask body is logged when the server closes it
        client.get("/tags/z%C3%BCrich").close()
        lines = access_log.stream.getvalue().decode().splitlines()
    finally:
        access_log.stream = stream
    first, second, third = (json.loads(line) for line in lines)
    assert first["method"] == "GET" and first["path"] == "/feeds" and first["query"] == "x=1"
    assert first["status"] == 200 and first["user_agent"] == 'Test "Reader"/1.0'
    assert first["bytes"] == len(client.get("/feeds", headers={"Accept-Encoding": "gzip"}).data)
    assert first["duration_ms"] >= 0 and first["remote"] == "127.0.0.1"
    assert second["status"] == 404 and second["bytes"] > 0
    assert third["path"] == "/tags/zürich"


# (method, path, headers, expected status)
HOSTILE = [
    ("GET", "/authors/..%2f..%2fetc%2fpasswd", {}, 404),
    ("GET", "/authors/%2e%2e/%2e%2e/etc/passwd", {}, 404),
    ("GET", "/articles/..%252f..%252fwsgi.py", {}, 404),
    ("GET", "/../../../etc/passwd", {}, 404),
    ("GET", "/articles/" + "x" * 20000, {}, 404),
    ("GET", "/feed.atom", {"X-Long": "y" * 60000}, 200),
    ("DELETE", "/feed.atom", {}, 405),
    ("PROPFIND", "/feed.atom", {}, 405),
    ("TRACE", "/", {}, 405),
    ("OPTIONS", "/feed.rss", {}, 204),
    ("POST", "/nope", {}, 404),
    ("GET", "/feed.atom", {"Host": "evil.example"}, 200),
    ("GET", "/feed.atom", {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "javascript"}, 200),
    ("GET", "/feed.atom", {"If-None-Match": '\x00\xff""W/'}, 200),
    ("GET", "/feed.atom", {"If-Modified-Since": "Sun, 31 Feb 99999 25:61:61 XYZ"}, 200),
    ("GET", "/feed.atom", {"Accept-Encoding": "q=;q=;gzip;q=2,br;q=-1"}, 200),
    ("GET", "/feed.atom", {"Accept-Encoding": "\u00e9\u00e9"}, 200),
    ("GET", "/feed.atom", {"A-IM": "feed", "If-None-Match": "*"}, 304),
    ("GET", "/feed.atom", {"A-IM": "feed, \x01", "If-None-Match": '"nope"'}, 200),
    ("GET", "/tags/cyber-war%2Ffeed.atom", {}, 200),  # WSGI decodes %2F: the same resource
    ("GET", "/tags/CYBER-WAR", {}, 404),
    ("GET", "/tags/%F0%9F%92%A5", {}, 404),
    ("GET", "/articles/icspa-launched-to-fight-global-cyber-crime%00", {}, 404),
    ("GET", "/articles/%C0%AE%C0%AE", {}, 404),
    ("HEAD", "/nope", {}, 404),
]


@pytest.mark.parametrize(("method", "path", "headers", "status"), HOSTILE)
def test_hostile_requests(client, method, path, headers, status):
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == status
    if status == 405:
        assert response.headers["Allow"]


def test_forged_headers_change_nothing_with_site_url(client):
    baseline = {path: client.get(path).data for path in ("/", "/feed.atom", "/feed.json", "/feeds")}
    forged = {
        "Host": "evil.example",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Prefix": "/evil",
        "X-Forwarded-For": "6.6.6.6",
    }
    for path, body in baseline.items():
        assert client.get(path, headers=forged).data == body


def test_unicode_tag_urls(fixture_client):
    assert fixture_client.get("/tags/z%C3%BCrich").status_code == 200
    assert fixture_client.get("/tags/zürich/feed.atom").status_code == 200
    page = fixture_client.get("/articles/engine-note-1").data
    assert b"/tags/z%C3%BCrich" in page
