"""A site's own files: which URLs a Hugo or Jekyll site publishes them at, and how they are served."""

from __future__ import annotations

import gzip
import os

import pytest

from feedsvc.assets import IMMUTABLE, file_resource, is_fingerprinted, media_type
from feedsvc.sitefiles import hugo_files, jekyll_files, safe_path

from .conftest import FIXTURE

HUGO = FIXTURE.parent / "hugo-site"
JEKYLL = FIXTURE.parent / "jekyll-site"


def test_hugo_publishes_static_and_bundle_files_beside_their_page():
    files = hugo_files(HUGO, {"posts/bundle-post/index.md": "/2021/05/a-bundle/"})
    assert files == {
        "/css/site.9f86d081884c7d659a2feaa0c55ad015.css": "static/css/site.9f86d081884c7d659a2feaa0c55ad015.css",
        "/files/report.pdf": "static/files/report.pdf",
        "/images/logo.svg": "static/images/logo.svg",
        "/2021/05/a-bundle/images/photo.png": "content/posts/bundle-post/images/photo.png",
        "/2021/05/a-bundle/notes.txt": "content/posts/bundle-post/notes.txt",
    }


def test_hugo_does_not_publish_the_files_of_an_unpublished_bundle():
    files = hugo_files(HUGO, {})
    assert not [url for url in files if "photo" in url or "notes" in url]


def test_hugo_branch_resources_sit_in_their_sanitised_folder(tmp_path):
    (tmp_path / "content" / "My Notes").mkdir(parents=True)
    (tmp_path / "content" / "My Notes" / "Diagram.svg").write_text("<svg/>")
    (tmp_path / "content" / "My Notes" / "page.md").write_text("---\ntitle: x\n---\n")
    assert hugo_files(tmp_path, {}) == {"/my-notes/Diagram.svg": "content/My Notes/Diagram.svg"}


def test_jekyll_copies_files_without_front_matter_outside_special_folders(tmp_path):
    assert jekyll_files(JEKYLL) == {
        "/assets/css/style.css": "assets/css/style.css",
        "/files/notes.txt": "files/notes.txt",
        "/images/photo.png": "images/photo.png",
    }
    for name in ("Gemfile", "node_modules/x.js", "#backup", "notes.txt~", ".htaccess", "vendor/bundle/a.rb", "x.scss"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("---\n---\n" if name.endswith(".scss") else "x")
    assert jekyll_files(tmp_path, exclude=["*.scss"]) == {"/.htaccess": ".htaccess"}
    assert jekyll_files(tmp_path, include=["#backup"]) == {"/.htaccess": ".htaccess", "/#backup": "#backup"}


def test_no_symlink_or_dotdot_leaves_the_site(tmp_path):
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("secret")
    (site / "static" / "ok.txt").write_text("ok")
    os.symlink(tmp_path / "secret.txt", site / "static" / "leak.txt")
    os.symlink(tmp_path, site / "static" / "up")
    assert safe_path(site, "static/ok.txt") == str((site / "static" / "ok.txt").resolve())
    assert safe_path(site, "static/leak.txt") is None
    assert safe_path(site, "static/up/secret.txt") is None
    assert safe_path(site, "../secret.txt") is None
    assert safe_path(site, "static") is None  # a folder is not a file
    # The walk lists the symlink (Hugo would copy it) but serving refuses it.
    assert "/leak.txt" in hugo_files(site, {})


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("/a/logo.svg", b"<svg/>", "image/svg+xml"),
        ("/a/photo.PNG", b"\x89PNG", "image/png"),
        ("/s.css", b"body{}", "text/css; charset=utf-8"),
        ("/s.js", b"x", "text/javascript; charset=utf-8"),
        ("/latin1.txt", "café".encode("latin-1"), "text/plain"),
        ("/f.woff2", b"wOF2", "font/woff2"),
        ("/CNAME", b"example.org", "application/octet-stream"),
        ("/r.pdf", b"%PDF", "application/pdf"),
    ],
)
def test_media_types_are_fixed_and_declare_utf8_text(name, body, expected):
    assert media_type(name, body) == expected


def test_fingerprinted_names_are_cached_for_a_year():
    assert is_fingerprinted("/css/site.9f86d081884c7d659a2feaa0c55ad015.css")
    assert not is_fingerprinted("/photo-20200101.jpg")
    assert not is_fingerprinted("/css/site.css")
    long = file_resource("/css/site.9f86d081884c7d659a2feaa0c55ad015.css", b"a{}", "public, max-age=300")
    short = file_resource("/css/site.css", b"a{}", "public, max-age=300")
    assert ("Cache-Control", IMMUTABLE) in long.variants["identity"].headers
    assert ("Cache-Control", "public, max-age=300") in short.variants["identity"].headers


def test_text_is_compressed_and_images_are_not():
    css = file_resource("/s.css", b"body { color: red; }\n" * 100, "public")
    assert set(css.codings) == {"identity", "gzip", "br"}
    assert gzip.decompress(css.variants["gzip"].body) == css.variants["identity"].body
    png = file_resource("/p.png", b"\x89PNG" + bytes(range(256)) * 10, "public")
    assert png.codings == ("identity",)
    svg = file_resource("/i.svg", b"<svg/>", "public")
    assert any(
        name == "Content-Security-Policy" and "sandbox" in value for name, value in svg.variants["identity"].headers
    )
