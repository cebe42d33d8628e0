"""View tests: every endpoint through the Flask test client (fast path included)."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from .conftest import FIXTURE, SITE_URL, make_app

ARTICLE = "/articles/icspa-launched-to-fight-global-cyber-crime"
FEEDS = {
    "/feed.atom": "application/atom+xml; charset=utf-8",
    "/feed.rss": "application/rss+xml; charset=utf-8",
    "/feed.json": "application/feed+json; charset=utf-8",
    "/authors/tom-brewster/feed.atom": "application/atom+xml; charset=utf-8",
    "/authors/tom-brewster/feed.rss": "application/rss+xml; charset=utf-8",
    "/authors/tom-brewster/feed.json": "application/feed+json; charset=utf-8",
    "/tags/cyber-war/feed.atom": "application/atom+xml; charset=utf-8",
}
PAGES = ["/", ARTICLE, "/authors/tom-brewster", "/tags/cyber-war", "/feeds"]


@pytest.mark.parametrize(("path", "media_type"), sorted(FEEDS.items()))
def test_feeds_answer_with_their_media_type(client, path, media_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    assert response.headers["Content-Length"] == str(len(response.data))


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_html_with_title_description_canonical(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = lxml_html.fromstring(response.data)
    assert page.get("lang") == "en-GB"
    assert page.findtext(".//title").strip()
    assert page.find(".//meta[@name='description']").get("content").strip()
    assert page.find(".//link[@rel='canonical']").get("href") == SITE_URL + (path if path != "/" else "/")
    assert page.find(".//meta[@name='viewport']") is not None
    # Scripts: JSON-LD data blocks, and our own follow.js; nothing inline that runs, nothing third-party.
    for script in page.findall(".//script"):
        assert script.get("type") == "application/ld+json" or script.get("src") == f"{SITE_URL}/follow.js"


def _alternates(client, path):
    page = lxml_html.fromstring(client.get(path).data)
    return {(link.get("type"), link.get("href")) for link in page.findall(".//link[@rel='alternate']")}


@pytest.mark.parametrize("path", PAGES)
def test_autodiscovery_links_point_to_live_feeds(client, path):
    alternates = _alternates(client, path)
    site_feeds = {
        (t, f"{SITE_URL}/feed.{ext}")
        for t, ext in [
            ("application/atom+xml", "atom"),
            ("application/rss+xml", "rss"),
            ("application/feed+json", "json"),
        ]
    }
    assert site_feeds <= alternates
    for media_type, href in alternates:
        response = client.get(href.removeprefix(SITE_URL))
        assert response.status_code == 200, href
        assert response.headers["Content-Type"].startswith(media_type)


def test_author_feeds_are_discoverable_on_author_and_article_pages(client):
    for path in ("/authors/tom-brewster", ARTICLE):
        hrefs = {href for _, href in _alternates(client, path)}
        assert f"{SITE_URL}/authors/tom-brewster/feed.atom" in hrefs
    assert f"{SITE_URL}/tags/cyber-war/feed.rss" in {href for _, href in _alternates(client, ARTICLE)}


def test_article_page_shows_the_article(client):
    page = lxml_html.fromstring(client.get(ARTICLE).data)
    assert page.findtext(".//h1") == "ICSPA launched to fight global cyber crime"
    assert page.find(".//p[@class='kicker']/a").text == "Cyber war"
    assert page.findtext(".//p[@class='standfirst']").startswith("A new body bringing together")
    byline = page.find(".//a[@rel='author']")
    assert byline.text == "Tom Brewster" and byline.get("href") == f"{SITE_URL}/authors/tom-brewster"
    assert page.find(".//time").get("datetime") == "2011-07-05T00:00:00+01:00"
    assert page.find(".//time").text == "5 July 2011"
    assert len(page.findall(".//aside[@class='pullquote']")) == 2


def test_author_page_has_bio_and_articles(client):
    page = lxml_html.fromstring(client.get("/authors/tom-brewster").data)
    text = page.text_content()
    assert "He is a proud alum of the University of Sheffield" in text
    assert f"{SITE_URL}{ARTICLE}" in {a.get("href") for a in page.findall(".//a")}


def test_home_lists_articles_and_links_writers_apart(client):
    page = lxml_html.fromstring(client.get("/").data)
    titles = [a.text for a in page.findall(".//ol[@class='entries']//h2/a")]
    assert titles == ["ICSPA launched to fight global cyber crime"]  # the bio is not news
    writers = page.findall(".//section[@class='authors']//a")
    assert [(a.text, a.get("href")) for a in writers] == [("Tom Brewster", f"{SITE_URL}/authors/tom-brewster")]


def test_feeds_page_lists_every_feed(client):
    page = lxml_html.fromstring(client.get("/feeds").data)
    addresses = {code.text_content() for code in page.findall(".//code")}
    for path in FEEDS:
        assert f"{SITE_URL}{path}" in addresses
    text = page.text_content()
    assert "JSON Feed" in text and "Atom" in text and "RSS" in text
    assert "RFC" not in text  # written for people, not for implementers


def test_healthz(client):
    response = client.get("/healthz")
    body = json.loads(response.data)
    assert response.status_code == 200
    assert body["status"] == "ok" and body["entries"] == 2 and len(body["content_version"]) == 16
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/articles/nope",
        "/authors/nobody",
        "/authors/nobody/feed.atom",
        "/tags/none",
        "/feed.xml",
        "/articles/",
        "/authors/tom-brewster/feed.txt",
    ],
)
def test_unknown_things_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"404" in response.data and b"Traceback" not in response.data


ODD_PATHS = [
    "//",
    "/%",
    "/%00",
    "/%ff%fe",
    "/articles/%2e%2e/%2e%2e/etc/passwd",
    "/authors/..%2f..%2fetc%2fpasswd",
    "/articles/" + "a" * 5000,
    "/feed.atom/",
    "/feed.atom%00",
    "/tags/%E2%98%83",
    "/tags/cyber war",
    "/static/../../wsgi.py",
    "/articles/icspa-launched-to-fight-global-cyber-crime.md",
    "/?q=<script>",
    "/healthz/",
    "/\u2603",
    "/articles/%ED%B3%BF",
]


@pytest.mark.parametrize("path", ODD_PATHS)
def test_odd_paths_never_500(client, path):
    response = client.get(path)
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["/feed.atom", "/tags/cyber-war/feed.json", "/tags/z%C3%BCrich/feed.rss"])
def test_feed_urls_with_a_query_string_redirect_to_the_canonical_url(client, fixture_client, path):
    # A cache-busting "?_=<ms>" must not become a new cache key in a shared cache.
    which = fixture_client if "rich" in path else client
    response = which.get(path + "?_=1700000000000&utm_source=x")
    assert response.status_code == 301
    assert response.headers["Location"] == path
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert which.get(response.headers["Location"]).status_code == 200


def test_pages_keep_their_query_strings(client):
    assert client.get("/?utm_source=x").data == client.get("/").data


def test_two_instances_give_identical_bytes():
    first, second = make_app(FIXTURE).test_client(), make_app(FIXTURE).test_client()
    paths = [
        "/",
        "/feed.atom",
        "/feed.rss",
        "/feed.json",
        "/archive/1/feed.atom",
        "/tags/z%C3%BCrich/feed.json",
        "/articles/machines-think",
        "/feeds",
    ]
    for path in paths:
        a, b = first.get(path), second.get(path)
        assert a.status_code == 200, path
        assert a.data == b.data and a.headers["ETag"] == b.headers["ETag"], path


def test_site_url_wins_over_host_headers(client):
    forged = client.get(
        "/feed.atom",
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"},
    )
    assert forged.data == client.get("/feed.atom").data
    assert b"evil" not in forged.data


def test_without_site_url_links_use_site_yaml_not_the_request():
    client = make_app(SITE_URL="").test_client()
    response = client.get(
        "/feed.atom",
        headers={"Host": "internal:5000", "X-Forwarded-Host": "news.example.com", "X-Forwarded-Proto": "https"},
    )
    # content/site.yaml's base_url: no header may steer links unless the operator allows it.
    assert b'href="http://127.0.0.1:8000/feed.atom" rel="self"' in response.data
    hostile = client.get("/feed.atom", headers={"Host": "bad host<script>"})
    assert hostile.status_code in (200, 400)
    assert b"<script" not in hostile.data
