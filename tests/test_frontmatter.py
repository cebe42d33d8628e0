"""Front matter in YAML, TOML and JSON, as Hugo and Jekyll write it, with the line of each key."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from feedsvc.frontmatter import FrontMatterError, parse


def test_toml_front_matter_keeps_types_and_lines():
    document = parse('+++\ntitle = "T"\ndate = 2021-01-02T03:04:05Z\ntags = ["a", "b"]\n[params]\nx = 1\n+++\nBody\n')
    assert document.format == "toml"
    assert document.fields["date"] == datetime(2021, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert document.fields["tags"] == ["a", "b"] and document.fields["params"] == {"x": 1}
    assert document.lines == {"title": 2, "date": 3, "tags": 4, "params": 5}
    assert document.body == "Body\n" and document.body_line == 8


def test_json_front_matter_is_an_object_opening_the_file():
    document = parse('{\n  "title": "T",\n  "date": "2021-01-02"\n}\nBody\n')
    assert document.format == "json" and document.fields == {"title": "T", "date": "2021-01-02"}
    assert document.lines == {"title": 2, "date": 3}
    assert document.body == "Body\n" and document.body_line == 5


def test_toml_local_dates_stay_dates():
    assert parse("+++\ndate = 2021-01-02\n+++\n").fields["date"] == date(2021, 1, 2)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('+++\ntitle = "x"\n', 1, "no closing '+++'"),
        ("+++\ntitle = \n+++\n", 2, "invalid TOML"),
        ('+++\ntitle = "a"\ntitle = "b"\n+++\n', 3, "invalid TOML"),
        ('{"title": "x",\n "date": }\nBody', 2, "invalid JSON front matter"),
        ('["a list"]\n', 1, "file must start with front matter"),
        ("no front matter\n", 1, "YAML between '---' lines, TOML between '+++'"),
    ],
)
def test_front_matter_errors_name_the_line_and_the_format(text, line, message):
    with pytest.raises(FrontMatterError) as caught:
        parse(text)
    assert caught.value.line == line and message in caught.value.message
