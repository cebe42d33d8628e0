"""The response policy: error answers, Cache-Control, redirects and the decoded request path."""

from __future__ import annotations

import pytest

from feedsvc.responses import (
    HTML_HEADERS,
    cache_control,
    canonical_redirect,
    error_response,
    request_path,
)
from feedsvc.settings import Settings


@pytest.mark.parametrize(
    ("code", "expected"),
    [(404, "public, max-age=60"), (410, "public, max-age=60")] + [(code, "no-store") for code in (400, 405, 406, 500)],
)
def test_error_answers_share_one_page_and_one_policy(code, expected):
    status, headers, body = error_response(code, "Reason", "What happened.")
    assert status == f"{code} Reason"
    assert dict(headers)["Cache-Control"] == expected
    assert dict(headers)["Content-Type"] == "text/html; charset=utf-8"
    assert dict(headers)["Content-Length"] == str(len(body))
    assert set(HTML_HEADERS) <= set(headers)
    assert body.startswith(b"<!") and str(code).encode() in body


def test_the_fast_path_and_flask_answer_errors_alike(client):
    fast = client.delete("/feed.atom")  # the fast path: a prepared resource, a wrong method
    slow = client.delete("/healthz")  # Flask's view
    assert fast.status_code == slow.status_code == 405
    for header in ("Allow", "Cache-Control", "Content-Security-Policy", "Content-Type"):
        assert fast.headers[header] == slow.headers[header], header


def test_cache_control_follows_the_publishing_settings():
    pub = Settings(max_age=120, stale_while_revalidate=30, stale_if_error=3600, archive_max_age=999).publishing("")
    assert cache_control(pub) == "public, max-age=120, stale-while-revalidate=30, stale-if-error=3600"
    assert cache_control(pub, immutable=True).startswith("public, max-age=999,")


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("/feed.atom", "/feed.atom"),
        ("", "/"),
        ("/tags/zürich".encode().decode("latin-1"), "/tags/zürich"),  # PEP 3333: bytes as latin-1
        ("/tags/z\xfcrich", "/tags/z\ufffdrich"),  # latin-1 bytes, not UTF-8: nothing matches
    ],
)
def test_the_request_path_is_decoded_once(raw, decoded):
    environ = {"PATH_INFO": raw}
    assert request_path(environ) == decoded
    environ["PATH_INFO"] = "/changed"
    assert request_path(environ) == decoded  # kept for the access log and everything after


def test_canonical_redirect_drops_the_query_and_encodes_the_path():
    environ = {"SCRIPT_NAME": "/news", "QUERY_STRING": "_=1700000000"}
    status, headers, body = canonical_redirect(environ, "/tags/zürich/feed.atom")
    assert (status, body) == ("301 Moved Permanently", b"")
    assert dict(headers)["Location"] == "/news/tags/z%C3%BCrich/feed.atom"
