"""Moving a live Hugo or Jekyll site onto feedsvc breaks no subscriber, link or image.

The real generators are the oracle: the fixture sites are built with hugo and
jekyll (+ jekyll-feed, jekyll-redirect-from), then feedsvc, pointed at the same
site folder with the site's public URL, must answer every URL the generator
published: each feed item's id and link, each alias and redirect_from, each
file copied into the output, and each old feed URL.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree

from feedsvc.hugo import languages
from feedsvc.reader import read_site
from feedsvc.sitekind import detect
from feedsvc.sitelinks import links_of, site_path

from .conftest import make_app
from .generators import FIXTURES, HUGO_SITE, JEKYLL_SITE, build_hugo, build_jekyll, copy_site

pytestmark = pytest.mark.integration

ATOM = "{http://www.w3.org/2005/Atom}"
REFRESH = re.compile(r'http-equiv="refresh" content="0; url=([^"]+)"')


@dataclass
class Built:
    """A fixture site, what its generator wrote, and feedsvc serving the same folder."""

    kind: str
    site: Path
    out: Path
    base: str  # the site's public URL, without a trailing slash
    client: object
    translations: tuple[str, ...] = ()  # folders of Hugo's other languages ("fr/"): not published by feedsvc

    def published(self, path: str) -> bool:
        """Whether feedsvc publishes what is at ``path`` (its default language only, as `check` notes)."""
        return not path.lstrip("/").startswith(self.translations)

    def path_of(self, url: str) -> str:
        """The request path, under the site's base URL, of an absolute URL the generator wrote."""
        prefix = urlsplit(self.base).path
        path = unquote(urlsplit(url).path)
        assert path.startswith(prefix), (url, self.base)
        return path[len(prefix) :] or "/"

    def url_of(self, relative: str) -> str:
        """The request path of a file in the output folder, as a static server publishes it."""
        return "/" + relative.replace("\\", "/")


def _built(site: Path, tmp: Path, permalink: str | None = None) -> Built:
    copy = copy_site(site, tmp)
    kind = detect(copy)
    if kind == "hugo":
        out = build_hugo(copy, tmp / "public")
    else:
        if permalink is not None:
            config = copy / "_config.yml"
            # A style or pattern for `permalink:`, or a whole block of settings (`defaults:`...) to add.
            text = config.read_text()
            if "\n" in permalink:
                config.write_text(text + permalink)
            else:
                config.write_text(re.sub(r"(?m)^permalink: .*$", f"permalink: {permalink}", text))
        out = build_jekyll(copy, tmp / "_site")
    site_settings = read_site(copy)
    base = site_settings.base_url  # the URL the generator built for: Hugo baseURL, Jekyll url + baseurl
    app = make_app(copy, SITE_URL=base)
    default, codes = languages(site_settings) if kind == "hugo" else ("", frozenset())
    translations = tuple(f"{code}/" for code in sorted(codes - {default}))
    return Built(kind, copy, out, base, app.test_client(), translations)


# The fixture sites of issue 10 (hugo-blog, jekyll-blog) move too.
SITES = [site for site in (HUGO_SITE, JEKYLL_SITE, FIXTURES / "hugo-blog", FIXTURES / "jekyll-blog") if site.is_dir()]
# Jekyll's permalink styles and patterns, each built by jekyll (the fixture's own is a custom date pattern).
JEKYLL_PERMALINKS = [
    "pretty",
    "ordinal",
    "none",
    "weekdate",
    "/:categories/:year/:i_month/:slug/",
    "/:title:output_ext",
    # Front-matter defaults by folder, and the posts collection's own permalink.
    "defaults:\n  - scope: {path: news}\n    values: {permalink: /from-defaults/:title/}\n"
    "  - scope: {path: '', type: posts}\n    values: {permalink: /all-posts/:year/:title.html}\n",
    "collections:\n  posts:\n    permalink: /collection/:title/\n",
]


@pytest.fixture(scope="module", params=SITES, ids=[site.name for site in SITES])
def built(request, tmp_path_factory):
    return _built(request.param, tmp_path_factory.mktemp(request.param.name))


@pytest.fixture(
    scope="module", params=JEKYLL_PERMALINKS, ids=[p.split(":")[0] if "\n" in p else p for p in JEKYLL_PERMALINKS]
)
def jekyll_style(request, tmp_path_factory):
    return _built(JEKYLL_SITE, tmp_path_factory.mktemp("jekyll-style"), request.param)


@pytest.fixture(scope="module")
def hugo(tmp_path_factory):
    return _built(HUGO_SITE, tmp_path_factory.mktemp("hugo"))


def old_feeds(built: Built) -> dict[str, list[tuple[str, str]]]:
    """Each feed the generator wrote (output-relative path) -> its items as (id, link)."""
    feeds = {}
    for file in sorted(built.out.rglob("*.xml")):
        tree = etree.parse(str(file))
        if tree.getroot().tag == "rss":
            items = [(item.findtext("guid"), item.findtext("link")) for item in tree.iter("item")]
        elif tree.getroot().tag == f"{ATOM}feed":
            items = [(entry.findtext(f"{ATOM}id"), _alternate(entry)) for entry in tree.iter(f"{ATOM}entry")]
        else:
            continue  # a sitemap
        feeds[file.relative_to(built.out).as_posix()] = items
    return feeds


def entry_feeds(built: Built) -> dict[str, list[tuple[str, str]]]:
    """The old feeds whose items are posts (not Hugo's lists of taxonomy terms)."""
    return {
        path: [(guid, link) for guid, link in items if built.published(built.path_of(link))]
        for path, items in old_feeds(built).items()
        if path not in ("tags/index.xml", "categories/index.xml") and built.published(path)
    }


def feedsvc_ids(client, path: str) -> dict[str, str]:
    """The entries of a feedsvc feed (RSS or Atom): link -> id."""
    response = client.get(path)
    assert response.status_code == 200, path
    root = etree.fromstring(response.data)
    if root.tag == "rss":
        return {item.findtext("link"): item.findtext("guid") for item in root.iter("item")}
    return {_alternate(entry): entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")}


def _alternate(entry) -> str:
    """An Atom entry's alternate link (RFC 4287 4.2.7.2: a link without rel is one)."""
    return next(link.get("href") for link in entry.iter(f"{ATOM}link") if link.get("rel", "alternate") == "alternate")


def test_every_item_keeps_its_id(built):
    site_feed = "/feed.rss" if built.kind == "hugo" else "/feed.atom"
    ours = feedsvc_ids(built.client, site_feed)
    theirs = old_feeds(built)["index.xml" if built.kind == "hugo" else "feed.xml"]
    assert theirs, "the generator's feed has no items"
    assert {link: guid for guid, link in theirs} == ours


def test_every_item_link_answers(built):
    for path, items in entry_feeds(built).items():
        for _id, link in items:
            response = built.client.get(built.path_of(link))
            if response.status_code == 301:
                response = built.client.get(built.path_of(response.headers["Location"]))
            assert response.status_code == 200, (path, link)


def generator_redirects(built: Built) -> dict[str, str]:
    """Every redirect the generator wrote (Hugo alias and jekyll-redirect-from pages): path -> target URL."""
    redirects = {}
    for file in built.out.rglob("*.html"):
        match = REFRESH.search(file.read_text())
        if match:
            relative = file.relative_to(built.out).as_posix()
            path = built.url_of(relative.removesuffix("index.html"))
            # Jekyll serves "old.html" written for redirect_from "/old" at /old too.
            redirects[path] = match.group(1)
    listed = built.out / "redirects.json"  # jekyll-redirect-from's own list: the same, keyed as written
    if listed.is_file():
        for path, target in json.loads(listed.read_text()).items():
            assert redirects.get(path) == target or redirects.get(path + ".html") == target, path
            redirects.pop(path + ".html", None)
            redirects[path] = target
    return redirects


def test_every_alias_and_redirect_from_answers_301_to_the_same_target(built):
    redirects = {path: url for path, url in generator_redirects(built).items() if built.published(path)}
    if built.site.name in (HUGO_SITE.name, JEKYLL_SITE.name):
        assert len(redirects) >= 3
    for path, target in redirects.items():
        response = built.client.get(path)
        assert (response.status_code, response.headers.get("Location")) == (301, target), path


def copied_files(built: Built) -> dict[str, bytes]:
    """Every file of the output whose bytes are a file of the site's: what the generator copied."""
    sources = {hashlib.sha256(file.read_bytes()).digest() for file in built.site.rglob("*") if file.is_file()}
    copied = {}
    for file in sorted(built.out.rglob("*")):
        if file.is_file() and hashlib.sha256(body := file.read_bytes()).digest() in sources:
            copied[built.url_of(file.relative_to(built.out).as_posix())] = body
    return copied


def test_every_copied_file_is_served_with_the_same_bytes(built):
    copied = copied_files(built)
    if built.site.name in (HUGO_SITE.name, JEKYLL_SITE.name):
        assert any(path.endswith(".png") for path in copied) and len(copied) >= 3, sorted(copied)
    for path, body in copied.items():
        response = built.client.get(path)
        assert response.status_code == 200, path
        assert response.data == body, path
        assert response.headers["ETag"].startswith('"')
        again = built.client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, path


def test_every_old_feed_url_moves_to_a_feed_of_the_same_entries(built):
    feeds = entry_feeds(built)
    assert feeds, "the generator wrote no feed"
    for path, items in feeds.items():
        response = built.client.get(built.url_of(path))
        assert response.status_code == 301, path
        target = built.path_of(response.headers["Location"])
        assert {guid for guid, _link in items} == set(feedsvc_ids(built.client, target).values()), (path, target)


def test_every_jekyll_permalink_style_keeps_ids_and_links(jekyll_style):
    test_every_item_keeps_its_id(jekyll_style)
    test_every_item_link_answers(jekyll_style)
    test_every_alias_and_redirect_from_answers_301_to_the_same_target(jekyll_style)


def test_trailing_slash_has_one_canonical_form(hugo):
    assert hugo.client.get("/2021/03/first-post/").status_code == 200
    moved = hugo.client.get("/2021/03/first-post")
    assert (moved.status_code, moved.headers["Location"]) == (301, f"{hugo.base}/2021/03/first-post/")


def test_links_in_feeds_are_absolute_and_reach_the_site_or_are_noted_by_check(built):
    """Images and links of posts resolve on feedsvc (bundle images, static files); what does not, check lists."""
    atom = etree.fromstring(built.client.get("/feed.atom").data)
    linked = set()
    for content in atom.iter(f"{ATOM}content"):
        for link in links_of(content.text or ""):
            assert urlsplit(link).scheme in ("http", "https", "mailto"), link  # absolute, for any reader
            path = site_path(link, built.base)
            if path is not None:
                linked.add(path)
    broken = {path for path in linked if built.client.get(path).status_code not in (200, 301)}
    result = built.client.application.test_cli_runner().invoke(args=["check", str(built.site)])
    noted = set(re.findall(r"resolves to nothing on this site \((.*)\)$", result.output, re.M))
    assert broken == noted
    if built.site.name == HUGO_SITE.name:
        assert f"{built.base}/2021/05/a-bundle/images/photo.png" in {built.base + p for p in linked}
        assert broken == {"/no/such/page/"}
    if built.site.name == JEKYLL_SITE.name:
        assert {"/images/photo.png", "/files/notes.txt", "/assets/css/style.css"} <= linked
        assert broken == {"/missing/page.html"}
