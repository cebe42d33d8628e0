"""Site-kind detection: feedsvc's own layout, a Hugo site root or a Jekyll site root, by the files present."""

from __future__ import annotations

import pytest

from feedsvc.sitekind import detect

from .conftest import BUNDLED, FIXTURE


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        (["site.yaml", "articles/a.md"], "feedsvc"),
        (["hugo.toml", "content/posts/a.md"], "hugo"),
        (["hugo.yaml"], "hugo"),
        (["hugo.json", "content/_index.md"], "hugo"),
        (["config.toml", "content/a.md"], "hugo"),
        (["config.yaml", "content/a.md", "site.yaml"], "hugo"),  # site.yaml may sit beside a generator's config
        (["_config.yml", "_posts/2013-05-06-a.markdown"], "jekyll"),
        (["_posts/2013-05-06-a.md"], "jekyll"),
        (["_config.yml", "site.yaml"], "jekyll"),
        ([], "feedsvc"),
    ],
)
def test_kind_is_found_by_the_files_present(tmp_path, files, kind):
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert detect(tmp_path) == kind


def test_the_bundled_and_fixture_content_are_feedsvc_sites():
    assert detect(BUNDLED) == detect(FIXTURE) == "feedsvc"
