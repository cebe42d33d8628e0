"""Hugo and Jekyll sites read as they are, with the real generators as the oracle.

The fixture sites (tests/fixtures/hugo-blog, tests/fixtures/jekyll-blog) are
written from the generators' documented conventions: YAML, TOML and JSON front
matter, page bundles, ``_index.md``, translations, drafts, display-name authors,
shortcodes, Liquid, ``<!--more-->``, footnotes, ``.markdown`` files and file-name
dates. The integration tests build each with ``hugo`` or ``jekyll`` + jekyll-feed
and assert that feedsvc's site feed holds exactly the entries of the generator's
own feed, with the same titles, dates and summaries.
"""

from __future__ import annotations

import email.utils
import html
import re
from datetime import datetime

import pytest
from lxml import etree

from feedsvc.reader import read_content

from .conftest import make_app
from .generators import FIXTURES, build_hugo, build_jekyll, copy_site

HUGO_BLOG = FIXTURES / "hugo-blog"
JEKYLL_BLOG = FIXTURES / "jekyll-blog"
ATOM = "{http://www.w3.org/2005/Atom}"


def plain(text: str) -> str:
    """Text as a reader shows it: tags stripped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", html.unescape(text))).split()).replace(" .", ".")


def served(folder) -> dict[str, tuple[datetime, str]]:
    """feedsvc's site feed for ``folder``: title -> (publication instant, summary)."""
    feed = make_app(folder).test_client().get("/feed.json").get_json()
    return {
        item["title"]: (datetime.fromisoformat(item["date_published"]), plain(item.get("summary", "")))
        for item in feed["items"]
    }


@pytest.mark.integration
def test_feedsvc_publishes_the_entries_of_hugos_own_feed(tmp_path):
    site = copy_site(HUGO_BLOG, tmp_path)
    public = build_hugo(site, tmp_path / "public")
    items = etree.parse(str(public / "index.xml")).getroot().iter("item")
    hugo = {
        item.findtext("title"): (
            email.utils.parsedate_to_datetime(item.findtext("pubDate")),
            plain(item.findtext("description") or ""),
        )
        for item in items
    }
    assert len(hugo) >= 9
    assert served(HUGO_BLOG) == hugo


@pytest.mark.integration
def test_feedsvc_publishes_the_entries_of_jekyll_feeds_own_feed(tmp_path):
    site = copy_site(JEKYLL_BLOG, tmp_path)
    out = build_jekyll(site, tmp_path / "_site")
    entries = etree.parse(str(out / "feed.xml")).getroot().iter(f"{ATOM}entry")
    jekyll = {
        plain(entry.findtext(f"{ATOM}title")): (
            datetime.fromisoformat(entry.findtext(f"{ATOM}published")),
            plain(entry.findtext(f"{ATOM}summary") or ""),
        )
        for entry in entries
    }
    assert len(jekyll) >= 6
    assert served(JEKYLL_BLOG) == jekyll


def assert_notes_only(content, expected: list[str]) -> None:
    """No errors, and a note starting with each of ``expected``."""
    assert content.errors == ()
    notes = [str(note) for note in content.notes]
    for start in expected:
        assert any(note.startswith(start) for note in notes), (start, notes)


def test_hugo_site_check_has_notes_only_and_says_why_each_file_is_not_an_entry():
    assert_notes_only(
        read_content(HUGO_BLOG, render=True),
        [
            "hugo-blog/content/_index.md:1: note: the settings of section '/'",
            "hugo-blog/content/posts/_index.md:1: note: the settings of section 'posts'",
            "hugo-blog/content/posts/draft-post.md:1: note: a draft",
            "hugo-blog/content/posts/translated.fr.md:1: note: a translation (fr)",
            "hugo-blog/content/posts/json-post.md:5: note: unknown key 'featured_image' is kept but not used",
            "hugo-blog/content/posts/shortcode-unknown.md:7: note: shortcode 'notice' is not supported: dropped",
        ],
    )


def test_hugo_entries_read_every_front_matter_form_and_bundle():
    content = read_content(HUGO_BLOG, render=True)
    by_source = {entry.source.removeprefix("hugo-blog/content/"): entry for entry in content.entries}
    toml = by_source["posts/toml-post.md"]
    assert toml.published.isoformat() == "2021-04-01T08:00:00+00:00"  # publishDate
    assert [(a.slug, a.name, a.email) for a in toml.authors] == [
        ("jane", "Jane Doe", "jane@example.org"),  # data/authors/jane.yaml
        ("bob-smith", "Bob Smith", ""),  # a display name
    ]
    assert by_source["posts/json-post.md"].categories == ("formats",)
    assert by_source["posts/bundle-post/index.md"].slug == "bundle-post"
    assert by_source["posts/Release 3.0 Notes.md"].slug == "release-3.0-notes"
    assert [a.name for a in by_source["about.md"].authors] == ["Site Author"]  # none named: the site's
    assert content.site.title == "Hugo blog fixture" and content.site.base_url == "https://blog.example.org"
    assert content.site.language == "en-gb" and content.site.timezone == "Europe/London"


def test_hugo_markup_renders_and_leaves_no_shortcode_behind():
    content = read_content(HUGO_BLOG, render=True)
    bodies = {entry.slug: entry.content_html for entry in content.entries}
    assert all("{{" not in body and "<!--more-->" not in body for body in bodies.values())
    first = bodies["first-post"]
    assert '<figure><img src="/images/photo.png" alt="A photo">' in first and "<h4>The photo</h4>" in first
    # Typographic apostrophe: markdown-it's typographer, as Hugo's Goldmark (typographer on by default).
    assert 'href="#fn1"' in first and "The footnote’s text." in first
    toml = bodies["toml-post"]
    assert 'src="https://www.youtube-nocookie.com/embed/w7Ft2ymGmfc"' in toml
    assert 'src="https://player.vimeo.com/video/146022717?dnt=1"' in toml
    json_post = bodies["json-post"]
    assert "Words &amp; pictures by Edith Editor" in json_post
    assert '<pre><code>def hello():\n    return "world"\n</code></pre>' in json_post
    bundle = bodies["bundle-post"]
    paths = {entry.slug: entry.path for entry in content.entries}
    assert f'href="{paths["first-post"]}"' in bundle and f'href="{paths["toml-post"]}"' in bundle
    assert "The inner text stays." in bodies["shortcode-unknown"]


def test_jekyll_site_check_has_notes_only():
    assert_notes_only(
        read_content(JEKYLL_BLOG, render=True),
        [
            "jekyll-blog/_drafts/a-draft.md:1: note: a draft",
            "jekyll-blog/_posts/2020-04-01-unpublished.md:1: note: a draft",
            "jekyll-blog/_posts/notes.md:1: note: not a post: a post's file name starts with its date",
            "jekyll-blog/about.md:1: note: a page, not a post",
            "jekyll-blog/_posts/2020-03-10-excerpt-separator.md:11: note: Liquid tag '{% include %}' is not supported",
        ],
    )


def test_jekyll_entries_and_markup():
    content = read_content(JEKYLL_BLOG, render=True)
    by_slug = {entry.slug: entry for entry in content.entries}
    welcome = by_slug["welcome-to-jekyll"]
    assert welcome.published.isoformat() == "2020-01-15T10:30:00-05:00"  # a Ruby-style date
    assert welcome.categories == ("news", "releases")  # "news releases": two
    assert [(a.slug, a.name) for a in welcome.authors] == [("jdoe", "Jane Doe")]  # _data/authors.yml
    assert '<pre><code>def print_hi(name)\n  puts "Hi, #{name}"\nend\n</code></pre>' in welcome.content_html
    assert 'href="/assets/style.css"' in welcome.content_html
    assert f'href="{by_slug["second-post"].path}"' in welcome.content_html  # post_url
    second = by_slug["second-post"]
    assert second.title == "Second Post" and second.published.isoformat() == "2020-02-01T00:00:00+00:00"
    assert "Liquid written out: {{ page.title }} stays as it is." in second.content_html  # raw
    assert by_slug["release-3-0"].categories == ("news",)  # from its folder
    assert 'src="https://www.youtube-nocookie.com/embed/w7Ft2ymGmfc"' in by_slug["embedded-video"].content_html
    for entry in content.entries:
        assert "{%" not in entry.content_html and "{{ site" not in entry.content_html


@pytest.mark.parametrize(
    ("front", "published"),
    [
        ('+++\ntitle = "T"\ndate = 2021-01-02T03:04:05Z\n+++\nBody.\n', "2021-01-02T03:04:05+00:00"),
        ('+++\ntitle = "T"\ndate = 2021-01-02\n+++\nBody.\n', "2021-01-02T00:00:00+00:00"),
        ('{"title": "T", "date": "2021-01-02T03:04:05+02:00"}\nBody.\n', "2021-01-02T03:04:05+02:00"),
        ("---\ntitle: T\nPublishDate: 2021-01-02\n---\nBody.\n", "2021-01-02T00:00:00+00:00"),
    ],
)
def test_hugo_front_matter_forms(tmp_path, front, published):
    (tmp_path / "hugo.toml").write_text('baseURL = "https://x.example/"\ntitle = "X"\n')
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "post.md").write_text(front)
    content = read_content(tmp_path)
    assert content.errors == ()
    assert [entry.published.isoformat() for entry in content.entries] == [published]


@pytest.mark.parametrize("site", [HUGO_BLOG, JEKYLL_BLOG], ids=["hugo", "jekyll"])
def test_served_feeds_carry_no_literal_markup_and_resolved_links(site):
    """Through the service (and its content index): no shortcode, Liquid or divider, links resolved."""
    client = make_app(site).test_client()
    for path in ("/feed.json", "/feed.atom", "/feed.rss", "/"):
        body = client.get(path).get_data(as_text=True)
        for literal in ("{{<", "{{%", "{%", "{{ site", "<!--more-->", "&lt;!--more--&gt;", "__feedsvc_ref__"):
            assert literal not in body, (path, literal)
    items = {item["title"]: item for item in client.get("/feed.json").get_json()["items"]}
    if site == HUGO_BLOG:
        bundle, target = items["A page bundle"]["content_html"], items["First post: hello, Hugo"]["url"]
        assert f'href="{target}"' in bundle
        assert "<em>HTML</em>" not in bundle
    else:
        html_post = items["An HTML post"]["content_html"]
        assert html_post.startswith("<p>Written in <em>HTML</em>, not Markdown.</p>")
        assert f'href="{items["Second Post"]["url"]}"' in items["Welcome to Jekyll!"]["content_html"]


@pytest.mark.integration
def test_a_hugo_page_without_a_title_is_published_as_hugo_publishes_it(tmp_path):
    site = copy_site(HUGO_BLOG, tmp_path)
    (site / "content" / "posts" / "no_title-given.md").write_text(
        "---\ndate: 2021-09-09T09:00:00Z\n---\n\nA page whose front matter names no title.\n", encoding="utf-8"
    )
    public = build_hugo(site, tmp_path / "public")
    hugo = [item.findtext("link") for item in etree.parse(str(public / "index.xml")).getroot().iter("item")]
    assert "https://blog.example.org/posts/no_title-given/" in hugo  # Hugo publishes it, untitled
    content = read_content(site)
    entry = next(entry for entry in content.entries if entry.source.endswith("no_title-given.md"))
    assert entry.title == "No Title Given"
    assert any("no title: the file name gives 'No Title Given'" in str(note) for note in content.notes)
    assert "No Title Given" in served(site)


def _hugo_with_future_and_expired(tmp_path, settings: str):
    site = copy_site(HUGO_BLOG, tmp_path)
    config = site / "hugo.toml"
    config.write_text(settings + config.read_text(encoding="utf-8"), encoding="utf-8")
    posts = site / "content" / "posts"
    (posts / "from-the-future.md").write_text(
        "---\ntitle: From the future\ndate: 2099-01-01T00:00:00Z\n---\n\nNot yet.\n", encoding="utf-8"
    )
    (posts / "long-gone.md").write_text(
        "---\ntitle: Long gone\ndate: 2021-02-02T00:00:00Z\nexpiryDate: 2021-03-03T00:00:00Z\n---\n\nOver.\n",
        encoding="utf-8",
    )
    public = build_hugo(site, tmp_path / "public")
    hugo = {item.findtext("title") for item in etree.parse(str(public / "index.xml")).getroot().iter("item")}
    return site, hugo


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings", "published"),
    [
        ("", set()),
        ("buildFuture = true\n", {"From the future"}),
        ("buildExpired = true\n", {"Long gone"}),
    ],
)
def test_hugo_build_future_and_build_expired_publish_what_hugo_publishes(tmp_path, settings, published):
    site, hugo = _hugo_with_future_and_expired(tmp_path, settings)
    assert {"From the future", "Long gone"} & hugo == published  # the generator, as the oracle
    assert {"From the future", "Long gone"} & set(served(site)) == published


@pytest.mark.integration
@pytest.mark.parametrize(("future", "published"), [(False, set()), (True, {"From the future"})])
def test_jekyll_future_publishes_what_jekyll_publishes(tmp_path, future, published):
    site = copy_site(JEKYLL_BLOG, tmp_path)
    if future:
        config = site / "_config.yml"
        config.write_text(config.read_text(encoding="utf-8") + "future: true\n", encoding="utf-8")
    (site / "_posts" / "2099-01-01-from-the-future.md").write_text(
        "---\ntitle: From the future\n---\n\nNot yet.\n", encoding="utf-8"
    )
    out = build_jekyll(site, tmp_path / "_site")
    titles = {
        plain(e.findtext(f"{ATOM}title")) for e in etree.parse(str(out / "feed.xml")).getroot().iter(f"{ATOM}entry")
    }
    assert {"From the future"} & titles == published
    assert {"From the future"} & set(served(site)) == published
