"""Small pure helpers for identifiers, slugs and URLs (dates are ``dates.py``'s)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, urlsplit

# Article and author slugs are file names: lowercase ASCII words joined by hyphens.
SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_NOT_WORD = re.compile(r"[\W_]+")


def is_slug(value: str) -> bool:
    """Tell whether ``value`` is a valid article or author slug."""
    return SLUG.fullmatch(value) is not None


@lru_cache(maxsize=4096)
def tag_slug(name: str) -> str:
    """Turn a tag or category name into its URL segment ("Cyber war" -> "cyber-war").

    Unicode letters are kept (and percent-encoded in URLs); an empty result
    means the name cannot be a URL segment.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _NOT_WORD.sub("-", folded).strip("-")


# RFC 3986 pchar and "/": what a URL path and an RFC 4151 specific part may hold unencoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def tag_uri(authority: str, published: datetime, path: str) -> str:
    """Build an RFC 4151 tag URI: ``tag:<authority>,<YYYY-MM-DD>:<path>``, percent-encoded.

    RFC 4151's grammar is ASCII: a Unicode tag's path ("/tags/zürich") is encoded.
    """
    return f"tag:{authority},{published.date().isoformat()}:{quote(path, safe=_PATH_SAFE)}"


def is_absolute_iri(value: str) -> bool:
    """Tell whether ``value`` is an absolute IRI (has a scheme), as atom:id requires."""
    scheme = urlsplit(value).scheme
    return bool(scheme) and ":" in value and not any(c.isspace() for c in value)


def absolute_url(base: str, path: str) -> str:
    """Join a public base URL (no trailing slash) and a root-relative path."""
    return base.rstrip("/") + quote(path, safe=_PATH_SAFE)


def normalize_base_url(value: str) -> str:
    """Validate a public base URL such as ``https://example.org/news``; drop any trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"not an http(s) base URL: {value!r}")
    return value.strip().rstrip("/")
