"""`check` lists every link or image in an entry that points at the site itself and resolves to nothing."""

from __future__ import annotations

import pytest

from feedsvc.sitelinks import links_of, site_path

from .conftest import FIXTURE, make_app


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/blog/a/b/", "/a/b/"),
        ("https://example.org/blog", "/"),
        ("https://example.org/blog/z%C3%BCrich", "/zürich"),
        ("https://example.org/blogger/x", None),
        ("https://example.org/other", None),
        ("http://example.org/blog/a", None),
        ("https://elsewhere.org/blog/a", None),
    ],
)
def test_site_path(url, expected):
    assert site_path(url, "https://example.org/blog") == expected


def test_links_of_finds_anchors_and_images():
    html = '<p><a href="/a">a</a> <img src="b.png"> <a href="#top">top</a> <iframe src="/v"></iframe></p>'
    assert links_of(html) == ["/a", "b.png", "#top", "/v"]
    assert links_of("") == []


def test_check_lists_links_to_nothing_with_their_line(tmp_path):
    site = tmp_path / "content"
    site.mkdir()
    (site / "site.yaml").write_text((FIXTURE / "site.yaml").read_text())
    (site / "authors").mkdir()
    (site / "authors" / "ada-lovelace.md").write_text((FIXTURE / "authors" / "ada-lovelace.md").read_text())
    (site / "articles").mkdir()
    (site / "articles" / "links.md").write_text(
        "---\ntitle: Links\ndate: 2021-01-01\nauthor: ada-lovelace\n---\n"
        "[home](/news/) and [feed](/news/feed.atom) and [ada](/news/authors/ada-lovelace/)\n\n"
        "![gone](/news/images/gone.png)\n\n"
        "[elsewhere](https://example.com/x) and [outside the base](/other/)\n\n"
        "[relative](missing-page)\n"
    )
    app = make_app(site, SITE_URL="https://fixture.example/news")  # links resolve against the public URL
    result = app.test_cli_runner().invoke(args=["check", str(site)])
    lines = [line for line in result.output.splitlines() if "resolves to nothing" in line]
    assert lines == [
        "content/articles/links.md:8: note: link to /news/images/gone.png resolves to nothing on this site "
        "(/images/gone.png)",
        "content/articles/links.md:12: note: link to missing-page resolves to nothing on this site "
        "(/articles/missing-page)",
    ]
    assert result.exit_code == 0  # notes, not errors: the generator published the same broken link
