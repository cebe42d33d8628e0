"""The content index (feedsvc/index.py): what it caches, when it reads files again, who builds it."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from feedsvc import entryfile
from feedsvc.catalog import Catalog
from feedsvc.index import ContentIndex, StoredBody
from feedsvc.markup import Markdown
from feedsvc.reader import read_content
from feedsvc.schedule import view_at
from feedsvc.sitekind import ARTICLE, AUTHOR, layout_for

from .conftest import BUNDLED, FIXTURE, make_app


def _load(folder: Path, state: Path) -> tuple:
    """Load ``folder`` through a fresh index object (as a new process would); return (content, index)."""
    index = ContentIndex(state, folder)
    return read_content(folder, render=False, index=index), index


def content_files(folder: Path) -> list:
    """The files the reader parses (articles and authors)."""
    layout = layout_for(folder)
    site = layout.read_site(folder)[0]
    return [source for source in layout.files(folder, site) if source.role in (ARTICLE, AUTHOR)]


def test_bundled_site_is_served_byte_for_byte_as_read_straight_from_the_files(tmp_path):
    """Every document of the bundled site: the same bytes through the index as from the files themselves."""
    app = make_app(BUNDLED, STATE_DIR=str(tmp_path))
    service = app.extensions["feedsvc"]
    direct = Catalog(view_at(read_content(BUNDLED, render=False), service.view.now), service.pub, 2**20)
    client = app.test_client()
    for path in direct.paths():
        for coding in ("identity", "gzip")[: len(direct.get(path).codings)]:  # tiny files are not compressed
            response = client.get(path, headers={"Accept-Encoding": coding})
            assert response.status_code == 200, path
            assert response.data == direct.get(path).variants[coding].body, (path, coding)


def test_entries_and_errors_are_the_same_as_without_index(content_copy, tmp_path):
    (content_copy / "articles" / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    (content_copy / "articles" / "orphan.md").write_text(
        "---\ntitle: T\ndate: 2021-01-01\nauthor: ada-lovelace\ncolour: red\n---\nBody.\n"
    )
    direct = read_content(content_copy, render=False)
    for _ in range(2):  # built, then read back
        indexed, _index = _load(content_copy, tmp_path)
        assert indexed.entries == tuple(e for e in indexed.entries)  # a real tuple
        assert [e.id for e in indexed.entries] == [e.id for e in direct.entries]
        assert [(e.title, e.published, e.updated, e.authors, e.categories, e.summary) for e in indexed.entries] == [
            (e.title, e.published, e.updated, e.authors, e.categories, e.summary) for e in direct.entries
        ]
        assert [e.content_html for e in indexed.entries] == [e.content_html for e in direct.entries]
        assert [str(error) for error in indexed.errors] == [str(error) for error in direct.errors]
        assert [str(note) for note in indexed.notes] == [str(note) for note in direct.notes]
        assert indexed.version == direct.version
    assert any("content/articles/broken.md:3: invalid YAML" in str(error) for error in indexed.errors)
    assert any(
        str(note).startswith("content/articles/orphan.md:5: note: unknown key 'colour'") for note in indexed.notes
    )


def test_bodies_come_from_the_index(content_copy, tmp_path):
    content, index = _load(content_copy, tmp_path)
    entry = content.entries[0]
    assert isinstance(entry.body, StoredBody)
    source = entry.body.source
    assert entry.content_html == Markdown(source).html
    assert entry.body.excerpt == Markdown(source).excerpt
    assert index.render_all() >= len({e.body.source for e in content.entries})  # drafts' bodies too
    again, _ = _load(content_copy, tmp_path)
    assert [e.content_html for e in again.entries] == [e.content_html for e in content.entries]
    assert index.render_all() == 0  # nothing left to render


def test_unchanged_folder_reads_no_file(content_copy, tmp_path):
    _, index = _load(content_copy, tmp_path)
    assert index.read_files == index.parsed_files == len(content_files(content_copy))
    _, index = _load(content_copy, tmp_path)
    assert (index.read_files, index.parsed_files) == (0, 0)


def test_only_changed_files_are_read_again(content_copy, tmp_path):
    _load(content_copy, tmp_path)
    note = content_copy / "articles" / "engine-note-2.md"
    note.write_text(note.read_text().replace("\n---\n", "\n---\nA new first paragraph.\n\n", 1))
    content, index = _load(content_copy, tmp_path)
    assert (index.read_files, index.parsed_files) == (1, 1)
    entry = next(e for e in content.entries if e.slug == "engine-note-2")
    assert entry.content_html.startswith("<p>A new first paragraph.</p>")


def test_a_touched_but_unchanged_file_is_read_not_parsed(content_copy, tmp_path):
    _load(content_copy, tmp_path)
    note = content_copy / "articles" / "engine-note-3.md"
    os.utime(note, ns=(1, 1))
    _, index = _load(content_copy, tmp_path)
    assert (index.read_files, index.parsed_files) == (1, 0)
    _, index = _load(content_copy, tmp_path)  # the new stat was recorded
    assert (index.read_files, index.parsed_files) == (0, 0)


def test_added_and_removed_files(content_copy, tmp_path):
    before, _ = _load(content_copy, tmp_path)
    (content_copy / "articles" / "engine-note-4.md").unlink()
    (content_copy / "articles" / "fresh.md").write_text(
        "---\ntitle: Fresh\ndate: 2030-01-01\nauthor: ada-lovelace\n---\nNew.\n"
    )
    after, index = _load(content_copy, tmp_path)
    assert (index.read_files, index.parsed_files) == (1, 1)
    slugs = {e.slug for e in after.entries}
    assert "fresh" in slugs and "engine-note-4" not in slugs
    assert len(after.entries) == len(before.entries)
    assert after.version != before.version


@pytest.mark.parametrize("change", ["site settings", "reader version"])
def test_every_file_is_parsed_again_when_what_records_depend_on_changes(content_copy, tmp_path, monkeypatch, change):
    _load(content_copy, tmp_path)
    if change == "site settings":
        site = content_copy / "site.yaml"
        site.write_text(site.read_text().replace("feed_length: 3", "feed_length: 4"))
    else:
        monkeypatch.setattr(entryfile, "READER_VERSION", entryfile.READER_VERSION + 1)
    _, index = _load(content_copy, tmp_path)
    assert index.parsed_files == len(content_files(content_copy))


@pytest.mark.parametrize("damage", ["empty", "garbage", "another schema version"])
def test_a_corrupt_or_empty_index_is_built_again(content_copy, tmp_path, damage):
    expected, index = _load(content_copy, tmp_path)
    index.close()
    if damage == "another schema version":
        with sqlite3.connect(index.path) as db:
            db.execute("PRAGMA user_version = 1")
    else:
        index.path.write_bytes(b"" if damage == "empty" else b"this is not a database" * 100)
        for suffix in ("-wal", "-shm"):
            Path(f"{index.path}{suffix}").unlink(missing_ok=True)
    content, index = _load(content_copy, tmp_path)
    assert index.parsed_files == len(content_files(content_copy))
    assert [e.id for e in content.entries] == [e.id for e in expected.entries]


def test_a_missing_index_is_built(content_copy, tmp_path):
    _, index = _load(content_copy, tmp_path / "state")
    index.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index.path}{suffix}").unlink(missing_ok=True)
    content, index = _load(content_copy, tmp_path / "state")
    assert index.parsed_files == len(content_files(content_copy)) and content.entries


def test_workers_open_the_index_read_only(content_copy, tmp_path):
    content, index = _load(content_copy, tmp_path)
    assert content.entries[0].content_html  # reading works
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        index._reader().execute("DELETE FROM files")


def _start(folder: str, state: str, results) -> None:
    index = ContentIndex(state, folder)
    content = read_content(Path(folder), render=False, index=index)
    results.put((index.parsed_files, len(content.entries)))


def test_concurrent_first_starts_build_once(content_copy, tmp_path):
    """Four processes start at once on a folder with no index: the files are parsed once in all."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_start, args=(str(content_copy), str(tmp_path), results)) for _ in range(4)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert sum(parsed for parsed, _ in outcomes) == len(content_files(content_copy))
    assert len({entries for _, entries in outcomes}) == 1


def test_a_body_no_file_uses_any_more_is_kept_for_one_update(content_copy, tmp_path):
    """A worker not yet reloaded may still build a document with an old body."""
    old, _ = _load(content_copy, tmp_path)
    old_entry = next(e for e in old.entries if e.slug == "engine-note-1")
    html = old_entry.content_html
    note = content_copy / "articles" / "engine-note-1.md"
    for number in range(2):
        note.write_text(note.read_text() + f"\nEdit {number}.\n")
        _load(content_copy, tmp_path)
        if number == 0:
            assert old_entry.content_html == html
    assert old_entry.content_html == ""  # gone after two updates; logged, not an error


def test_build_command_renders_every_body(content_copy, tmp_path):
    app = make_app(content_copy, STATE_DIR=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["build"])
    assert result.exit_code == 0, result.output
    assert "bodies rendered now" in result.output
    index = app.extensions["feedsvc"].index
    with sqlite3.connect(index.path) as db:
        assert db.execute("SELECT count(*) FROM bodies WHERE html IS NULL").fetchone() == (0,)
    again = app.test_cli_runner().invoke(args=["build"])
    assert "0 bodies rendered now" in again.output


def test_fixture_folder_is_untouched_by_the_index(tmp_path):
    """The index lives in the state folder only."""
    before = sorted(p.name for p in FIXTURE.rglob("*"))
    _load(FIXTURE, tmp_path)
    assert sorted(p.name for p in FIXTURE.rglob("*")) == before
    assert any(p.suffix == ".sqlite" for p in tmp_path.iterdir())
