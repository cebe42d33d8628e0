"""RFC 3229 delta encoding with the "feed" instance manipulation.

A client that sends ``A-IM: feed`` and the ETag of a version it already has
gets ``226 IM Used`` and only the entries that are new or changed since then.
Only with FEEDSVC_DELTA=true. Earlier versions are those any worker served, kept in
FEEDSVC_STATE_DIR so that they survive a reload and a restart (deltastore.py); an
ETag none of them had gets the full feed, as RFC 3229 allows.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from .catalog import Catalog
from .dates import rfc3339
from .deltastore import Known
from .formats import FORMATS, render_feed
from .http import Resource, compress
from .responses import delta_headers


def answer(service, catalog: Catalog, resource: Resource, environ: dict, path: str, coding: str):
    """Return (status, headers, body) for a delta request, or None to send the full feed."""
    etags = [etag for etag in environ["HTTP_IF_NONE_MATCH"].split(",") if etag.strip()]
    known = service.deltas.known(path, etags)
    if known is None:
        return None
    key = (path, known, coding)
    return catalog.derived(key, partial(_delta, catalog, known, resource, coding))


def entries_of(doc) -> Known:
    """What a delta compares: each entry's id and updated instant."""
    return frozenset((entry.id, rfc3339(entry.updated)) for entry in doc.entries)


def _delta(catalog: Catalog, known: Known, new: Resource, coding: str) -> tuple[str, list, bytes]:
    doc, fmt = new.extra["doc"], new.extra["fmt"]
    changed = tuple(entry for entry in doc.entries if (entry.id, rfc3339(entry.updated)) not in known)
    body = render_feed(replace(doc, entries=changed), fmt, catalog.content.site, catalog.pub)
    if coding != "identity":
        body = compress(body, coding)
    headers = delta_headers(FORMATS[fmt].content_type, coding, len(body), new.variants[coding].etag)
    return "226 IM Used", headers, body
