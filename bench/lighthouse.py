"""Lighthouse on the home page and the article of the bundled content: `make bench-pages`.

Serves the bundled content with the Procfile command on 127.0.0.1, runs the
pinned Lighthouse (bench/lighthouse/node_modules) with Debian's Chromium
(CHROME_PATH, headless, no sandbox), prints the four category scores of each
page and writes the full reports to bench/out/lighthouse/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .common import OUT, ROOT, free_port, log
from .servers import AppServer

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
PAGES = {"home": "/", "article": "/articles/icspa-launched-to-fight-global-cyber-crime"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"


def run(url: str, report: str) -> dict[str, int]:
    """One Lighthouse run (desktop preset); the category scores out of 100."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--preset=desktop",
        f"--chrome-flags={CHROME_FLAGS}",
        "--output=json",
        f"--output-path={report}",
    ]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, check=True, env=env, timeout=300)
    data = json.loads(Path(report).read_text(encoding="utf-8"))
    return {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: `make bench-pages` installs it (npm ci --prefix bench/lighthouse)")
    folder = OUT / "lighthouse"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with AppServer("feedsvc", port, ROOT / "content") as server:
        server.wait_ready(60, "/")
        for name, path in PAGES.items():
            scores = run(f"http://127.0.0.1:{port}{path}", str(folder / f"{name}.json"))
            log(f"{name:8} {path}: " + ", ".join(f"{k} {v}" for k, v in scores.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
