"""The app behind a real nginx cache: its Cache-Control, ETag and Vary headers drive proxy_cache.

nginx is configured as a shared cache that honours the app's headers (no
``proxy_cache_valid`` overrides them), revalidates with the stored validators
(``proxy_cache_revalidate on``) and falls back to the stored copy when the
app fails. Each request carries an ``X-Test-Id`` header that nginx writes to
its access log with ``$upstream_cache_status``, ``$upstream_status`` and
``$upstream_addr``, so a test can tell exactly whether (and which) app
instance answered. The app runs under granian with FEEDSVC_MAX_AGE=2, so
"expired" is a three-second sleep away.

Skipped where nginx is missing or cannot be run by this user.
"""

from __future__ import annotations

import gzip
import http.client
import time
import uuid
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import brotli
import pytest

from .servers import LOOPBACK, AppServer, Nginx, free_port, granian_app, nginx, require_nginx

pytestmark = pytest.mark.integration

MAX_AGE = 2
# nginx compares whole seconds: a copy stored at t is fresh while now <= t + max-age.
EXPIRE = MAX_AGE + 1.2
TIMEOUT = 5.0
ARTICLE = "/articles/icspa-launched-to-fight-global-cyber-crime"

# One line per request: the test's id, then what nginx did with it.
LOG_FORMAT = (
    "log_format upstream '$http_x_test_id|$request_method $request_uri|$status"
    "|$upstream_cache_status|$upstream_status|$upstream_addr';"
)


def app_env(site_port: int) -> dict[str, str]:
    """Every instance gets the public URL of the nginx in front, so all produce the same bytes."""
    return {
        "FEEDSVC_SITE_URL": f"http://{LOOPBACK}:{site_port}",
        "FEEDSVC_MAX_AGE": str(MAX_AGE),
        "FEEDSVC_STALE_IF_ERROR": "600",
    }


def caching_server(port: int, upstream: str, prefix: Path) -> str:
    """A server block caching ``upstream`` by the app's own headers."""
    return f"""
server {{
    listen {LOOPBACK}:{port};
    access_log {prefix}/logs/upstream.log upstream;
    location / {{
        proxy_pass http://{upstream};
        proxy_set_header Host $http_host;
        proxy_connect_timeout 2s;
        proxy_read_timeout 5s;
        proxy_next_upstream off;
        proxy_cache feeds;
        # No proxy_cache_valid: lifetimes come from the app's Cache-Control.
        proxy_cache_revalidate on;
        proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
        # Not proxy_cache_background_update: with it an expired copy is answered STALE at once and
        # revalidated behind the client's back, so the REVALIDATED status could not be observed.
        add_header X-Cache-Status $upstream_cache_status always;
    }}
}}"""


def cache_zone(prefix: Path) -> str:
    return f"proxy_cache_path {prefix}/cache levels=1:2 keys_zone=feeds:1m max_size=16m inactive=1h use_temp_path=off;"


@dataclass
class Reply:
    id: str
    status: int
    headers: Message
    body: bytes

    @property
    def cache(self) -> str | None:
        return self.headers.get("X-Cache-Status")


def fetch(port: int, path: str, headers: dict[str, str] | None = None) -> Reply:
    """GET ``path`` with exactly ``headers`` (no Accept-Encoding unless given), tagged with a fresh X-Test-Id."""
    test_id = uuid.uuid4().hex
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=TIMEOUT)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in {**(headers or {}), "X-Test-Id": test_id}.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return Reply(test_id, response.status, response.headers, response.read())
    finally:
        conn.close()


@dataclass
class LogEntry:
    request: str
    status: str
    cache: str
    upstream_status: str
    upstream_addr: str

    @property
    def reached_app(self) -> bool:
        return self.upstream_addr not in ("", "-")


def log_entry(server: Nginx, reply: Reply) -> LogEntry:
    """nginx's access-log line for ``reply`` (written just after the response, so wait for it)."""
    log = server.prefix / "logs" / "upstream.log"
    deadline = time.monotonic() + TIMEOUT
    while True:
        text = log.read_text() if log.exists() else ""
        for line in text.splitlines():
            test_id, _, rest = line.partition("|")
            if test_id == reply.id:
                return LogEntry(*rest.split("|"))
        if time.monotonic() > deadline:
            raise AssertionError(f"no access-log line for request {reply.id}:\n{text}")
        time.sleep(0.02)


@dataclass
class Stack:
    cache: Nginx
    cache_port: int
    pool_port: int
    apps: tuple[AppServer, AppServer]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Two app instances; nginx caching the first on one port, and balancing both uncached on another."""
    require_nginx()  # skip before starting anything
    tmp = tmp_path_factory.mktemp("nginx-cache")
    cache_port, pool_port = free_port(), free_port()
    prefix = tmp / "nginx"
    env = app_env(cache_port)
    with granian_app(tmp, env, name="app-a") as a, granian_app(tmp, env, name="app-b") as b:
        config = f"""
{LOG_FORMAT}
{cache_zone(prefix)}
upstream app_a {{
    server {a.address};
}}
upstream both {{
    server {a.address};
    server {b.address};
}}
{caching_server(cache_port, "app_a", prefix)}
server {{
    listen {LOOPBACK}:{pool_port};
    access_log {prefix}/logs/upstream.log upstream;
    location / {{
        proxy_pass http://both;
        proxy_connect_timeout 2s;
        proxy_read_timeout 5s;
        proxy_next_upstream off;
    }}
}}"""
        with nginx(tmp, config, name="nginx") as server:
            yield Stack(server, cache_port, pool_port, (a, b))


def test_fresh_copy_is_served_without_asking_the_app(stack):
    first = fetch(stack.cache_port, "/feed.atom")
    second = fetch(stack.cache_port, "/feed.atom")

    assert first.status == second.status == 200
    assert first.headers["Cache-Control"].startswith(f"public, max-age={MAX_AGE}, ")
    assert (first.cache, second.cache) == ("MISS", "HIT")
    assert second.body == first.body
    assert second.headers["ETag"] == first.headers["ETag"]
    entries = [log_entry(stack.cache, reply) for reply in (first, second)]
    assert [e.reached_app for e in entries] == [True, False], entries
    assert entries[0].upstream_addr == stack.apps[0].address

    # An aggregator's conditional poll is answered 304 by nginx from the stored validators.
    conditional = fetch(stack.cache_port, "/feed.atom", {"If-None-Match": first.headers["ETag"]})
    assert (conditional.status, conditional.cache, conditional.body) == (304, "HIT", b"")
    assert not log_entry(stack.cache, conditional).reached_app


def test_expired_copy_is_revalidated_with_304(stack):
    first = fetch(stack.cache_port, "/feed.rss")
    assert (first.status, first.cache) == (200, "MISS")
    time.sleep(EXPIRE)
    revalidated = fetch(stack.cache_port, "/feed.rss")
    again = fetch(stack.cache_port, "/feed.rss")

    assert revalidated.status == 200
    assert revalidated.cache == "REVALIDATED"
    assert revalidated.body == first.body
    assert revalidated.headers["ETag"] == first.headers["ETag"]
    entry = log_entry(stack.cache, revalidated)
    assert entry.reached_app and entry.upstream_status == "304", entry
    # The 304's Cache-Control made the stored copy fresh again.
    assert again.cache == "HIT"
    assert not log_entry(stack.cache, again).reached_app


def test_encodings_are_cached_separately(stack):
    path = "/feed.json"
    plain = fetch(stack.cache_port, path)
    gzipped = fetch(stack.cache_port, path, {"Accept-Encoding": "gzip"})
    brotlied = fetch(stack.cache_port, path, {"Accept-Encoding": "br"})
    plain_again = fetch(stack.cache_port, path)
    gzipped_again = fetch(stack.cache_port, path, {"Accept-Encoding": "gzip"})
    brotlied_again = fetch(stack.cache_port, path, {"Accept-Encoding": "br"})

    for reply in (plain, gzipped, brotlied, plain_again, gzipped_again, brotlied_again):
        assert reply.status == 200
        assert reply.headers["Vary"] == "Accept-Encoding"
    assert [r.cache for r in (plain, gzipped, brotlied)] == ["MISS", "MISS", "MISS"]
    assert [r.cache for r in (plain_again, gzipped_again, brotlied_again)] == ["HIT", "HIT", "HIT"]
    assert [log_entry(stack.cache, r).reached_app for r in (plain_again, gzipped_again, brotlied_again)] == [False] * 3

    assert plain.headers.get("Content-Encoding") is None and plain_again.headers.get("Content-Encoding") is None
    assert plain_again.body == plain.body
    assert plain.body.lstrip().startswith(b"{")
    assert gzipped.headers["Content-Encoding"] == gzipped_again.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.body) == gzip.decompress(gzipped_again.body) == plain.body
    assert brotlied.headers["Content-Encoding"] == brotlied_again.headers["Content-Encoding"] == "br"
    assert brotli.decompress(brotlied.body) == brotli.decompress(brotlied_again.body) == plain.body
    assert len({plain.headers["ETag"], gzipped.headers["ETag"], brotlied.headers["ETag"]}) == 3


def test_stale_copy_is_served_while_the_app_is_down(tmp_path):
    require_nginx()
    port = free_port()
    prefix = tmp_path / "nginx"
    with granian_app(tmp_path, app_env(port), name="app") as app:
        config = f"""
{LOG_FORMAT}
{cache_zone(prefix)}
upstream app {{
    server {app.address};
}}
{caching_server(port, "app", prefix)}"""
        with nginx(tmp_path, config, name="nginx") as server:
            first = fetch(port, "/feed.atom")
            assert (first.status, first.cache) == (200, "MISS")
            app.stop()
            assert app.proc.poll() is not None
            time.sleep(EXPIRE)
            stale = fetch(port, "/feed.atom")

            assert stale.status == 200
            assert stale.cache == "STALE"
            assert stale.body == first.body
            assert stale.headers["ETag"] == first.headers["ETag"]
            entry = log_entry(server, stale)
            # nginx did try the app, failed to connect, and answered from the cache.
            assert entry.reached_app and entry.upstream_status == "502", entry


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.rss", "/feed.json", "/", ARTICLE])
@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_instances_agree_on_bytes_and_etags(stack, path, encoding):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    replies = [fetch(stack.pool_port, path, headers) for _ in range(4)]
    answered_by = {log_entry(stack.cache, r).upstream_addr for r in replies}
    assert answered_by == {app.address for app in stack.apps}, "round robin should have asked both instances"

    assert {r.status for r in replies} == {200}
    assert len({r.headers["ETag"] for r in replies}) == 1
    assert len({r.body for r in replies}) == 1
    assert len({r.headers.get("Last-Modified") for r in replies}) == 1
    assert len({r.headers.get("Content-Encoding") for r in replies}) == 1
    if encoding:
        assert replies[0].headers["Content-Encoding"] == encoding

    # A validator from one instance is honoured by the other: a cache may revalidate against either.
    etag = replies[0].headers["ETag"]
    conditional = [fetch(stack.pool_port, path, {**headers, "If-None-Match": etag}) for _ in range(2)]
    assert {log_entry(stack.cache, r).upstream_addr for r in conditional} == {app.address for app in stack.apps}
    assert [r.status for r in conditional] == [304, 304]
    assert all(r.body == b"" and r.headers["ETag"] == etag for r in conditional)
