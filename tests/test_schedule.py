"""Scheduled publishing and expiry with a clock the test controls: nothing early, everything on time."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from feedsvc.export import export_catalog
from feedsvc.lock import read_lock, updated_lock, write_lock
from feedsvc.ticker import FakeClock, Ticker

from .conftest import make_app
from .test_websub import Hub

T0 = datetime(2030, 3, 1, 9, 0, 0, tzinfo=UTC)
AHEAD = 10  # seconds until the embargoed article goes out
EMBARGO = "embargoed-scoop"
EXPIRING = "expiring-offer"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write(folder, slug: str, front: str, tags: str = "[engines]") -> None:
    (folder / "articles" / f"{slug}.md").write_text(
        f"---\ntitle: {slug}\nauthor: ada-lovelace\ntags: {tags}\n{front}\n---\nThe {slug} story.\n", encoding="utf-8"
    )


def lock(folder, at: datetime) -> None:
    from feedsvc.reader import read_content

    write_lock(folder, updated_lock(read_content(folder, render=False), folder, read_lock(folder), at))


@pytest.fixture()
def scheduled_site(corpus):
    """The archive corpus (5 entries a document) plus a post going out at T0+10 s and one expiring at T0+20 s."""
    write(corpus, EMBARGO, f"date: {stamp(T0 + timedelta(seconds=AHEAD))}", tags="[engines, embargo-desk]")
    write(corpus, EXPIRING, f"date: 2029-12-01\nexpiryDate: {stamp(T0 + timedelta(seconds=20))}")
    lock(corpus, T0 - timedelta(days=1))
    return corpus


def every_body(app) -> dict[str, bytes]:
    """Every document the service serves now, identity bodies by path."""
    catalog = app.extensions["feedsvc"].catalog(app.extensions["feedsvc"].default_base)
    return {path: catalog.get(path).variants["identity"].body for path in catalog.paths()}


def test_nothing_lists_a_post_before_its_time_and_everything_does_at_its_instant(scheduled_site, tmp_path):
    clock = FakeClock(T0)
    app = make_app(scheduled_site, clock=clock)
    service, client = app.extensions["feedsvc"], app.test_client()
    before = every_body(app)
    assert any("/archive/" in path and path.endswith(".json") for path in before)  # next_url pages too
    assert not [path for path, body in before.items() if EMBARGO.encode() in body]
    assert client.get(f"/articles/{EMBARGO}").status_code == 404
    assert client.get("/tags/embargo-desk/feed.atom").status_code == 404
    assert b"embargo-desk" not in client.get("/feeds").data
    export_catalog(service.catalog(service.default_base), tmp_path / "before")
    assert not [p for p in (tmp_path / "before").rglob("*") if p.is_file() and EMBARGO.encode() in p.read_bytes()]

    clock.advance(AHEAD - 1)
    assert service.tick(clock()) is False  # one second early: nothing moves
    assert client.get(f"/articles/{EMBARGO}").status_code == 404

    clock.advance(1)
    assert service.tick(clock()) is True  # what the ticker thread does every second: no request, no reload
    listing = [
        "/feed.atom",
        "/feed.rss",
        "/feed.json",
        "/authors/ada-lovelace/feed.atom",
        "/authors/ada-lovelace/feed.json",
        "/tags/engines/feed.rss",
        "/tags/embargo-desk/feed.atom",
        "/",
        "/tags/embargo-desk",
        "/authors/ada-lovelace",
        f"/articles/{EMBARGO}",
    ]
    for path in listing:
        response = client.get(path)
        assert response.status_code == 200 and EMBARGO.encode() in response.data, path
    assert b"/tags/embargo-desk/feed.atom" in client.get("/feeds").data  # the new tag's feeds are offered
    newest = etree.fromstring(client.get("/feed.atom").data).find("{http://www.w3.org/2005/Atom}entry")
    assert newest.findtext("{http://www.w3.org/2005/Atom}published") == (T0 + timedelta(seconds=AHEAD)).isoformat()


def test_an_expired_post_disappears_at_its_instant(scheduled_site):
    clock = FakeClock(T0 + timedelta(seconds=15))
    app = make_app(scheduled_site, clock=clock)
    service, client = app.extensions["feedsvc"], app.test_client()
    assert EXPIRING.encode() in client.get("/feed.json").data
    assert client.get(f"/articles/{EXPIRING}").status_code == 200
    clock.advance(5)
    assert service.tick(clock()) is True
    assert not [path for path, body in every_body(app).items() if EXPIRING.encode() in body]
    assert client.get(f"/articles/{EXPIRING}").status_code == 404
    assert service.tick(clock()) is False  # nothing else is scheduled


def test_max_age_and_ttl_never_reach_past_the_next_change(scheduled_site):
    clock = FakeClock(T0)
    app = make_app(scheduled_site, clock=clock)
    client = app.test_client()

    def max_age(path: str) -> tuple[int, int]:
        value = client.get(path).headers["Cache-Control"]
        return int(re.search(r"max-age=(\d+)", value)[1]), int(re.search(r"stale-while-revalidate=(\d+)", value)[1])

    assert max_age("/feed.atom") == (AHEAD, 0)
    assert max_age("/tags/engines") == (AHEAD, 0)
    clock.advance(6)
    assert max_age("/feed.atom") == (AHEAD - 6, 0)  # shrinks as the instant nears
    etag = client.get("/feed.atom").headers["ETag"]
    assert max_age("/feed.atom") == (4, 0)
    not_modified = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and "max-age=4," in not_modified.headers["Cache-Control"]
    # Alan Turing's feed has nothing scheduled: the configured lifetimes, and an RSS ttl.
    assert max_age("/authors/alan-turing/feed.atom") == (300, 60)
    assert b"<ttl>5</ttl>" in client.get("/authors/alan-turing/feed.rss").data
    assert b"<ttl>" not in client.get("/feed.rss").data  # a ttl would let readers wait past the embargo
    # A full archive page (30 days) is only cut by an expiry, which the expiring post is.
    archive = client.get("/archive/1/feed.atom").headers["Cache-Control"]
    assert "max-age=14," in archive


def test_last_modified_moves_at_the_instant_and_is_never_in_the_future(scheduled_site):
    clock = FakeClock(T0)
    app = make_app(scheduled_site, clock=clock)
    client = app.test_client()
    before = client.get("/feed.atom").headers["Last-Modified"]
    assert datetime.strptime(before, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC) <= T0
    clock.advance(AHEAD)
    app.extensions["feedsvc"].tick(clock())
    after = client.get("/feed.atom")
    assert after.headers["Last-Modified"] == "Fri, 01 Mar 2030 09:00:10 GMT"
    assert client.get("/feed.atom", headers={"If-Modified-Since": before}).status_code == 200
    assert client.get("/feed.atom", headers={"If-Modified-Since": after.headers["Last-Modified"]}).status_code == 304


def test_hubs_are_pinged_at_the_instant(scheduled_site, tmp_path):
    hub = Hub()
    try:
        clock = FakeClock(T0)
        app = make_app(
            scheduled_site, clock=clock, WEBSUB_HUBS=hub.url, STATE_DIR=str(tmp_path / "state"), WEBSUB_BACKOFF=0.01
        )
        publisher = app.extensions["feedsvc.websub"]
        for thread in publisher.threads:
            thread.join(20)
        hub.received.clear()
        clock.advance(AHEAD - 1)
        app.extensions["feedsvc"].tick(clock())
        assert hub.received == []
        clock.advance(1)
        app.extensions["feedsvc"].tick(clock())
        for thread in publisher.threads:
            thread.join(20)
        topics = set(hub.topics())
        base = "https://news.example.org"
        assert {
            f"{base}/feed.atom",
            f"{base}/tags/embargo-desk/feed.json",
            f"{base}/authors/ada-lovelace/feed.rss",
        } <= topics
        assert f"{base}/authors/alan-turing/feed.atom" not in topics  # untouched feeds are not pinged
    finally:
        hub.close()


def test_healthz_and_check_tell_what_is_scheduled(scheduled_site):
    clock = FakeClock(T0)
    app = make_app(scheduled_site, clock=clock)
    health = app.test_client().get("/healthz").get_json()
    assert health["next_change"] == "2030-03-01T09:00:10+00:00"
    assert health["scheduled"] == 2 and health["lock"] == "current"
    result = app.test_cli_runner().invoke(args=["check", str(scheduled_site)])
    assert f"articles/{EMBARGO}.md:1: note: scheduled: publishes at 2030-03-01T09:00:10+00:00" in result.output
    assert f"articles/{EXPIRING}.md:1: note: scheduled: expires at 2030-03-01T09:00:20+00:00" in result.output


def test_hugo_publish_and_expiry_dates_are_read(content_copy):
    write(content_copy, "hugo-post", "date: 2021-01-01\npublishDate: 2031-01-01T08:00:00Z\nexpiryDate: 2032-01-01")
    write(content_copy, "bad-expiry", "date: 2021-01-01\nexpiryDate: 2020-01-01")
    app = make_app(content_copy, clock=FakeClock(T0))
    service = app.extensions["feedsvc"]
    entry = next(e for e in service.content.entries if e.slug == "hugo-post")
    assert entry.published == datetime(2031, 1, 1, 8, tzinfo=UTC)
    assert entry.expires.year == 2032
    assert entry not in service.view.content.entries
    assert any(
        "bad-expiry.md:6: expiryDate: is not after the publication date" in str(e) for e in service.content.errors
    )


def test_the_ticker_calls_subscribers_every_interval_and_forgets_dropped_ones():
    ticker = Ticker(interval=0.02)
    clock = FakeClock(T0)

    class Holder:
        def __init__(self):
            self.seen: list[datetime] = []

        def tick(self, now):
            self.seen.append(now)

    holder = Holder()
    ticker.subscribe(holder.tick, clock)
    deadline = time.monotonic() + 5
    while len(holder.seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    ticker.stop()
    assert len(holder.seen) >= 3 and set(holder.seen) == {T0}  # the thread runs, with the subscriber's clock
    ticker.tick()
    del holder
    ticker.tick()
    assert ticker._subscribers == []


def test_one_ticker_thread_per_process_whatever_the_number_of_apps(content_copy):
    import threading

    for _ in range(3):
        make_app(content_copy)
    assert [t.name for t in threading.enumerate()].count("feedsvc-ticker") == 1


def test_a_scheduled_bio_shows_on_no_page_before_its_instant(content_copy):
    bio = content_copy / "authors" / "alan-turing.md"
    bio.write_text(bio.read_text().replace("date: 2020-02-01", f"date: {stamp(T0 + timedelta(seconds=AHEAD))}"))
    clock = FakeClock(T0)
    app = make_app(content_copy, clock=clock)
    client = app.test_client()
    assert "Alan writes about" not in client.get("/authors/alan-turing").get_data(as_text=True)
    clock.advance(AHEAD)
    assert app.extensions["feedsvc"].tick(clock()) is True
    assert "Alan writes about" in client.get("/authors/alan-turing").get_data(as_text=True)


def test_a_scheduled_bundle_keeps_its_files_and_aliases_until_its_instant(tmp_path):
    from .generators import FIXTURES, copy_site

    site = copy_site(FIXTURES / "hugo-blog", tmp_path)
    page = site / "content" / "posts" / "bundle-post" / "index.md"
    scheduled = f"date: {stamp(T0 + timedelta(seconds=AHEAD))}\naliases: [/old/bundle/]"
    page.write_text(page.read_text().replace("date: 2021-06-10", scheduled))
    clock = FakeClock(T0)
    app = make_app(site, clock=clock)
    client = app.test_client()
    for path in ("/posts/bundle-post/", "/posts/bundle-post/picture.png", "/old/bundle/"):
        assert client.get(path).status_code == 404, path
    clock.advance(AHEAD)
    assert app.extensions["feedsvc"].tick(clock()) is True
    assert client.get("/posts/bundle-post/").status_code == 200
    assert client.get("/posts/bundle-post/picture.png").status_code == 200
    assert client.get("/old/bundle/").headers["Location"].endswith("/posts/bundle-post/")
