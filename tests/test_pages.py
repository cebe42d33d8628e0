"""Page tests: byline, typography, error pages, favicon, robots.txt, sitemap, link previews, follow blocks."""

from __future__ import annotations

import json
import shutil
from urllib.parse import quote

import pytest
from lxml import etree
from lxml import html as lxml_html

from feedsvc.follow import feed_uri, reader_links
from feedsvc.markup import Markdown, quotes_for, typographic
from feedsvc.pages import breakable
from feedsvc.webfiles import SITEMAP_NS, favicon_svg, initial

from .conftest import FIXTURE, SITE_URL, edited_copy, make_app

ARTICLE = "/articles/icspa-launched-to-fight-global-cyber-crime"
NOTE = "articles/engine-note-1.md"
PAGES = ["/", ARTICLE, "/authors/tom-brewster", "/tags/cyber-war", "/feeds"]


def page(client, path):
    return lxml_html.fromstring(client.get(path).data)


def test_byline_keeps_the_space_before_the_dot(client):
    meta = page(client, ARTICLE).find(".//p[@class='meta']")
    assert " ".join(meta.text_content().split()) == "By Tom Brewster · 5 July 2011"


@pytest.mark.parametrize(
    ("language", "html"),
    [
        ("en-GB", "<p>“It’s – really — here…”</p>"),
        ("de", "<p>„It’s – really — here…“</p>"),
        ("fr-CA", "<p>«&nbsp;It’s – really — here…&nbsp;»</p>"),
        ("xx", '<p>"It\'s – really — here…"</p>'),  # unknown language: straight quotes stay
    ],
)
def test_typographer_writes_the_languages_quotes_and_dashes(language, html):
    assert Markdown('"It\'s -- really --- here..."', language=language).html == html


def test_typographer_leaves_code_alone():
    assert Markdown('`"a" -- b`', language="en").html == '<p><code>"a" -- b</code></p>'
    assert quotes_for("EN_us") == tuple("“”‘’")


def test_pull_quotes_are_hidden_from_assistive_technology(client):
    asides = page(client, ARTICLE).findall(".//aside")
    assert len(asides) == 2 and all(a.get("aria-hidden") == "true" for a in asides)


def _error_checks(response, code):
    assert response.status_code == code
    doc = lxml_html.fromstring(response.data)
    assert doc.get("lang") == "en-GB"
    assert doc.find(".//main") is not None and doc.find(".//h1").text.strip()
    assert doc.find(".//link[@rel='stylesheet']").get("href") == f"{SITE_URL}/style.css"
    assert doc.find(".//meta[@name='robots']").get("content") == "noindex"
    links = {a.get("href") for a in doc.find(".//main").findall(".//a")}
    assert {f"{SITE_URL}/", f"{SITE_URL}/feeds"} <= links
    assert f"Error {code}" in doc.text_content()
    assert b"Traceback" not in response.data and doc.find(".//script") is None
    return doc


@pytest.mark.parametrize("path", ["/nope", "/articles/nope", "/feed.xml"])
def test_404_is_the_sites_own_page(client, path):
    doc = _error_checks(client.get(path), 404)
    assert doc.findtext(".//h1") == "Page not found"


def test_405_and_406_are_the_sites_own_pages(client):
    response = client.post("/feed.atom")
    _error_checks(response, 405)
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    refused = client.get("/", headers={"Accept-Encoding": "identity;q=0, *;q=0"})
    _error_checks(refused, 406)


def test_500_is_the_sites_own_page_and_logs():
    app = make_app(FIXTURE)

    @app.get("/boom")
    def boom():
        raise RuntimeError("bug")

    response = app.test_client().get("/boom")
    doc = _error_checks(response, 500)
    assert doc.findtext(".//h1") == "Something went wrong"


def test_error_pages_are_deterministic():
    first, second = make_app(FIXTURE).test_client(), make_app(FIXTURE).test_client()
    assert first.get("/nope").data == second.get("/nope").data


def test_default_favicon_is_the_sites_initial(client):
    for path in ("/favicon.svg", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/svg+xml"
        svg = etree.fromstring(response.data)
        assert svg.findtext("{http://www.w3.org/2000/svg}text") == "F"  # "feedsvc news"
    for path in PAGES:
        assert page(client, path).find(".//link[@rel='icon']").get("href") == f"{SITE_URL}/favicon.svg"
    assert initial("  élan vital") == "É" and initial("<b>") == "B" and initial("!") == "·"
    assert ">É</text>" in favicon_svg("élan").decode()


def test_site_icon_setting_is_the_favicon(tmp_path):
    folder = edited_copy(FIXTURE, tmp_path, {"site.yaml": ("title:", "icon: /images/icon.png\ntitle:")})
    client = make_app(folder).test_client()
    assert page(client, "/").find(".//link[@rel='icon']").get("href") == f"{SITE_URL}/images/icon.png"
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"] == f"{SITE_URL}/images/icon.png"
    assert client.get("/favicon.svg").status_code == 404


def test_robots_txt_allows_all_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data == f"User-agent: *\nAllow: /\n\nSitemap: {SITE_URL}/sitemap.xml\n".encode()


def test_sitemap_lists_every_page_with_lastmod(client):
    response = client.get("/sitemap.xml")
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = etree.fromstring(response.data)
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    urls = {u.findtext(f"{{{SITEMAP_NS}}}loc"): u.findtext(f"{{{SITEMAP_NS}}}lastmod") for u in root}
    assert set(urls) == {SITE_URL + p for p in PAGES}
    assert urls[SITE_URL + ARTICLE] == "2011-07-05T00:00:00+01:00"
    for loc in urls:
        assert client.get(loc.removeprefix(SITE_URL) or "/").status_code == 200


def test_large_sites_get_a_sitemap_index(monkeypatch):
    everything = len(etree.fromstring(make_app(FIXTURE).test_client().get("/sitemap.xml").data))
    monkeypatch.setattr("feedsvc.webfiles.SITEMAP_LIMIT", 4)
    client = make_app(FIXTURE).test_client()
    index = etree.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    locs = [s.findtext(f"{{{SITEMAP_NS}}}loc") for s in index]
    pages = [etree.fromstring(client.get(loc.removeprefix(SITE_URL)).data) for loc in locs]
    assert len(locs) > 1 and all(len(p) <= 4 for p in pages)
    assert sum(len(p) for p in pages) == everything


def _meta(doc):
    og = {}
    for meta in doc.findall(".//meta[@property]"):
        og.setdefault(meta.get("property"), []).append(meta.get("content"))
    twitter = {
        m.get("name"): m.get("content") for m in doc.findall(".//meta[@name]") if m.get("name").startswith("twitter:")
    }
    ld = [json.loads(s.text) for s in doc.findall(".//script[@type='application/ld+json']")]
    return og, twitter, ld


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_open_graph_twitter_and_json_ld(client, path):
    og, twitter, ld = _meta(page(client, path))
    for key in ("og:type", "og:title", "og:description", "og:url", "og:site_name", "og:locale"):
        assert og[key][0].strip(), key
    assert og["og:url"] == [SITE_URL + path] and og["og:locale"] == ["en_GB"]
    assert twitter["twitter:card"] == "summary" and twitter["twitter:title"] == og["og:title"][0]
    assert len(ld) == 1 and ld[0]["@context"] == "https://schema.org" and ld[0]["url"] == SITE_URL + path


def test_article_preview_and_news_article(client):
    og, _, (ld,) = _meta(page(client, ARTICLE))
    assert og["og:type"] == ["article"]
    assert og["og:description"][0].startswith("A new body bringing together")
    assert og["article:published_time"] == ["2011-07-05T00:00:00+01:00"]
    assert og["article:author"] == [f"{SITE_URL}/authors/tom-brewster"] and og["article:tag"] == ["Cyber war"]
    assert ld["@type"] == "NewsArticle" and ld["headline"] == "ICSPA launched to fight global cyber crime"
    assert ld["author"] == [{"@type": "Person", "name": "Tom Brewster", "url": f"{SITE_URL}/authors/tom-brewster"}]


def test_author_and_home_json_ld(client):
    _, _, (author,) = _meta(page(client, "/authors/tom-brewster"))
    assert author["@type"] == "ProfilePage" and author["mainEntity"]["@type"] == "Person"
    assert author["mainEntity"]["name"] == "Tom Brewster"
    _, _, (home,) = _meta(page(client, "/"))
    assert home["@type"] == "WebSite" and home["name"] == "feedsvc news"


def test_json_ld_cannot_close_its_script_element(tmp_path):
    folder = edited_copy(FIXTURE, tmp_path, {NOTE: ("title:", "title: </script><b>x</b>")})
    data = make_app(folder).test_client().get("/articles/engine-note-1").data
    assert b"</script><b>" not in data
    (ld,) = _meta(lxml_html.fromstring(data))[2]
    assert ld["headline"].startswith("</script><b>x</b>")


def test_images_reach_previews_and_the_author_box(tmp_path):
    edits = {
        "authors/ada-lovelace.md": ("name:", "image: /images/ada.jpg\nname:"),
        NOTE: ("title:", "image: https://cdn.example/e.png\ntitle:"),
    }
    folder = edited_copy(FIXTURE, tmp_path, edits)
    client = make_app(folder).test_client()
    doc = page(client, "/articles/engine-note-1")
    og, twitter, (ld,) = _meta(doc)
    assert og["og:image"] == ["https://cdn.example/e.png"] and ld["image"] == ["https://cdn.example/e.png"]
    assert twitter["twitter:card"] == "summary_large_image"
    photo = doc.find(".//section[@class='author-box']//img")
    assert photo.get("src") == f"{SITE_URL}/images/ada.jpg" and photo.get("alt") == ""
    _, _, (profile,) = _meta(page(client, "/authors/ada-lovelace"))
    assert profile["mainEntity"]["image"] == f"{SITE_URL}/images/ada.jpg"


def test_article_ends_with_tags_author_box_and_neighbours():
    client = make_app(FIXTURE).test_client()
    doc = page(client, "/articles/engine-note-3")
    end = doc.find(".//footer[@class='entry-end']")
    assert [a.text for a in end.findall(".//a[@rel='tag']")]
    assert end.find(".//section[@class='author-box']//h2/a").text
    neighbours = [a.get("href") for a in doc.findall(".//nav[@class='prev-next']/a")]
    assert neighbours == [f"{SITE_URL}/articles/engine-note-2", f"{SITE_URL}/articles/engine-note-4"]


def test_article_offers_to_follow_author_section_and_site(client):
    doc = page(client, ARTICLE)
    blocks = doc.findall(".//div[@class='follow']")
    assert [b.findtext("h3") for b in blocks] == ["Tom Brewster", "Cyber war", "Everything on feedsvc news"]
    author = blocks[0]
    feed = f"{SITE_URL}/authors/tom-brewster/feed.atom"
    assert author.find(".//code").text_content() == feed
    assert author.find(".//button").get("data-copy") == feed and author.find(".//button").get("hidden") is not None
    links = {a.text: a.get("href") for a in author.findall(".//ul[@class='readers']/li/a")}
    assert links["Feedly"] == "https://feedly.com/i/subscription/feed%2F" + quote(feed, safe="")
    assert links["Inoreader"] == "https://www.inoreader.com/?add_feed=" + quote(feed, safe="")
    assert links["NetNewsWire and other apps"] == f"feed:{feed}"


@pytest.mark.parametrize(
    ("path", "feed"), [("/authors/tom-brewster", "/authors/tom-brewster"), ("/tags/cyber-war", "/tags/cyber-war")]
)
def test_author_and_tag_pages_show_their_own_feed(client, path, feed):
    block = page(client, path).find(".//div[@class='follow']")
    assert block.find(".//button").get("data-copy") == f"{SITE_URL}{feed}/feed.atom"


def test_reader_links():
    assert feed_uri("http://a.example/feed.atom") == "feed://a.example/feed.atom"
    assert feed_uri("https://a.example/feed.atom") == "feed:https://a.example/feed.atom"
    names = [name for name, _ in reader_links("https://a.example/f")]
    assert names[:2] == ["Feedly", "Inoreader"] and "Miniflux" in names


def test_addresses_break_only_between_words():
    pieces = ["https://news", ".example", ".org/", "tags/", "cyber-war/", "feed", ".atom"]
    expected = "<wbr>".join(f'<span class="nowrap">{piece}</span>' for piece in pieces)
    assert str(breakable("https://news.example.org/tags/cyber-war/feed.atom")) == expected
    assert "&lt;b&gt;" in breakable("https://x.example/<b>")


def _many_articles(tmp_path, count):
    folder = edited_copy(FIXTURE, tmp_path, {})
    for number in range(count):
        (folder / "articles" / f"extra-{number:02}.md").write_text(
            f"---\ntitle: Extra {number}\nauthor: ada-lovelace\ntags: [Extras]\n"
            f"date: 2022-01-{number + 1:02}\n---\nBody {number}.\n"
        )
    return make_app(folder).test_client()


def test_home_is_paginated_with_rel_prev_next(tmp_path):
    client = _many_articles(tmp_path, 25)  # 31 articles: pages of 20 and 11
    first, second = page(client, "/"), page(client, "/page/2")
    assert len(first.findall(".//ol[@class='entries']/li")) == 20
    assert len(second.findall(".//ol[@class='entries']/li")) == 11
    assert first.find(".//link[@rel='next']").get("href") == f"{SITE_URL}/page/2"
    assert first.find(".//link[@rel='prev']") is None
    assert second.find(".//link[@rel='prev']").get("href") == f"{SITE_URL}/"
    assert second.find(".//link[@rel='next']") is None
    assert second.find(".//a[@rel='prev']").get("href") == f"{SITE_URL}/"
    assert client.get("/page/3").status_code == 404
    tag = page(client, "/tags/extras")
    assert tag.find(".//link[@rel='next']").get("href") == f"{SITE_URL}/tags/extras/page/2"


def test_an_author_page_is_paginated_with_the_profile_on_each_page(tmp_path):
    client = _many_articles(tmp_path, 25)  # Ada wrote all 31 articles: pages of 20 and 11
    first, second = page(client, "/authors/ada-lovelace"), page(client, "/authors/ada-lovelace/page/2")
    assert len(first.findall(".//ol[@class='entries']/li")) == 20
    assert len(second.findall(".//ol[@class='entries']/li")) == 11
    assert first.find(".//link[@rel='next']").get("href") == f"{SITE_URL}/authors/ada-lovelace/page/2"
    assert second.find(".//a[@rel='prev']").get("href") == f"{SITE_URL}/authors/ada-lovelace"
    assert first.find(".//h1").text == second.find(".//h1").text == "Ada Lovelace"
    assert client.get("/authors/ada-lovelace/page/3").status_code == 404
    assert client.get("/authors/ada-lovelace/page/1").status_code == 404
    sitemap = client.get("/sitemap.xml").data.decode()
    assert f"<loc>{SITE_URL}/authors/ada-lovelace/page/2</loc>" in sitemap


@pytest.mark.parametrize("path", ["/", "/tags/cyber-war", "/authors/tom-brewster", "/feeds"])
def test_list_pages_have_no_article_elements(client, path):
    # Liferea reads a page with <article> elements as a feed of its own (one item per element):
    # a list page must not look like one.
    assert page(client, path).findall(".//article//article") == []
    assert len(page(client, path).findall(".//ol[@class='entries']//article")) == 0
    assert len(page(client, path).findall(".//article")) <= 1


def test_titles_and_summaries_are_typographic_but_stay_text(tmp_path):
    title = 'title: "It\'s *not* <b> -- \\"new\\""\nsummary: 1990--2000...'
    folder = edited_copy(FIXTURE, tmp_path, {NOTE: ("title: Engine note 1", title)})
    doc = page(make_app(folder).test_client(), "/articles/engine-note-1")
    assert doc.findtext(".//h1") == "It’s *not* <b> – “new”"
    assert doc.findtext(".//p[@class='standfirst']") == "1990–2000…"
    assert typographic("\"Ça\" -- 'ok'", "fr") == "«\u00a0Ça\u00a0» – ‹\u00a0ok\u00a0›"


def test_bodies_from_the_content_index_keep_the_sites_typography(tmp_path):
    # The SQLite content index (FEEDSVC_STATE_DIR) stores a body's language with it.
    folder = edited_copy(FIXTURE, tmp_path, {"site.yaml": ("language: en-GB", "language: de")})
    (folder / "articles" / "quoted.md").write_text(
        '---\ntitle: Q\nauthor: ada-lovelace\ndate: 2021-03-01\n---\nSie sagte "ja".\n', encoding="utf-8"
    )
    for _ in range(2):  # build the index, then read from it
        client = make_app(folder, STATE_DIR=str(tmp_path / "state")).test_client()
        assert "Sie sagte „ja“." in client.get("/articles/quoted").get_data(as_text=True)


def test_a_sites_own_robots_txt_and_favicon_win(tmp_path):
    folder = tmp_path / "site"
    shutil.copytree(FIXTURE.parent / "hugo-blog", folder)
    (folder / "static").mkdir(exist_ok=True)
    (folder / "static" / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (folder / "static" / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    client = make_app(folder).test_client()
    assert client.get("/robots.txt").data == b"User-agent: *\nDisallow: /private/\n"
    assert client.get("/favicon.ico").data == b"\x00\x00\x01\x00"
    assert client.get("/sitemap.xml").status_code == 200  # what the site does not have is still generated
