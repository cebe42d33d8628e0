"""A static export served by a real nginx answers every URL like the app: same bytes, same Content-Type.

`flask --app feedsvc export DIR` (or `make export DIR=...`) writes every feed,
archive page and HTML page, each with a `.gz` and a `.br` copy, a Hugo or
Jekyll site's own files, and the redirects (old URLs, the other trailing-slash
spelling) as an nginx map, `DIR/redirects.nginx`. This is the nginx
configuration (http level) a publisher needs to serve DIR at the same URLs as
the app. The test runs exactly this text, with `listen` and the folder replaced:

    # The export's redirect map: $feedsvc_redirect is the new URL of an old one.
    include /srv/feedsvc-export/redirects.nginx;

    server {
        listen 80;
        server_name news.example.org;
        root /srv/feedsvc-export;

        # Old URLs answer 301 before any file is looked for.
        if ($feedsvc_redirect) {
            return 301 $feedsvc_redirect;
        }
        # The maps are for the server (and for Netlify-style hosts: _redirects), not for visitors.
        location = /redirects.nginx { return 404; }
        location = /types.nginx { return 404; }
        location = /_redirects { return 404; }

        # Pages are written as <path>/index.html; feeds keep their names.
        location / {
            try_files $uri $uri/index.html =404;
        }

        # The default favicon is an SVG at the address readers ask for.
        location = /favicon.ico {
            types { }
            default_type image/svg+xml;
        }

        # The media types the app sends (the export writes them), with charset=utf-8 on
        # every text type. One difference: a site's own .json file is a JSON Feed here.
        include /srv/feedsvc-export/types.nginx;
        default_type application/octet-stream;
        charset utf-8;
        charset_types text/html text/css text/plain text/javascript text/markdown text/csv text/calendar
                      application/json application/xml application/atom+xml application/rss+xml
                      application/feed+json application/manifest+json;

        # Serve the exported .gz copy to clients that accept gzip (nginx's stock
        # ngx_http_gzip_static_module). The .br copies need the third-party brotli
        # module (`brotli_static on;`), which Debian's nginx does not ship.
        gzip_static on;
        gzip_vary on;
    }

Export with FEEDSVC_SITE_URL set to the public URL of that server: the files
hold absolute links. What nginx does not reproduce: the app's ETag (nginx makes
its own from the file's time and size), Last-Modified, Cache-Control and the
other headers; add them with `add_header` / `expires` if you need them.

Skipped where nginx is missing or cannot be run by this user.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from feedsvc.export import redirects

from .conftest import BUNDLED, FIXTURE, ROOT, make_app
from .generators import HUGO_SITE, JEKYLL_SITE
from .servers import LOOPBACK, free_port, nginx, require_nginx

pytestmark = pytest.mark.integration

TIMEOUT = 5.0


def server_block(port: int, root: Path) -> str:
    """The configuration documented above, listening on 127.0.0.1:``port`` and serving ``root``."""
    block = re.search(r"^    # The export's redirect map.*?^    \}\n", __doc__, re.S | re.M).group(0)
    block, listens = re.subn(r"listen 80;", f"listen {LOOPBACK}:{port};", block)
    block, roots = re.subn(r"/srv/feedsvc-export", str(root), block)
    assert listens == 1 and roots == 3, block
    return block


@dataclass
class Reply:
    status: int
    content_type: str | None
    content_encoding: str | None
    body: bytes


def fetch(port: int, path: str, accept_encoding: str | None = None) -> Reply:
    """GET ``path`` (percent-encoded as a client does) with no header but Accept-Encoding, if given."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=TIMEOUT)
    try:
        conn.putrequest("GET", quote(path), skip_accept_encoding=True)
        if accept_encoding:
            conn.putheader("Accept-Encoding", accept_encoding)
        conn.endheaders()
        response = conn.getresponse()
        return Reply(
            response.status, response.getheader("Content-Type"), response.getheader("Content-Encoding"), response.read()
        )
    finally:
        conn.close()


@dataclass
class Site:
    port: int
    app: object  # the live app, over the same content with the same FEEDSVC_SITE_URL
    paths: list[str]
    base: str


@pytest.fixture(
    scope="module", params=[BUNDLED, FIXTURE, HUGO_SITE, JEKYLL_SITE], ids=["bundled", "fixture", "hugo", "jekyll"]
)
def site(request, tmp_path_factory):
    """The content exported by the real CLI and served by nginx; the live app for comparison."""
    require_nginx()
    content = request.param
    tmp = tmp_path_factory.mktemp("export-nginx")
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    out = tmp / "site"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    env.update(FEEDSVC_CONTENT_DIR=str(content), FEEDSVC_SITE_URL=base)
    command = [str(Path(sys.executable).parent / "flask"), "--app", "feedsvc", "export", str(out)]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"to {out}" in done.stdout
    app = make_app(content, SITE_URL=base)
    catalog = app.extensions["feedsvc"].catalog(base)
    paths = catalog.paths() + list(catalog.extras.files)  # documents, and a Hugo or Jekyll site's own files
    with nginx(tmp, server_block(port, out), name="nginx"):
        yield Site(port, app, paths, base)


def test_every_catalog_path_is_served_as_the_app_serves_it(site):
    client = site.app.test_client()
    problems = []
    compared = 0
    for path in site.paths:
        for accept in (None, "gzip"):
            live = client.get(path, headers={"Accept-Encoding": accept} if accept else {})
            assert live.status_code == 200, (path, accept)
            static = fetch(site.port, path, accept)
            what = f"{path} (Accept-Encoding: {accept or '-'})"
            if static.status != 200:
                problems.append(f"{what}: nginx answered {static.status}")
                continue
            if static.content_type != live.headers["Content-Type"]:
                problems.append(f"{what}: Content-Type {static.content_type!r}, app {live.headers['Content-Type']!r}")
            if static.content_encoding != live.headers.get("Content-Encoding"):
                problems.append(
                    f"{what}: Content-Encoding {static.content_encoding!r}, "
                    f"app {live.headers.get('Content-Encoding')!r}"
                )
            if static.body != live.data:
                problems.append(f"{what}: body differs ({len(static.body)} bytes, app {len(live.data)})")
            compared += 1
    assert not problems, f"{len(problems)} difference(s) over {len(site.paths)} paths:\n" + "\n".join(problems)
    assert compared == 2 * len(site.paths)


def test_gzip_is_served_from_the_exported_copies(site):
    """Every document has a gzip variant in the app, so nginx must answer gzip to a client that asks."""
    for path in ("/", "/feed.atom", "/feed.rss", "/feed.json", "/feeds", "/style.css"):
        reply = fetch(site.port, path, "gzip")
        assert (reply.status, reply.content_encoding) == (200, "gzip"), path
    # A client that only takes brotli gets the identity bytes (no brotli module in Debian's nginx).
    reply = fetch(site.port, "/feed.atom", "br")
    assert (reply.status, reply.content_encoding) == (200, None)
    assert reply.body == fetch(site.port, "/feed.atom").body


def test_links_in_the_export_point_at_the_static_host(site):
    atom = fetch(site.port, "/feed.atom").body.decode()
    assert f'href="{site.base}/feed.atom"' in atom
    home = fetch(site.port, "/").body.decode()
    assert f"{site.base}/feed.atom" in home


def test_a_sites_own_files_are_exported(site):
    catalog = site.app.extensions["feedsvc"].catalog(site.base)
    if catalog.content.site.kind == "feedsvc":
        assert not catalog.extras.files
    else:
        assert any(path.endswith(".png") for path in catalog.extras.files)
        assert any(path.endswith(".css") for path in catalog.extras.files)


def test_every_redirect_of_the_app_is_a_redirect_of_the_export(site):
    """The other spelling of every URL (and a site's old URLs) answers 301 to the same place in both."""
    client = site.app.test_client()
    catalog = site.app.extensions["feedsvc"].catalog(site.base)
    moves = redirects(catalog)
    assert len(moves) >= len(site.paths) - 1  # at least the other spelling of each document but /
    for old, new in moves:
        live = client.get(old)
        assert (live.status_code, live.headers["Location"]) == (301, new), old
        static = fetch_headers(site.port, old)
        assert (static.status, static.getheader("Location")) == (301, new), old


def fetch_headers(port: int, path: str) -> http.client.HTTPResponse:
    """GET ``path`` and return the response (status and headers; the body is read)."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=TIMEOUT)
    try:
        conn.request("GET", quote(path))
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


def test_unknown_paths_are_404(site):
    for path in (
        "/nope",
        "/no/feed.xml",
        "/authors/nobody/feed.atom",
        "/redirects.nginx",
        "/_redirects",
        "/types.nginx",
    ):
        assert fetch(site.port, path).status == 404, path
