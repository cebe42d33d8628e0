"""Entry ids follow the site's previous feed, so no subscriber sees an old post again."""

from __future__ import annotations

import shutil

import pytest

from feedsvc.reader import ConfigError, read_content

from .conftest import FIXTURE, make_app


@pytest.fixture()
def site(tmp_path):
    copy = tmp_path / "content"
    shutil.copytree(FIXTURE, copy)
    return copy


def ids_with(site, setting: str | None) -> dict[str, str]:
    if setting is not None:
        with open(site / "site.yaml", "a") as config:
            config.write(f"feed_ids: {setting}\n")
    return {entry.slug: entry.id for entry in read_content(site).entries}


def test_feedsvc_layout_keeps_tag_uris_by_default(site):
    ids = ids_with(site, None)
    assert ids["engine-note-1"] == "tag:fixture.example,2021-01-10:/articles/engine-note-1"
    assert ids["alan-turing"] == "tag:fixture.example,2020-02-01:/authors/alan-turing"


def test_a_previous_hugo_feed_gives_permalinks(site):
    ids = ids_with(site, "hugo")
    assert ids["engine-note-1"] == "https://fixture.example/news/articles/engine-note-1"


def test_a_previous_jekyll_feed_gives_the_post_id(site):
    (site / "articles" / "engine-note-2.md").write_text(
        (site / "articles" / "engine-note-2.md").read_text().replace("---\n", "---\nslug: Old Name\n", 1)
    )
    ids = ids_with(site, "jekyll-feed")
    assert ids["engine-note-1"] == "https://fixture.example/news/articles/engine-note-1"
    assert ids["engine-note-2"] == "https://fixture.example/news/articles/Old%20Name"


def test_a_pinned_id_wins_over_every_scheme(site):
    assert ids_with(site, "hugo")["machines-think"] == "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"


def test_an_unknown_scheme_is_a_config_error_that_says_the_choices(site):
    with pytest.raises(ConfigError, match="feed_ids: 'wordpress' is not one of tag, hugo, jekyll-feed"):
        ids_with(site, "wordpress")


def test_rss_says_a_guid_is_a_permalink_only_when_it_is_the_item_url(site):
    with open(site / "site.yaml", "a") as config:
        config.write("feed_ids: hugo\n")
    rss = make_app(site, SITE_URL="https://fixture.example/news").test_client().get("/feed.rss").data.decode()
    assert '<guid isPermaLink="true">https://fixture.example/news/articles/engine-note-5</guid>' in rss
    assert '<guid isPermaLink="false">urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66</guid>' in rss
    other_host = make_app(site, SITE_URL="https://mirror.example").test_client().get("/feed.rss").data.decode()
    assert '<guid isPermaLink="false">https://fixture.example/news/articles/engine-note-5</guid>' in other_host


@pytest.mark.parametrize(
    ("fixture", "feed_id", "since"),
    [
        ("hugo-blog", "https://blog.example.org/feed.atom", "2021-01-01"),
        ("jekyll-site", "https://jekyll.example.org/news/feed.atom", "2020-01-02"),
    ],
)
def test_a_generator_site_feed_is_named_by_its_url_and_dated_by_its_oldest_entry(fixture, feed_id, since):
    from lxml import etree

    from feedsvc.documents import feed_docs
    from feedsvc.formats import render_feed

    from .feedhelpers import NS, PUB

    content = read_content(FIXTURE.parent / fixture)
    # The sites are in zones east and west of UTC: "no start date" must be seen in either.
    assert content.site.since.date().isoformat() == since
    atom = render_feed(feed_docs(content)[0], "atom", content.site, PUB)
    assert etree.fromstring(atom).findtext("a:id", namespaces=NS) == feed_id
