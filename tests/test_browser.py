"""Every page kind in a real browser (Chromium): desktop and phone widths, light and dark.

Per page: no console error, no CSP violation, no request leaving the server's
origin, axe-core finds no violation (colour contrast included), nothing wider
than the screen, autodiscovery links that lead to live feeds. Plus the copy
button, and a screenshot of each for people to look at.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from .browser import drain_logs, emulate, run_axe, screenshot, start_chromium
from .conftest import BUNDLED, edited_copy
from .servers import free_port, granian_app

pytestmark = pytest.mark.integration

ARTICLE = "/articles/icspa-launched-to-fight-global-cyber-crime"
PAGES = {
    "home": "/",
    "home-2": "/page/2",
    "article": ARTICLE,
    "author": "/authors/tom-brewster",
    "tag": "/tags/cyber-war",
    "feeds": "/feeds",
    "404": "/no/such/page",
}
VIEWS = [(width, scheme) for width in (1280, 390) for scheme in ("light", "dark")]


def _content(tmp_path):
    """The bundled content, with images (the site's own favicon) and enough articles for a second home page."""
    edits = {
        "authors/tom-brewster.md": ("name: Tom Brewster", "name: Tom Brewster\nimage: /favicon.svg"),
        "articles/icspa-launched-to-fight-global-cyber-crime.md": ("title:", "image: /favicon.svg\ntitle:"),
    }
    folder = edited_copy(BUNDLED, tmp_path, edits)
    for number in range(1, 21):
        (folder / "articles" / f"brief-{number:02}.md").write_text(
            f'---\ntitle: "Brief {number}: a \\"quoted\\" headline"\nauthor: tom-brewster\ncategories: [Briefs]\n'
            f'date: 2011-06-{number:02}\n---\nA short brief -- number {number}, with "quotes".\n'
        )
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"FEEDSVC_SITE_URL": url, "FEEDSVC_CONTENT_DIR": str(_content(tmp)), "FEEDSVC_ACCESS_LOG": "0"}
    with granian_app(tmp, env=env, port=port) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.mark.parametrize(("width", "scheme"), VIEWS, ids=[f"{w}-{s}" for w, s in VIEWS])
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_in_browser(browser, site, kind, width, scheme):
    emulate(browser, width, scheme)
    drain_logs(browser)
    browser.get(site + PAGES[kind])
    assert browser.execute_script("return document.readyState") == "complete"
    screenshot(browser, f"{kind}-{width}-{scheme}")
    console, requested = drain_logs(browser)
    # The 404 page's own status is the one console line a browser writes for it.
    errors = [e for e in console if e["level"] == "SEVERE" and not (kind == "404" and "404" in e["message"])]
    assert errors == []
    assert browser.execute_script("return window.__csp") == []
    assert requested and all(u.startswith(site + "/") for u in requested), requested
    assert run_axe(browser) == []
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the screen"
    assert browser.execute_script(MID_WORD_BREAKS) == []
    assert browser.execute_script("return document.documentElement.lang") == "en-GB"


# Where a feed address (a <code>) wraps, the characters either side of the break: it may only
# wrap after "/" or before "." or "?" (the <wbr> the template writes), never inside a word.
MID_WORD_BREAKS = """
const bad = [];
for (const code of document.querySelectorAll("code")) {
  const text = code.textContent, range = document.createRange();
  let top = null, offset = 0;
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++, offset++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const y = range.getBoundingClientRect().top;
      if (top !== null && y > top + 1 && !(text[offset - 1] === "/" || ".?".includes(text[offset])))
        bad.push(text.slice(Math.max(0, offset - 8), offset) + "|" + text.slice(offset, offset + 8));
      top = y;
    }
  }
}
return bad;
"""


def _alternates(browser):
    return browser.execute_script(
        "return [...document.querySelectorAll('link[rel=alternate]')].map(l => [l.type, l.href, l.title])"
    )


@pytest.mark.parametrize(
    ("kind", "prefixes"),
    [
        ("home", [""]),
        ("article", ["/authors/tom-brewster", "/tags/cyber-war", ""]),
        ("author", ["", "/authors/tom-brewster"]),
        ("tag", ["", "/tags/cyber-war"]),
    ],
)
def test_autodiscovery_links_lead_to_live_feeds(browser, site, kind, prefixes):
    browser.get(site + PAGES[kind])
    links = _alternates(browser)
    expected = {f"{site}{prefix}/feed.{ext}" for prefix in prefixes for ext in ("atom", "rss", "json")}
    assert {href for _, href, _ in links} == expected
    for media_type, href, title in links:
        assert title
        with urllib.request.urlopen(href, timeout=10) as response:
            assert response.headers["Content-Type"].startswith(media_type)


def test_copy_button_puts_the_feed_address_on_the_clipboard(browser, site):
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": site, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}
    )
    browser.get(site + ARTICLE)
    button = browser.find_element(By.CSS_SELECTOR, ".follow button.copy")
    assert button.is_displayed()  # the script reveals it; without the script it stays hidden
    button.click()
    copied = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, e => done('error: ' + e));"
    )
    assert copied == f"{site}/authors/tom-brewster/feed.atom"
    assert "Copied" in browser.find_element(By.CSS_SELECTOR, ".follow .copied").text


def test_without_javascript_the_address_is_text_and_no_dead_button(browser, site):
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(site + ARTICLE)
        block = browser.find_element(By.CSS_SELECTOR, ".follow")
        assert not block.find_element(By.CSS_SELECTOR, "button.copy").is_displayed()
        assert (
            block.find_element(By.CSS_SELECTOR, "code").text.replace("\n", "")
            == f"{site}/authors/tom-brewster/feed.atom"
        )
        assert block.find_element(By.LINK_TEXT, "Feedly").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


# Google Search's Article rich result: every property it lists (all are "recommended").
ARTICLE_PROPERTIES = ("headline", "image", "datePublished", "dateModified", "author")


def test_article_json_ld_meets_googles_article_rich_result(browser, site):
    browser.get(site + ARTICLE)
    blocks = browser.execute_script(
        "return [...document.querySelectorAll('script[type=\"application/ld+json\"]')].map(s => s.textContent)"
    )
    (data,) = [json.loads(block) for block in blocks]
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert [name for name in ARTICLE_PROPERTIES if not data.get(name)] == []
    assert data["image"] == [f"{site}/favicon.svg"]
    assert 0 < len(data["headline"]) <= 110
    from datetime import datetime

    for name in ("datePublished", "dateModified"):
        assert datetime.fromisoformat(data[name]).tzinfo is not None  # ISO 8601 with a time zone
    for author in data["author"]:
        assert author["@type"] in ("Person", "Organization") and author["name"] and author["url"].startswith(site)
