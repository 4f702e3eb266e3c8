"""Dates as mail clients print them, in the languages a UK council meets; numeric dates are UK day-first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from spocmail.mail.dates import LONDON, parse_header_date, parse_loose_date

UTC = timezone.utc


@pytest.mark.parametrize(
    "text",
    [
        "Mittwoch, 14. Januar 2026 10:15",
        "mercredi 14 janvier 2026 10:15",
        "miércoles, 14 de enero de 2026 10:15",
        "mercoledì 14 gennaio 2026 10:15",
        "woensdag 14 januari 2026 10:15",
        "quarta-feira, 14 de janeiro de 2026 10:15",
        "środa, 14 stycznia 2026 10:15",
        "Dydd Mercher, 14 Ionawr 2026 10:15",
        "Wed, 14 Jan 2026 at 10:15",
        "Wednesday, January 14, 2026 10:15 AM",
        "14 January 2026 at 10:15:00 GMT",
        "14/01/2026 10:15 (GMT+00:00)",
        "14.01.2026 10:15",
        "mar. 14 janv. 2026 à 10:15",
        "Mi., 14. Jan. 2026 um 10:15 Uhr",
        "Wednesday, 14 January 2026, 10:15:00 GMT",
        "2026-01-14 10:15",
    ],
)
def test_localised_dates_read_as_the_same_instant(text):
    assert parse_loose_date(text).astimezone(UTC).replace(second=0) == datetime(2026, 1, 14, 10, 15, tzinfo=UTC)


def test_numeric_dates_are_day_first_unless_only_month_first_makes_sense():
    assert parse_loose_date("03/02/2026 10:15").month == 2
    assert parse_loose_date("01/14/2026 10:15").day == 14


def test_summer_dates_without_zone_are_british_summer_time():
    value = parse_loose_date("14 July 2026 10:15")
    assert value.utcoffset() == timedelta(hours=1)
    assert value.tzinfo == LONDON


def test_stated_offsets_are_kept():
    assert parse_loose_date("Wed, 14 Jan 2026 23:45:10 -0800").utcoffset() == timedelta(hours=-8)
    assert parse_loose_date("14/07/2026 10:15 (GMT+01:00)").utcoffset() == timedelta(hours=1)


def test_unreadable_dates_are_none():
    assert parse_loose_date("next Tuesday") is None
    assert parse_loose_date("") is None
    assert parse_header_date("garbage") is None


def test_pm_times():
    assert parse_loose_date("Wednesday, January 14, 2026 3:15 PM").hour == 15
    assert parse_loose_date("14 January 2026 12:05 am").hour == 0
