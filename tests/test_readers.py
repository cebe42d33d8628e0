"""Real feed readers read the feeds a running server (granian) serves.

Two readers that share no code with feedparser (``test_feedparser.py``) or with
the app's builders:

- **newsboat**, the terminal feed reader (C++, libxml2, libcurl). It runs headless
  (``newsboat -x reload``: fetch every subscription into the cache and exit)
  with its own urls file, config and SQLite cache; the test then reads what it
  stored (tables ``rss_feed`` and ``rss_item``). newsboat 2.21 reads RSS and
  Atom only: it fails a JSON Feed with "XML root node is NULL", so JSON Feed
  subscriptions are left out. Skipped where newsboat is not installed.
- **feedparser-rs** (PyPI ``feedparser-rs``), a Rust feed parser with
  feedparser's API that reads all three formats. It is handed the bytes the
  server sent.

The server runs over the bundled content and over ``tests/fixtures/content``
(several authors, one with an email, archives, the unicode tag "Zürich", a
title with ``<maybe>``). The reference for every comparison is the JSON Feed
the same server serves, read with ``json``.

Reader behaviour these tests know about (see the comments where it matters):

- newsboat keys items by guid across its whole cache: an entry in both the site
  feed and an author feed is stored once, under the subscription reloaded last.
  So each feed is read with its own cache, and one shared cache is checked to
  hold every entry exactly once.
- newsboat keeps only the last ``dc:creator`` of an RSS item (its RSS parser
  overwrites the author for each one); from Atom it joins every author name.
- newsboat stores a feed's ETag and Last-Modified only from the second fetch on
  (on the first, it writes them before the feed's row exists), so it revalidates
  from the third reload.
- feedparser-rs blanks Atom ``link`` hrefs and RSS item ``link``s that point
  at loopback or private addresses (not JSON Feed URLs, nor the RSS channel
  link), so its server gets a public FEEDSVC_SITE_URL; and by default it treats
  plain-text titles and summaries as HTML (drops ``<maybe>``, turns ``&`` into
  ``&amp;``), so exact text is compared with ``sanitize_html=False``.
"""

from __future__ import annotations

import email.utils
import html
import http.client
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from .conftest import BUNDLED, FIXTURE, SITE_URL
from .feedhelpers import NS, seed_sections, text_of, typewriter
from .servers import LOOPBACK, AppServer, free_port, granian_app

pytestmark = pytest.mark.integration

CONTENT = {"seed": BUNDLED, "fixture": FIXTURE}
# The feeds the readers subscribe to, by their path prefix: the site feed, author feeds, tag feeds.
FEEDS = {
    "seed": ["", "/authors/tom-brewster", "/tags/cyber-war"],
    "fixture": ["", "/authors/ada-lovelace", "/authors/alan-turing", "/tags/z%C3%BCrich"],
}
# feedparser-rs also reads the first (oldest, complete) archive page of the fixture's site feed.
ARCHIVES = {"seed": [], "fixture": ["/archive/1"]}
FEED_CASES = [(which, prefix) for which, prefixes in FEEDS.items() for prefix in prefixes]
TIMEOUT = 5.0
NEWSBOAT_TIMEOUT = 30.0
EUROPOL = "Europol is the only major law enforcement body officially signed up"


# -- the server -----------------------------------------------------------------


@dataclass
class Site:
    """A running server over one content folder, and what it serves."""

    which: str
    server: AppServer
    site_url: str  # its FEEDSVC_SITE_URL
    _json: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def feed_url(self, prefix: str, fmt: str) -> str:
        return f"{self.url}{prefix}/feed.{fmt}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection(LOOPBACK, self.server.port, timeout=TIMEOUT)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def feed(self, prefix: str, fmt: str) -> bytes:
        status, _, body = self.get(f"{prefix}/feed.{fmt}")
        assert status == 200, f"GET {prefix}/feed.{fmt}: {status}"
        return body

    def json_feed(self, prefix: str) -> dict:
        """The served JSON Feed: the reference every reader is compared with."""
        if prefix not in self._json:
            self._json[prefix] = json.loads(self.feed(prefix, "json"))
        return self._json[prefix]

    def entry_count(self, prefix: str, fmt: str) -> int:
        """Entries in the served Atom or RSS document, counted in the XML."""
        root = etree.fromstring(self.feed(prefix, fmt))
        return len(root.findall("a:entry", NS) if fmt == "atom" else root.findall("channel/item"))


def _serve(which: str, tmp_path: Path, public_url: str | None = None):
    """granian over one content folder, with FEEDSVC_SITE_URL ``public_url`` or, by default, its own URL."""
    port = free_port()
    site_url = public_url or f"http://{LOOPBACK}:{port}"
    env = {"FEEDSVC_SITE_URL": site_url, "FEEDSVC_CONTENT_DIR": str(CONTENT[which])}
    with granian_app(tmp_path, env, port=port) as server:
        yield Site(which, server, site_url)


@pytest.fixture(scope="module", params=list(CONTENT))
def site(request, tmp_path_factory):
    """The server with FEEDSVC_SITE_URL set to its own URL: every link points back at it."""
    yield from _serve(request.param, tmp_path_factory.mktemp(f"site-{request.param}"))


@pytest.fixture(scope="module", params=list(CONTENT))
def public_site(request, tmp_path_factory):
    """The server with a public FEEDSVC_SITE_URL (as behind a proxy): links point at SITE_URL."""
    yield from _serve(request.param, tmp_path_factory.mktemp(f"public-{request.param}"), SITE_URL)


def _utc_seconds(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp())


def _utc(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- newsboat -------------------------------------------------------------------

NEWSBOAT_CONFIG = """\
# Written by tests/test_readers.py.
error-log "{error_log}"
download-timeout 10
download-retries 1
reload-threads 1
"""


NEWSBOAT = shutil.which("newsboat")
# A mark, not a skip in a fixture: the test is skipped before its server is started.
needs_newsboat = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat is not installed (Debian/Ubuntu: apt-get install newsboat); CI installs it"
)


@dataclass
class Newsboat:
    """One headless newsboat profile (urls file, config, cache, logs) under ``home``."""

    exe: str
    home: Path
    urls: list[str]

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "urls").write_text("".join(f"{url}\n" for url in self.urls), encoding="utf-8")
        (self.home / "config").write_text(NEWSBOAT_CONFIG.format(error_log=self.error_log), encoding="utf-8")

    @property
    def cache(self) -> Path:
        return self.home / "cache.db"

    @property
    def error_log(self) -> Path:
        """newsboat's ``error-log``: one line per feed it could not fetch or parse."""
        return self.home / "error.log"

    @property
    def log(self) -> Path:
        """newsboat's own log (``-l 4``: warnings and errors)."""
        return self.home / "newsboat.log"

    def _text(self, path: Path) -> str:
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def reload(self) -> None:
        """``newsboat -x reload``: fetch every subscription into the cache, without a UI; check it went well."""
        # Everything newsboat might write (history files, lock) stays under home; a UTF-8 locale so
        # newsboat converts nothing; TERM=dumb as there is no terminal.
        env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home),
            "TERM": "dumb",
            "LC_ALL": "C.UTF-8",
        }
        command = [
            self.exe,
            "-u",
            str(self.home / "urls"),
            "-c",
            str(self.cache),
            "-C",
            str(self.home / "config"),
            "-l",
            "4",
            "-d",
            str(self.log),
            "-x",
            "reload",
        ]
        done = subprocess.run(
            command,
            check=False,
            env=env,
            cwd=self.home,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=NEWSBOAT_TIMEOUT,
        )
        report = (
            f"{' '.join(command)} exited with {done.returncode}\nstdout: {done.stdout!r}\n"
            f"stderr: {done.stderr!r}\nerror log:\n{self._text(self.error_log)}\n"
            f"log:\n{self._text(self.log)[-4000:]}"
        )
        assert done.returncode == 0, report
        assert done.stderr == b"", report
        # newsboat exits 0 even when a feed fails: the failures are in the error log (and as
        # USERERROR/ERROR lines in its own log). There must be none, nor any warning.
        assert self._text(self.error_log) == "", report
        assert self._text(self.log) == "", report

    def _query(self, sql: str, *args) -> list[dict]:
        with sqlite3.connect(f"file:{self.cache}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute(sql, args)]

    def feeds(self) -> dict[str, dict]:
        """``rss_feed`` rows by subscribed URL (newsboat adds a row only for a feed it read)."""
        return {row["rssurl"]: row for row in self._query("SELECT * FROM rss_feed")}

    def items(self, feedurl: str | None = None) -> list[dict]:
        """``rss_item`` rows, newest first (of one subscription, or all)."""
        where, args = ("AND feedurl = ?", (feedurl,)) if feedurl else ("", ())
        return self._query(f"SELECT * FROM rss_item WHERE deleted = 0 {where} ORDER BY pubDate DESC, id", *args)


def _newsboat_view(items: list[dict]) -> list[tuple]:
    return [(i["guid"], i["title"], i["url"], i["pubDate"]) for i in items]


def _expected_view(feed: dict) -> list[tuple]:
    return [(i["id"], i["title"], i["url"], _utc_seconds(i["date_published"])) for i in feed["items"]]


@needs_newsboat
@pytest.mark.parametrize(("site", "prefix"), FEED_CASES, indirect=["site"], scope="module")
def test_newsboat_reads_atom_and_rss(site, prefix, tmp_path):
    """Each feed, in Atom and in RSS, read by newsboat into a cache of its own, as the server serves it."""
    expected = site.json_feed(prefix)
    assert expected["items"], "the JSON Feed has entries"
    seen = {}
    for fmt in ("atom", "rss"):
        url = site.feed_url(prefix, fmt)
        reader = Newsboat(NEWSBOAT, tmp_path / fmt, [url])
        reader.reload()

        feed = reader.feeds()[url]
        assert feed["title"] == expected["title"]
        assert feed["url"] == expected["home_page_url"]

        items = reader.items(url)
        assert len(items) == len(reader.items()) == site.entry_count(prefix, fmt) == len(expected["items"])
        # guid (the entry id, a tag: URI), title, absolute link to this server, publication date.
        assert _newsboat_view(items) == _expected_view(expected)
        for item, entry in zip(items, expected["items"], strict=False):
            assert item["url"].startswith(site.url + "/")
            names = [author["name"] for author in entry["authors"]]
            if fmt == "atom" or len(names) == 1:
                assert item["author"] == ", ".join(names), item
            else:
                # newsboat's RSS parser overwrites the author with each dc:creator: the last one stays.
                assert item["author"] == names[-1], item
            # The full article: Atom content / RSS content:encoded, not the summary.
            assert item["content"] == entry["content_html"], item["guid"]
            assert item["enclosure_url"] in ("", None)
        seen[fmt] = [item["guid"] for item in items]
    # The Atom and the RSS subscription of the same feed see the same ids, so a reader switching
    # between them (or subscribed to both) sees the same entries.
    assert seen["atom"] == seen["rss"]


@needs_newsboat
@pytest.mark.parametrize("site", ["seed"], indirect=True, scope="module")
def test_newsboat_reads_the_seed_article_in_full(site, tmp_path):
    """The bundled article reaches newsboat whole: every paragraph of the source, by Tom Brewster."""
    seed = seed_sections()
    for fmt in ("atom", "rss"):
        url = site.feed_url("", fmt)
        reader = Newsboat(NEWSBOAT, tmp_path / fmt, [url])
        reader.reload()
        article = next(i for i in reader.items(url) if i["title"] == seed["title"])
        assert article["author"] == "Tom Brewster"
        assert article["guid"] == "tag:feedsvc.example,2011-07-05:/articles/icspa-launched-to-fight-global-cyber-crime"
        assert article["url"] == f"{site.url}/articles/icspa-launched-to-fight-global-cyber-crime"
        assert EUROPOL in article["content"]
        text = typewriter(text_of(article["content"]))  # the source's quotes are typographic in the feeds
        for paragraph in seed["body"]:
            assert text_of(paragraph) in text, paragraph
        bio = next(i for i in reader.items(url) if i["title"] == "Tom Brewster")
        assert bio["url"] == f"{site.url}/authors/tom-brewster"
        assert bio["author"] == "Tom Brewster"
        for paragraph in seed["bio"]:
            assert text_of(paragraph) in typewriter(text_of(bio["content"])), paragraph


def _access_lines(server: AppServer, offset: int) -> list[dict]:
    """The server's JSON access-log lines (its stdout) written after ``offset``, from newsboat."""
    with open(server.log, "rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", errors="replace")
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if (line.get("user_agent") or "").startswith("newsboat/")]


def _reload_and_log(reader: Newsboat, server: AppServer) -> list[dict]:
    """Reload, then wait for the access line of every subscription (written once the body is sent)."""
    offset = server.log.stat().st_size
    reader.reload()
    deadline = time.monotonic() + TIMEOUT
    while len(lines := _access_lines(server, offset)) < len(reader.urls) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(lines) == len(reader.urls), lines
    return lines


@needs_newsboat
def test_newsboat_one_cache_for_every_feed_and_conditional_reloads(site, tmp_path):
    """All subscriptions in one cache, as a user has them; reloads revalidate with ETag / Last-Modified."""
    urls = [site.feed_url(prefix, fmt) for prefix in FEEDS[site.which] for fmt in ("atom", "rss")]
    reader = Newsboat(NEWSBOAT, tmp_path / "all", urls)

    first = _reload_and_log(reader, site.server)
    assert sorted(line["status"] for line in first) == [200] * len(urls), first
    assert set(reader.feeds()) == set(urls)
    # newsboat keys items by guid across the cache; ids are stable across feeds and formats,
    # so every entry is stored once, whatever feeds it appears in.
    served = {item["id"]: item for prefix in FEEDS[site.which] for item in site.json_feed(prefix)["items"]}
    stored = reader.items()
    assert sorted(item["guid"] for item in stored) == sorted(served)
    for item in stored:
        assert (item["title"], item["url"]) == (served[item["guid"]]["title"], served[item["guid"]]["url"])

    # newsboat 2.21 writes the validators of a new feed before its row exists, so they are stored
    # from the second fetch on (which is unconditional); tolerate a newsboat that stores them at once.
    second = _reload_and_log(reader, site.server)
    assert {line["status"] for line in second} <= {200, 304}, second
    feeds = reader.feeds()
    for url in urls:
        path = url.removeprefix(site.url)
        status, headers, _ = site.get(path, {"Accept-Encoding": "identity"})
        assert status == 200
        stored_etag = feeds[url]["etag"]
        # newsboat fetched a compressed variant: its ETag is the body's plus "-gzip" or "-br".
        base = headers["ETag"].strip('"')
        assert stored_etag in (f'"{base}"', f'"{base}-gzip"', f'"{base}-br"'), (url, stored_etag, headers["ETag"])
        assert feeds[url]["lastmodified"] == email.utils.parsedate_to_datetime(headers["Last-Modified"]).timestamp()

    third = _reload_and_log(reader, site.server)
    assert sorted(line["status"] for line in third) == [304] * len(urls), third
    assert all(line["bytes"] == 0 for line in third), third
    # Nothing was lost or duplicated by the 304s.
    assert sorted(item["guid"] for item in reader.items()) == sorted(served)


# -- feedparser-rs ----------------------------------------------------------------------

FORMATS = {"atom": "atom10", "rss": "rss20", "json": "json11"}
RS_CASES = [(which, prefix) for which in CONTENT for prefix in FEEDS[which] + ARCHIVES[which]]


needs_feedparser_rs = pytest.mark.skipif(
    importlib.util.find_spec("feedparser_rs") is None,
    reason="feedparser-rs is not installed (it is in requirements-dev.txt: pip install -r requirements-dev.txt)",
)


@pytest.fixture(scope="module")
def feedparser_rs():
    import feedparser_rs

    return feedparser_rs


def _rs_authors(entry) -> list[str]:
    names = [author.name for author in entry.get("authors") or []]
    if not names and entry.get("author_detail"):
        # feedparser-rs reads RSS <author>ada@example.org (Ada Lovelace)</author> into
        # author_detail only, leaving ``authors`` empty.
        names = [entry.author_detail.name]
    return names


def _rs_view(parsed, *, text: bool = True) -> list[tuple]:
    return [
        (
            e.id,
            e.title if text else None,
            e.link,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", e.published_parsed),
            _rs_authors(e),
            [tag.term for tag in e.tags],
        )
        for e in parsed.entries
    ]


def _json_view(feed: dict, *, text: bool = True) -> list[tuple]:
    return [
        (
            i["id"],
            i["title"] if text else None,
            i["url"],
            _utc(i["date_published"]),
            [a["name"] for a in i["authors"]],
            i.get("tags", []),
        )
        for i in feed["items"]
    ]


@needs_feedparser_rs
@pytest.mark.parametrize(("public_site", "prefix"), RS_CASES, indirect=["public_site"], scope="module")
def test_feedparser_rs_reads_every_format_alike(public_site, prefix, feedparser_rs):
    """feedparser-rs reads the Atom, RSS and JSON Feed of each feed without error, with the same entries."""
    site = public_site
    expected = site.json_feed(prefix)
    assert expected["items"]
    for fmt, version in FORMATS.items():
        body = site.feed(prefix, fmt)
        # Exact text: our titles and summaries are plain text; with its default sanitize_html=True,
        # feedparser-rs runs them through an HTML sanitiser (see the module docstring).
        parsed = feedparser_rs.parse(body, sanitize_html=False)
        assert not parsed.bozo, (fmt, parsed.get("bozo_exception"))
        assert parsed.version == version
        assert parsed.feed.title == expected["title"]
        assert _rs_view(parsed) == _json_view(expected), fmt
        for entry, item in zip(parsed.entries, expected["items"], strict=False):
            assert entry.link.startswith(site.site_url + "/")
            assert [content.value for content in entry.content] == [item["content_html"]], (fmt, entry.id)
            # RSS <description> is HTML to readers, so the plain-text summary is escaped there.
            summary = html.unescape(entry.summary) if fmt == "rss" else entry.summary
            assert summary == item["summary"], (fmt, entry.id)

        # With its defaults (HTML sanitised), it still reads the feed and sees the same entries.
        default = feedparser_rs.parse(body)
        assert not default.bozo, (fmt, default.get("bozo_exception"))
        assert _rs_view(default, text=False) == _json_view(expected, text=False), fmt


@needs_feedparser_rs
@pytest.mark.parametrize("public_site", ["seed"], indirect=True, scope="module")
def test_feedparser_rs_reads_the_seed_article(public_site, feedparser_rs):
    """The bundled article, with the parser's defaults, in every format."""
    for fmt in FORMATS:
        parsed = feedparser_rs.parse(public_site.feed("", fmt))
        article = next(e for e in parsed.entries if e.title == "ICSPA launched to fight global cyber crime")
        assert article.id == "tag:feedsvc.example,2011-07-05:/articles/icspa-launched-to-fight-global-cyber-crime"
        assert article.link == f"{public_site.site_url}/articles/icspa-launched-to-fight-global-cyber-crime"
        assert _rs_authors(article) == ["Tom Brewster"]
        assert EUROPOL in article.content[0].value
