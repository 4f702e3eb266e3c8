"""The statutory clock: working days across the UK, receipt dates in London, and each kind's due date.

Every expected date below was worked out by hand from a printed calendar, with the count in a
comment, never by asking the code under test.
"""

from __future__ import annotations

import json
import time
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from spocmail import config
from spocmail.deadlines import (
    DEFAULT_RULES_PATH,
    REGIONS,
    REQUIRED_KINDS,
    WorkingCalendar,
    deadline_report,
    due_date,
    load_rules,
    receipt_date,
)
from spocmail.errors import ConfigError

D = date.fromisoformat
UTC = timezone.utc
BST = timezone(timedelta(hours=1))


@pytest.fixture(scope="module")
def uk() -> WorkingCalendar:
    return WorkingCalendar("uk")


@pytest.fixture(scope="module")
def england_and_wales() -> WorkingCalendar:
    return WorkingCalendar("england-and-wales")


@pytest.fixture(scope="module")
def scotland() -> WorkingCalendar:
    return WorkingCalendar("scotland")


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def due(kind, received, calendar, pauses=(), rules=None) -> date:
    return due_date(kind, received, calendar, pauses, rules).due


# --------------------------------------------------------------------------- the examples in DOMAIN.md

def test_foi_received_wednesday_14_january_2026_is_due_wednesday_11_february(uk):
    # Thu 15, Fri 16 (2); 19-23 Jan (7); 26-30 Jan (12); 2-6 Feb (17); 9, 10, 11 Feb (20).
    assert due("foi", D("2026-01-14"), uk) == D("2026-02-11")


def test_foi_received_before_august_bank_holiday_skips_it(uk):
    # Fri 28 Aug 2026; Mon 31 Aug is the Late Summer Bank Holiday.
    # 1-4 Sep (4); 7-11 (9); 14-18 (14); 21-25 (19); Mon 28 Sep (20).
    deadline = due_date("foi", D("2026-08-28"), uk)
    assert deadline.due == D("2026-09-28")
    assert [d for d, _ in deadline.skipped] == [D("2026-08-31")]
    assert "Late Summer Bank Holiday" in deadline.skipped[0][1]


def test_eir_extended_for_complex_requests_is_the_40th_working_day(uk):
    # The 20th working day after 14 Jan 2026 is 11 Feb (above).
    # Thu 12, Fri 13 (22); 16-20 Feb (27); 23-27 Feb (32); 2-6 Mar (37); 9, 10, 11 Mar (40).
    assert due("eir-extended", D("2026-01-14"), uk) == D("2026-03-11")


def test_eir_counts_20_working_days_like_foi(uk):
    # Same count as the FOI example: 14 Jan 2026 -> 11 Feb 2026.
    assert due("eir", D("2026-01-14"), uk) == D("2026-02-11")


def test_foi_clarification_restarts_the_count_from_the_date_it_arrives(uk):
    # Received Fri 2 Oct 2026, clarification asked Mon 5 Oct, received Mon 12 Oct.
    # Count from 12 Oct: 13-16 Oct (4); 19-23 (9); 26-30 (14); 2-6 Nov (19); Mon 9 Nov (20).
    deadline = due_date("foi", D("2026-10-02"), uk, pauses=[(D("2026-10-05"), D("2026-10-12"))])
    assert deadline.due == D("2026-11-09")
    assert deadline.received == D("2026-10-02")
    assert deadline.start == D("2026-10-12")
    assert any("starts again from zero" in step for step in deadline.steps)


def test_sar_received_31_august_is_due_on_the_last_day_of_september(uk):
    # September has no 31st, so its last day, Wed 30 Sep 2026, a working day.
    assert due("sar", D("2026-08-31"), uk) == D("2026-09-30")


def test_sar_received_30_january_rolls_from_saturday_28_february_to_monday(uk):
    # 30 Feb does not exist -> Sat 28 Feb 2026 -> Sun 1 Mar -> Mon 2 Mar 2026.
    assert due("sar", D("2026-01-30"), uk) == D("2026-03-02")


def test_complaint_is_due_on_the_15th_working_day(uk):
    # Fri 2 Oct 2026: 5-9 Oct (5); 12-16 (10); 19-23 (15) -> Fri 23 Oct.
    assert due("complaint", D("2026-10-02"), uk) == D("2026-10-23")


def test_appeal_against_the_arrangement_is_decided_within_5_working_days(uk):
    # Fri 2 Oct 2026: Mon 5 to Fri 9 Oct are days 1 to 5.
    assert due("appeal-decision", D("2026-10-02"), uk) == D("2026-10-09")


# --------------------------------------------------------------------------- receipt on a non-working day

def test_foi_received_on_saturday_counts_from_monday(uk):
    # Sat 17 Jan 2026: day 1 is Mon 19 Jan. 19-23 (5); 26-30 (10); 2-6 Feb (15); 9-13 Feb (20).
    assert due("foi", D("2026-01-17"), uk) == D("2026-02-13")


def test_foi_received_on_sunday_is_due_the_same_day_as_one_received_on_saturday(uk):
    # Sun 18 Jan 2026: day 1 is still Mon 19 Jan -> Fri 13 Feb.
    assert due("foi", D("2026-01-18"), uk) == D("2026-02-13")


def test_foi_received_friday_or_at_the_weekend_has_the_same_monday_as_day_1(uk):
    # Fri 16 Jan 2026: day 1 is Mon 19 Jan too, so the same Fri 13 Feb as Saturday and Sunday.
    assert due("foi", D("2026-01-16"), uk) == D("2026-02-13")
    # Thu 15 Jan: day 1 is Fri 16 Jan, one working day earlier -> Thu 12 Feb.
    assert due("foi", D("2026-01-15"), uk) == D("2026-02-12")


def test_foi_received_on_a_bank_holiday_counts_from_the_next_working_day(uk):
    # Mon 31 Aug 2026 (bank holiday): day 1 is Tue 1 Sep -> Mon 28 Sep, the same as Fri 28 Aug.
    deadline = due_date("foi", D("2026-08-31"), uk)
    assert deadline.due == D("2026-09-28")
    assert any("not a working day" in note for note in deadline.notes)


def test_foi_received_on_good_friday_counts_from_the_tuesday_after_easter(uk):
    # Fri 3 Apr 2026 (Good Friday): Mon 6 Apr is Easter Monday, so day 1 is Tue 7 Apr.
    # 7-10 Apr (4); 13-17 (9); 20-24 (14); 27 Apr-1 May (19); Mon 4 May is May Day; Tue 5 May (20).
    assert due("foi", D("2026-04-03"), uk) == D("2026-05-05")


# --------------------------------------------------------------------------- Christmas and New Year

def test_foi_over_christmas_skips_christmas_boxing_day_substitute_and_new_year(uk):
    # Fri 18 Dec 2026. Boxing Day is a Saturday, so Mon 28 Dec is its substitute.
    # 2 Jan 2027 (Scotland) is a Saturday, so Mon 4 Jan is its substitute, and the UK clock stops.
    # 21-24 Dec (4); [25, 28 Dec]; 29-31 Dec (7); [1 Jan, 4 Jan]; 5-8 Jan (11);
    # 11-15 Jan (16); 18-21 Jan (20) -> Thu 21 Jan 2027.
    deadline = due_date("foi", D("2026-12-18"), uk)
    assert deadline.due == D("2027-01-21")
    assert [d for d, _ in deadline.skipped] == [D("2026-12-25"), D("2026-12-28"), D("2027-01-01"),
                                                D("2027-01-04")]


def test_an_english_councils_foi_over_christmas_still_skips_the_scottish_2_january(england_and_wales):
    # The FOI Act counts a bank holiday in any part of the UK, whatever the council's own nation.
    assert due("foi", D("2026-12-18"), england_and_wales) == D("2027-01-21")
    # Its own working days would not: Mon 4 Jan 2027 is a working day: 4-8 Jan are days 8-12;
    # 11-15 Jan (17); 18, 19, 20 Jan (20) -> Wed 20 Jan 2027.
    assert england_and_wales.add_working_days(D("2026-12-18"), 20) == D("2027-01-20")


def test_christmas_and_boxing_day_on_a_weekend_move_to_monday_and_tuesday(uk):
    # 25 Dec 2027 is a Saturday, 26 Dec a Sunday: substitutes Mon 27 and Tue 28 Dec.
    assert not uk.is_working_day(D("2027-12-27"))
    assert not uk.is_working_day(D("2027-12-28"))
    assert "Christmas Day (observed)" in uk.holiday_name(D("2027-12-27"))
    assert "Boxing Day (observed)" in uk.holiday_name(D("2027-12-28"))
    assert uk.is_working_day(D("2027-12-29"))


def test_complaint_over_christmas_2027_skips_four_substitute_days(uk):
    # Thu 23 Dec 2027. 1 Jan 2028 is a Saturday (substitute Mon 3 Jan) and 2 Jan a Sunday
    # (Scottish substitute Tue 4 Jan).
    # Fri 24 Dec (1); [27, 28 Dec]; 29, 30, 31 Dec (4); [3, 4 Jan]; 5, 6, 7 Jan (7);
    # 10-14 Jan (12); 17, 18, 19 Jan (15) -> Wed 19 Jan 2028.
    assert due("complaint", D("2027-12-23"), uk) == D("2028-01-19")


def test_complaint_over_christmas_2027_in_england_and_wales_works_on_4_january(england_and_wales):
    # As above, but Tue 4 Jan 2028 is day 5: 4-7 Jan (8); 10-14 Jan (13); 17, 18 Jan (15).
    assert due("complaint", D("2027-12-23"), england_and_wales) == D("2028-01-18")


def test_2_january_is_a_scottish_bank_holiday_that_stops_the_uk_clock(uk, england_and_wales):
    # Fri 2 Jan 2026.
    assert not uk.is_working_day(D("2026-01-02"))
    assert "Scotland" in uk.holiday_name(D("2026-01-02"))
    assert england_and_wales.is_working_day(D("2026-01-02"))


def test_foi_received_new_years_eve_skips_new_years_day_and_2_january(uk, england_and_wales):
    # Wed 31 Dec 2025. [Thu 1, Fri 2 Jan]; 5-9 Jan (5); 12-16 (10); 19-23 (15); 26-30 (20) -> Fri 30 Jan.
    assert due("foi", D("2025-12-31"), uk) == D("2026-01-30")
    # An English council's FOI clock stops on 2 Jan too (FOI Act s.10(6))...
    assert due("foi", D("2025-12-31"), england_and_wales) == D("2026-01-30")
    # ...though its own working days run: Fri 2 Jan is day 1; 5-9 (6); 12-16 (11); 19-23 (16); 26-29 (20).
    assert england_and_wales.add_working_days(D("2025-12-31"), 20) == D("2026-01-29")


# --------------------------------------------------------------------------- Easter

def test_good_friday_and_easter_monday_are_not_working_days(uk):
    # Easter Sunday 2026 is 5 April.
    assert uk.holiday_name(D("2026-04-03")) == "Good Friday"
    assert not uk.is_working_day(D("2026-04-03"))
    assert "Easter Monday" in uk.holiday_name(D("2026-04-06"))
    assert not uk.is_working_day(D("2026-04-06"))
    assert uk.is_working_day(D("2026-04-07"))


def test_foi_received_before_easter_skips_good_friday_easter_monday_and_may_day(uk):
    # Thu 2 Apr 2026. [Fri 3, Mon 6 Apr]; 7-10 Apr (4); 13-17 (9); 20-24 (14);
    # 27 Apr-1 May (19); [Mon 4 May, May Day]; Tue 5 May (20).
    assert due("foi", D("2026-04-02"), uk) == D("2026-05-05")


def test_easter_monday_is_not_a_scottish_bank_holiday(scotland):
    # Thu 2 Apr 2026, Scotland only: [Fri 3 Apr]; Mon 6 Apr (1); 7-10 (5); 13-17 (10);
    # 20-24 (15); 27 Apr-1 May (20) -> Fri 1 May.
    assert scotland.is_working_day(D("2026-04-06"))
    assert scotland.add_working_days(D("2026-04-02"), 20) == D("2026-05-01")
    # A Scottish council's FOI clock still stops on Easter Monday (a bank holiday elsewhere in the UK).
    assert due("foi", D("2026-04-02"), scotland) == D("2026-05-05")


# --------------------------------------------------------------------------- Scotland

def test_first_monday_in_august_is_a_scottish_bank_holiday_that_stops_the_uk_clock(uk, scotland,
                                                                                 england_and_wales):
    # Fri 31 Jul 2026. Scotland's Summer Bank Holiday is Mon 3 Aug; elsewhere it is Mon 31 Aug.
    # UK: [3 Aug]; 4-7 (4); 10-14 (9); 17-21 (14); 24-28 (19); [31 Aug]; Tue 1 Sep (20).
    assert due("foi", D("2026-07-31"), uk) == D("2026-09-01")
    # Scotland's own working days: [3 Aug]; ... 24-28 (19); Mon 31 Aug is a working day there (20).
    assert scotland.add_working_days(D("2026-07-31"), 20) == D("2026-08-31")
    # England and Wales's: 3 Aug (1); 4-7 (5); 10-14 (10); 17-21 (15); 24-28 (20) -> Fri 28 Aug.
    assert england_and_wales.add_working_days(D("2026-07-31"), 20) == D("2026-08-28")
    # But FOI counts both holidays for every council.
    assert due("foi", D("2026-07-31"), scotland) == due("foi", D("2026-07-31"), england_and_wales) == D("2026-09-01")


def test_st_andrews_day_is_a_scottish_bank_holiday(uk, england_and_wales):
    # Mon 30 Nov 2026.
    assert not uk.is_working_day(D("2026-11-30"))
    assert "Saint Andrew's Day" in uk.holiday_name(D("2026-11-30"))
    assert england_and_wales.is_working_day(D("2026-11-30"))


def test_st_andrews_day_on_a_weekend_moves_to_monday(uk):
    # 30 Nov 2025 is a Sunday -> Mon 1 Dec 2025; 30 Nov 2024 is a Saturday -> Mon 2 Dec 2024.
    assert not uk.is_working_day(D("2025-12-01"))
    assert "Saint Andrew's Day (observed)" in uk.holiday_name(D("2025-12-01"))
    assert not uk.is_working_day(D("2024-12-02"))


def test_foi_received_before_st_andrews_substitute_day_runs_past_christmas(uk, england_and_wales):
    # Fri 28 Nov 2025. [Mon 1 Dec]; 2-5 Dec (4); 8-12 (9); 15-19 (14); 22-24 (17);
    # [Thu 25, Fri 26]; 29, 30, 31 Dec (20) -> Wed 31 Dec 2025.
    assert due("foi", D("2025-11-28"), uk) == D("2025-12-31")
    # England and Wales's own days: 1 Dec (1); 2-5 (5); 8-12 (10); 15-19 (15); 22-24 (18); 29, 30 (20);
    # its FOI clock stops on the Scottish substitute day all the same.
    assert england_and_wales.add_working_days(D("2025-11-28"), 20) == D("2025-12-30")
    assert due("foi", D("2025-11-28"), england_and_wales) == D("2025-12-31")


def test_scotlands_proclaimed_world_cup_bank_holiday_2026_stops_the_uk_clock(uk, england_and_wales):
    # Mon 15 Jun 2026, proclaimed by the Privy Council for Scotland only.
    assert not uk.is_working_day(D("2026-06-15"))
    assert "Scotland" in uk.holiday_name(D("2026-06-15"))
    assert england_and_wales.is_working_day(D("2026-06-15"))


# --------------------------------------------------------------------------- Northern Ireland

def test_st_patricks_day_stops_the_uk_clock(uk):
    # Mon 16 Mar 2026. [Tue 17 Mar]; 18-20 (3); 23-27 (8); 30 Mar-2 Apr (12);
    # [Good Friday 3 Apr, Easter Monday 6 Apr]; 7-10 Apr (16); 13-16 Apr (20) -> Thu 16 Apr.
    deadline = due_date("foi", D("2026-03-16"), uk)
    assert deadline.due == D("2026-04-16")
    assert "Northern Ireland" in dict(deadline.skipped)[D("2026-03-17")]


def test_st_patricks_day_is_an_english_working_day_but_stops_its_foi_clock(england_and_wales):
    # Mon 16 Mar 2026. 17-20 (4); 23-27 (9); 30 Mar-2 Apr (13); [3, 6 Apr]; 7-10 Apr (17);
    # 13, 14, 15 Apr (20) -> Wed 15 Apr.
    assert england_and_wales.is_working_day(D("2026-03-17"))
    assert england_and_wales.add_working_days(D("2026-03-16"), 20) == D("2026-04-15")
    deadline = due_date("foi", D("2026-03-16"), england_and_wales)
    assert deadline.due == D("2026-04-16") and deadline.region == "uk"


def test_st_patricks_day_on_a_sunday_moves_to_monday(uk):
    # 17 Mar 2024 is a Sunday -> Mon 18 Mar 2024.
    assert not uk.is_working_day(D("2024-03-18"))


def test_northern_ireland_calendar_keeps_st_patricks_day():
    assert not WorkingCalendar("northern-ireland").is_working_day(D("2026-03-17"))


def test_battle_of_the_boyne_stops_the_uk_clock(uk):
    # 12 Jul 2027 is a Monday.
    assert not uk.is_working_day(D("2027-07-12"))
    assert "Battle of the Boyne" in uk.holiday_name(D("2027-07-12"))


def test_complaint_over_the_boyne_substitute_and_scottish_august_holiday(uk, england_and_wales):
    # Fri 10 Jul 2026. 12 Jul is a Sunday, so Mon 13 Jul is the substitute.
    # [13 Jul]; 14-17 (4); 20-24 (9); 27-31 (14); [Mon 3 Aug, Scotland]; Tue 4 Aug (15).
    assert due("complaint", D("2026-07-10"), uk) == D("2026-08-04")
    # England and Wales: 13 Jul (1); 14-17 (5); 20-24 (10); 27-31 (15) -> Fri 31 Jul.
    assert due("complaint", D("2026-07-10"), england_and_wales) == D("2026-07-31")


# --------------------------------------------------------------------------- whose holidays, per purpose

def test_an_english_councils_subject_access_ignores_st_patricks_day(england_and_wales, uk):
    # Received Tue 17 Feb 2026: one month is Tue 17 Mar, St Patrick's Day, a working day in England.
    deadline = due_date("sar", D("2026-02-17"), england_and_wales)
    assert deadline.due == D("2026-03-17") and deadline.region == "england-and-wales"
    # A council counting every nation's holidays ("uk") moves it to Wed 18 Mar.
    assert due("sar", D("2026-02-17"), uk) == D("2026-03-18")
    assert due("sar", D("2026-02-17"), WorkingCalendar("northern-ireland")) == D("2026-03-18")


def test_an_english_councils_subject_access_ignores_st_andrews_day(england_and_wales, scotland):
    # Received Fri 30 Oct 2026: one month is Mon 30 Nov, St Andrew's Day, a working day in England.
    assert due("sar", D("2026-10-30"), england_and_wales) == D("2026-11-30")
    assert due("sar", D("2026-10-30"), scotland) == D("2026-12-01")


def test_an_english_councils_foi_still_stops_on_st_andrews_day(england_and_wales):
    # Mon 2 Nov 2026: 3-6 Nov (4); 9-13 (9); 16-20 (14); 23-27 (19); [Mon 30 Nov]; Tue 1 Dec (20).
    deadline = due_date("foi", D("2026-11-02"), england_and_wales)
    assert deadline.due == D("2026-12-01") and deadline.region == "uk"
    assert "Scotland" in dict(deadline.skipped)[D("2026-11-30")]
    assert due("eir", D("2026-11-02"), england_and_wales) == D("2026-12-01")


def test_a_complaint_is_counted_in_the_councils_own_working_days(england_and_wales):
    # Mon 9 Mar 2026, 15 working days: 10-13 (4); 16-20 (9); 23-27 (14); Mon 30 Mar (15) in England;
    # Northern Ireland's St Patrick's Day (Tue 17 Mar) pushes it to Tue 31 Mar there.
    assert due("complaint", D("2026-03-09"), england_and_wales) == D("2026-03-30")
    assert due("complaint", D("2026-03-09"), WorkingCalendar("northern-ireland")) == D("2026-03-31")


def test_extra_closures_count_for_foi_whatever_the_council_nation():
    calendar = WorkingCalendar("england-and-wales", extra_closures={D("2026-01-16"): "Royal wedding"})
    assert due("foi", D("2026-01-14"), calendar) == D("2026-02-12")


# --------------------------------------------------------------------------- one-off proclaimed days

def test_queens_state_funeral_2022_was_a_bank_holiday(uk):
    # Mon 19 Sep 2022. Fri 16 Sep: [19 Sep]; 20-23 (4); 26-30 (9); 3-7 Oct (14);
    # 10-14 Oct (19); Mon 17 Oct (20).
    assert "State Funeral" in uk.holiday_name(D("2022-09-19"))
    assert due("foi", D("2022-09-16"), uk) == D("2022-10-17")


def test_platinum_jubilee_2022_moved_the_spring_bank_holiday(uk):
    # Spring Bank Holiday moved from Mon 30 May to Thu 2 Jun 2022; the Jubilee was Fri 3 Jun.
    assert uk.is_working_day(D("2022-05-30"))
    assert not uk.is_working_day(D("2022-06-02"))
    assert "Platinum Jubilee" in uk.holiday_name(D("2022-06-03"))


def test_coronation_2023_was_a_bank_holiday(uk):
    # Fri 5 May 2023: [Mon 8 May, Coronation]; 9-12 (4); 15-19 (9); 22-26 (14);
    # [Mon 29 May, Spring Bank Holiday]; Tue 30 May (15).
    assert "Coronation" in uk.holiday_name(D("2023-05-08"))
    assert due("complaint", D("2023-05-05"), uk) == D("2023-05-30")


def test_a_council_can_add_a_newly_proclaimed_bank_holiday(uk):
    # A closure on Fri 16 Jan 2026. From Wed 14 Jan: Thu 15 (1); [16]; 19-23 (6); 26-30 (11);
    # 2-6 Feb (16); 9-12 Feb (20) -> Thu 12 Feb, a day later than 11 Feb.
    calendar = WorkingCalendar("uk", extra_closures={D("2026-01-16"): "Royal wedding"})
    assert calendar.holiday_name(D("2026-01-16")) == "Royal wedding"
    assert due("foi", D("2026-01-14"), calendar) == D("2026-02-12")
    assert WorkingCalendar("uk", extra_closures=[D("2026-01-16")]).holiday_name(D("2026-01-16"))


# --------------------------------------------------------------------------- regions

def test_unknown_holiday_region_names_the_config_key_and_the_choices():
    with pytest.raises(ConfigError) as err:
        WorkingCalendar("wales")
    message = str(err.value)
    assert "[council] holidays" in message
    for region in ("uk", "england-and-wales", "scotland", "northern-ireland"):
        assert f'"{region}"' in message


def test_calendar_regions_are_the_ones_config_accepts():
    assert tuple(REGIONS) == config.HOLIDAY_REGIONS


# --------------------------------------------------------------------------- calendar arithmetic

def test_next_and_previous_working_day_step_over_holidays(uk):
    # After Fri 24 Dec 2027: [Sat 25, Sun 26, Mon 27, Tue 28] -> Wed 29 Dec.
    assert uk.next_working_day(D("2027-12-24")) == D("2027-12-29")
    # Before Tue 5 Jan 2027: [Mon 4 (Scotland), Sun 3, Sat 2, Fri 1 Jan] -> Thu 31 Dec 2026.
    assert uk.previous_working_day(D("2027-01-05")) == D("2026-12-31")
    # "Next" is strictly after, even from a working day.
    assert uk.next_working_day(D("2026-01-14")) == D("2026-01-15")


def test_adding_working_days_counts_from_the_day_after(uk):
    assert uk.add_working_days(D("2026-01-14"), 0) == D("2026-01-14")
    assert uk.add_working_days(D("2026-01-14"), 1) == D("2026-01-15")
    # Sat 17 Jan: day 1 is Mon 19 Jan.
    assert uk.add_working_days(D("2026-01-17"), 1) == D("2026-01-19")
    # Back one from Tue 29 Dec 2026: [Mon 28, Sun 27, Sat 26, Fri 25] -> Thu 24 Dec.
    assert uk.add_working_days(D("2026-12-29"), -1) == D("2026-12-24")


def test_working_days_between_is_the_count_from_the_day_after(uk):
    # 14 Jan -> 11 Feb 2026 is the 20-working-day FOI example.
    assert uk.working_days_between(D("2026-01-14"), D("2026-02-11")) == 20
    assert uk.working_days_between(D("2026-02-11"), D("2026-01-14")) == -20
    assert uk.working_days_between(D("2026-01-14"), D("2026-01-14")) == 0
    # Fri 18 Dec 2026 -> Thu 21 Jan 2027 is the Christmas example above.
    assert uk.working_days_between(D("2026-12-18"), D("2027-01-21")) == 20


def test_holiday_names_are_none_on_ordinary_days_and_kept_for_weekend_holidays(uk):
    assert uk.holiday_name(D("2026-01-14")) is None
    assert uk.holiday_name(D("2026-01-17")) is None          # a plain Saturday
    assert uk.holiday_name(D("2026-12-26")) == "Boxing Day"  # a Saturday in 2026


def test_computing_a_due_date_is_fast_once_the_calendar_is_warm(uk):
    due_date("foi", D("2026-01-14"), uk)
    started = time.perf_counter()
    for _ in range(2000):
        due_date("foi", D("2026-01-14"), uk)
    # Microseconds each in practice; a generous bound so a slow machine does not fail.
    assert time.perf_counter() - started < 1.0


# --------------------------------------------------------------------------- date of receipt

def test_mail_at_23_30_utc_in_summer_was_received_the_next_london_day(uk):
    # 23:30 UTC on 12 May 2026 is 00:30 BST on 13 May.
    instant = datetime(2026, 5, 12, 23, 30, tzinfo=UTC)
    assert receipt_date(instant) == D("2026-05-13")
    # From Wed 13 May: 14, 15 (2); 18-22 (7); [Mon 25 May, Spring Bank Holiday]; 26-29 (11);
    # 1-5 Jun (16); 8-11 Jun (20) -> Thu 11 Jun. Counting from the UTC date would give Wed 10 Jun.
    deadline = due_date("foi", instant, uk)
    assert deadline.received == D("2026-05-13")
    assert deadline.due == D("2026-06-11")


def test_mail_at_00_30_bst_was_received_that_day():
    assert receipt_date(datetime(2026, 5, 13, 0, 30, tzinfo=BST)) == D("2026-05-13")
    assert receipt_date("2026-05-13T00:30:00+01:00") == D("2026-05-13")


def test_mail_at_23_30_utc_in_winter_was_received_that_day():
    # In January London is on GMT, so 23:30 UTC is 23:30 in London.
    assert receipt_date(datetime(2026, 1, 14, 23, 30, tzinfo=UTC)) == D("2026-01-14")


def test_mail_stamped_in_another_zone_is_dated_in_london():
    # 20:00 at -05:00 on 12 May is 01:00 UTC, 02:00 BST, on 13 May.
    assert receipt_date("2026-05-12T20:00:00-05:00") == D("2026-05-13")
    assert receipt_date("2026-05-12T23:30:00Z") == D("2026-05-13")


def test_naive_time_means_london_wall_time():
    assert receipt_date(datetime(2026, 5, 13, 0, 30)) == D("2026-05-13")
    # Not UTC: a naive 23:30 on 12 May stays 12 May.
    assert receipt_date(datetime(2026, 5, 12, 23, 30)) == D("2026-05-12")
    assert receipt_date("2026-05-12T23:30:00") == D("2026-05-12")


def test_a_date_is_already_a_receipt_date():
    assert receipt_date(D("2026-05-13")) == D("2026-05-13")
    assert receipt_date("2026-05-13") == D("2026-05-13")


@pytest.mark.parametrize("bad", ["yesterday", "13/05/2026", 1747094400, None])
def test_a_receipt_that_is_not_a_date_or_instant_is_refused(bad):
    with pytest.raises(ValueError, match="expected"):
        receipt_date(bad)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="Europe/London"):
        receipt_date(datetime(2026, 5, 13, 0, 30, tzinfo=UTC), tz="Mars/Olympus")


# --------------------------------------------------------------------------- subject access

def test_sar_received_31_january_falls_on_28_february_and_rolls_to_monday(uk):
    # Sat 31 Jan 2026 -> 28 Feb 2026 (no 31st), a Saturday -> Mon 2 Mar.
    assert due("sar", D("2026-01-31"), uk) == D("2026-03-02")


def test_sar_received_31_january_in_a_leap_year_is_due_29_february(uk):
    # 29 Feb 2028 is a Tuesday.
    assert due("sar", D("2028-01-31"), uk) == D("2028-02-29")


def test_sar_received_31_january_2027_rolls_from_sunday_28_february(uk):
    # 28 Feb 2027 is a Sunday -> Mon 1 Mar 2027.
    assert due("sar", D("2027-01-31"), uk) == D("2027-03-01")


def test_sar_received_on_a_saturday_counts_from_that_day(uk):
    # Sat 17 Jan 2026 -> Tue 17 Feb 2026.
    assert due("sar", D("2026-01-17"), uk) == D("2026-02-17")


def test_sar_due_on_christmas_day_rolls_past_boxing_day_substitute(uk):
    # Wed 25 Nov 2026 -> Fri 25 Dec (Christmas); Sat 26, Sun 27; Mon 28 is Boxing Day's
    # substitute -> Tue 29 Dec.
    deadline = due_date("sar", D("2026-11-25"), uk)
    assert deadline.due == D("2026-12-29")
    assert [d for d, _ in deadline.skipped] == [D("2026-12-25"), D("2026-12-28")]
    assert deadline.working_days is None


def test_sar_extended_is_three_calendar_months(uk):
    # Wed 14 Jan 2026 -> Tue 14 Apr 2026 (Easter Monday was 6 Apr).
    assert due("sar-extended", D("2026-01-14"), uk) == D("2026-04-14")
    # Mon 30 Nov 2026 -> February 2027 has no 30th -> Sun 28 Feb -> Mon 1 Mar 2027.
    assert due("sar-extended", D("2026-11-30"), uk) == D("2027-03-01")


def test_sar_pause_adds_the_calendar_days_it_lasted_before_rolling(uk):
    # Wed 14 Jan 2026; identity asked Tue 20 Jan, received Fri 23 Jan: 3 days.
    # 14 Feb (a Saturday) + 3 days = Tue 17 Feb, a working day.
    # (Rolling first would give Mon 16 Feb + 3 = Thu 19 Feb; without the pause, Mon 16 Feb.)
    deadline = due_date("sar", D("2026-01-14"), uk, pauses=[(D("2026-01-20"), D("2026-01-23"))])
    assert deadline.due == D("2026-02-17")
    assert "3 paused days" in deadline.basis


def test_sar_pause_of_a_week_moves_the_due_date_a_week(uk):
    # Fri 2 Oct 2026 -> Mon 2 Nov; paused 5 -> 12 Oct (7 days) -> Mon 9 Nov.
    assert due("sar", D("2026-10-02"), uk, [(D("2026-10-05"), D("2026-10-12"))]) == D("2026-11-09")


def test_overlapping_sar_pauses_count_each_day_once(uk):
    # 14 Jan 2026; pauses 20-23 Jan and 22-26 Jan cover 20-26 Jan: 6 days.
    # 14 Feb + 6 = Fri 20 Feb. (Adding 3 + 4 = 7 would give Sat 21 -> Mon 23 Feb.)
    pauses = [(D("2026-01-20"), D("2026-01-23")), (D("2026-01-22"), D("2026-01-26"))]
    assert due("sar", D("2026-01-14"), uk, pauses) == D("2026-02-20")


# --------------------------------------------------------------------------- clarification

def test_only_the_latest_clarification_restarts_the_foi_count(uk):
    # Received Fri 2 Oct 2026; asked 5 Oct, answered 7 Oct; asked 14 Oct, answered Fri 16 Oct.
    # From 16 Oct: 19-23 (5); 26-30 (10); 2-6 Nov (15); 9-13 Nov (20) -> Fri 13 Nov.
    pauses = [(D("2026-10-05"), D("2026-10-07")), (D("2026-10-14"), D("2026-10-16"))]
    deadline = due_date("foi", D("2026-10-02"), uk, pauses)
    assert deadline.due == D("2026-11-13")
    assert any("only the latest" in note for note in deadline.notes)


def test_clarification_arriving_on_saturday_counts_from_monday(uk):
    # Answered Sat 10 Oct 2026: day 1 Mon 12 Oct; 12-16 (5); 19-23 (10); 26-30 (15); 2-6 Nov (20).
    assert due("foi", D("2026-10-02"), uk, [(D("2026-10-05"), D("2026-10-10"))]) == D("2026-11-06")


def test_clarification_instants_are_dated_in_london(uk):
    # Answer at 23:30 UTC on Sun 11 Oct 2026 is 00:30 BST on Mon 12 Oct: the DOMAIN example again.
    pause = ("2026-10-05T10:00:00+01:00", datetime(2026, 10, 11, 23, 30, tzinfo=UTC))
    assert due("foi", D("2026-10-02"), uk, [pause]) == D("2026-11-09")


def test_a_clarification_cannot_arrive_before_it_was_asked_for(uk):
    with pytest.raises(ValueError, match="before it was asked for"):
        due_date("foi", D("2026-10-02"), uk, [(D("2026-10-12"), D("2026-10-05"))])


def test_a_pause_cannot_start_before_the_request_arrived(uk):
    with pytest.raises(ValueError, match="before the request was received"):
        due_date("foi", D("2026-10-02"), uk, [(D("2026-09-30"), D("2026-10-05"))])


def test_an_unanswered_clarification_has_no_due_date(uk):
    with pytest.raises(ValueError, match="clock is stopped"):
        due_date("foi", D("2026-10-02"), uk, [(D("2026-10-05"), None)])


# --------------------------------------------------------------------------- the explanation

def test_the_basis_names_the_count_the_source_and_what_was_skipped(uk):
    deadline = due_date("foi", D("2026-08-28"), uk)
    assert deadline.basis.startswith("20th working day after 2026-08-28 (FOI Act 2000 s.10(1))")
    assert "2026-08-31 Late Summer Bank Holiday" in deadline.basis
    assert "Skipped 2026-08-31 (Monday): Late Summer Bank Holiday" in " ".join(deadline.steps)
    assert deadline.steps[-1] == "Day 20 is 2026-09-28 (Monday): due."


def test_the_sar_basis_explains_the_short_month_and_the_roll(uk):
    basis = due_date("sar", D("2026-01-30"), uk).basis
    assert "UK GDPR Art 12(3)" in basis
    assert "last day of February" in basis
    assert "next working day" in basis


def test_a_deadline_cannot_be_changed_after_it_is_computed(uk):
    deadline = due_date("foi", D("2026-01-14"), uk)
    with pytest.raises(FrozenInstanceError):
        deadline.due = D("2026-12-31")


def test_the_cli_report_carries_the_contract_fields(uk):
    report = deadline_report("foi", "2026-08-28T10:15:00+01:00", [], uk, None)
    assert set(report) >= {"kind", "received", "due", "basis", "working_days", "calendar", "pauses",
                           "skipped"}
    assert report["statutory"] is True and report["label"] == "statutory deadline"
    assert report["kind"] == "foi"
    assert report["received"] == "2026-08-28"
    assert report["due"] == "2026-09-28"
    assert report["working_days"] == 20
    assert report["calendar"] == "uk"
    assert report["pauses"] == []
    assert [s["date"] for s in report["skipped"]] == ["2026-08-31"]
    assert json.loads(json.dumps(report)) == report


def test_the_cli_report_lists_pauses_and_gives_null_working_days_for_sar(england_and_wales):
    report = deadline_report("foi", "2026-10-02", [("2026-10-05", "2026-10-12")], england_and_wales)
    assert report["pauses"] == [{"from": "2026-10-05", "to": "2026-10-12"}]
    assert report["due"] == "2026-11-09"
    assert report["calendar"] == "uk" and report["council_holidays"] == "england-and-wales"
    sar = deadline_report("sar", datetime(2026, 1, 30, 9, 0), [], england_and_wales)
    assert sar["working_days"] is None
    assert sar["due"] == "2026-03-02"
    assert sar["calendar"] == "england-and-wales"


def test_the_cli_report_dates_a_late_evening_utc_instant_in_london(uk):
    assert deadline_report("foi", "2026-05-12T23:30:00Z")["received"] == "2026-05-13"


# --------------------------------------------------------------------------- the rules file

def test_shipped_rules_state_each_kind_with_its_title_and_legal_source(rules):
    expected = {
        "foi": (20, "working_days", "FOI Act 2000 s.10(1)"),
        "eir": (20, "working_days", "EIR 2004 reg 5(2)"),
        "eir-extended": (40, "working_days", "EIR 2004 reg 7(1)"),
        "sar": (1, "calendar_months", "UK GDPR Art 12(3)"),
        "sar-extended": (3, "calendar_months", "UK GDPR Art 12(3)"),
        "complaint": (15, "working_days", "local complaints policy"),
        "appeal-decision": (5, "working_days", "local SPOC policy"),
    }
    assert set(rules.kinds) == set(expected)
    for kind, (count, unit, source) in expected.items():
        rule = rules.get(kind)
        assert (rule.count, rule.unit) == (count, unit), kind
        assert rule.source.startswith(source), kind
        assert rule.title, kind
    assert rules.get("sar").roll == "next-working-day"
    assert rules.get("sar").pause == "extend"
    assert rules.get("foi").pause == "restart"
    assert set(REQUIRED_KINDS) <= set(rules.kinds)


def test_shipped_rules_are_found_relative_to_the_package():
    assert DEFAULT_RULES_PATH == Path(__file__).resolve().parent.parent / "rules" / "deadlines.toml"
    assert load_rules(str(DEFAULT_RULES_PATH)).kinds == load_rules().kinds


def test_a_council_can_change_its_complaint_timescale(tmp_path, uk):
    text = DEFAULT_RULES_PATH.read_text().replace(
        'source = "local complaints policy"\ncount = 15', 'source = "local complaints policy"\ncount = 10')
    path = tmp_path / "deadlines.toml"
    path.write_text(text)
    # Fri 2 Oct 2026: 5-9 Oct (5); 12-16 Oct (10) -> Fri 16 Oct.
    assert due("complaint", D("2026-10-02"), uk, rules=load_rules(path)) == D("2026-10-16")


def test_an_unknown_kind_is_refused_with_the_known_ones(uk, rules):
    with pytest.raises(ConfigError) as err:
        due_date("planning", D("2026-10-02"), uk, rules=rules)
    assert '"planning"' in str(err.value) or "'planning'" in str(err.value)
    assert '"foi"' in str(err.value)


def _rules_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_RULES_PATH.read_text()
    assert old in text
    path = tmp_path / "deadlines.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "kind", "field", "expected"),
    [
        ("count = 20", "count = 0", "foi", "count", "whole number of working days from 1"),
        ("count = 20", 'count = "twenty"', "foi", "count", "whole number"),
        ("count = 20", "count = true", "foi", "count", "whole number"),
        ("count = 20\n", "", "foi", "count", "missing"),
        ('unit = "working_days"', 'unit = "weeks"', "foi", "unit", '"working_days", "calendar_months"'),
        ('title = "Freedom of Information request"\n', "", "foi", "title", "missing"),
        ('source = "FOI Act 2000 s.10(1)"', 'source = ""', "foi", "source", "non-empty string"),
        ("count = 20", "cuont = 20", "foi", "cuont", "unknown key"),
        ('pause = "restart"', 'pause = "extend"', "foi", "pause", '"restart"'),
        ('pause = "restart"', 'pause = "restart"\nroll = "none"', "foi", "roll", "calendar_months"),
        ('roll = "next-working-day"', 'roll = "sometimes"', "sar", "roll", '"next-working-day"'),
        ("count = 1\n", "count = 13\n", "sar", "count", "calendar months from 1 to 12"),
        # FOI's working days are fixed by statute: no rules file narrows them to the council's nation
        ('holidays = "uk"', 'holidays = "council"', "foi", "holidays", "s.10(6)"),
        ('holidays = "uk"', 'holidays = "scotland"', "foi", "holidays", '"uk", "council"'),
        ('holidays = "uk"\nstatutory = true', 'holidays = "uk"\nstatutory = false', "foi", "statutory",
         "not by the council"),
        ('statutory = false', 'statutory = "no"', "complaint", "statutory", "true"),
    ],
)
def test_a_bad_rules_file_names_the_file_the_kind_the_field_and_what_was_expected(
        tmp_path, old, new, kind, field, expected):
    path = _rules_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    message = str(err.value)
    assert str(path) in message
    assert f"[kinds.{kind}]" in message
    assert field in message
    assert expected in message


def test_a_rules_file_missing_a_promised_kind_is_refused(tmp_path):
    text = DEFAULT_RULES_PATH.read_text()
    start = text.index("[kinds.sar]")
    end = text.index("[kinds.sar-extended]")
    path = tmp_path / "deadlines.toml"
    path.write_text(text[:start] + text[end:])
    with pytest.raises(ConfigError, match=r"\[kinds\.sar\]: missing"):
        load_rules(path)


def test_a_rules_file_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "deadlines.toml"
    path.write_text("[kinds.foi\ncount = 20\n")
    with pytest.raises(ConfigError, match="not valid TOML") as err:
        load_rules(path)
    assert str(path) in str(err.value)


def test_foi_and_eir_count_every_uk_nations_holidays_whatever_the_rules_file_leaves_out(tmp_path, england_and_wales):
    # Left unsaid, the FOI kinds still count UK-wide and are statutory; the complaint stays local.
    text = DEFAULT_RULES_PATH.read_text().replace('holidays = "uk"\nstatutory = true\n', "")
    path = tmp_path / "deadlines.toml"
    path.write_text(text)
    rules = load_rules(path)
    assert [rules.get(k).holidays for k in ("foi", "eir", "eir-extended")] == ["uk"] * 3
    assert all(rules.get(k).statutory for k in ("foi", "eir", "eir-extended"))
    assert due("foi", D("2026-11-02"), england_and_wales, rules=rules) == D("2026-12-01")


def test_statutory_deadlines_and_local_targets_are_told_apart(rules):
    assert {k: rules.get(k).label for k in rules.kinds} == {
        "foi": "statutory deadline", "eir": "statutory deadline", "eir-extended": "statutory deadline",
        "sar": "statutory deadline", "sar-extended": "statutory deadline",
        "complaint": "local target", "appeal-decision": "local target"}


def test_a_missing_rules_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="no such deadline rules file"):
        load_rules(tmp_path / "nowhere.toml")


def test_a_kind_that_is_not_a_table_is_refused(tmp_path):
    path = tmp_path / "deadlines.toml"
    path.write_text(DEFAULT_RULES_PATH.read_text().replace(
        "[kinds.foi]", 'kinds.member-enquiry = 10\n\n[kinds.foi]', 1))
    with pytest.raises(ConfigError, match=r"\[kinds\.member-enquiry\]: expected a table"):
        load_rules(path)


def test_a_kind_name_the_command_line_cannot_take_is_refused(tmp_path):
    path = _rules_with(tmp_path, "[kinds.complaint]", '[kinds."Complaint Stage 1"]')
    with pytest.raises(ConfigError, match="lower-case letters"):
        load_rules(path)


def test_the_calendar_refuses_an_instant_that_would_miss_every_holiday(uk):
    # datetime(2026, 12, 25) never equals date(2026, 12, 25), so it must be dated first.
    with pytest.raises(TypeError, match="receipt_date"):
        uk.is_working_day(datetime(2026, 12, 25, 9, 0))
