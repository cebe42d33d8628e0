"""Last-Modified from the content lock: it moves with every change, so If-Modified-Since never hides one."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from lxml import etree

from feedsvc.lock import LOCK_NAME
from feedsvc.ticker import FakeClock

from .conftest import make_app, write_article
from .test_schedule import lock

NOW = datetime(2030, 1, 1, tzinfo=UTC)
LOCKED = datetime(2029, 6, 1, 12, 0, tzinfo=UTC)  # when the publisher runs `flask --app feedsvc lock` again
ATOM = "{http://www.w3.org/2005/Atom}"


def feeds(app) -> dict[str, tuple[bytes, str | None]]:
    """Every feed document served now: (body, Last-Modified) by path."""
    service = app.extensions["feedsvc"]
    catalog = service.catalog(service.default_base)
    result = {}
    for path in catalog.paths():
        if path.endswith((".atom", ".rss", ".json")):
            resource = catalog.get(path)
            result[path] = (
                resource.variants["identity"].body,
                dict(resource.variants["identity"].headers).get("Last-Modified"),
            )
    return result


def edit_without_updated(folder):
    path = folder / "articles" / "engine-note-5.md"
    path.write_text(path.read_text().replace("Note number 5", "Note number five (corrected)"))


def back_dated_article(folder):
    write_article(folder, "found-in-the-archive", -3000, tags=("engines",))


def remove_entry(folder):
    (folder / "articles" / "engine-note-3.md").unlink()


def leave_tag(folder):
    path = folder / "articles" / "machines-think.md"
    text = path.read_text()
    path.write_text(re.sub(r"tags:\n(  - .*\n)+", "", text))


def rename_author(folder):
    path = folder / "authors" / "ada-lovelace.md"
    path.write_text(path.read_text().replace("name: Ada Lovelace", "name: Augusta Ada King"))


@pytest.mark.parametrize(
    ("change", "must_change"),
    [
        (edit_without_updated, "/authors/ada-lovelace/feed.atom"),
        (back_dated_article, "/tags/engines/archive/1/feed.atom"),
        (remove_entry, "/tags/engines/archive/1/feed.json"),
        (leave_tag, "/tags/engines/feed.rss"),
        (rename_author, "/feed.atom"),
    ],
)
def test_every_change_moves_last_modified(content_copy, change, must_change):
    app = make_app(content_copy, clock=FakeClock(NOW))
    client = app.test_client()
    before = feeds(app)
    assert all(last_modified for _, last_modified in before.values())  # the fixture's lock is current
    change(content_copy)
    lock(content_copy, LOCKED)
    assert app.extensions["feedsvc"].reload() is True
    after = feeds(app)
    changed = [path for path in after if path in before and before[path][0] != after[path][0]]
    assert must_change in changed
    for path in changed:  # a client holding the previous copy, revalidating by date only
        assert client.get(path, headers={"If-Modified-Since": before[path][1]}).status_code == 200, path
    for path, (_, last_modified) in after.items():  # a client whose copy is current
        assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304, path


def test_an_edit_without_updated_gets_a_truthful_updated(content_copy):
    edit_without_updated(content_copy)
    lock(content_copy, LOCKED)
    client = make_app(content_copy, clock=FakeClock(NOW)).test_client()
    root = etree.fromstring(client.get("/authors/ada-lovelace/feed.atom").data)
    entry = next(e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith("engine-note-5"))
    assert entry.findtext(f"{ATOM}updated") == "2029-06-01T12:00:00+00:00"
    assert entry.findtext(f"{ATOM}published") == "2021-05-10T12:00:00+01:00"
    items = json.loads(client.get("/authors/ada-lovelace/feed.json").data)["items"]
    item = next(i for i in items if i["id"].endswith("engine-note-5"))
    assert item["date_modified"] == "2029-06-01T12:00:00+00:00"


def test_a_stale_lock_drops_last_modified_where_it_cannot_vouch(content_copy):
    app = make_app(content_copy, clock=FakeClock(NOW))
    client = app.test_client()
    old = client.get("/tags/philosophy/feed.atom").headers["Last-Modified"]
    edit_without_updated(content_copy)  # deployed without running `lock`
    app.extensions["feedsvc"].reload()
    assert "Last-Modified" not in client.get("/tags/engines/feed.atom").headers
    assert client.get("/tags/engines/feed.atom", headers={"If-Modified-Since": old}).status_code == 200
    assert client.get("/tags/philosophy/feed.atom").headers["Last-Modified"] == old  # untouched scopes keep it
    health = client.get("/healthz").get_json()
    assert health["lock"] == "stale"
    assert health["lock_problems"] == ["articles/engine-note-5.md: changed since the content lock"]
    result = app.test_cli_runner().invoke(args=["check", str(content_copy)])
    assert result.exit_code == 0
    assert (
        f"content/{LOCK_NAME}:1: note: lock: articles/engine-note-5.md: changed since the content lock" in result.output
    )


def test_without_a_lock_no_last_modified_at_all(content_copy):
    (content_copy / LOCK_NAME).unlink()
    client = make_app(content_copy, clock=FakeClock(NOW)).test_client()
    for path in ("/feed.atom", "/tags/engines/feed.json", "/authors/alan-turing/feed.rss"):
        response = client.get(path)
        assert "Last-Modified" not in response.headers and response.headers["ETag"]
        assert client.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get("/healthz").get_json()["lock"] == "missing"


def test_the_lock_command_records_changes_once(content_copy):
    app = make_app(content_copy)
    runner = app.test_cli_runner()
    lock_file = content_copy / LOCK_NAME
    first = lock_file.read_bytes()
    result = runner.invoke(args=["lock", str(content_copy)])
    assert result.exit_code == 0 and "up to date" in result.output
    assert lock_file.read_bytes() == first  # nothing changed: not a byte moves
    remove_entry(content_copy)
    result = runner.invoke(args=["lock", str(content_copy)])
    assert "0 file(s) changed or added, 1 removed" in result.output
    data = json.loads(lock_file.read_text())
    assert "articles/engine-note-3.md" in data["removed"]
    assert data["scopes"]["/tags/engines"] == data["removed"]["articles/engine-note-3.md"]
    assert data["scopes"]["/tags/philosophy"] < data["scopes"]["/tags/engines"]  # untouched scopes keep theirs
    # After a feedsvc upgrade, bytes change that no content file shows: --all moves every document.
    runner.invoke(args=["lock", "--all", str(content_copy)])
    after = json.loads(lock_file.read_text())
    assert after["files"]["(site settings)"]["changed"] > data["scopes"]["/tags/engines"]


def test_a_broken_lock_is_reported_and_serves_without_last_modified(content_copy):
    (content_copy / LOCK_NAME).write_text("{not json")
    client = make_app(content_copy, clock=FakeClock(NOW)).test_client()
    assert "Last-Modified" not in client.get("/feed.atom").headers
    assert client.get("/healthz").get_json()["lock"] == "unreadable"
