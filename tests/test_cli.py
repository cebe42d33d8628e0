"""CLI tests: `flask --app feedsvc check` and `export`."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsvc.export import file_path

from .conftest import FIXTURE, SITE_URL, make_app


def test_check_passes_on_the_bundled_content(runner):
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "2 entries, no problems" in result.output


def test_check_prints_every_problem_at_once(content_copy):
    (content_copy / "articles" / "one.md").write_text("---\ntitle: One\ndate: nope\nauthor: ada-lovelace\n---\nx\n")
    (content_copy / "articles" / "two.md").write_text(
        "---\ntitle: Two\ndate: 2020-01-01\nauthor: ghost\ncolour: red\n---\n\n"
    )
    runner = make_app(FIXTURE).test_cli_runner()
    result = runner.invoke(args=["check", str(content_copy)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        "content/articles/one.md:3: date: 'nope' is not a date such as 2011-07-05 or 2011-07-05T09:30:00+01:00" in lines
    )
    # Errors and notes of one file come together, in one pass.
    assert "content/articles/two.md:5: note: unknown key 'colour' is kept but not used" in lines
    assert "content/articles/two.md:7: the body renders empty" in lines
    assert "2 error(s)" in lines[-1]


def test_check_exits_0_with_notes_only(content_copy):
    (content_copy / "articles" / "noted.md").write_text(
        "---\ntitle: Noted\ndate: 2020-01-01\nauthor: Grace Hopper\ncolour: red\n---\nText.\n"
    )
    result = make_app(FIXTURE).test_cli_runner().invoke(args=["check", str(content_copy)])
    assert result.exit_code == 0, result.output
    assert "content/articles/noted.md:5: note: unknown key 'colour' is kept but not used" in result.output
    assert "note(s)" in result.output.splitlines()[-1]


def test_check_reports_a_broken_site_yaml(content_copy):
    (content_copy / "site.yaml").write_text("title: [unclosed\n")
    result = make_app(FIXTURE).test_cli_runner().invoke(args=["check", str(content_copy)])
    assert result.exit_code == 1 and "site.yaml" in result.output


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "index.html"),
        ("/feeds", "feeds/index.html"),
        ("/feed.atom", "feed.atom"),
        ("/tags/x/archive/2/feed.json", "tags/x/archive/2/feed.json"),
        ("/style.css", "style.css"),
    ],
)
def test_export_layout(path, expected):
    assert file_path(Path("/out"), path) == Path("/out") / expected


def test_export_writes_the_bytes_the_service_serves(tmp_path):
    app = make_app(FIXTURE)
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    catalog = app.extensions["feedsvc"].catalog(SITE_URL)
    assert len(catalog.paths()) > 30
    for path in catalog.paths():
        target = file_path(tmp_path / "site", path)
        codings = catalog.get(path).codings  # tiny files (robots.txt) are not compressed
        for coding, suffix in [(c, s) for c, s in (("identity", ""), ("gzip", ".gz"), ("br", ".br")) if c in codings]:
            live = client.get(path, headers={"Accept-Encoding": coding})
            assert target.with_name(target.name + suffix).read_bytes() == live.data, (path, coding)
