"""Working days per purpose, through the whole flow: FOI counts every UK nation's bank holidays, the
weekly send day only the council's own (`[council] holidays`)."""

from __future__ import annotations

from datetime import datetime

import pytest

from spocmail.clock import LONDON
from spocmail.intake.maildir import deliver
from tests.helpers import REPO, make_project

FOI = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Agency staff\r\n"
       "Date: Mon, 02 Nov 2026 09:00:00 +0000\r\nMessage-ID: <agency@example.org>\r\n\r\n"
       "Under the Freedom of Information Act 2000, how much did the council spend on agency staff in 2025?\r\n"
       ).encode()


@pytest.mark.parametrize("nation", ["england-and-wales", "scotland"])
def test_st_andrews_day_moves_a_scottish_councils_monday_send_and_stops_every_councils_foi_clock(
        nation, tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url, register=None)
    p.config.write_text(p.config.read_text().replace("[council]\n", f'[council]\nholidays = "{nation}"\n', 1))
    register = p.dir / "register.toml"
    register.write_text((REPO / "examples" / "register.toml").read_text().replace(
        'weekly = { day = "FRI", time = "12:00" }', 'weekly = { day = "MON", time = "12:00" }'))
    p.ok("register", "import", register)
    deliver(p.maildir, FOI, when=datetime(2026, 11, 2, 9, 0, tzinfo=LONDON))
    p.ok("poll", "--once", "--now", "2026-11-02T09:05")
    [issue] = p.ok("issues", "list", "--json").json()
    # Mon 30 Nov 2026, St Andrew's Day, stops the FOI clock of an English council too
    assert issue["statutory_kind"] == "foi" and issue["due"] == "2026-12-01"

    def weekly_at(now: str) -> list[str]:
        return [w["period"] for w in p.ok("jobs", "run-due", "--json", "--now", now).json()["weekly"]]

    assert weekly_at("2026-11-23T12:05") == ["2026-W48"]
    scottish = nation == "scotland"
    # Scotland's Monday 30 November send moves to the working day before; it is still week 49's
    assert weekly_at("2026-11-27T12:05") == (["2026-W49"] if scottish else [])
    assert weekly_at("2026-11-30T12:05") == ([] if scottish else ["2026-W49"])
    assert weekly_at("2026-12-07T12:05") == ["2026-W50"]
