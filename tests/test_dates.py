"""Dates in one module: RFC 3339, HTTP-date and people's dates, the same in every locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from feedsvc.dates import http_date, long_date, month_name, rfc3339, weekday_name
from feedsvc.jekyll_urls import JekyllPost, placeholders

BST = timezone(timedelta(hours=1))
MOMENT = datetime(2011, 7, 5, 9, 30, 15, 123456, tzinfo=BST)  # a Tuesday


def test_rfc3339_keeps_the_offset_and_drops_microseconds():
    assert rfc3339(MOMENT) == "2011-07-05T09:30:15+01:00"
    assert rfc3339(MOMENT.astimezone(UTC)) == "2011-07-05T08:30:15+00:00"


def test_http_date_is_always_gmt():
    assert http_date(MOMENT) == "Tue, 05 Jul 2011 08:30:15 GMT"


@pytest.mark.parametrize(
    ("moment", "text"),
    [(MOMENT, "5 July 2011"), (datetime(2024, 2, 29, tzinfo=UTC), "29 February 2024")],
)
def test_long_date(moment, text):
    assert long_date(moment) == text


def test_names_are_english():
    assert (month_name(MOMENT), weekday_name(MOMENT)) == ("July", "Tuesday")
    assert weekday_name(datetime(2011, 7, 10, tzinfo=UTC)) == "Sunday"


def test_jekyll_name_placeholders_come_from_the_dates_module():
    values = placeholders(JekyllPost("_posts/2011-07-05-a.md", MOMENT))
    assert (values["short_month"], values["long_month"]) == ("Jul", "July")
    assert (values["short_day"], values["long_day"]) == ("Tue", "Tuesday")
