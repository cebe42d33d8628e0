"""Permalinks as Hugo 0.111 and Jekyll 4.3 compute them (values taken from the real generators' output)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from feedsvc.hugo_urls import (
    HugoPage,
    HugoRules,
    alias_path,
    list_path,
    page_path,
    rss_path,
    rules_from_config,
    sanitize,
)
from feedsvc.jekyll_urls import (
    JekyllPost,
    file_slug,
    front_matter_default,
    post_categories,
    post_id,
    post_path,
    redirect_path,
    slugify,
)

PARIS = timezone(timedelta(hours=1))
POSTS = HugoRules(permalinks={"posts": "/:year/:month/:slug/"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Custom Slug Here", "custom-slug-here"),
        ("Upper case file name", "upper-case-file-name"),
        ("  two  spaces ", "two-spaces"),
        ("C++ & Go: tips!", "c++-go-tips"),
        ("Zürich über alles", "zürich-über-alles"),
        ("keep_under.score~#@", "keep_under.score~#@"),
        ("50%25 off", "50%25-off"),
        ("already-hyphen - here", "already-hyphen-here"),
    ],
)
def test_hugo_sanitize(text, expected):
    assert sanitize(text) == expected


@pytest.mark.parametrize(
    ("page", "rules", "expected"),
    [
        # The fixture site's pages, as hugo 0.111.3 published them.
        (
            HugoPage("posts/first-post.md", datetime(2021, 3, 4, 10, tzinfo=PARIS), "First Post"),
            POSTS,
            "/2021/03/first-post/",
        ),
        (
            HugoPage("posts/bundle-post/index.md", datetime(2021, 5, 6, tzinfo=UTC), "A Bundle"),
            POSTS,
            "/2021/05/a-bundle/",
        ),
        (
            HugoPage(
                "posts/with-slug.md", datetime(2022, 1, 15, tzinfo=PARIS), "Named By Slug", slug="Custom Slug Here"
            ),
            POSTS,
            "/2022/01/custom-slug-here/",
        ),
        # The month is the date's own, not UTC's (2022-03-01 04:30 UTC).
        (
            HugoPage(
                "posts/Upper Case Name.md",
                datetime(2022, 2, 28, 23, 30, tzinfo=timezone(-timedelta(hours=5))),
                "Upper case file name",
            ),
            POSTS,
            "/2022/02/upper-case-file-name/",
        ),
        (HugoPage("notes/note-one.md", datetime(2020, 12, 31, tzinfo=UTC), "Note One"), POSTS, "/notes/note-one/"),
        (
            HugoPage("notes/explicit-url.md", datetime(2021, 7, 1, tzinfo=UTC), "Explicit URL", url="/special/Place/"),
            POSTS,
            "/special/Place/",
        ),
        # Defaults: folder + file name (or bundle folder, or slug), lower-cased, spaces hyphenated.
        (HugoPage("Blog/My Post.md", datetime(2020, 1, 1, tzinfo=UTC)), HugoRules(), "/blog/my-post/"),
        (HugoPage("blog/a/index.md", datetime(2020, 1, 1, tzinfo=UTC)), HugoRules(), "/blog/a/"),
        (HugoPage("blog/a/index.md", datetime(2020, 1, 1, tzinfo=UTC), slug="B"), HugoRules(), "/blog/b/"),
        (HugoPage("about.md", datetime(2020, 1, 1, tzinfo=UTC)), HugoRules(), "/about/"),
        (HugoPage("blog/v3.0-notes.md", datetime(2020, 1, 1, tzinfo=UTC)), HugoRules(), "/blog/v3.0-notes/"),
        (
            HugoPage("blog/post.fr.md", datetime(2020, 1, 1, tzinfo=UTC)),
            HugoRules(languages=frozenset({"fr"})),
            "/blog/post/",
        ),
        (HugoPage("blog/Post.md", datetime(2020, 1, 1, tzinfo=UTC)), HugoRules(lower=False), "/blog/Post/"),
        (HugoPage("blog/post.md", datetime(2020, 1, 1, tzinfo=UTC)), HugoRules(ugly_urls=True), "/blog/post.html"),
        # url: kept as written; without a dot it is a folder.
        (HugoPage("a.md", datetime(2020, 1, 1, tzinfo=UTC), url="/x/Y"), HugoRules(), "/x/Y/"),
        (HugoPage("a.md", datetime(2020, 1, 1, tzinfo=UTC), url="/x/y.html"), HugoRules(), "/x/y.html"),
        # Other pattern attributes.
        (
            HugoPage("posts/deep/dir/p.md", datetime(2020, 2, 9, tzinfo=UTC), "T"),
            HugoRules(
                permalinks={"posts": "/:section/:sections[1:]/:filename/:yearday-:weekday-:weekdayname-:monthname/"}
            ),
            "/posts/deep/dir/p/40-0-sunday-february/",
        ),
        (
            HugoPage("posts/p.md", datetime(2020, 2, 9, tzinfo=UTC), "The Title"),
            HugoRules(permalinks={"posts": "/:title/:slugorfilename"}),
            "/the-title/p/",
        ),
    ],
)
def test_hugo_page_path(page, rules, expected):
    assert page_path(page, rules) == expected


def test_hugo_unknown_attribute_is_an_error():
    with pytest.raises(ValueError, match=":nope"):
        page_path(HugoPage("posts/p.md", datetime(2020, 1, 1, tzinfo=UTC)), HugoRules(permalinks={"posts": "/:nope/"}))


def test_hugo_list_and_feed_paths():
    assert list_path() == "/"
    assert rss_path() == "/index.xml"
    assert rss_path("tags", "Static Sites") == "/tags/static-sites/index.xml"
    assert rss_path("posts") == "/posts/index.xml"


EST = timezone(-timedelta(hours=5))
EDT = timezone(-timedelta(hours=4))
HELLO = JekyllPost("_posts/2020-01-02-hello-world.md", datetime(2020, 1, 2, tzinfo=EST), ("Updates",))
RELEASE = JekyllPost(
    "news/_posts/2021-03-04-Release-1.0.markdown", datetime(2021, 3, 5, 1, 30, tzinfo=EST), ("news", "releases")
)
SLUGGED = JekyllPost(
    "_posts/2022-07-08-with-slug.md", datetime(2022, 7, 8, tzinfo=EDT), ("Updates", "Big News"), slug="Special Slug"
)
OWN = JekyllPost(
    "_posts/2022-05-06-own-permalink.md", datetime(2022, 5, 6, tzinfo=EDT), permalink="/custom/:year/:title/"
)


@pytest.mark.parametrize(
    ("post", "style", "expected"),
    [
        # As jekyll 4.3.1 built the fixture site.
        (HELLO, "date", "/updates/2020/01/02/hello-world.html"),
        (RELEASE, "date", "/news/releases/2021/03/05/Release-1.0.html"),
        (SLUGGED, "date", "/updates/big news/2022/07/08/Special-Slug.html"),
        (OWN, "date", "/custom/2022/own-permalink/"),
        (HELLO, "pretty", "/updates/2020/01/02/hello-world/"),
        (HELLO, "ordinal", "/updates/2020/002/hello-world.html"),
        (HELLO, "weekdate", "/updates/2020/W01/Thu/hello-world.html"),
        (HELLO, "none", "/updates/hello-world.html"),
        (HELLO, "/:year/:i_month/:i_day/:slug", "/2020/1/2/hello-world"),
        (SLUGGED, "/:slugified_categories/:short_year/:month_:day/:title/", "/updates/big-news/22/07_08/Special-Slug/"),
        (HELLO, "/blog/../:title.html", "/blog/hello-world.html"),
    ],
)
def test_jekyll_post_path(post, style, expected):
    assert post_path(post, style) == expected


def test_jekyll_post_ids_are_the_url_folder_and_the_slug():
    assert post_id("/updates/2020/01/02/hello-world.html", "hello-world") == "/updates/2020/01/02/hello-world"
    assert post_id("/custom/2022/own-permalink/", "own-permalink") == "/custom/2022/own-permalink"
    assert (
        post_id("/updates/big news/2022/07/08/Special-Slug.html", "Special Slug")
        == "/updates/big news/2022/07/08/Special Slug"
    )


def test_jekyll_unknown_placeholder_is_an_error():
    with pytest.raises(ValueError, match=":nope"):
        post_path(HELLO, "/:nope/")


@pytest.mark.parametrize(
    ("text", "mode", "cased", "expected"),
    [
        ("Special Slug", "default", False, "special-slug"),
        ("Release-1.0", "pretty", True, "Release-1.0"),
        ("Release 1.0", "default", False, "release-1-0"),
        ("  Café -- au lait!  ", "default", False, "café-au-lait"),
        ("Café au lait", "ascii", False, "caf-au-lait"),
        ("a b  c", "raw", False, "a-b-c"),
        ("Keep (this)!", "pretty", False, "keep-(this)!"),
    ],
)
def test_jekyll_slugify(text, mode, cased, expected):
    assert slugify(text, mode, cased=cased) == expected


def test_jekyll_file_slug():
    assert file_slug("_posts/2013-05-06-Hello.World..md") == "Hello.World"
    assert file_slug("_posts/undated.md") == "undated"


@pytest.mark.parametrize(
    ("alias", "page", "expected"),
    [
        # As hugo 0.111.3 wrote them for a page at /notes/rel/.
        ("relative-old", "/notes/rel/", "/notes/relative-old/"),
        ("/Upper/Case", "/notes/rel/", "/Upper/Case/"),
        ("/no-slash", "/notes/rel/", "/no-slash/"),
        ("sub/deep.html", "/notes/rel/", "/notes/sub/deep.html"),
        ("/2021/first.html", "/2021/03/first-post/", "/2021/first.html"),
    ],
)
def test_hugo_alias_path(alias, page, expected):
    assert alias_path(alias, page, HugoRules()) == expected


def test_hugo_rules_from_config():
    rules = rules_from_config(
        {"Permalinks": {"/posts/": "/:year/:slug/"}, "uglyURLs": True, "languages": {"en": {}, "FR": {}}}
    )
    assert rules == HugoRules({"posts": "/:year/:slug/"}, ugly_urls=True, languages=frozenset({"en", "fr"}))
    assert rules_from_config({"disablePathToLower": True}).lower is False


@pytest.mark.parametrize(
    ("folders", "fields", "expected"),
    [
        (("news",), {"category": "releases"}, ("news", "releases")),
        ((), {"categories": ["Updates", "Big News"]}, ("Updates", "Big News")),
        ((), {"categories": "one two"}, ("one", "two")),
        (("a",), {"categories": ["b", "a"], "category": "c"}, ("a", "b", "c")),
        (("a",), {}, ("a",)),
    ],
)
def test_jekyll_post_categories(folders, fields, expected):
    assert post_categories(folders, fields) == expected


def test_jekyll_redirect_path():
    assert redirect_path("old/hello/") == "/old/hello/"
    assert redirect_path("/hello.html") == "/hello.html"


def test_jekyll_front_matter_defaults_pick_the_most_specific_scope():
    defaults = [
        {"scope": {"path": ""}, "values": {"permalink": "/untyped/"}},
        {"scope": {"path": "", "type": "posts"}, "values": {"permalink": "/typed/"}},
        {"scope": {"path": "news", "type": "pages"}, "values": {"permalink": "/pages-only/"}},
        {"scope": {"path": "news"}, "values": {"permalink": "/news/"}},
        {"scope": {"path": "blog/*/_posts/*"}, "values": {"permalink": "/glob/"}},
        {"values": {"layout": "post"}},
    ]
    assert front_matter_default(defaults, "_posts/2020-01-01-a.md", "permalink") == "/typed/"
    assert front_matter_default(defaults, "news/_posts/2020-01-01-a.md", "permalink") == "/news/"
    assert front_matter_default(defaults, "blog/x/_posts/2020-01-01-a.md", "permalink") == "/glob/"
    assert front_matter_default(defaults, "_posts/a.md", "slug") is None
    assert front_matter_default("not a list", "_posts/a.md", "permalink") is None
