"""Drive Debian's Chromium through chromedriver (Selenium) for the browser tests.

Headless, sandbox off (CI runs as root), no background networking, a fresh
profile per session: the only requests the browser makes are the ones the
page under test asks for. Chrome DevTools Protocol commands do what WebDriver
cannot: emulate the viewport and prefers-color-scheme, grant the clipboard,
record every request and every CSP violation from the first byte.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
# Installed before any page script: collects CSP violations as the page reports them.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def require(ok: bool, reason: str) -> None:
    """Skip with ``reason`` where something is missing locally; fail in CI, which must have it."""
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: the browser tests must run)")
        pytest.skip(reason)


def start_chromium(profile: Path):
    """A headless Chromium under chromedriver, logging the console and the network."""
    require(Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), "chromium and chromium-driver are not installed")
    require(AXE.exists(), f"axe-core is not installed in {AXE.parent} (needs npm: make test installs it)")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})
    return driver


def emulate(driver, width: int, scheme: str) -> None:
    """A desktop (1280) or phone (390) viewport, light or dark."""
    mobile = width < 600
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 844 if mobile else 900, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile},
    )
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )


def drain_logs(driver) -> tuple[list[dict], list[str]]:
    """Console entries and the URLs requested since the last call."""
    console = driver.get_log("browser")
    requested = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    return console, requested


def run_axe(driver) -> list[dict]:
    """axe-core's violations on the current page (every rule axe runs by default, color-contrast included)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))))"
        ".catch(e => done([{id: 'axe-error', nodes: [String(e)]}]));"
    )


def screenshot(driver, name: str) -> Path:
    """Save a full-page PNG for people to look at (never compared pixel by pixel)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
