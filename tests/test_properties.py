"""Property tests: any front matter and any body give a clear content error or valid feeds."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime

import feedparser
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedsvc.catalog import Catalog
from feedsvc.reader import read_content
from feedsvc.schedule import view_at
from feedsvc.settings import Settings

from .conftest import FIXTURE, SITE_URL, schemas

PUB = Settings().publishing(SITE_URL)
# How many examples comes from the profile conftest.py loads: few locally, more in CI.
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

any_text = st.text(max_size=200) | st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40)
huge_text = st.text(alphabet="ab <&>\"'é\u2028\n", min_size=1, max_size=20).map(lambda chunk: chunk * 2000)
date_text = st.one_of(
    st.dates(min_value=__import__("datetime").date(1000, 1, 1)).map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    any_text,
)
scalar = st.one_of(any_text, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
field_value = st.one_of(scalar, st.lists(scalar, max_size=4), huge_text)

front_matter = st.fixed_dictionaries(
    {"title": st.one_of(any_text, huge_text), "date": date_text, "author": st.just("ada-lovelace")},
    optional={
        "updated": date_text,
        "tags": st.lists(any_text, max_size=5) | any_text,
        "categories": field_value,
        "summary": field_value,
        "id": any_text,
        "draft": scalar,
        "authors": st.lists(any_text, max_size=3),
        "lastmod": date_text,
        "description": field_value,
    },
)
body = st.one_of(any_text, huge_text, st.text(alphabet="#*_[]()<>!`-:\n abc\x00\x1b\ufffe", max_size=400))


LATEST = datetime(9999, 12, 31, tzinfo=UTC)  # every generated date is past: every entry is published


def _check_catalog(content):
    """Build every document the content gives and check it as a client would."""
    catalog = Catalog(view_at(content, LATEST), PUB, Settings().cache_bytes)
    for path in catalog.paths():
        resource = catalog.get(path)
        data = resource.variants["identity"].body
        if path.endswith((".atom", ".rss")):
            root = etree.fromstring(data)  # well-formed
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (path, parsed.bozo_exception)
            yield path, root
        elif path.endswith(".json"):
            yield path, json.loads(data)


def _run(tmp_path, text_bytes):
    atom_schema, rss_schema, json_schema = schemas()
    folder = tmp_path / "content"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(FIXTURE, folder)
    (folder / "articles" / "fuzzed.md").write_bytes(text_bytes)
    content = read_content(folder)
    published = any(entry.slug == "fuzzed" for entry in content.entries)
    reported = any(error.path.endswith("fuzzed.md") for error in content.errors)
    draft = any(note.path.endswith("fuzzed.md") and "a draft" in note.message for note in content.notes)
    assert published or reported or draft
    assert all(str(error).startswith("content/articles/fuzzed.md:") for error in content.errors)
    for path, document in _check_catalog(content):
        if path.endswith(".json"):
            json_schema.validate(document)
        else:
            schema = atom_schema if path.endswith(".atom") else rss_schema
            assert schema.validate(document), (path, schema.error_log)


@SETTINGS
@given(fields=front_matter, text=body)
def test_any_front_matter_and_body(tmp_path, fields, text):
    try:
        header = yaml.safe_dump(fields, allow_unicode=True)
        encoded = f"---\n{header}---\n{text}\n".encode()
    except (UnicodeEncodeError, yaml.YAMLError):
        encoded = f"---\ntitle: x\n---\n{text}\n".encode("utf-8", "surrogatepass")
    _run(tmp_path, encoded)


def _toml_value(value) -> str | None:
    """A TOML literal for a generated value (None: TOML has no null, the key is left out)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(item for item in map(_toml_value, value) if item is not None) + "]"
    return json.dumps(value)  # a TOML basic string: the same escapes as JSON


# The YAML tests above cover the fields; these cover the two other syntaxes, with fewer examples.
OTHER_SYNTAX = settings(SETTINGS, max_examples=20)
toml_dates = st.datetimes(
    min_value=__import__("datetime").datetime(1000, 1, 1), timezones=st.none() | st.just(__import__("datetime").UTC)
).map(lambda moment: moment.isoformat())


@OTHER_SYNTAX
@given(fields=front_matter, text=body, native_date=st.none() | toml_dates)
def test_any_toml_front_matter_and_body(tmp_path, fields, text, native_date):
    """Hugo's ``+++`` front matter: any values, native TOML dates included."""
    lines = [f"{key} = {literal}" for key, value in fields.items() if (literal := _toml_value(value)) is not None]
    if native_date is not None:
        lines = [line for line in lines if not line.startswith("date =")] + [f"date = {native_date}"]
    _run(tmp_path, ("+++\n" + "\n".join(lines) + f"\n+++\n{text}\n").encode("utf-8", "surrogatepass"))


@OTHER_SYNTAX
@given(fields=front_matter, text=body)
def test_any_json_front_matter_and_body(tmp_path, fields, text):
    """Hugo's JSON front matter: an object opening the file."""
    _run(tmp_path, (json.dumps(fields) + f"\n{text}\n").encode("utf-8", "surrogatepass"))


@SETTINGS
@given(
    raw=st.binary(max_size=600) | st.text(max_size=600).map(lambda t: ("---\n" + t).encode("utf-8", "surrogatepass"))
)
def test_any_bytes(tmp_path, raw):
    _run(tmp_path, raw)


def test_the_number_of_examples_follows_the_profile():
    """Few examples on a developer's run, more where CI is set (conftest.py loads the profile)."""
    chosen = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    assert settings.default.max_examples == {"dev": 10, "ci": 100}[chosen]
