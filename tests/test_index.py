"""The content index (feedsvc/index.py): what it caches, when it reads files again, who builds it."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import time
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


# -- many changed files are read and parsed by worker processes --------------------------


def _tables(index: ContentIndex) -> dict[str, list]:
    """Every row of the index, in the order written."""
    with sqlite3.connect(index.path) as db:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in ("files", "bodies")}


def _noting_parsers(monkeypatch, pids: Path, *, deep: str = "", die: str = "") -> None:
    """Make the reader note which process parses each file; ``deep`` overflows, ``die`` kills a worker."""
    real, parent = entryfile.parse_file, os.getpid()

    def parse_file(source, raw, *args, **kwargs):
        with open(pids, "a") as out:
            out.write(f"{os.getpid()}\n")
        if source.path.endswith(deep or "\0"):
            raise RecursionError("maximum recursion depth exceeded")
        if source.path.endswith(die or "\0") and os.getpid() != parent:
            os._exit(9)  # as the kernel's OOM killer would end it
        return real(source, raw, *args, **kwargs)

    monkeypatch.setattr("feedsvc.reader.parse_file", parse_file)


def _build(folder: Path, state: Path, monkeypatch, parallel_from: int) -> tuple:
    monkeypatch.setattr("feedsvc.index.PARALLEL_FROM", parallel_from)
    content, built = _load(folder, state)
    return content, built, _tables(built)


def _add_bad_files(corpus: Path, outside: Path) -> None:
    (corpus / "articles" / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    (corpus / "articles" / "deep.md").write_text("---\ntitle: Deep\ndate: 2021-01-01\n---\nBody.\n")
    (outside / "secret.md").write_text("---\ntitle: Secret\n---\nNot in the folder.\n")
    (corpus / "articles" / "link.md").symlink_to(outside / "secret.md")


def test_workers_index_exactly_what_one_process_does(corpus, tmp_path, monkeypatch):
    """The same rows, entries and problems, bad files among them: only the processes differ."""
    _add_bad_files(corpus, tmp_path)
    pids = tmp_path / "pids"
    _noting_parsers(monkeypatch, pids, deep="/deep.md")
    alone, alone_index, alone_rows = _build(corpus, tmp_path / "alone", monkeypatch, 10**9)
    assert set(pids.read_text().split()) == {str(os.getpid())} and alone_index.processes == 1
    pids.unlink()
    shared, shared_index, shared_rows = _build(corpus, tmp_path / "shared", monkeypatch, 1)
    workers = set(pids.read_text().split())
    assert str(os.getpid()) not in workers and len(workers) >= 1
    assert shared_index.processes == os.cpu_count()
    assert shared_index.read_files == alone_index.read_files == len(content_files(corpus))
    assert shared_index.parsed_files == alone_index.parsed_files == len(content_files(corpus)) - 1  # not the link
    assert shared_rows == alone_rows and len(shared_rows["files"]) > 30
    assert [e.id for e in shared.entries] == [e.id for e in alone.entries]
    assert [e.content_html for e in shared.entries] == [e.content_html for e in alone.entries]
    assert shared.version == alone.version
    errors = [str(error) for error in shared.errors]
    assert errors == [str(error) for error in alone.errors]
    assert any(error.startswith("content/articles/broken.md:3: invalid YAML") for error in errors)
    assert "content/articles/deep.md:1: too large or deep to read (RecursionError)" in errors
    assert any(error.startswith("content/articles/link.md:1: is a symlink to") for error in errors)


def test_one_changed_file_is_read_in_this_process(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr("feedsvc.index.PARALLEL_FROM", 2)
    _load(corpus, tmp_path)
    pids = tmp_path / "pids"
    _noting_parsers(monkeypatch, pids)
    (corpus / "articles" / "engine-note-1.md").write_text("---\ntitle: New\ndate: 2021-01-01\n---\nBody.\n")
    _, again = _load(corpus, tmp_path)
    assert (again.parsed_files, again.processes) == (1, 1)
    assert pids.read_text().split() == [str(os.getpid())]


def test_workers_read_touched_files_and_parse_none(corpus, tmp_path, monkeypatch):
    _, _, before = _build(corpus, tmp_path, monkeypatch, 1)
    for path in corpus.rglob("*.md"):
        os.utime(path, ns=(1, 1))
    _, again, after = _build(corpus, tmp_path, monkeypatch, 1)
    assert (again.read_files, again.parsed_files) == (
        len(content_files(corpus)),
        0,
    ) and again.processes == os.cpu_count()
    assert [row[4:] for row in after["files"]] == [row[4:] for row in before["files"]]  # digest, record, body
    assert {row[2] for row in after["files"]} == {1}  # the new mtimes are recorded


def no_children_left(within: float = 5.0) -> bool:
    """Whether every worker process has ended (a terminated one may take a moment on a busy machine)."""
    deadline = time.monotonic() + within
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not multiprocessing.active_children()


def test_a_killed_worker_leaves_the_rest_to_this_process(corpus, tmp_path, monkeypatch, caplog):
    _add_bad_files(corpus, tmp_path)
    _, _, alone_rows = _build(corpus, tmp_path / "alone", monkeypatch, 10**9)
    _noting_parsers(monkeypatch, tmp_path / "pids", die="/engine-note-3.md")
    with caplog.at_level(logging.WARNING, logger="feedsvc.index"):
        content, built, rows = _build(corpus, tmp_path / "shared", monkeypatch, 1)
    assert "cannot read files in worker processes" in caplog.text
    assert rows == alone_rows and built.processes == 1
    assert any(e.slug == "engine-note-3" for e in content.entries)
    assert no_children_left()


def test_no_room_for_workers_reads_in_this_process(corpus, tmp_path, monkeypatch, caplog):
    _, _, alone_rows = _build(corpus, tmp_path / "alone", monkeypatch, 10**9)
    real_fork, forks = os.fork, []

    def fork():  # the first worker starts, the second finds no room
        forks.append(1)
        if len(forks) > 1:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with caplog.at_level(logging.WARNING, logger="feedsvc.index"):
        _, built, rows = _build(corpus, tmp_path / "shared", monkeypatch, 1)
    assert (
        "cannot read files in worker processes (" in caplog.text and "Resource temporarily unavailable" in caplog.text
    )
    assert rows == alone_rows and built.processes == 1
    assert no_children_left()  # the worker that did start is not left waiting
