"""Builder tests: feeds built straight from the model, validated and checked value by value."""

from __future__ import annotations

from dataclasses import replace

import feedparser
import pytest

from feedsvc.documents import feed_docs
from feedsvc.formats import render_feed
from feedsvc.reader import read_content
from feedsvc.sanitise import feed_html

from .conftest import ROOT, SITE_URL
from .feedhelpers import NS, PUB, build_all, parse_json, parse_xml, seed_sections, text_of, typewriter

ARTICLE_ID = "tag:feedsvc.example,2011-07-05:/articles/icspa-launched-to-fight-global-cyber-crime"
BIO_ID = "tag:feedsvc.example,2026-11-26:/authors/tom-brewster"
ARTICLE_URL = "https://news.example.org/articles/icspa-launched-to-fight-global-cyber-crime"
AUTHOR_URL = "https://news.example.org/authors/tom-brewster"


@pytest.fixture(scope="module")
def seed_feeds(seed_content):
    return build_all(seed_content)


def all_documents(content, pub=PUB):
    for doc in feed_docs(content):
        for fmt in ("atom", "rss", "json"):
            yield doc, fmt, render_feed(doc, fmt, content.site, pub)


def test_every_document_is_valid(seed_content, fixture_content, atom_schema, rss_schema, json_schema):
    count = 0
    for content in (seed_content, fixture_content):
        for doc, fmt, data in all_documents(content):
            if fmt == "json":
                json_schema.validate(parse_json(data))
            else:
                schema = atom_schema if fmt == "atom" else rss_schema
                assert schema.validate(parse_xml(data)), (doc.path(fmt), schema.error_log)
            count += 1
    # seed: site, author, tag; fixture: site 1+2 pages, ada 1+2, alan 1, engines 1+1, zürich 1+1, philosophy 1
    assert count == 3 * (3 + 12)


def test_atom_feed_values(seed_feeds):
    feed = parse_xml(seed_feeds["atom"])
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    assert feed.findtext("a:id", namespaces=NS) == "tag:feedsvc.example,2011-07-05:/feed.atom"
    assert feed.findtext("a:title", namespaces=NS) == "feedsvc news"
    assert feed.findtext("a:updated", namespaces=NS) == "2026-11-26T00:00:00+00:00"
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", NS)}
    assert links == {"self": "https://news.example.org/feed.atom", "alternate": "https://news.example.org/"}
    assert feed.find("fh:complete", NS) is not None
    entries = feed.findall("a:entry", NS)
    assert [e.findtext("a:id", namespaces=NS) for e in entries] == [BIO_ID, ARTICLE_ID]
    article = entries[1]
    assert article.findtext("a:title", namespaces=NS) == "ICSPA launched to fight global cyber crime"
    assert article.findtext("a:published", namespaces=NS) == "2011-07-05T00:00:00+01:00"
    assert article.findtext("a:updated", namespaces=NS) == "2011-07-05T00:00:00+01:00"
    assert article.find("a:link", NS).get("href") == ARTICLE_URL
    assert article.findtext("a:author/a:name", namespaces=NS) == "Tom Brewster"
    assert article.findtext("a:author/a:uri", namespaces=NS) == AUTHOR_URL
    assert article.find("a:author/a:email", NS) is None
    assert [c.get("term") for c in article.findall("a:category", NS)] == ["Cyber war"]
    assert article.find("a:content", NS).get("type") == "html"
    assert article.findtext("a:summary", namespaces=NS).startswith("A new body bringing together")
    bio = entries[0]
    assert bio.find("a:link", NS).get("href") == AUTHOR_URL


def test_rss_feed_values(seed_feeds):
    channel = parse_xml(seed_feeds["rss"]).find("channel")
    assert channel.findtext("link") == "https://news.example.org/"
    assert channel.findtext("language") == "en-GB"
    assert channel.findtext("lastBuildDate") == "Thu, 26 Nov 2026 00:00:00 +0000"
    assert channel.findtext("ttl") == "5"
    assert channel.find("a:link[@rel='self']", NS).get("href") == "https://news.example.org/feed.rss"
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == [BIO_ID, ARTICLE_ID]
    assert all(i.find("guid").get("isPermaLink") == "false" for i in items)
    article = items[1]
    assert article.findtext("pubDate") == "Tue, 05 Jul 2011 00:00:00 +0100"
    assert article.findtext("link") == ARTICLE_URL
    assert article.findtext("dc:creator", namespaces=NS) == "Tom Brewster"
    assert article.find("author") is None  # RSS <author> must be an email address
    assert article.findtext("category") == "Cyber war"
    assert article.findtext("description").startswith("A new body bringing together")


def test_json_feed_values(seed_feeds):
    feed = parse_json(seed_feeds["json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://news.example.org/feed.json"
    assert feed["home_page_url"] == "https://news.example.org/"
    assert feed["language"] == "en-GB"
    assert "next_url" not in feed
    article = feed["items"][1]
    assert article["id"] == ARTICLE_ID
    assert article["url"] == ARTICLE_URL
    assert article["date_published"] == "2011-07-05T00:00:00+01:00"
    assert article["authors"] == [{"name": "Tom Brewster", "url": AUTHOR_URL}]
    assert article["tags"] == ["Cyber war"]


def _bodies(feeds):
    """(article HTML, bio HTML, article summary) in each format."""
    atom = parse_xml(feeds["atom"]).findall("a:entry", NS)
    rss = parse_xml(feeds["rss"]).find("channel").findall("item")
    items = parse_json(feeds["json"])["items"]
    return {
        "atom": [(e.findtext("a:content", namespaces=NS), e.findtext("a:summary", namespaces=NS)) for e in atom],
        "rss": [(i.findtext("content:encoded", namespaces=NS), i.findtext("description")) for i in rss],
        "json": [(i["content_html"], i["summary"]) for i in items],
    }


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_full_seed_text_in_every_format(seed_feeds, fmt):
    seed = seed_sections()
    (bio_html, _), (article_html, article_summary) = _bodies(seed_feeds)[fmt]
    # The source's straight quotes are typographic in the feeds (markdown-it's typographer).
    article_text, bio_text = typewriter(text_of(article_html)), typewriter(text_of(bio_html))
    for paragraph in seed["body"]:
        assert paragraph in article_text, paragraph
    for paragraph in seed["bio"]:
        assert paragraph in bio_text, paragraph
    assert article_summary == seed["standfirst"]


def test_content_urls_are_absolute(fixture_content):
    feeds = build_all(fixture_content)
    atom = parse_xml(feeds["atom"])
    html = " ".join(e.findtext("a:content", namespaces=NS) for e in atom.findall("a:entry", NS))
    assert 'href="https://news.example.org/articles/engine-note-1"' in html
    assert 'src="https://news.example.org/articles/images/engine.png"' in html
    assert 'href="/' not in html and 'src="images' not in html


def test_unicode_tag_feed_ids_are_ascii_tag_uris(fixture_content):
    feeds = build_all(fixture_content, prefix="/tags/zürich")
    assert (
        parse_xml(feeds["atom"]).findtext("a:id", namespaces=NS)
        == "tag:fixture.example,2020-01-01:/tags/z%C3%BCrich/feed.atom"
    )


def test_email_author_goes_to_rss_author(fixture_content):
    feeds = build_all(fixture_content, prefix="/authors/ada-lovelace")
    items = parse_xml(feeds["rss"]).find("channel").findall("item")
    engine = next(i for i in items if i.findtext("title") == "Engine note 5")
    assert engine.findtext("author") == "ada@example.org (Ada Lovelace)"
    assert engine.find("dc:creator", NS) is None


def test_escaping_of_markup_in_titles(fixture_content):
    feeds = build_all(fixture_content)
    titles = [e.findtext("a:title", namespaces=NS) for e in parse_xml(feeds["atom"]).findall("a:entry", NS)]
    assert "Can machines think? <maybe>" in titles
    # RSS Best Practices: "<" and "&" in plain-text elements as hexadecimal references.
    assert b"<title>Can machines think? &#x3C;maybe&gt;</title>" in feeds["rss"]
    rss_items = parse_xml(feeds["rss"]).find("channel").findall("item")
    assert rss_items[0].findtext("title") == "Can machines think? <maybe>"
    # <description> is HTML to readers: the plain-text summary is escaped for it.
    assert rss_items[0].findtext("description") == "A question &amp; an answer."
    assert b"<description>A question &amp;amp; an answer.</description>" in feeds["rss"]
    assert parse_json(feeds["json"])["items"][0]["title"] == "Can machines think? <maybe>"


def test_builders_are_pure(seed_content):
    """Same content, same publishing settings: the same bytes; another base URL: other links."""
    assert build_all(seed_content) == build_all(seed_content)
    other = build_all(seed_content, replace(PUB, base_url="https://mirror.example.net"))
    assert b"https://mirror.example.net/feed.atom" in other["atom"]
    assert b"news.example.org" not in other["atom"]


def test_hubs_are_advertised_in_every_format(seed_content):
    pub = replace(PUB, hubs=("https://hub.example.com/",))
    feeds = build_all(seed_content, pub)
    atom = parse_xml(feeds["atom"])
    assert atom.find("a:link[@rel='hub']", NS).get("href") == "https://hub.example.com/"
    channel = parse_xml(feeds["rss"]).find("channel")
    assert channel.find("a:link[@rel='hub']", NS).get("href") == "https://hub.example.com/"
    assert parse_json(feeds["json"])["hubs"] == [{"type": "WebSub", "url": "https://hub.example.com/"}]


@pytest.mark.parametrize(
    ("slug", "name", "email"), [("ada-lovelace", "Ada Lovelace", "ada@example.org"), ("alan-turing", "Alan Turing", "")]
)
def test_an_author_feed_names_its_author_at_feed_level(fixture_content, atom_schema, rss_schema, slug, name, email):
    feeds = build_all(fixture_content, prefix=f"/authors/{slug}")
    page = f"{SITE_URL}/authors/{slug}"
    # Atom (RFC 4287 4.2.1): atom:author of the feed, as each entry names its own.
    atom = parse_xml(feeds["atom"])
    assert atom_schema.validate(atom), atom_schema.error_log
    (author,) = atom.findall("a:author", NS)
    assert (author.findtext("a:name", namespaces=NS), author.findtext("a:uri", namespaces=NS)) == (name, page)
    assert author.findtext("a:email", default="", namespaces=NS) == email
    # JSON Feed 1.1: top-level authors.
    assert parse_json(feeds["json"])["authors"] == [{"name": name, "url": page}]
    # RSS: managingEditor when the author gives an email address; items keep their own bylines.
    channel = parse_xml(feeds["rss"]).find("channel")
    assert rss_schema.validate(channel.getroottree()), rss_schema.error_log
    assert channel.findtext("managingEditor") == (f"{email} ({name})" if email else None)
    assert channel.find("dc:creator", NS) is None
    parsed = feedparser.parse(feeds["atom"]).feed
    assert parsed.author_detail.name == name and parsed.author_detail.href == page


@pytest.mark.parametrize("prefix", ["", "/tags/engines"])
def test_site_and_tag_feeds_name_no_feed_level_author(fixture_content, prefix):
    feeds = build_all(fixture_content, prefix=prefix)
    assert parse_xml(feeds["atom"]).find("a:author", NS) is None
    assert "authors" not in parse_json(feeds["json"])
    assert parse_xml(feeds["rss"]).find("channel/managingEditor") is None


@pytest.mark.parametrize(
    ("player", "link"),
    [
        (
            '<iframe src="https://www.youtube-nocookie.com/embed/w7Ft2ymGmfc" title="A &amp; B" width="560"></iframe>',
            '<a href="https://www.youtube.com/watch?v=w7Ft2ymGmfc">A &amp; B</a>',
        ),
        (
            '<iframe src="https://player.vimeo.com/video/76979871?dnt=1"></iframe>',
            '<a href="https://vimeo.com/76979871">Watch the video</a>',
        ),
    ],
)
def test_feeds_carry_players_as_links(player, link):
    html = feed_html(f"<p>Intro</p><div>{player}</div>", ARTICLE_URL)
    assert "<iframe" not in html
    assert html == f"<p>Intro</p><div>{link}</div>"


def test_no_feed_of_a_site_with_embeds_carries_an_iframe():
    content = read_content(ROOT / "tests" / "fixtures" / "jekyll-blog", render=True)
    pages_with_player = [entry for entry in content.entries if "<iframe" in entry.content_html]
    assert pages_with_player, "the fixture embeds a video"
    for doc, fmt, data in all_documents(content):
        assert b"<iframe" not in data and b"&lt;iframe" not in data, doc.path(fmt)
    assert b"https://www.youtube.com/watch?v=w7Ft2ymGmfc" in render_feed(
        feed_docs(content)[0], "atom", content.site, PUB
    )
