"""Self-test for the feed validation schemas in tests/schemas/.

Checks that each schema loads, accepts a small hand-written valid document
and rejects a handful of known-invalid variants of it.
"""

import json
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

SCHEMAS = Path(__file__).parent / "schemas"

ATOM_OK = """\
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:fh="http://purl.org/syndication/history/1.0"
      xmlns:dc="http://purl.org/dc/elements/1.1/" xml:lang="en">
  <id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>
  <title>Example Feed</title>
  <updated>2003-12-13T18:30:02Z</updated>
  <author><name>John Doe</name><email>john@example.org</email></author>
  <link rel="self" href="https://example.org/feed.atom"/>
  <fh:complete/>
  <entry>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <title type="html">Atom-Powered &lt;b&gt;Robots&lt;/b&gt;</title>
    <link href="https://example.org/2003/12/13/atom03"/>
    <updated>2003-12-13T18:30:02.25+01:00</updated>
    <category term="robots" label="Robots"/>
    <summary>Some text.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi</p></div></content>
    <dc:subject>robots</dc:subject>
  </entry>
</feed>
"""

RSS_OK = """\
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Example Feed</title>
    <link>https://example.org/</link>
    <description>An example</description>
    <language>en-us</language>
    <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>
    <ttl>60</ttl>
    <atom:link href="https://example.org/feed.rss" rel="self" type="application/rss+xml"/>
    <item>
      <title>First post</title>
      <link>https://example.org/posts/1</link>
      <author>jane@example.org (Jane Doe)</author>
      <category domain="https://example.org/tags">robots</category>
      <guid isPermaLink="false">post-1</guid>
      <pubDate>Sat, 07 Sep 2002 09:42:31 +0200</pubDate>
      <enclosure url="https://example.org/a.mp3" length="1234" type="audio/mpeg"/>
      <content:encoded><![CDATA[<p>Hi</p>]]></content:encoded>
      <dc:creator>Jane Doe</dc:creator>
    </item>
    <item>
      <description>An item without a title.</description>
    </item>
  </channel>
</rss>
"""

JSONFEED_OK = """\
{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Example Feed",
  "home_page_url": "https://example.org/",
  "feed_url": "https://example.org/feed.json",
  "authors": [{"name": "Jane Doe", "url": "https://example.org/jane"}],
  "hubs": [{"type": "WebSub", "url": "https://hub.example.org/"}],
  "_feedsvc": {"about": "https://example.org/ext"},
  "items": [
    {
      "id": "https://example.org/posts/1",
      "url": "https://example.org/posts/1",
      "content_html": "<p>Hi</p>",
      "date_published": "2010-02-07T14:04:00-05:00",
      "tags": ["robots"],
      "attachments": [{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg"}]
    },
    {"id": "2", "content_text": "Plain text item."}
  ]
}
"""


@cache
def _validator(kind):
    if kind == "jsonfeed":
        schema = json.loads((SCHEMAS / "jsonfeed-1.1.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        return Draft202012Validator(schema)
    return etree.RelaxNG(etree.parse(str(SCHEMAS / f"{kind}.rng")))


def _is_valid(kind, doc):
    validator = _validator(kind)
    if kind == "jsonfeed":
        return validator.is_valid(json.loads(doc))
    return validator.validate(etree.fromstring(doc.encode()))


def _edit(doc, old, new=""):
    assert old in doc, f"test bug: {old!r} not in document"
    return doc.replace(old, new, 1)


@pytest.mark.parametrize(
    "kind, doc",
    [("atom", ATOM_OK), ("rss2", RSS_OK), ("jsonfeed", JSONFEED_OK)],
    ids=["atom", "rss2", "jsonfeed"],
)
def test_valid_document_accepted(kind, doc):
    assert _is_valid(kind, doc), getattr(_validator(kind), "error_log", "")


@pytest.mark.parametrize(
    "kind, doc",
    [
        pytest.param(
            "atom",
            _edit(ATOM_OK, "<id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>"),
            id="atom-feed-missing-id",
        ),
        pytest.param(
            "atom",
            _edit(ATOM_OK, "<updated>2003-12-13T18:30:02Z", "<updated>2003-12-13T18:30:02"),
            id="atom-updated-without-timezone",
        ),
        pytest.param(
            "rss2",
            _edit(RSS_OK, "<description>An item without a title.</description>"),
            id="rss-item-without-title-or-description",
        ),
        pytest.param(
            "rss2",
            _edit(RSS_OK, "Tue, 10 Jun 2003 04:00:00 GMT", "2011-07-05"),
            id="rss-pubdate-not-rfc822",
        ),
        pytest.param(
            "jsonfeed",
            _edit(JSONFEED_OK, '"version": "https://jsonfeed.org/version/1.1",'),
            id="jsonfeed-without-version",
        ),
        pytest.param(
            "jsonfeed",
            _edit(JSONFEED_OK, '"id": "https://example.org/posts/1",'),
            id="jsonfeed-item-without-id",
        ),
    ],
)
def test_invalid_document_rejected(kind, doc):
    assert not _is_valid(kind, doc)
