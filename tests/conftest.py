"""Shared fixtures: apps over the bundled content and over a small fixture content folder."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from lxml import etree

from feedsvc import create_app
from feedsvc.reader import read_content

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "content"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "content"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "000_dee8b94c74608eda.txt"
SITE_URL = "https://news.example.org"

# Hypothesis: a quick look on every local run, a thorough one in CI (.ci/run sets CI);
# HYPOTHESIS_PROFILE picks one explicitly (e.g. HYPOTHESIS_PROFILE=ci make test).
settings.register_profile("dev", max_examples=10)
settings.register_profile("ci", max_examples=100, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@functools.cache
def schemas():
    """The project's schemas: (Atom RELAX NG, RSS 2.0 RELAX NG, JSON Feed 1.1 JSON Schema validator)."""
    import json

    from jsonschema import Draft202012Validator, FormatChecker

    atom = etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))
    rss = etree.RelaxNG(etree.parse(str(SCHEMAS / "rss2.rng")))
    feed = json.loads((SCHEMAS / "jsonfeed-1.1.schema.json").read_text())
    return atom, rss, Draft202012Validator(feed, format_checker=FormatChecker())


@pytest.fixture(scope="session")
def atom_schema():
    return schemas()[0]


@pytest.fixture(scope="session")
def rss_schema():
    return schemas()[1]


@pytest.fixture(scope="session")
def json_schema():
    return schemas()[2]


@pytest.fixture(scope="session")
def seed_content():
    return read_content(BUNDLED)


@pytest.fixture(scope="session")
def fixture_content():
    return read_content(FIXTURE)


# Content indexes and WebSub state of the test apps: one folder per test session, removed at exit.
STATE = Path(tempfile.mkdtemp(prefix="feedsvc-tests-"))
atexit.register(shutil.rmtree, STATE, ignore_errors=True)


def make_app(content_dir=BUNDLED, *, clock=None, **config):
    """An app over ``content_dir`` with FEEDSVC_SITE_URL set; ``clock`` (a ticker.FakeClock) sets its time."""
    config = {"CONTENT_DIR": str(content_dir), "SITE_URL": SITE_URL, "STATE_DIR": str(STATE), **config}
    return create_app(config, clock=clock)


@pytest.fixture(scope="session")
def app():
    """The app over the bundled content, with FEEDSVC_SITE_URL set."""
    return make_app()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def fixture_app():
    """The app over the fixture content (archives, tags, several authors)."""
    return make_app(FIXTURE)


@pytest.fixture()
def fixture_client(fixture_app):
    return fixture_app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


def edited_copy(source: Path, tmp_path: Path, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of the content folder ``source`` in which, per relative file, ``old`` is replaced by ``new`` once."""
    folder = tmp_path / "content"
    shutil.copytree(source, folder)
    for relative, (old, new) in edits.items():
        path = folder / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.fixture()
def content_copy(tmp_path):
    """A writable copy of the fixture content folder."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE, target)
    return target


def write_article(
    folder: Path, slug: str, day: int, *, title: str | None = None, tags=("archive-test",), body: str = ""
) -> Path:
    """Write one article by ada-lovelace, published ``day`` days after 2022-01-01."""
    from datetime import date, timedelta

    published = date(2022, 1, 1) + timedelta(days=day)
    path = folder / "articles" / f"{slug}.md"
    path.write_text(
        f"---\ntitle: {title or slug}\ndate: {published.isoformat()}T10:00:00Z\nauthor: ada-lovelace\n"
        f"tags: [{', '.join(tags)}]\n---\n{body or f'Body of {slug}.'}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def corpus(content_copy):
    """The fixture content plus 23 more articles, 5 entries per feed document: several archive pages."""
    site = content_copy / "site.yaml"
    site.write_text(site.read_text().replace("feed_length: 3", "feed_length: 5"))
    for number in range(23):
        write_article(content_copy, f"bulk-{number:02d}", number)
    return content_copy
