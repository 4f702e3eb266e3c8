"""The working-day index and the date-only path of due_date give exactly what counting day by day gives.

due_date answers the date from the index at once and writes its explanation only when it is read;
the explanation (Deadline.explained) still counts day by day. Both are compared over every start
date of five years, every kind, each [council] holidays region (the UK nations' own bank holidays),
configured extra closures and clarification pauses.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from spocmail import deadlines as dl
from spocmail.deadlines import REGIONS, Deadline, WorkingCalendar, default_rules, due_date

START, DAYS = date(2024, 1, 1), 5 * 366
CLOSURES = {date(2026, 6, 1): "additional bank holiday (configured)", date(2027, 12, 29): "royal funeral"}


def _walk_between(calendar: WorkingCalendar, a: date, b: date) -> int:
    if b < a:
        return -_walk_between(calendar, b, a)
    count, d = 0, a
    while d < b:
        d += timedelta(days=1)
        count += calendar._working(d)
    return count


@pytest.mark.parametrize("region", sorted(REGIONS))
@pytest.mark.parametrize("closures", [{}, CLOSURES], ids=["plain", "closures"])
def test_the_index_adds_and_counts_working_days_as_walking_does(region, closures):
    fast, slow = WorkingCalendar(region, closures), WorkingCalendar(region, closures)
    rng = random.Random(f"{region}{len(closures)}")
    for k in range(DAYS):
        d = START + timedelta(days=k)
        n = rng.choice((1, 2, 5, 20, 40, -1, -2, -5, -20, rng.randrange(-400, 400)))
        assert fast.add_working_days(d, n) == slow._walk_working_days(d, n), (d, n)
        e = d + timedelta(days=rng.randrange(-90, 90))
        assert fast.working_days_between(d, e) == _walk_between(slow, d, e), (d, e)
        assert fast.next_working_day(d) == slow._walk_working_days(d, 1)
        assert fast.previous_working_day(d) == slow._walk_working_days(d, -1)
        assert fast.is_working_day(d) == slow._working(d)


def test_the_index_reaches_far_dates_and_both_ways_from_a_cold_start():
    for d, n in ((date(1999, 12, 31), 20), (date(2090, 1, 2), -20), (date(2026, 1, 1), 3000),
                 (date(2026, 1, 1), -3000), (date(2026, 12, 24), 0)):
        assert WorkingCalendar("scotland").add_working_days(d, n) == \
            WorkingCalendar("scotland")._walk_working_days(d, n), (d, n)


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_the_date_only_path_gives_the_explained_date_for_every_kind_and_start(region):
    rules = default_rules()
    calendar, slow = WorkingCalendar(region, CLOSURES), WorkingCalendar(region, CLOSURES)
    rng = random.Random(region)
    for k in range(0, DAYS, 2):
        received = START + timedelta(days=k)
        for kind in rules.kinds:
            pauses = ()
            if rng.random() < 0.3:
                asked = received + timedelta(days=rng.randrange(0, 20))
                pauses = [(asked, asked + timedelta(days=rng.randrange(0, 30)))]
                if rng.random() < 0.3:
                    later = asked + timedelta(days=rng.randrange(0, 40))
                    pauses.append((later, later + timedelta(days=rng.randrange(0, 10))))
            deadline = due_date(kind, received, calendar, pauses, rules)
            # the explanation, on another calendar whose index is never built: it counts day by day
            rule = rules.get(kind)
            build = dl._working_day_deadline if rule.unit == "working_days" else dl._calendar_month_deadline
            explained = build(rule, received, dl._pause_dates(pauses, received), rule.calendar(slow))
            assert deadline.due == explained.due, (kind, received, pauses)
            assert deadline.start == explained.start and deadline.region == explained.region
            assert deadline.pauses == explained.pauses
    assert not slow._cum and not slow.uk_wide()._cum


def test_a_deadline_reads_like_its_explanation_and_writes_it_only_when_asked():
    uk = WorkingCalendar("uk")
    deadline = due_date("foi", date(2026, 8, 28), uk)
    assert isinstance(deadline, Deadline)
    with pytest.raises(AttributeError):
        deadline._explained  # nothing written yet: the date alone was wanted
    assert deadline.skipped[0][0] == date(2026, 8, 31)
    full = deadline.explained()
    assert deadline == full and deadline.basis == full.basis and deadline.steps == full.steps
    assert (deadline.kind, deadline.received, deadline.working_days, deadline.months) == \
        ("foi", date(2026, 8, 28), 20, None)
    assert repr(deadline).startswith("Deadline(kind='foi', received=datetime.date(2026, 8, 28)")
    assert hash(deadline) == hash(due_date("foi", date(2026, 8, 28), WorkingCalendar("uk")))
