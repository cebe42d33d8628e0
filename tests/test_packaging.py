"""What `pip install .` installs works on its own: the package, its templates and the sample content.

The wheel is built from this checkout, unpacked away from it, and the app is
created from the unpacked copy with the default settings, as an installed
feedsvc would be (the dependencies come from this venv).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.integration  # builds a wheel: pip fetches setuptools into an isolated build


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Built from a copy of what a clean checkout holds: setuptools writes build/ and *.egg-info
    # into the source tree, and a stale build/ would put old files in the wheel.
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    for folder in ("feedsvc", "content"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("feedsvc-*.whl")
    return path


def test_the_wheel_holds_the_sample_content_templates_and_static_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "feedsvc/bundled/site.yaml",
        "feedsvc/bundled/authors/tom-brewster.md",
        "feedsvc/bundled/articles/icspa-launched-to-fight-global-cyber-crime.md",
        "feedsvc/templates/base.html",
        "feedsvc/static/style.css",
    } <= names


def test_an_installed_feedsvc_serves_its_sample_content_by_default(wheel, tmp_path):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import feedsvc, json; app = feedsvc.create_app({'ACCESS_LOG': False}); client = app.test_client()"
        "; print(json.dumps([feedsvc.__file__, str(app.extensions['feedsvc'].settings.content_dir),"
        " client.get('/feed.atom').status_code, client.get('/').status_code]))"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    ran = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    module, content_dir, feed, home = __import__("json").loads(ran.stdout.splitlines()[-1])
    assert module.startswith(str(site)) and content_dir == str(site / "feedsvc" / "bundled")
    assert (feed, home) == (200, 200)
