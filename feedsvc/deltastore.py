"""Earlier versions of the feeds, kept where a reload and a restart find them, for RFC 3229 deltas.

A delta answers "what changed since the version whose ETag you hold". Kept in one
process, those versions are lost on every HUP reload and restart, which is when
the content changes: the feature would never fire. So for each current feed
document the service serves, its ETag and the (id, updated) of its entries are
written to ``delta-<site>.json`` in FEEDSVC_STATE_DIR, a few versions per feed,
atomically and under a file lock shared by the workers. Only with FEEDSVC_DELTA.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

VERSIONS = 4  # earlier versions kept per feed document: a poller a few changes behind still gets a delta

Known = frozenset[tuple[str, str]]  # (entry id, updated as RFC 3339) of one version's entries


def etag_key(etag: str) -> str:
    """The identity ETag's opaque part, whatever coding or weakness the client's copy had."""
    value = etag.strip().removeprefix("W/").strip('"')
    for suffix in ("-gzip", "-br"):
        value = value.removesuffix(suffix)
    return value


class DeltaStore:
    """Feed versions by path: ETag key -> the entries that version held; shared through a file."""

    def __init__(self, folder: Path, content_dir: Path, base: str):
        name = hashlib.sha256(f"{Path(content_dir).resolve()}|{base}".encode()).hexdigest()[:12]
        self.path = Path(folder) / f"delta-{name}.json"
        self.versions: dict[str, dict[str, Known]] = {}
        self.problem: str | None = None

    def known(self, path: str, etags: list[str]) -> Known | None:
        """The entries of the version of ``path`` one of ``etags`` names, if it is remembered."""
        versions = self.versions.get(path, {})
        for etag in etags:
            found = versions.get(etag_key(etag))
            if found is not None:
                return found
        return None

    def record(self, served: dict[str, tuple[str, Known]]) -> None:
        """Remember each path's served version (ETag, entries) and read back what the others wrote."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_suffix(".lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # the workers of one server write in turn
                stored = self._read()
                for path, (etag, known) in served.items():
                    versions = stored.setdefault(path, {})
                    versions.pop(etag_key(etag), None)
                    versions[etag_key(etag)] = sorted(known)  # newest last
                    while len(versions) > VERSIONS:
                        del versions[next(iter(versions))]
                temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(json.dumps(stored, sort_keys=False), encoding="utf-8")
                os.replace(temporary, self.path)
            self.problem = None
        except OSError as exc:  # deltas are an optimisation: serving goes on with full feeds
            self.problem = f"cannot keep feed versions for deltas in {self.path.parent}: {exc}"
            log.error("%s", self.problem)
            stored = {path: {etag_key(etag): sorted(known)} for path, (etag, known) in served.items()}
        self.versions = {
            path: {etag: frozenset(map(tuple, known)) for etag, known in versions.items()}
            for path, versions in stored.items()
        }

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
