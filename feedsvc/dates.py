"""Dates as feeds, HTTP, URLs and people write them: locale-free, from aware datetimes.

``strftime`` names months and days in the process locale; these never do, so
the same instant gives the same bytes on every host. Nothing here reads the
clock: callers pass the instant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # ISO order


def rfc3339(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 (Atom, JSON Feed, sitemaps), e.g. 2011-07-05T00:00:00+01:00."""
    return moment.isoformat(timespec="seconds")


def http_date(moment: datetime) -> str:
    """Format an aware datetime as an HTTP-date (RFC 9110 5.6.7), always in GMT."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def long_date(moment: datetime) -> str:
    """Format a date for people, the same in every locale: "5 July 2011"."""
    return f"{moment.day} {month_name(moment)} {moment.year}"


def month_name(moment: datetime) -> str:
    """The English name of the month: "July"."""
    return MONTHS[moment.month - 1]


def weekday_name(moment: datetime) -> str:
    """The English name of the weekday: "Tuesday"."""
    return WEEKDAYS[moment.weekday()]
