"""Old URLs answer 301 to the new ones, site files are served, and each URL has one canonical spelling."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from feedsvc.catalog import Catalog
from feedsvc.entrystore import EntryStore
from feedsvc.fastpath import FastPath
from feedsvc.reader import read_content
from feedsvc.redirects import entry_redirects, feed_redirects, list_redirects, toggle_slash
from feedsvc.schedule import view_at
from feedsvc.settings import Settings
from feedsvc.siteurls import SiteUrls

from .conftest import FIXTURE, make_app
from .generators import HUGO_SITE, copy_site

NOW = datetime(2030, 1, 1, tzinfo=UTC)  # after every fixture entry's date

BASE = "https://example.org/blog"


@pytest.fixture(scope="module")
def content():
    """The fixture content as if read from a Hugo site: entries at Hugo URLs, with aliases and sections."""
    content = read_content(FIXTURE)
    entries = tuple(
        replace(entry, path=f"/2021/{entry.slug}/", aliases=(f"/old/{entry.slug}/",), section="posts")
        if entry.kind == "article"
        else entry
        for entry in content.entries
    )
    return replace(content, site=replace(content.site, kind="hugo"), entries=EntryStore.of(entries).entries())


@pytest.fixture(scope="module")
def catalog(content, tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "static" / "docs").mkdir(parents=True)
    (root / "static" / "docs" / "index.html").write_text("<!doctype html><title>Docs</title>\n")
    (root / "static" / "style.css").write_text("body { color: #333; }\n" * 30)
    files = {"/docs/index.html": "static/docs/index.html", "/style.v1.css": "static/style.css"}
    redirects = {**list_redirects(content), **feed_redirects(content), **entry_redirects(content)}
    extras = SiteUrls(str(root), files, redirects)
    return Catalog(view_at(content, NOW), Settings().publishing(BASE), budget=2**20, extras=extras)


class _Service:
    def __init__(self, catalog):
        self.catalog = catalog
        self.clock = lambda: NOW

    def catalog_for(self, environ):
        return self.catalog


def request(catalog, path: str, method: str = "GET", **headers) -> tuple[str, dict, bytes]:
    """Answer one request through the fast path, as the server does."""
    seen = {}

    def start_response(status, header_list):
        seen.update(status=status, headers=dict(header_list))

    def app(environ, start_response):
        start_response("404 Not Found", [])
        return [b""]

    wsgi_path = path.encode("utf-8").decode("latin-1")  # PEP 3333: a server hands over bytes as latin-1
    environ = {"REQUEST_METHOD": method, "PATH_INFO": wsgi_path, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    body = b"".join(FastPath(app, _Service(catalog))(environ, start_response))
    return seen["status"], seen["headers"], body


def test_aliases_answer_301_to_the_absolute_canonical_url(catalog):
    status, headers, body = request(catalog, "/old/engine-note-1/")
    assert status == "301 Moved Permanently"
    assert headers["Location"] == f"{BASE}/2021/engine-note-1/"
    assert f'href="{BASE}/2021/engine-note-1/"'.encode() in body
    assert "max-age=" in headers["Cache-Control"]


def test_a_redirect_ignores_conditional_headers(catalog):
    _, headers, _ = request(catalog, "/old/engine-note-1/")
    status, _, _ = request(catalog, "/old/engine-note-1/", if_none_match=headers["ETag"])
    assert status == "301 Moved Permanently"  # RFC 9110 13.2.1: no 304 for what is not a 2xx


def test_head_of_a_redirect_has_no_body(catalog):
    status, headers, body = request(catalog, "/old/engine-note-1/", "HEAD")
    assert (status, body) == ("301 Moved Permanently", b"")
    assert headers["Location"].endswith("/2021/engine-note-1/")


def test_old_hugo_feed_urls_move_to_the_equivalent_feed(catalog):
    moves = {
        "/index.xml": "/feed.rss",
        "/posts/index.xml": "/posts/feed.rss",
        "/tags/engines/index.xml": "/tags/engines/feed.rss",
        "/categories/philosophy/index.xml": "/tags/philosophy/feed.rss",
        "/tags/zürich/index.xml": "/tags/zürich/feed.rss",
    }
    for old, new in moves.items():
        status, headers, _ = request(catalog, old)
        assert (status, headers.get("Location")) == ("301 Moved Permanently", BASE + quote(new)), old
        assert request(catalog, new)[0] == "200 OK", new


def test_a_section_feed_holds_the_section_entries(catalog, content):
    size = content.site.feed_length
    doc = catalog.get("/posts/feed.atom").extra["doc"]
    assert [entry.path for entry in doc.entries] == [e.path for e in content.entries if e.section == "posts"][:size]
    assert "/posts/archive/1/feed.atom" in catalog.paths()  # RFC 5005 archives, like every feed


def test_trailing_slash_has_one_canonical_spelling_per_url(catalog):
    assert request(catalog, "/2021/engine-note-1/")[0] == "200 OK"
    status, headers, _ = request(catalog, "/2021/engine-note-1")
    assert (status, headers["Location"]) == ("301 Moved Permanently", f"{BASE}/2021/engine-note-1/")
    status, headers, _ = request(catalog, "/feed.atom/")
    assert (status, headers["Location"]) == ("301 Moved Permanently", f"{BASE}/feed.atom")
    assert request(catalog, "/nothing/here/")[0] == "404 Not Found"
    assert request(catalog, "/nothing/here")[0] == "404 Not Found"


def test_site_files_are_served_with_validators_and_encodings(catalog):
    status, headers, body = request(catalog, "/style.v1.css", accept_encoding="gzip")
    assert (status, headers["Content-Encoding"], headers["Content-Type"]) == (
        "200 OK",
        "gzip",
        "text/css; charset=utf-8",
    )
    status, _, _ = request(catalog, "/style.v1.css", if_none_match=headers["ETag"], accept_encoding="gzip")
    assert status == "304 Not Modified"


def test_a_folder_serves_its_index_and_the_bare_name_moves_to_the_folder(catalog):
    status, headers, body = request(catalog, "/docs/")
    assert (status, body) == ("200 OK", b"<!doctype html><title>Docs</title>\n")
    status, headers, _ = request(catalog, "/docs")
    assert (status, headers["Location"]) == ("301 Moved Permanently", f"{BASE}/docs/")


def test_no_path_leaves_the_site(catalog):
    for path in ("/../secret", "/static/style.css", "/%2e%2e/etc/passwd", "/docs/../../x"):
        assert request(catalog, path)[0] == "404 Not Found", path


def test_toggle_slash():
    assert toggle_slash("/") is None
    assert toggle_slash("/a") == "/a/"
    assert toggle_slash("/a/") == "/a"


def test_a_site_file_that_cannot_be_served_is_404_and_noted(content, tmp_path):
    root = tmp_path / "site"
    (root / "static").mkdir(parents=True)
    os.mkfifo(root / "static" / "pipe.txt")
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", root / "static" / "leak.txt")
    files = {"/pipe.txt": "static/pipe.txt", "/leak.txt": "static/leak.txt"}
    extras = SiteUrls(str(root), files, {})
    catalog = Catalog(view_at(content, NOW), Settings().publishing(BASE), budget=2**20, extras=extras)
    assert request(catalog, "/pipe.txt")[0] == "404 Not Found"  # never blocks on a FIFO
    assert request(catalog, "/leak.txt")[0] == "404 Not Found"
    assert sorted(note.message for note in extras.unserved()) == [
        "not served at /leak.txt: leads outside the site folder or is not a regular file",
        "not served at /pipe.txt: leads outside the site folder or is not a regular file",
    ]


def test_hugo_list_pages_move_to_the_nearest_page(catalog):
    moves = {
        "/posts/": "/",
        "/tags/": "/feeds",
        "/categories/": "/feeds",
        "/categories/philosophy/": "/tags/philosophy",
    }
    for old, new in moves.items():
        status, headers, _ = request(catalog, old)
        assert (status, headers.get("Location")) == ("301 Moved Permanently", BASE + new), old


@pytest.mark.parametrize(
    ("feed", "moves"),
    [
        (None, {"/feed.xml": "/feed.atom", "/feed/engines.xml": "/tags/engines/feed.atom"}),
        ({"path": "atom.xml", "tags": {"path": "/tags-feed/"}}, {"/atom.xml": "/feed.atom"}),
        ({"tags": {"path": "/tags-feed/"}}, {"/tags-feed/engines.xml": "/tags/engines/feed.atom"}),
        ({"tags": True}, {"/feed/by_tag/Zürich.xml": "/tags/zürich/feed.atom"}),
    ],
)
def test_jekyll_feed_urls_follow_its_settings(content, feed, moves):
    config = {"feed": feed} if feed is not None else {}
    jekyll = replace(content, site=replace(content.site, kind="jekyll", config=config))
    redirects = feed_redirects(jekyll)
    assert moves.items() <= redirects.items()


def test_a_reload_serves_changed_site_files_even_when_no_post_changed(tmp_path):
    site = copy_site(HUGO_SITE, tmp_path)
    app = make_app(site, SITE_URL="https://hugo.example.org/blog")
    client, service = app.test_client(), app.extensions["feedsvc"]
    logo = site / "static" / "images" / "logo.svg"
    assert client.get("/images/logo.svg").data == logo.read_bytes()
    assert service.reload() is False  # nothing changed
    logo.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    (site / "static" / "new.txt").write_text("new\n")
    assert service.reload() is True
    assert client.get("/images/logo.svg").data == logo.read_bytes()
    assert client.get("/new.txt").data == b"new\n"


def test_web_server_settings_are_never_served(content, tmp_path):
    (tmp_path / ".htaccess").write_text("AuthUserFile /etc/secret\n")
    extras = SiteUrls(str(tmp_path), {"/.htaccess": ".htaccess"}, {})
    catalog = Catalog(view_at(content, NOW), Settings().publishing(BASE), budget=2**20, extras=extras)
    assert request(catalog, "/.htaccess")[0] == "404 Not Found"
    assert [note.message for note in extras.unserved()] == [
        "not served at /.htaccess: web server settings (.htaccess, .htpasswd) are never served, "
        "as Apache keeps them private"
    ]
