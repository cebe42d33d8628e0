"""Build fixture sites with the real generators (Hugo, Jekyll), the oracle for what a site publishes.

Each build copies the site to a temporary folder first: both generators write
into their source folder (``.hugo_build.lock``, ``.jekyll-cache``), and a test
may change the copy's configuration. A generator missing here skips the test
with the reason; with ``CI`` set it fails instead, as CI installs them all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HUGO_SITE = FIXTURES / "hugo-site"
JEKYLL_SITE = FIXTURES / "jekyll-site"
BUILD_TIMEOUT = 120


def require_program(name: str, package: str) -> str:
    """The path of ``name``; skip the test if it is missing (fail under CI, which installs ``package``)."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (Debian package {package}); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def copy_site(site: Path, tmp: Path) -> Path:
    """A private copy of ``site`` under ``tmp``, named as the original (reported paths start with it)."""
    copy = tmp / site.name
    shutil.copytree(site, copy, symlinks=True)
    return copy


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def build_hugo(site: Path, out: Path) -> Path:
    """Run ``hugo`` on ``site`` (a copy), writing the public folder to ``out``."""
    _run([require_program("hugo", "hugo"), "--quiet", "--source", str(site), "--destination", str(out)], site)
    return out


def build_jekyll(site: Path, out: Path) -> Path:
    """Run ``jekyll build`` on ``site`` (a copy) with jekyll-feed and jekyll-redirect-from."""
    exe = require_program("jekyll", "jekyll ruby-jekyll-feed ruby-jekyll-redirect-from")
    _run([exe, "build", "--quiet", "--disable-disk-cache", "--source", str(site), "--destination", str(out)], site)
    return out
