"""A real week through the web page, in headless Chromium, on real Dovecot and aiosmtpd.

The SPOC signs in, files a mail that waited in triage, approves an officer's answer, previews the weekly
response and approves-and-sends exactly that draft; what arrived at the SMTP server is the draft shown.
Every page is screenshotted into the test's folder (and into $SPOCMAIL_SCREENSHOTS when that is set, which is
how docs/screenshots/ was made).
"""

from __future__ import annotations

import email
import os
import shutil
import threading
import time
from datetime import datetime, timezone
from email import policy
from pathlib import Path

import pytest

from spocmail import config as config_mod
from spocmail.clock import Clock, parse_instant
from spocmail.db import Database
from spocmail.web.commands import make_server
from tests.servers.browser import start_chrome
from tests.servers.install import ServerStartError, free_port
from tests.test_officers_e2e import THREE_QUESTIONS, officer_reply, project_for, requests_by_officer

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
UNKNOWN = ("From: J <jay@webmail.example>\r\nTo: spoc@council.example\r\nSubject: Streetlight\r\n"
           "Date: Tue, 24 Nov 2026 09:30:00 +0000\r\nMessage-ID: <streetlight@webmail.example>\r\n\r\n"
           "The streetlight outside 1 High Street, Cambourne CB23 6EA has been out for a week.\r\n"
           "Jordan\r\n").encode()


class Site:
    """spocmail web, served by uvicorn in a thread on a free loopback port."""

    def __init__(self, project, clock: Clock):
        cfg = config_mod.load(project.config)
        self.database = Database(cfg.database.url)
        self.port = free_port()
        self.server = make_server(cfg, self.database, clock, "127.0.0.1", self.port)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Site":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise ServerStartError("spocmail web did not start within 15 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.database.dispose()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def browser():
    try:
        driver = start_chrome()
    except ServerStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield driver
    driver.quit()


def test_a_week_through_the_web_page(tmp_path, imap, smtp, db_url, monkeypatch, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    project.config.write_text(project.config.read_text() + '\n[web]\nsecure_cookies = false\n')
    # Monday: three questions; Tuesday: the planning officer answers, and a mail from an unknown address
    imap.append(THREE_QUESTIONS, date=datetime(2026, 11, 23, 8, 12, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--now", "2026-11-23T08:15")
    planning_request = requests_by_officer(smtp)["alex.jones@council.example"]
    answer = "The committee will decide 26/0123/FUL on 9 December."
    imap.append(officer_reply(planning_request, "Alex Jones <alex.jones@council.example>", answer))
    imap.append(UNKNOWN)
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-24T10:05").json()
    assert counts["answers"] == 1 and counts["triage"] == 1
    planning_ref = next(i["ref"] for i in project.ok("issues", "list", "--json").json() if i["officer"] == "planning")
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    project.ok("user", "add", "morgan.reed", "--role", "spoc", "--officer", "spoc-officer",
               "--password-file", tmp_path / "pw")

    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(name: str) -> None:
        browser.save_screenshot(str(shots / f"{name}.png"))

    def submit(element) -> None:
        """Click, and wait until the browser has loaded the page the form or link leads to."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        old = browser.find_element(By.TAG_NAME, "html")
        element.click()

        def gone(_driver) -> bool:
            # staleness_of waits for StaleElementReferenceException only; mid-navigation chromedriver may
            # answer "Node with given id does not belong to the document" instead: the old page is gone too
            try:
                old.is_enabled()
            except WebDriverException:
                return True
            return False

        WebDriverWait(browser, 15).until(gone)
        WebDriverWait(browser, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")

    smtp.clear()
    # Friday morning, before the 12:00 weekly send
    with Site(project, Clock(parse_instant("2026-11-27T10:30:00+00:00"))) as site:
        browser.get(site.url("/"))
        assert browser.current_url.endswith("/login")
        shot("01-sign-in")
        browser.find_element(By.ID, "name").send_keys("morgan.reed")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        submit(browser.find_element(By.ID, "sign-in"))
        assert browser.find_element(By.TAG_NAME, "h1").text.startswith("The day's work")
        assert "1 mail waiting" in browser.find_element(By.ID, "triage").text
        assert planning_ref in browser.find_element(By.ID, "answers").text
        assert "Statutory deadlines in the next five working days" in browser.find_element(By.ID, "deadlines").text
        shot("02-dashboard")

        # triage: the guess and its evidence; file it for Jordan and confirm the address
        submit(browser.find_element(By.LINK_TEXT, "Triage"))
        card = browser.find_element(By.CSS_SELECTOR, "article.card")
        assert "jordan" in card.text and "jay@webmail.example" in card.text
        shot("03-triage")
        submit(card.find_element(By.LINK_TEXT, card.find_element(By.CSS_SELECTOR, "h2 a").text))
        assert "streetlight" in browser.find_element(By.ID, "mail-text").text.lower()
        shot("04-mail")
        browser.back()
        browser.refresh()
        card = browser.find_element(By.CSS_SELECTOR, "article.card")
        Select(card.find_element(By.NAME, "customer")).select_by_value("jordan")
        card.find_element(By.NAME, "confirm_address").click()
        submit(card.find_element(By.CSS_SELECTOR, "button.assign"))
        notice = browser.find_element(By.CSS_SELECTOR, ".notice").text
        assert "filed for jordan" in notice and "jay@webmail.example confirmed" in notice
        assert browser.find_element(By.ID, "empty").text == "Nothing waits in triage."
        new_refs = [r for r in project.ok("issues", "list", "--json").json() if r["title"].lower().startswith("the streetlight")]
        assert len(new_refs) == 1
        # the officer request for the new issue went out through the SMTP server at once
        assert any(new_refs[0]["ref"] in str(email.message_from_bytes(m.content, policy=policy.default)["Subject"])
                   for m in smtp.wait_for(1))

        # the issue: its timeline, the officer's answer; approve it
        browser.get(site.url(f"/issues/{planning_ref}"))
        assert answer in browser.find_element(By.ID, "answer-text").get_attribute("value")
        assert "request" in browser.find_element(By.CSS_SELECTOR, "ol.timeline").text
        shot("05-issue")
        submit(browser.find_element(By.ID, "approve"))
        assert "answer approved" in browser.find_element(By.CSS_SELECTOR, ".notice").text
        assert project.ok("issues", "show", planning_ref, "--json").json()["answers"][0]["approved_by"] == "morgan.reed"

        # the weekly draft exactly as the customer will see it; approve and send THAT draft
        browser.get(site.url("/weekly/jordan"))
        ident = browser.find_element(By.ID, "draft-ident").text
        assert browser.find_element(By.ID, "draft-to").text.endswith("jordan@example.org>") or \
            "jordan@example.org" in browser.find_element(By.ID, "draft-to").text
        shown_text = browser.find_element(By.ID, "draft-text").text
        assert answer in shown_text
        shot("06-weekly")
        frame = browser.find_element(By.CSS_SELECTOR, "iframe.draft")  # the HTML part, as a mail program shows it
        browser.execute_script("arguments[0].scrollIntoView()", frame)
        shot("06-weekly-html")
        browser.switch_to.frame(frame)
        assert answer in browser.find_element(By.TAG_NAME, "body").text
        browser.switch_to.default_content()
        submit(browser.find_element(By.ID, "approve-send"))
        assert "queued" in browser.find_element(By.CSS_SELECTOR, ".notice").text
        shot("07-dashboard-after")

        browser.get(site.url("/register"))
        assert "Jordan Example" in browser.find_element(By.ID, "customer-jordan").text
        assert "jay@webmail.example (confirmed)" in browser.find_element(By.ID, "customer-jordan").text
        shot("08-register")
        submit(browser.find_element(By.LINK_TEXT, "Contacts per week"))
        assert "2026-W48" in browser.find_element(By.ID, "contacts").text
        shot("09-contacts")

    weekly = [email.message_from_bytes(m.content, policy=policy.default) for m in smtp.messages
              if "weekly response" in str(email.message_from_bytes(m.content, policy=policy.default)["Subject"])]
    assert len(weekly) == 1
    sent = weekly[0]
    assert "jordan@example.org" in str(sent["To"])
    body = sent.get_body(("plain",)).get_content()
    assert answer in body
    assert " ".join(body.split()) == " ".join(shown_text.split())  # word for word what the SPOC approved
    with Database(config_mod.load(project.config).database.url).session() as s:
        from sqlalchemy import select

        from spocmail.db.drafts import ResponseDraft

        row = s.scalar(select(ResponseDraft).where(ResponseDraft.ident == ident))
        assert row.status == "sent" and row.approved_by == "morgan.reed"
    audit = project.ok("audit", "show", "--json").json()
    assert {"triage.assigned", "address.confirmed", "answer.approved", "response.weekly.queued"} <= {
        e["action"] for e in audit if e["actor"] == "morgan.reed"}

    names = sorted(p.name for p in shots.glob("*.png"))
    assert len(names) == 10 and all((shots / n).stat().st_size > 5000 for n in names)
    if os.environ.get("SPOCMAIL_SCREENSHOTS"):
        out = Path(os.environ["SPOCMAIL_SCREENSHOTS"])
        out.mkdir(parents=True, exist_ok=True)
        for n in names:
            shutil.copy(shots / n, out / n)
