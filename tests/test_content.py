"""Reader tests: content files to the model, and every problem reported with its line."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from feedsvc.frontmatter import FrontMatterError, parse
from feedsvc.reader import read_content

from .conftest import FIXTURE

ARTICLE_ID = "tag:feedsvc.example,2011-07-05:/articles/icspa-launched-to-fight-global-cyber-crime"
BIO_ID = "tag:feedsvc.example,2026-11-26:/authors/tom-brewster"


def test_seed_content_loads_without_errors(seed_content):
    assert seed_content.errors == ()
    assert [entry.id for entry in seed_content.entries] == [BIO_ID, ARTICLE_ID]


def test_seed_article_fields(seed_content):
    article = seed_content.entries[1]
    assert article.title == "ICSPA launched to fight global cyber crime"
    assert article.categories == ("Cyber war",)
    assert article.summary.startswith("A new body bringing together businesses")
    assert article.published == datetime(2011, 7, 5, tzinfo=timezone(timedelta(hours=1)))
    assert article.published.isoformat() == "2011-07-05T00:00:00+01:00"
    assert [a.name for a in article.authors] == ["Tom Brewster"]
    assert article.content_html.count('<aside class="pullquote" aria-hidden="true">') == 2
    assert "<h2>Where’s the money coming from?</h2>" in article.content_html
    assert "<h2>Security, for those who need it most</h2>" in article.content_html


def test_seed_bio_is_an_entry(seed_content):
    bio = seed_content.bios["tom-brewster"]
    assert bio.kind == "author" and bio.path == "/authors/tom-brewster"
    assert bio.published.isoformat() == "2026-11-26T00:00:00+00:00"
    assert bio.title == "Tom Brewster"


def test_fixture_dates_aliases_and_drafts(fixture_content):
    by_slug = {entry.slug: entry for entry in fixture_content.entries}
    assert "draft-post" not in by_slug
    turing = by_slug["machines-think"]
    assert turing.id == "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"
    assert turing.updated.isoformat() == "2021-06-02T10:30:00+02:00"  # from lastmod
    assert turing.summary == "A question & an answer."  # from description
    assert turing.categories == ("Philosophy", "engines")
    assert [a.slug for a in turing.authors] == ["alan-turing", "ada-lovelace"]
    # Naive date-time: the site's zone (BST in May).
    assert by_slug["engine-note-5"].published.isoformat() == "2021-05-10T12:00:00+01:00"


def test_content_html_is_sanitised(fixture_content):
    html = next(e for e in fixture_content.entries if e.slug == "machines-think").content_html
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert "<h2>The question</h2>" in html


def test_entries_are_newest_first(fixture_content):
    published = [entry.published for entry in fixture_content.entries]
    assert published == sorted(published, reverse=True)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter\n", 1, "must start with"),
        ("---\ntitle: x\n", 1, "no closing"),
        ("---\ntitle: x\ntitle: y\n---\n", 3, "duplicate field 'title'"),
        ("---\ntitle: [unclosed\n---\n", 3, "invalid YAML"),
        ("---\n- a list\n---\n", 2, "mapping"),
    ],
)
def test_front_matter_errors_name_the_line(text, line, message):
    with pytest.raises(FrontMatterError) as caught:
        parse(text)
    assert caught.value.line == line
    assert message in caught.value.message


def test_front_matter_keeps_dates_as_text():
    document = parse("---\ntitle: x\ndate: 2011-07-05\n---\nbody\n")
    assert document.fields["date"] == "2011-07-05"
    assert document.lines == {"title": 2, "date": 3}
    assert document.body == "body\n"


BAD_FILES = {
    "no-title.md": ("---\ndate: 2021-01-01\nauthor: ada-lovelace\n---\nBody.\n", 1, "title: is required"),
    "bad-date.md": ("---\ntitle: T\ndate: yesterday-ish\nauthor: ada-lovelace\n---\nBody.\n", 3, "is not a date"),
    "empty-body.md": ("---\ntitle: T\ndate: 2021-01-01\nauthor: ada-lovelace\n---\n\n", 6, "the body renders empty"),
    "bad-id.md": (
        "---\ntitle: T\ndate: 2021-01-01\nauthor: ada-lovelace\nid: not an iri\n---\nBody.\n",
        5,
        "not an absolute IRI",
    ),
    "bad-tag.md": (
        "---\ntitle: T\ndate: 2021-01-01\nauthor: ada-lovelace\ntags: ['!!!']\n---\nBody.\n",
        5,
        "cannot be a URL segment",
    ),
    "Bad Slug.md": ("---\ntitle: T\ndate: 2021-01-01\nauthor: ada-lovelace\n---\nBody.\n", 6, "is not a slug"),
    "dup-id.md": (
        "---\ntitle: T\ndate: 2021-01-01\nauthor: ada-lovelace\n"
        "id: urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\n---\nB.\n",
        1,
        "duplicate id",
    ),
    "before.md": (
        "---\ntitle: T\ndate: 2021-01-02\nupdated: 2021-01-01\nauthor: ada-lovelace\n---\nB.\n",
        4,
        "earlier than the publication date",
    ),
    "binary.md": (b"---\ntitle: \xff\n---\n", 1, "not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_reported_and_skipped(content_copy, name):
    text, line, message = BAD_FILES[name]
    path = content_copy / "articles" / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    content = read_content(content_copy)
    errors = [error for error in content.errors if name in str(error)]
    assert errors, content.errors
    assert any(error.line == line and message in error.message for error in errors), [str(e) for e in errors]
    assert any(str(error).startswith(f"content/articles/{name}:") for error in errors) or name == "dup-id.md"
    # The other entries are all still there (of two entries with one id, the first file's stays).
    slugs = {entry.slug for entry in content.entries}
    expected = {entry.slug for entry in read_content(FIXTURE).entries} - {"machines-think"}
    assert expected <= slugs


NOTED_FILES = {
    "unknown-field.md": (
        "---\ntitle: T\ndate: 2021-01-01\nauthor: ada-lovelace\nwieght: 3\n---\nBody.\n",
        5,
        "unknown key 'wieght' is kept but not used",
    ),
    "draft-with-errors.md": ("---\ntitle: T\ndate: never\ndraft: true\n---\nBody.\n", 3, "is not a date"),
}


@pytest.mark.parametrize("name", sorted(NOTED_FILES))
def test_notes_never_stop_a_file(content_copy, name):
    text, line, message = NOTED_FILES[name]
    (content_copy / "articles" / name).write_text(text)
    content = read_content(content_copy)
    assert not [error for error in content.errors if name in error.path]
    notes = [note for note in content.notes if name in note.path]
    assert any(note.line == line and message in note.message for note in notes), [str(n) for n in notes]
    assert all(str(note).startswith(f"content/articles/{name}:{note.line}: note: ") for note in notes)


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("ada-lovelace", [("ada-lovelace", "Ada Lovelace")]),  # a slug
        ("Ada Lovelace", [("ada-lovelace", "Ada Lovelace")]),  # a display name of an author file
        (
            "Josh Aas, ISRG Executive Director",
            [("josh-aas-isrg-executive-director", "Josh Aas, ISRG Executive Director")],
        ),
        ("DirtyF", [("dirtyf", "DirtyF")]),  # a handle
        ("[mattr-, ada-lovelace]", [("mattr", "mattr-"), ("ada-lovelace", "Ada Lovelace")]),
        (None, [("fixture-times", "Fixture Times")]),  # absent, and the site names none: the site
    ],
)
def test_bylines_take_every_form(content_copy, author, expected):
    line = f"author: {author}\n" if author else ""
    (content_copy / "articles" / "byline.md").write_text(f"---\ntitle: T\ndate: 2021-01-01\n{line}---\nBody.\n")
    content = read_content(content_copy)
    entry = next(e for e in content.entries if e.slug == "byline")
    assert [(a.slug, a.name) for a in entry.authors] == expected
    assert all(a.slug in content.authors for a in entry.authors)  # each gets a page and a feed


def test_a_broken_author_file_keeps_its_articles(content_copy):
    (content_copy / "authors" / "ada-lovelace.md").write_text("---\nname: Ada Lovelace\ndate: someday\n---\nBio.\n")
    content = read_content(content_copy)
    assert [(e.line, e.message) for e in content.errors if "ada-lovelace.md" in e.path] == [
        (3, "date: 'someday' is not a date such as 2011-07-05 or 2011-07-05T09:30:00+01:00")
    ]
    assert len(content.errors) == 1 and "ada-lovelace" not in content.bios
    # Her articles keep their byline: every article of the fixture is still there.
    articles = {e.slug for e in read_content(FIXTURE).entries if e.kind == "article"}
    assert articles == {e.slug for e in content.entries if e.kind == "article"}
    assert content.authors["ada-lovelace"].name == "Ada Lovelace"


def test_an_undated_author_file_is_an_author_without_a_bio_entry(content_copy):
    (content_copy / "authors" / "ada-lovelace.md").write_text("---\nname: Ada Lovelace\n---\nBio.\n")
    content = read_content(content_copy)
    assert content.errors == () and "ada-lovelace" in content.authors and "ada-lovelace" not in content.bios


def test_control_characters_are_removed_at_the_reader(content_copy):
    (content_copy / "articles" / "ctrl.md").write_text(
        '---\ntitle: "Bell\\a and \\uFFFE"\ndate: 2021-01-01\nauthor: ada-lovelace\n---\n'
        "Text\x00\x1b with \ufffe junk.\n"
    )
    content = read_content(content_copy)
    entry = next(e for e in content.entries if e.slug == "ctrl")
    assert entry.title == "Bell and"
    assert "\x00" not in entry.content_html and "\x1b" not in entry.content_html and "\ufffe" not in entry.content_html


def test_version_changes_with_content(content_copy):
    before = read_content(content_copy).version
    (content_copy / "articles" / "engine-note-1.md").write_text(
        (content_copy / "articles" / "engine-note-1.md").read_text() + "\nMore.\n"
    )
    assert read_content(content_copy).version != before


def test_local_mean_time_offsets_become_utc():
    """London ran on LMT (-00:01:15) before 1847: RFC 3339 cannot write offsets in seconds."""
    from zoneinfo import ZoneInfo

    from feedsvc.fields import moment

    parsed = moment("1847-01-01", ZoneInfo("Europe/London"))
    assert parsed.isoformat() == "1847-01-01T00:01:15+00:00"


def test_an_unknown_site_setting_is_a_note_not_a_stop(content_copy):
    site = content_copy / "site.yaml"
    site.write_text(site.read_text() + "theme: dark\n")
    content = read_content(content_copy)
    assert content.errors == ()
    assert "content/site.yaml:1: note: unknown setting 'theme' is ignored" in [str(n) for n in content.notes]


def test_check_says_what_the_sanitiser_removed(content_copy):
    (content_copy / "articles" / "unsafe.md").write_text(
        "---\ntitle: T\ndate: 2021-01-01\n---\nText <span onclick='x()'>here</span>.\n\n"
        '<script>alert(1)</script>\n\n<iframe src="https://evil.example/x"></iframe>\n\n'
        '<iframe src="https://www.youtube.com/embed/abc"></iframe>\n'
    )
    content = read_content(content_copy, render=True)
    notes = [note.message for note in content.notes if "unsafe.md" in note.path]
    assert "the sanitiser removed <script>" in notes
    assert "the sanitiser removed onclick attribute of <span>" in notes
    assert any("iframe from https://evil.example/x" in note for note in notes)
    html = next(e for e in content.entries if e.slug == "unsafe").content_html
    assert 'src="https://www.youtube-nocookie.com/embed/abc"' in html and "evil" not in html


@pytest.mark.parametrize("suffix", [".markdown", ".mdown", ".html"])
def test_every_text_suffix_is_read(content_copy, suffix):
    (content_copy / "articles" / f"other{suffix}").write_text("---\ntitle: T\ndate: 2021-01-01\n---\n<p>Body.</p>\n")
    assert "other" in {entry.slug for entry in read_content(content_copy).entries}


def test_nothing_is_skipped_silently(content_copy):
    (content_copy / "articles" / "notes.txt").write_text("stray")
    (content_copy / "README.md").write_text("# readme")
    notes = [str(note) for note in read_content(content_copy).notes]
    assert any(note.startswith("content/articles/notes.txt:1: note: not an article or author") for note in notes)
    assert any(note.startswith("content/README.md:1: note: not an article or author") for note in notes)


def test_an_author_without_a_bio_entry_still_has_a_page_and_a_feed(content_copy):
    from .conftest import make_app

    (content_copy / "authors" / "ada-lovelace.md").write_text("---\nname: Ada Lovelace\n---\nBio.\n")
    (content_copy / "articles" / "named.md").write_text(
        "---\ntitle: T\ndate: 2021-01-01\nauthor: Grace Hopper\n---\nB.\n"
    )
    client = make_app(content_copy).test_client()
    for path in ("/authors/ada-lovelace", "/authors/ada-lovelace/feed.atom", "/authors/grace-hopper/feed.json"):
        assert client.get(path).status_code == 200, path
    assert b"Grace Hopper" in client.get("/authors/grace-hopper").data
