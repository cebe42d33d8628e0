"""Routes (feedsvc/routes.py): every path of a content version, found from the path on request."""

from __future__ import annotations

import shutil

import pytest

from feedsvc.documents import feed_docs
from feedsvc.formats import FORMATS
from feedsvc.pagelist import page_specs
from feedsvc.reader import read_content
from feedsvc.routes import Routes

from .conftest import FIXTURE, write_article


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("routes") / "content"
    shutil.copytree(FIXTURE, folder)
    for number in range(1, 12):
        write_article(folder, f"bulk-{number:02d}", number)
    return read_content(folder, render=False)


def test_the_same_paths_and_documents_as_listing_them_all(archive):
    routes = Routes(archive)
    expected = {doc.path(fmt): doc for doc in feed_docs(archive) for fmt in FORMATS}
    pages = {spec.path: spec for spec in page_specs(archive)}
    assert set(routes.paths()) == set(expected) | set(pages)
    assert len(routes) == len(expected) + len(pages)
    assert any("/archive/" in path for path in expected)  # the fixture has archives
    for path, doc in expected.items():
        assert routes.feed(path) == (doc, path.rsplit(".", 1)[1]), path
    for path, spec in pages.items():
        assert _comparable(routes.page(path)) == _comparable(spec), path


def _comparable(spec):
    """A page spec's fields, its preview (a partial, equal only to itself) as function and arguments."""
    fields = {name: getattr(spec, name) for name in spec.__dataclass_fields__}
    fields["preview"] = (spec.preview.func, spec.preview.args, spec.preview.keywords)
    return fields


@pytest.mark.parametrize(
    "path",
    [
        "/archive/0/feed.atom",
        "/archive/01/feed.atom",
        "/archive/999/feed.atom",
        "/tags/no-such-tag/feed.atom",
        "/feed.xml",
        "/authors/nobody/feed.rss",
        "feed.atom",
        "/feed.atom/",
    ],
)
def test_what_is_not_a_document_is_not_found(archive, path):
    routes = Routes(archive)
    assert routes.feed(path) is None and routes.page(path) is None
