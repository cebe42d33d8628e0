"""Static export: lay the catalog out as files a static host serves at the same URLs."""

from __future__ import annotations

from pathlib import Path

SUFFIXES = {"gzip": ".gz", "br": ".br"}


def file_path(directory: Path, path: str) -> Path:
    """Where the document at URL ``path`` goes: pages without an extension become index.html."""
    relative = path.strip("/")
    if not relative:
        return directory / "index.html"
    if "." not in relative.rsplit("/", 1)[-1]:
        return directory / relative / "index.html"
    return directory / relative


def export_catalog(catalog, directory: Path) -> int:
    """Write every resource and its precompressed variants; return the number of files."""
    count = 0
    for path in catalog.paths():
        resource = catalog.get(path)
        target = file_path(directory, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        for coding, variant in resource.variants.items():
            destination = target.with_name(target.name + SUFFIXES.get(coding, ""))
            destination.write_bytes(variant.body)
            count += 1
    return count
