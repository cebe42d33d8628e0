"""RFC 3229 delta updates with A-IM: feed."""

from __future__ import annotations

import gc
import gzip
import json
import weakref

from lxml import etree

from feedsvc import delta

from .conftest import make_app, write_article
from .feedhelpers import NS


def _ids(data: bytes, fmt: str) -> list[str]:
    if fmt == "json":
        return [item["id"] for item in json.loads(data)["items"]]
    root = etree.fromstring(data)
    return [e.findtext("a:id", namespaces=NS) for e in root.findall("a:entry", NS)] or [
        i.findtext("guid") for i in root.iter("item")
    ]


def test_delta_after_a_reload_holds_only_new_and_changed_entries(content_copy, atom_schema):
    app = make_app(content_copy, DELTA=True)
    client = app.test_client()
    old = {fmt: client.get(f"/feed.{fmt}").headers["ETag"] for fmt in ("atom", "rss", "json")}
    write_article(content_copy, "fresh-news", 900)
    assert app.extensions["feedsvc"].reload() is True

    for fmt, etag in old.items():
        response = client.get(f"/feed.{fmt}", headers={"A-IM": "feed", "If-None-Match": etag})
        assert response.status_code == 226, fmt
        assert response.headers["IM"] == "feed"
        assert response.headers["ETag"] == client.get(f"/feed.{fmt}").headers["ETag"]
        assert response.headers["Cache-Control"] == "private, no-store"
        assert [i.rsplit(":", 1)[-1] for i in _ids(response.data, fmt)] == ["/articles/fresh-news"]
    assert atom_schema.validate(
        etree.fromstring(client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": old["atom"]}).data)
    )


def test_delta_compressed_when_accepted(content_copy):
    import gzip

    app = make_app(content_copy, DELTA=True)
    client = app.test_client()
    etag = client.get("/feed.atom", headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    write_article(content_copy, "fresh-news", 900)
    app.extensions["feedsvc"].reload()
    response = client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert response.status_code == 226 and response.headers["Content-Encoding"] == "gzip"
    assert b"fresh-news" in gzip.decompress(response.data)


def test_current_etag_with_a_im_is_still_304(client):
    etag = client.get("/feed.atom").headers["ETag"]
    assert client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": etag}).status_code == 304


def test_unknown_etag_gets_the_full_feed(client):
    response = client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": '"0123456789abcdef"'})
    assert response.status_code == 200
    assert "IM" not in response.headers
    assert len(_ids(response.data, "atom")) == 2


def test_reload_without_change_keeps_everything(content_copy):
    app = make_app(content_copy, DELTA=True)
    client = app.test_client()
    etag = client.get("/feed.atom").headers["ETag"]
    assert app.extensions["feedsvc"].reload() is False
    assert client.get("/feed.atom", headers={"If-None-Match": etag}).status_code == 304


def test_delta_answers_do_not_keep_old_catalogs_alive(content_copy):
    """Deltas are cached with the catalog they answer for: after many reloads only the current one lives.

    An lru_cache keyed on catalogs once kept every one that had answered a delta,
    outside FEEDSVC_CACHE_MB; earlier versions are now their ETags and entry ids (deltastore.py).
    """
    app = make_app(content_copy, DELTA=True)
    client, service = app.test_client(), app.extensions["feedsvc"]
    catalogs = []
    for number in range(8):
        etag = client.get("/feed.atom").headers["ETag"]
        catalogs.append(weakref.ref(service.catalog(service.default_base)))
        write_article(content_copy, f"news-{number}", 900 + number)
        assert service.reload() is True
        assert client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": etag}).status_code == 226
    catalogs.append(weakref.ref(service.catalog(service.default_base)))
    gc.collect()
    assert sum(ref() is not None for ref in catalogs) == 1


def test_a_repeated_delta_is_built_once(content_copy, monkeypatch):
    app = make_app(content_copy, DELTA=True)
    client = app.test_client()
    etag = client.get("/feed.atom").headers["ETag"]
    write_article(content_copy, "fresh-news", 900)
    app.extensions["feedsvc"].reload()
    first = client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": etag})
    monkeypatch.setattr(delta, "render_feed", None)  # a second build would fail
    second = client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": etag})
    assert second.status_code == 226 and second.data == first.data


def test_delta_is_off_by_default(content_copy):
    """rss2email and other feedparser-based readers send A-IM: feed and fail on 226: a plain 200 for them."""
    app = make_app(content_copy)
    client = app.test_client()
    etag = client.get("/feed.atom").headers["ETag"]
    write_article(content_copy, "fresh-news", 900)
    app.extensions["feedsvc"].reload()
    response = client.get("/feed.atom", headers={"A-IM": "feed", "If-None-Match": etag})
    assert response.status_code == 200 and "IM" not in response.headers
    assert len(_ids(response.data, "atom")) == 3  # the full current document (feed_length 3)


def test_earlier_versions_survive_a_restart(content_copy, tmp_path):
    """A new process (a restart, the workers of a HUP reload) answers deltas against what the old one served."""
    state = str(tmp_path / "state")
    old = make_app(content_copy, DELTA=True, STATE_DIR=state).test_client()
    etags = {fmt: old.get(f"/feed.{fmt}").headers["ETag"] for fmt in ("atom", "json")}
    write_article(content_copy, "fresh-news", 900)
    new = make_app(content_copy, DELTA=True, STATE_DIR=state).test_client()
    for fmt, etag in etags.items():
        response = new.get(f"/feed.{fmt}", headers={"A-IM": "feed", "If-None-Match": etag, "Accept-Encoding": "gzip"})
        assert response.status_code == 226, fmt
        assert [i.rsplit(":", 1)[-1] for i in _ids(gzip.decompress(response.data), fmt)] == ["/articles/fresh-news"]
