"""Loading a content version (loading.py): made once into a store, found again by its key, in a child if large."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import pytest

from feedsvc import loading
from feedsvc.index import ContentIndex
from feedsvc.loading import load, read_dated

from .conftest import make_app, write_article


def stores(state):
    return sorted(state.glob("*-content-*.sqlite"))


def same_content(stored, direct) -> None:
    """Two loads of one folder hold the same entries, authors, bios, problems and version."""
    plain = [replace(entry, body=None) for entry in stored.entries]  # bodies: rows of the index, or Markdown
    assert plain == [replace(entry, body=None) for entry in direct.entries]
    assert [entry.content_html for entry in stored.entries] == [entry.content_html for entry in direct.entries]
    assert stored.authors == direct.authors and stored.bios.keys() == direct.bios.keys()
    assert (stored.errors, stored.notes, stored.version, stored.site) == (
        direct.errors,
        direct.notes,
        direct.version,
        direct.site,
    )


def test_a_store_holds_what_reading_the_folder_gives(content_copy, tmp_path):
    (content_copy / "articles" / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    stored, check = load(content_copy, ContentIndex(tmp_path, content_copy), 2**20)
    direct, direct_check = read_dated(content_copy, 2**20)
    same_content(stored, direct)
    assert stored.errors and check == direct_check


def test_an_unchanged_folder_is_found_by_its_key_without_reading_a_file(content_copy, tmp_path, monkeypatch):
    load(content_copy, ContentIndex(tmp_path, content_copy), 2**20)
    monkeypatch.setattr(loading, "read_dated", lambda *a: pytest.fail("an unchanged folder was read again"))
    again, _ = load(content_copy, ContentIndex(tmp_path, content_copy), 2**20)
    assert len(stores(tmp_path)) == 1 and again.entries


@pytest.mark.parametrize(
    "change",
    [
        lambda folder: write_article(folder, "new", 3),
        lambda folder: (folder / ".feedsvc.lock").write_text("{}"),
        lambda folder: (folder / "site.yaml").write_text(
            (folder / "site.yaml").read_text().replace("length: 3", "length: 4")
        ),
        lambda folder: (folder / "articles" / "machines-think.md").write_text("---\ntitle: T\n---\nNo date.\n"),
    ],
    ids=["an added file", "the content lock", "the site settings", "an edited file"],
)
def test_any_change_makes_a_new_store(content_copy, tmp_path, change):
    index = ContentIndex(tmp_path, content_copy)
    first, _ = load(content_copy, index, 2**20)
    change(content_copy)
    second, _ = load(content_copy, index, 2**20)
    assert len(stores(tmp_path)) == 2
    same_content(second, read_dated(content_copy, 2**20)[0])


def test_a_touched_file_or_a_copy_with_new_inodes_finds_its_store_without_reading_it_again(
    content_copy, tmp_path, monkeypatch
):
    index = ContentIndex(tmp_path / "state", content_copy)
    first, _ = load(content_copy, index, 2**20)
    os.utime(next((content_copy / "articles").iterdir()), ns=(1, 1))
    shutil.copytree(content_copy, tmp_path / "copy")  # a PaaS slug: the same bytes, new inodes and times
    shutil.rmtree(content_copy)
    (tmp_path / "copy").rename(content_copy)
    monkeypatch.setattr(loading, "build", lambda *a: pytest.fail("the content was assembled again"))
    again, _ = load(content_copy, index, 2**20)
    assert again.version == first.version and len(stores(tmp_path / "state")) == 1
    assert index.read_files > 0 and index.parsed_files == 0  # hashed again, not parsed


def test_authors_data_files_are_part_of_the_key(tmp_path):
    hugo = tmp_path / "site"
    (hugo / "content" / "posts").mkdir(parents=True)
    (hugo / "data").mkdir()
    (hugo / "hugo.toml").write_text('title = "T"\nbaseURL = "https://example.org/"\n')
    (hugo / "content" / "posts" / "a.md").write_text("---\ntitle: A\ndate: 2024-01-01\nauthor: ada\n---\nText.\n")
    (hugo / "data" / "authors.yaml").write_text("ada: {name: Ada Lovelace}\n")
    index = ContentIndex(tmp_path / "state", hugo)
    assert load(hugo, index, 2**20)[0].authors["ada"].name == "Ada Lovelace"
    (hugo / "data" / "authors.yaml").write_text("ada: {name: Ada King}\n")
    assert load(hugo, index, 2**20)[0].authors["ada"].name == "Ada King"


def test_only_the_newest_stores_are_kept(content_copy, tmp_path):
    index = ContentIndex(tmp_path, content_copy)
    for day in range(loading.KEEP + 2):
        write_article(content_copy, f"a{day}", day)
        load(content_copy, index, 2**20)
    assert len(stores(tmp_path)) == loading.KEEP


def test_a_large_folder_is_read_in_a_child_process(content_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "IN_CHILD_FROM", 0)
    monkeypatch.setattr(loading, "build", lambda *a: pytest.fail("read in this process"))
    stored, _ = load(content_copy, ContentIndex(tmp_path, content_copy), 2**20)
    same_content(stored, read_dated(content_copy, 2**20)[0])


def test_a_child_that_fails_leaves_the_service_reading_the_files_itself(content_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "IN_CHILD_FROM", 0)
    monkeypatch.setattr(loading.sys, "executable", "/bin/false")
    app = make_app(content_copy, STATE_DIR=str(tmp_path))
    service = app.extensions["feedsvc"]
    assert "child process" in service.state_problem
    assert app.test_client().get("/feed.atom").status_code == 200
    assert not stores(tmp_path)


def test_files_are_read_in_a_child_only_when_many_changed(content_copy, tmp_path, monkeypatch):
    steps: list[str] = []
    real = loading._child
    monkeypatch.setattr(loading, "IN_CHILD_FROM", 3)  # the fixture folder has more files than this
    monkeypatch.setattr(loading, "_child", lambda step, *args: (steps.append(step), real(step, *args)))
    index = ContentIndex(tmp_path, content_copy)
    load(content_copy, index, 2**20)
    assert steps == ["index", "store"]  # from nothing: every file is read, in a child
    steps.clear()
    write_article(content_copy, "one-more", 4)
    again, _ = load(content_copy, index, 2**20)
    assert steps == ["store"] and index.read_files == 1  # one new file is read here; assembling is a child's
    assert any(entry.slug == "one-more" for entry in again.entries)
