"""Helpers the feed tests share: build a document in each format, parse seed paragraphs."""

from __future__ import annotations

import html
import json
import re

from lxml import etree

from feedsvc.documents import feed_docs
from feedsvc.formats import render_feed
from feedsvc.settings import Settings

from .conftest import SEED, SITE_URL

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "fh": "http://purl.org/syndication/history/1.0",
}
PUB = Settings().publishing(SITE_URL)


def build_all(content, pub=PUB, prefix=""):
    """Return {fmt: bytes} for the current document of the feed under ``prefix``."""
    doc = next(d for d in feed_docs(content) if d.prefix == prefix and d.page == 0)
    return {fmt: render_feed(doc, fmt, content.site, pub) for fmt in ("atom", "rss", "json")}


def text_of(markup: str) -> str:
    """The text of an HTML fragment, entities decoded and whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


TYPEWRITER = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "--", "—": "---", "…": "..."})


def typewriter(text: str) -> str:
    """Undo the typographer (curly quotes, dashes, ellipses), to compare with the source text."""
    return text.translate(TYPEWRITER)


def seed_sections() -> dict[str, list[str]]:
    """The seed file's paragraphs: article body (after the standfirst) and the bio."""
    paragraphs = [p.strip() for p in SEED.read_text(encoding="utf-8").split("\n") if p.strip()]
    author_at = paragraphs.index("Tom Brewster")
    return {
        "title": paragraphs[0],
        "kicker": paragraphs[1],
        "standfirst": paragraphs[2],
        "body": paragraphs[3:author_at],
        "bio": paragraphs[author_at + 1 :],
    }


def parse_xml(data: bytes):
    return etree.fromstring(data)


def parse_json(data: bytes) -> dict:
    return json.loads(data)
