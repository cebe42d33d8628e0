"""The entry store answers what the entries themselves would: the same order, scopes, instants and entries.

Each property is checked against a plain computation over the list of entries
(what the service did before the store), for a store held in memory and for one
written to a file and read back, whose entries must come back equal to the ones
written, dates and zones included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.entrystore import EntryStore, write_store
from feedsvc.model import Author, Entry, Site
from feedsvc.schedule import is_live, scopes_of, span
from feedsvc.urls import tag_slug

START = datetime(2024, 1, 1, tzinfo=UTC)
ZONES = (UTC, ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata"))
AUTHORS = {slug: Author(slug=slug, name=slug.title()) for slug in ("ada", "grace", "linus")}
TAGS = ("Security", "security", "Policy", "C++", "Ünïcode")
SITE = Site(title="t", description="d", language="en", timezone="UTC", tag_authority="example.org", since=START)


@dataclass(frozen=True)
class Body:
    """A body kept in an index (``StoredBody``), standing for itself: equal by row."""

    body_id: int
    html: str = ""
    excerpt: str = ""


def entry_of(number: int, hours: int, expires: int | None, kind: str, tags, authors, zone, section) -> Entry:
    published = (START + timedelta(hours=hours)).astimezone(zone)
    return Entry(
        kind=kind,
        slug=f"e{number}",
        id=f"tag:example.org,2024:{number}",
        title=f"Entry {number}",
        path=f"/articles/e{number}" if kind == "article" else f"/authors/{authors[0].slug}",
        body=Body(number),
        published=published,
        updated=published + timedelta(minutes=number % 7),
        expires=published + timedelta(hours=expires) if expires is not None else None,
        authors=authors,
        categories=tuple(tags),
        source=f"content/articles/e{number}.md",
        section=section,
    )


entry_specs = st.lists(
    st.tuples(
        st.integers(-50, 50),  # hours from START: some past, some future of the instants below
        st.one_of(st.none(), st.integers(1, 60)),  # hours until expiry
        st.sampled_from(["article", "article", "article", "author"]),
        st.lists(st.sampled_from(TAGS), max_size=3),
        st.lists(st.sampled_from(sorted(AUTHORS)), min_size=1, max_size=2, unique=True),
        st.sampled_from(ZONES),
        st.sampled_from(["", "", "posts"]),
    ),
    max_size=40,
)


def entries_from(specs) -> list[Entry]:
    made = [
        entry_of(n, hours, expires, kind, tags, tuple(AUTHORS[a] for a in authors), zone, section)
        for n, (hours, expires, kind, tags, authors, zone, section) in enumerate(specs)
    ]
    return sorted(made, key=lambda entry: (entry.published, entry.id), reverse=True)  # as assembly orders them


def stores(entries: list[Entry], folder) -> list[EntryStore]:
    """The store held in memory, and the one written to a file and opened read-only."""
    path = folder / f"store-{len(list(folder.iterdir()))}.sqlite"
    write_store(path, entries, {"k": b"v"})
    return [EntryStore.of(entries), EntryStore.open(path, AUTHORS, Body)]


def old_tags(entries) -> dict[str, str]:
    """``documents.tags_of`` before the store: the first spelling seen, oldest entry first."""
    names: dict[str, str] = {}
    for entry in reversed(entries):
        for name in entry.categories:
            names.setdefault(tag_slug(name), name)
    return dict(sorted(names.items()))


def in_scope(entry: Entry, scope: str) -> bool:
    return scope in scopes_of(entry) or scope == f"/{entry.section}"


SCOPES = ("/authors/ada", "/authors/grace", "/tags/security", "/tags/c", "/tags/unicode", "/posts", "/nothing")
NOWS = [START + timedelta(hours=h) for h in (-60, -10, 0, 7, 30, 120)]
SITES = [SITE, replace(SITE, publish_future=True), replace(SITE, publish_expired=True)]


@settings(deadline=None)  # each example runs hundreds of queries: its time says nothing
@given(entry_specs)
def test_a_store_answers_as_the_list_of_its_entries(tmp_path_factory, specs):
    entries = entries_from(specs)
    for store in stores(entries, tmp_path_factory.mktemp("store")):
        every = store.entries()
        assert list(every) == entries  # a stored entry comes back equal, its zone too
        assert [e.published.tzinfo for e in every] == [e.published.tzinfo for e in entries]
        assert len(every) == len(entries) and bool(every) == bool(entries)
        assert every[2:9] == tuple(entries[2:9]) and every[::2] == tuple(entries[::2])
        if entries:
            assert every[-1] == entries[-1] and every[0] == entries[0]
        with pytest.raises(IndexError):
            every[len(entries)]
        assert every.tags() == old_tags(entries)
        assert every.sections() == sorted({e.section for e in entries if e.section})
        assert list(every.paths()) == [e.path for e in entries]
        articles = [e for e in entries if e.kind == "article"]
        assert list(every.articles()) == articles and every.articles()[1:4] == tuple(articles[1:4])
        for scope in SCOPES:
            expected = [e for e in entries if in_scope(e, scope)]
            assert list(every.scope(scope)) == expected and len(every.scope(scope)) == len(expected)
            assert every.scope(scope)[1:3] == tuple(expected[1:3])
            tail = len(expected) // 2 + 1  # read from the end
            assert every.scope(scope)[tail:] == tuple(expected[tail:])
            assert every.scope(scope)[tail - 1 : tail + 2] == tuple(expected[tail - 1 : tail + 2])
        for site in SITES:
            for now in NOWS:
                live = every.live(site, now)
                expected = [e for e in entries if is_live(e, site, now)]
                assert list(live) == expected and len(live) == len(expected)
                assert live[3:7] == tuple(expected[3:7])
                assert live[len(expected) // 2 + 1 :] == tuple(expected[len(expected) // 2 + 1 :])
                if expected:
                    assert live[-1] == expected[-1]
                assert live.tags() == old_tags(expected)
                assert every.withheld(site, now) == [e for e in entries if not is_live(e, site, now)]
                for scope in SCOPES[:3]:
                    scoped = [e for e in expected if in_scope(e, scope)]
                    assert list(live.scope(scope)) == scoped and len(live.scope(scope)) == len(scoped)
                    written = [e for e in scoped if e.kind == "article"]
                    assert live.scope(scope).articles().newest_updated() == max(
                        (e.updated for e in written), default=None
                    )
                for entry in entries[:5]:
                    position = live.articles().position(entry.path)
                    live_articles = [e.path for e in expected if e.kind == "article"]
                    assert position == (live_articles.index(entry.path) if entry.path in live_articles else None)


@settings(deadline=None)  # each example runs hundreds of queries: its time says nothing
@given(entry_specs)
def test_the_schedule_of_a_store_is_that_of_its_entries(tmp_path_factory, specs):
    entries = entries_from(specs)
    for store in stores(entries, tmp_path_factory.mktemp("store")):
        for site in SITES:
            for now in NOWS:
                for scope in ("", *SCOPES, *(e.path for e in entries[:3])):
                    members = [e for e in entries if scope == "" or in_scope(e, scope) or e.path == scope]
                    spans = [span(e, site) for e in members]
                    after = [t for s in spans for t in s if t is not None and t > now]
                    ends = [end for _, end in spans if end is not None]
                    assert store.next_instant(scope, now, site) == min(after, default=None)
                    assert store.next_instant(scope, now, site, expiries_only=True) == min(
                        (t for t in ends if t > now), default=None
                    )
                    assert store.last_expiry(scope, now, site) == max((t for t in ends if t <= now), default=None)
                changes = store.changes_after(now, site)
                expected = [(s, "publishes", e) for e in entries if (s := span(e, site)[0]) and s > now]
                expected += [(t, "expires", e) for e in entries if (t := span(e, site)[1]) and t > now]
                assert sorted(changes, key=repr) == sorted(expected, key=repr)


def test_a_store_file_keeps_its_head_and_is_replaced_whole(tmp_path):
    entries = entries_from([(1, None, "article", ["Security"], ["ada"], UTC, "")])
    path = tmp_path / "store.sqlite"
    write_store(path, entries, {"content": b"one"})
    first = EntryStore.open(path, AUTHORS, Body)
    write_store(path, [], {"content": b"two"})  # a new version: renamed over the old file
    assert list(first.entries()) == entries and first.head("content") == b"one"  # an open store reads on
    assert EntryStore.open(path, AUTHORS, Body).head("content") == b"two"
    assert not list(tmp_path.glob("*.partial"))
