"""The developer documentation keeps up with the code."""

from __future__ import annotations

import re

from .conftest import ROOT


def test_the_module_map_lists_every_module():
    mapped = set(re.findall(r"^- `(\w+\.py)` — ", (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"), re.M))
    modules = {path.name for path in (ROOT / "feedsvc").glob("*.py")}
    assert not modules - mapped, f"add a line for each to the module map in CONTRIBUTING.md: {modules - mapped}"
    assert not mapped - modules, f"the module map in CONTRIBUTING.md names modules that are gone: {mapped - modules}"
