"""The files a Hugo or Jekyll site publishes as they are, and where: static/, bundle resources, assets.

``site_files`` maps each public root-relative URL to a file of the site, as the
generator would copy it into its output (checked against real builds by the
integration tests):

- Hugo copies ``static/`` whole, and every non-page file under ``content/``
  beside its page: a leaf bundle's files (``posts/x/index.md`` + ``posts/x/a.png``)
  under the page's own URL, other files under their (sanitised) folder.
- Jekyll copies every file without front matter outside folders and files whose
  names start with ``_``, ``.``, ``#`` or ``~``, minus ``exclude`` plus ``include``.

A file is only ever named here if it is a regular file whose real path stays
inside the site folder: no symlink or ``..`` leads out (``safe_path``).
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .hugo_urls import sanitize
from .limits import inside

# Hugo's content formats: these files are pages, not resources.
HUGO_PAGES = (".md", ".markdown", ".mdown", ".html", ".htm", ".adoc", ".asciidoc", ".org", ".pandoc", ".pdc", ".rst")
# Jekyll's default `exclude` and `include` (configuration.rb DEFAULTS).
JEKYLL_EXCLUDE: tuple[str, ...] = (
    ".sass-cache",
    ".jekyll-cache",
    "gemfiles",
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
)
JEKYLL_EXCLUDE += ("vendor/bundle", "vendor/cache", "vendor/gems", "vendor/ruby")
JEKYLL_INCLUDE = (".htaccess",)
_YAML_HEADER = re.compile(rb"---\s*\r?\n")


def safe_path(root: Path, relative: str) -> str | None:
    """The real path of ``root/relative`` if it is a regular file inside ``root``, else None."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, relative))
    if real == real_root or not inside(real, real_root) or not os.path.isfile(real):
        return None
    return real


def _walk(base: Path, skip: Callable[[str], bool] = lambda relative: False) -> Iterator[str]:
    """Every file under ``base`` as a '/'-separated path relative to it, sorted.

    A folder or file for which ``skip(relative path)`` is true is left out whole
    (so ``node_modules`` is never walked); symlinked folders are not followed.
    """
    found = []
    for root, folders, names in os.walk(base):
        relative_root = os.path.relpath(root, base).replace(os.sep, "/")
        prefix = "" if relative_root == "." else relative_root + "/"
        folders[:] = [name for name in folders if not skip(prefix + name)]
        found += [prefix + name for name in names if not skip(prefix + name)]
    return iter(sorted(found))


def hugo_files(site: Path, page_paths: dict[str, str]) -> dict[str, str]:
    """URL -> path relative to ``site`` of what Hugo copies.

    ``page_paths`` maps each published page's file (relative to ``content/``) to its URL;
    the files of a bundle whose page is not published (a draft) are not published either.
    """
    files: dict[str, str] = {}
    for relative in _walk(site / "static"):
        files["/" + relative] = f"static/{relative}"
    content = list(_walk(site / "content", lambda relative: posixpath.basename(relative).startswith(".")))
    bundles = {posixpath.dirname(source): page_paths.get(source) for source in content if _is_bundle_page(source)}
    for relative in content:
        if relative.lower().endswith(HUGO_PAGES):
            continue
        bundle = _bundle_of(relative, bundles)
        if bundle is None:  # a branch's resource: beside its folder's list page
            folder, name = posixpath.split(relative)
            files.setdefault("/" + (sanitize(folder) + "/" if folder else "") + name, f"content/{relative}")
        elif bundles[bundle] is not None:
            page = bundles[bundle] or "/"
            base = page if page.endswith("/") else posixpath.dirname(page) + "/"
            files.setdefault(base + relative[len(bundle) + 1 :], f"content/{relative}")
    return files


def _is_bundle_page(source: str) -> bool:
    """A leaf bundle's page: ``index.md`` (or ``index.fr.md``) in a folder."""
    return "/" in source and source.lower().endswith(HUGO_PAGES) and posixpath.basename(source).split(".")[0] == "index"


def _bundle_of(relative: str, bundles: dict[str, str | None]) -> str | None:
    """The leaf bundle folder a file belongs to, if any."""
    folder = posixpath.dirname(relative)
    while folder:
        if folder in bundles:
            return folder
        folder = posixpath.dirname(folder)
    return None


def jekyll_files(site: Path, exclude: Iterable[str] = (), include: Iterable[str] = ()) -> dict[str, str]:
    """URL -> path relative to ``site`` of what Jekyll copies (files without front matter)."""
    excluded = [item.strip("/") for item in (*JEKYLL_EXCLUDE, *exclude)]
    included = {item.strip("/") for item in (*JEKYLL_INCLUDE, *include)}

    def skip(relative: str) -> bool:  # entry_filter.rb: special, backup and excluded entries
        name = posixpath.basename(relative)
        if name[:1] in ("_", ".", "#", "~") or name.endswith("~"):
            return name not in included and relative not in included
        return any(fnmatch.fnmatchcase(relative, pattern) for pattern in excluded)

    # A file with front matter is a page or a converted asset: rendered, not copied.
    return {"/" + relative: relative for relative in _walk(site, skip) if not _has_front_matter(site / relative)}


def _has_front_matter(path: Path) -> bool:
    """utils.rb ``has_yaml_header?``: the first line is three dashes."""
    try:
        with open(path, "rb") as handle:
            return _YAML_HEADER.match(handle.readline(256)) is not None
    except OSError:
        return False
