"""The reader's limits: no file can stall a load, exhaust memory or publish what is outside the folder.

Each hostile file is checked twice: the reader reports it as ``path:line: message``
and serves the other entries; and a load in a fresh process finishes in under a
second and grows by less than 50 MB (measured with ``os.wait4``'s peak RSS, against
a load of the same folder without the file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from feedsvc.reader import ConfigError, read_content, read_site
from feedsvc.service import StrictContentError

from .conftest import ROOT, make_app, write_article

# 414 bytes of YAML: nine lists of nine aliases, the last used as a mapping key. Expanded, it is
# 9**9 (387 million) strings; str() of that key is what once took 152 s and 5.8-14 GB.
ALIAS_BOMB = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{','.join(['*' + previous] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "? *i\n: boom\ntitle: Bomb\ndate: 2022-01-01\nauthor: ada-lovelace\n---\nBody.\n"
)


def entries_of(folder) -> set[str]:
    return {entry.source for entry in read_content(folder).entries}


def errors_of(folder) -> dict[str, str]:
    return {error.path: str(error) for error in read_content(folder).errors}


def load_in_child(folder) -> tuple[float, int, dict]:
    """Load ``folder`` in a new process: (seconds the load took, peak RSS in bytes, summary)."""
    code = textwrap.dedent(
        f"""
        import json, time
        from feedsvc.reader import read_content
        started = time.monotonic()
        content = read_content({str(folder)!r}, render=False)
        print(json.dumps({{"seconds": time.monotonic() - started, "entries": len(content.entries),
                          "errors": [str(e) for e in content.errors]}}))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"loading {folder} did not finish in 20 s")
        time.sleep(0.02)
    out = proc.stdout.read().decode()
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read().decode()
    summary = json.loads(out)
    return summary["seconds"], usage.ru_maxrss * 1024, summary


@pytest.fixture()
def hostile(content_copy, tmp_path):
    """Write one hostile file into the fixture content by name; return the folder."""
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: Secret\ndate: 2022-01-01\nauthor: ada-lovelace\n---\nPassword: hunter2\n")
    articles = content_copy / "articles"

    def make(kind: str):
        if kind == "alias bomb":
            (articles / "bomb.md").write_text(ALIAS_BOMB)
        elif kind == "/dev/zero":
            (articles / "zero.md").symlink_to("/dev/zero")
        elif kind == "fifo":
            os.mkfifo(articles / "pipe.md")
        elif kind == "escaping symlink":
            (articles / "secret.md").symlink_to(outside)
        elif kind == "huge file":
            write_article(content_copy, "huge", 3, body="x" * (5 * 2**20))
        return content_copy

    return make


HOSTILE = {
    "alias bomb": ("articles/bomb.md", "YAML expands to more than 10,000 values"),
    "/dev/zero": ("articles/zero.md", "is a symlink to /dev/zero, outside the content folder"),
    "fifo": ("articles/pipe.md", "is not a regular file (a FIFO)"),
    "escaping symlink": ("articles/secret.md", "outside the content folder"),
    "huge file": ("articles/huge.md", "over the 4,194,304-byte limit (FEEDSVC_MAX_FILE_MB)"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_file_is_refused_fast_and_small_and_the_rest_is_served(hostile, content_copy, kind):
    clean_seconds, clean_rss, clean = load_in_child(content_copy)
    folder = hostile(kind)
    seconds, rss, summary = load_in_child(folder)
    name, message = HOSTILE[kind]
    errors = [error for error in summary["errors"] if error.startswith(f"content/{name}:")]
    assert errors and message in errors[0], summary["errors"]
    assert summary["entries"] == clean["entries"]
    assert seconds < 1.0, f"{kind}: load took {seconds:.2f}s (clean folder: {clean_seconds:.2f}s)"
    assert rss - clean_rss < 50 * 2**20, f"{kind}: peak RSS {rss / 2**20:.0f} MB vs {clean_rss / 2**20:.0f} MB clean"
    assert b"hunter2" not in make_app(folder).test_client().get("/feed.atom").data


def test_symlinks_inside_the_folder_are_followed(content_copy):
    (content_copy / "drafts").mkdir()
    write_article(content_copy, "kept", 1).rename(content_copy / "drafts" / "kept.md")
    (content_copy / "articles" / "kept.md").symlink_to(content_copy / "drafts" / "kept.md")
    assert "content/articles/kept.md" in entries_of(content_copy)


def test_the_file_size_limit_is_a_setting(content_copy):
    write_article(content_copy, "big", 1, body="y" * 300_000)
    assert "content/articles/big.md" in entries_of(content_copy)
    app = make_app(content_copy, MAX_FILE_MB=0.25)
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert any("big.md:1: is 300," in error and "262,144-byte limit" in error for error in health["errors"])


@pytest.mark.parametrize(
    "front",
    [
        "? [a, b]\n: c\n",  # a complex key
        "a: &a [*a]\n",  # an alias of itself
        "a: " + "[" * 40 + "]" * 40 + "\n",  # nested deeper than anyone writes
    ],
)
def test_yaml_that_is_not_plain_data_is_refused(content_copy, front):
    (content_copy / "articles" / "odd.md").write_text(f"---\n{front}title: T\n---\nBody.\n")
    errors = errors_of(content_copy)
    assert errors["content/articles/odd.md"].startswith("content/articles/odd.md:2:")


def test_memory_error_in_one_file_spares_the_others(content_copy, monkeypatch):
    import feedsvc.entryfile

    real = feedsvc.entryfile.parse

    def parse(text):
        if "engine-note-2" in text or "Engine note 2" in text:
            raise MemoryError
        return real(text)

    before = entries_of(content_copy)
    (content_copy / "articles" / "engine-note-2.md").write_text(
        (content_copy / "articles" / "engine-note-2.md").read_text() + "\nEngine note 2\n"
    )
    monkeypatch.setattr(feedsvc.entryfile, "parse", parse)
    content = read_content(content_copy)
    assert {e.source for e in content.entries} == before - {"content/articles/engine-note-2.md"}
    assert any("too large or deep to read (MemoryError)" in str(error) for error in content.errors)


@pytest.mark.parametrize("broken", ["missing", "not a folder"])
def test_a_missing_or_unreadable_articles_folder_is_an_error(content_copy, broken):
    articles = content_copy / "articles"
    for path in articles.iterdir():
        path.unlink()
    articles.rmdir()
    if broken == "not a folder":
        articles.write_text("oops")
    health = make_app(content_copy).test_client().get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert any(error.startswith("content/articles:1: cannot list this folder") for error in health["errors"])
    with pytest.raises(StrictContentError):
        make_app(content_copy, STRICT=True)


def test_a_site_yaml_that_is_a_fifo_or_a_bomb_is_a_config_error_at_once(content_copy):
    site = content_copy / "site.yaml"
    site.unlink()
    os.mkfifo(site)
    started = time.monotonic()
    with pytest.raises(ConfigError, match="not a regular file"):
        read_site(content_copy)
    site.unlink()
    site.write_text(ALIAS_BOMB.split("---\n")[1])
    with pytest.raises(ConfigError, match="YAML expands"):
        read_site(content_copy)
    assert time.monotonic() - started < 1
