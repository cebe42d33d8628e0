"""What a Hugo or Jekyll site published besides its posts: its files, and its old URLs.

Worked out once per content version (``site_urls``) and handed to every
``Catalog``: which URL serves which file of the site, and which old URL answers
301 to which new one. feedsvc's own layout has neither.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .assets import MAX_BYTES
from .model import Content, Problem
from .redirects import entry_redirects, feed_redirects, list_redirects
from .sitefiles import hugo_files, jekyll_files, safe_path


@dataclass(frozen=True)
class SiteUrls:
    """A site's files (URL -> path relative to ``root``) and redirects (old path -> new path)."""

    root: str = ""
    files: dict[str, str] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    # Changes when a file is added, removed or rewritten, so a reload serves the new bytes even
    # if no post changed (file times only decide whether to rebuild, never what is sent).
    stamp: str = ""

    def withholding(self, pages: set[str]) -> SiteUrls:
        """These URLs less what belongs to ``pages`` not yet (or no longer) published.

        A page bundle's files live under its page's folder URL, and an alias leads
        to its page: neither may reveal a scheduled post before its instant.
        """
        if not pages:
            return self
        folders = tuple(page for page in pages if page.endswith("/"))
        return SiteUrls(
            self.root,
            {url: path for url, path in self.files.items() if not url.startswith(folders)},
            {old: new for old, new in self.redirects.items() if new not in pages},
            self.stamp,
        )

    def file_at(self, path: str) -> str | None:
        """The real path of the file published at ``path`` (``/x/`` serves ``/x/index.html``), if any.

        Checked on every use, not only at load: a symlink swapped in later cannot lead out either.
        """
        relative = self.files.get(path)
        if relative is None and path.endswith("/"):
            relative = self.files.get(path + "index.html")
        if relative is None or _server_config(relative):
            return None
        return safe_path(Path(self.root), relative)

    def unserved(self) -> list[Problem]:
        """A note for each file the generator would publish and feedsvc will not, saying why."""
        notes = []
        for url, relative in self.files.items():
            real = safe_path(Path(self.root), relative)
            if _server_config(relative):
                why = "web server settings (.htaccess, .htpasswd) are never served, as Apache keeps them private"
            elif real is None:
                why = "leads outside the site folder or is not a regular file"
            elif os.path.getsize(real) > MAX_BYTES:
                why = f"is over the {MAX_BYTES // 2**20} MB limit for site files; serve it from a file host"
            else:
                continue
            where = f"{Path(self.root).name}/{relative}"
            notes.append(Problem(path=where, line=1, message=f"not served at {url}: {why}", severity="note"))
        return notes


def _server_config(relative: str) -> bool:
    return os.path.basename(relative).startswith(".ht")


def _list(value) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def site_urls(folder: Path, content: Content) -> SiteUrls:
    """The files and redirects of the site in ``folder``, whose entries are ``content``."""
    kind = content.site.kind
    if kind == "hugo":
        prefix = f"{folder.name}/content/"
        pages = {e.source[len(prefix) :]: e.path for e in content.entries if e.source.startswith(prefix)}
        files = hugo_files(folder, pages)
    elif kind == "jekyll":
        params = content.site.params
        files = jekyll_files(folder, _list(params.get("exclude")), _list(params.get("include")))
    else:
        return SiteUrls()
    redirects = {**list_redirects(content), **feed_redirects(content), **entry_redirects(content)}
    return SiteUrls(str(folder), files, redirects, _stamp(folder, files))


def _stamp(folder: Path, files: dict[str, str]) -> str:
    """A digest of each published file's name, size and modification time."""
    digest = hashlib.sha256()
    for url, relative in sorted(files.items()):
        try:
            info = os.stat(folder / relative)
        except OSError:
            continue
        digest.update(f"{url}\0{relative}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
