"""RFC 3229 delta encoding with the "feed" instance manipulation.

A client that sends ``A-IM: feed`` and the ETag of a version it already has
gets ``226 IM Used`` and only the entries that are new or changed since then.
Earlier versions are those this process served before a reload; an ETag it
does not know gets the full feed, as RFC 3229 allows.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from werkzeug.http import parse_etags

from .catalog import Catalog
from .formats import FORMATS, render_feed
from .http import Resource, compress
from .responses import delta_headers


def answer(service, catalog: Catalog, resource: Resource, environ: dict, path: str, coding: str):
    """Return (status, headers, body) for a delta request, or None to send the full feed."""
    wanted = parse_etags(environ["HTTP_IF_NONE_MATCH"])
    for old in service.previous_resources(path):
        if any(wanted.contains_weak(variant.etag.strip('"')) for variant in old.variants.values()):
            key = (path, old.variants["identity"].etag, coding)
            return catalog.derived(key, partial(_delta, catalog, old, resource, coding))
    return None


def _delta(catalog: Catalog, old: Resource, new: Resource, coding: str) -> tuple[str, list, bytes]:
    doc, fmt = new.extra["doc"], new.extra["fmt"]
    known = {(entry.id, entry.updated) for entry in old.extra["doc"].entries}
    changed = tuple(entry for entry in doc.entries if (entry.id, entry.updated) not in known)
    body = render_feed(replace(doc, entries=changed), fmt, catalog.content.site, catalog.pub)
    if coding != "identity":
        body = compress(body, coding)
    headers = delta_headers(FORMATS[fmt].content_type, coding, len(body), new.variants[coding].etag)
    return "226 IM Used", headers, body
