"""One small normaliser per front-matter field kind.

Each takes the raw YAML value and returns the clean value, or raises
``FieldError`` with a message for the reader to report as ``path:line: message``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from .markup import xml_safe
from .urls import is_absolute_iri, tag_slug

# Fills the parts a lenient date string leaves out, instead of today's date.
_DATE_DEFAULT = datetime(2000, 1, 1)


class FieldError(ValueError):
    """A front-matter value that cannot be used."""


def text(value: object, *, required: bool = False) -> str:
    """Return a one-line string (numbers are accepted as text)."""
    if value is None:
        if required:
            raise FieldError("is required")
        return ""
    if isinstance(value, (dict, list, bool)):
        raise FieldError("must be text")
    cleaned = " ".join(xml_safe(str(value)).split())
    if required and not cleaned:
        raise FieldError("must not be empty")
    return cleaned


def text_list(value: object) -> tuple[str, ...]:
    """Return a tuple of strings from a string or a list of strings, without duplicates."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    result: list[str] = []
    for item in items:
        cleaned = text(item, required=True)
        if cleaned not in result:
            result.append(cleaned)
    return tuple(result)


def image(value: object) -> str:
    """Return an image URL: a string, the first of a list (Hugo's ``images``) or a mapping's ``path``/``url``
    (jekyll-seo-tag's ``image: {path: ...}``)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("path") or value.get("url")
    return text(value)


def people(value: object) -> tuple[str, ...]:
    """Return the names an ``author``/``authors`` value gives: a string, a list, or mappings with a name."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or item.get("display_name")
        names.append(item)
    return text_list(names)


def tag_names(value: object, *, split: bool = False) -> tuple[str, ...]:
    """Return tag or category names, each of which must make a URL segment.

    With ``split``, a string holds several names separated by spaces, as Jekyll reads
    ``categories: news releases``.
    """
    if split and isinstance(value, str):
        value = value.split()
    names = text_list(value)
    for name in names:
        if not tag_slug(name):
            raise FieldError(f"{name!r} cannot be a URL segment (it has no letter or digit)")
    return names


def moment(value: object, zone: ZoneInfo) -> datetime:
    """Parse a date or date-time; values without a zone take the site's zone.

    A date without a time means 00:00 on that day, as Hugo and Jekyll read it.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, date)):
        raise FieldError("must be a date such as 2011-07-05 or 2011-07-05T09:30:00+01:00")
    raw = str(value).strip()
    try:
        parsed = dateparser.isoparse(raw)
    except (ValueError, OverflowError):
        try:
            parsed = dateparser.parse(raw, default=_DATE_DEFAULT)
        except (ValueError, OverflowError, TypeError):
            raise FieldError(f"{raw!r} is not a date such as 2011-07-05 or 2011-07-05T09:30:00+01:00") from None
    if isinstance(parsed, date) and not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        parsed.utcoffset()
        parsed.astimezone(ZoneInfo("UTC"))
    except (ValueError, OverflowError):
        raise FieldError(f"{raw!r} is out of range") from None
    if not 1000 <= parsed.year <= 9999:
        raise FieldError(f"{raw!r}: the year must have four digits")
    offset = parsed.utcoffset()
    if offset is not None and offset.seconds % 60:
        # Local mean time before standard zones (London before 1847) has offsets in
        # seconds, which RFC 3339 and RFC 822 cannot write: use UTC instead.
        parsed = parsed.astimezone(ZoneInfo("UTC"))
    return parsed.replace(microsecond=0)


def flag(value: object) -> bool:
    """Return a yes/no value such as ``draft: true``."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FieldError("must be true or false")
    return value


def iri(value: object) -> str:
    """Return a pinned entry id, which must be an absolute IRI (RFC 4287 4.2.6)."""
    cleaned = text(value, required=True)
    if not is_absolute_iri(cleaned):
        raise FieldError(f"{cleaned!r} is not an absolute IRI such as tag:example.org,2011:post-1")
    return cleaned


def email(value: object) -> str:
    """Return an email address, or "" when none is given."""
    cleaned = text(value)
    if cleaned and ("@" not in cleaned or " " in cleaned):
        raise FieldError(f"{cleaned!r} is not an email address")
    return cleaned
