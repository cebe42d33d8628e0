"""Trusted input: only hosts the operator allows steer links, only named proxies forward headers.

Every document is built once and kept (here and in shared caches keyed on URL and
Host), so a header that reached a link would poison it for every later reader,
and a header that forced a new build would cost a whole site's rendering.
"""

from __future__ import annotations

import io
import json

import pytest

from feedsvc.hosts import host_allowed, parse_allowed_hosts, parse_networks
from feedsvc.http import _cached_choose_coding, choose_coding

from .conftest import make_app

FORGED = {
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Prefix": "/phish",
    "X-Forwarded-For": "6.6.6.6",
}


def self_link(data: bytes) -> bytes:
    start = data.index(b'<link href="') + len(b'<link href="')
    return data[start : data.index(b'"', start)]


@pytest.fixture(scope="module")
def open_app():
    """No FEEDSVC_SITE_URL, two allowed hosts, a proxy on 10.0.0.0/8."""
    return make_app(SITE_URL="", ALLOWED_HOSTS="news.example.org .example.net", TRUSTED_PROXIES="10.0.0.0/8")


def get(app, path="/feed.atom", remote="192.0.2.1", **headers):
    client = app.test_client()
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": remote})


def test_an_allowed_host_gets_its_own_links(open_app):
    assert self_link(get(open_app, Host="news.example.org").data) == b"http://news.example.org/feed.atom"
    assert self_link(get(open_app, Host="www.example.net:8080").data) == b"http://www.example.net:8080/feed.atom"


def test_any_other_host_gets_the_default_bytes_and_builds_nothing(open_app):
    service = open_app.extensions["feedsvc"]
    default = get(open_app, Host="127.0.0.1:8000").data
    before = len(service._catalogs)
    for n in range(50):
        response = get(open_app, Host=f"rotating-{n}.example")
        assert response.data == default
    assert len(service._catalogs) == before
    assert self_link(default) == b"http://127.0.0.1:8000/feed.atom"  # content/site.yaml's base_url


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(open_app):
    forged = get(open_app, Host="news.example.org", **FORGED)
    assert forged.data == get(open_app, Host="news.example.org").data
    assert b"evil" not in forged.data and b"phish" not in forged.data


def test_forwarded_headers_from_a_trusted_proxy_are_honoured(open_app):
    headers = {"Host": "internal:5000", "X-Forwarded-Host": "news.example.org", "X-Forwarded-Proto": "https"}
    response = get(open_app, remote="10.1.2.3", **headers)
    assert self_link(response.data) == b"https://news.example.org/feed.atom"
    # A trusted proxy forwarding a host nobody allowed changes nothing either.
    evil = get(open_app, remote="10.1.2.3", Host="news.example.org", **FORGED)
    assert evil.data == get(open_app, Host="127.0.0.1:8000").data


def test_the_client_address_comes_from_a_trusted_proxy_only(open_app):
    log = open_app.wsgi_app
    stream, log.stream = log.stream, io.BytesIO()
    try:
        get(open_app, remote="10.1.2.3", **{"X-Forwarded-For": "198.51.100.7, 10.9.9.9"})
        get(open_app, remote="192.0.2.1", **{"X-Forwarded-For": "198.51.100.7"})
        first, second = (json.loads(line) for line in log.stream.getvalue().decode().splitlines())
    finally:
        log.stream = stream
    assert first["remote"] == "198.51.100.7"
    assert second["remote"] == "192.0.2.1"


def test_site_url_wins_over_allowed_hosts_and_proxies():
    app = make_app(ALLOWED_HOSTS="*", TRUSTED_PROXIES="*")
    baseline = get(app).data
    assert get(app, Host="evil.example", **FORGED).data == baseline
    assert self_link(baseline) == b"https://news.example.org/feed.atom"


def test_http11_without_host_is_a_400(app):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/feed.atom",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "REMOTE_ADDR": "127.0.0.1",
    }
    seen = []
    body = b"".join(app.wsgi_app(environ, lambda status, *rest: seen.append(status)))
    assert seen == ["400 Bad Request"] and b"host" in body
    seen.clear()
    b"".join(app.wsgi_app({**environ, "SERVER_PROTOCOL": "HTTP/1.0"}, lambda status, *rest: seen.append(status)))
    assert seen == ["200 OK"]  # HTTP/1.0 has no Host requirement


@pytest.mark.parametrize(
    ("host", "allowed", "expected"),
    [
        ("news.example.org", ("news.example.org",), True),
        ("NEWS.example.org:443", ("news.example.org",), True),
        ("evil.example.org", ("news.example.org",), False),
        ("a.b.example.org", (".example.org",), True),
        ("example.org", (".example.org",), True),
        ("badexample.org", (".example.org",), False),
        ("[::1]:8000", ("[::1]",), True),
        ("anything", ("*",), True),
        ("anything", (), False),
    ],
)
def test_host_allowed(host, allowed, expected):
    assert host_allowed(host, allowed) is expected


@pytest.mark.parametrize(
    ("setting", "value"),
    [("ALLOWED_HOSTS", "bad_host!"), ("ALLOWED_HOSTS", "http://x.example"), ("TRUSTED_PROXIES", "10.0.0.0/33")],
)
def test_bad_settings_stop_start_up_with_a_fix(setting, value):
    with pytest.raises(RuntimeError, match=f"FEEDSVC_{setting}"):
        make_app(**{setting: value})


def test_setting_parsers():
    assert parse_allowed_hosts("News.Example.org, .example.net *") == ("news.example.org", ".example.net", "*")
    assert [str(n) for n in parse_networks("127.0.0.1 10.0.0.0/8")] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert len(parse_networks("*")) == 2


def test_the_coding_cache_keys_on_normalised_values_and_stays_small():
    _cached_choose_coding.cache_clear()
    available = ("identity", "gzip", "br")
    assert choose_coding("gzip, br", available) == choose_coding(" GZIP ,BR ", available) == "br"
    assert _cached_choose_coding.cache_info().currsize == 1
    for n in range(1200):  # distinct huge values, as an attacker would send
        assert choose_coding(f"gzip;q=0.5, x-{n}-" + "a" * 4000, available) == "gzip"
    info = _cached_choose_coding.cache_info()
    assert info.currsize == 1  # long values are parsed, never kept
    assert info.maxsize == 512


def test_access_log_fields_are_capped(app, client):
    log = app.wsgi_app
    stream, log.stream = log.stream, io.BytesIO()
    try:
        client.get("/feeds?" + "q" * 50_000, headers={"User-Agent": "u" * 400_000})
        line = log.stream.getvalue()
    finally:
        log.stream = stream
    entry = json.loads(line)
    assert len(line) < 4000
    assert entry["user_agent"] == "u" * 1024 and entry["query"] == "q" * 1024


def test_cors_preflight_is_complete(client):
    response = client.options(
        "/feed.json", headers={"Origin": "https://reader.example", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    feed = client.get("/feed.json", headers={"Origin": "https://reader.example"})
    assert "ETag" in feed.headers["Access-Control-Expose-Headers"]


def test_404_has_a_short_cache_lifetime(client):
    assert client.get("/nope").headers["Cache-Control"] == "public, max-age=60"
