"""Mail a council would sign (issue 9 item 13): the named SPOC and the council's contact details in every
mail, review and complaint rights under every statutory answer, and mail to the customer threaded to the
customer's own mail with each Message-ID once in References."""

from __future__ import annotations

import email
from datetime import date

import pytest

from spocmail import config as config_mod
from spocmail import letters, templating
from spocmail.respond import Item
from tests.test_weekly_cycle import FORWARDED_FOI, THREE, reply, world  # noqa: F401  (world is a fixture)

CONTACT = '[council]\naddress = "Council Offices, 1 Market Square, Exampleton EX1 1AA"\nphone = "01234 000000"\n'


def _with_contact(p) -> None:
    p.config.write_text(p.config.read_text().replace("[council]\n", CONTACT, 1))


def _text(msg: email.message.EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()


def _html(msg: email.message.EmailMessage) -> str:
    return msg.get_body(("html",)).get_content()


def _signed(body: str) -> None:
    assert "Morgan Reed" in body  # the customer's named SPOC, from the register
    assert "Single Point of Contact" in body
    assert "Council Offices, 1 Market Square, Exampleton EX1 1AA" in body
    assert "01234 000000" in body


def test_every_mail_is_signed_by_the_named_spoc_with_the_councils_contact_details_and_threaded(world):
    p = world.project
    _with_contact(p)
    world.deliver(THREE)
    world.deliver(FORWARDED_FOI)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    ack = world.sent_to("jordan@example.org", "we have received your mail")[0]
    _signed(_text(ack))
    _signed(_html(ack))
    # the acknowledgement continues the customer's own mail, never the officer's forward they never saw
    assert ack["In-Reply-To"] == "<three@example.org>"
    assert "fwd-foi@council.example" not in str(ack["References"])

    requests = [m for _r, m in world.sent() if "#" in str(m["Subject"])]
    assert requests and all("Morgan Reed" in _text(m) and "01234 000000" in _text(m) for m in requests)

    issues = {i["ref"]: i for i in p.ok("issues", "list", "--json").json()}
    foi = next(i for i in issues.values() if i["statutory_kind"] == "foi")
    foi_request = next(m for m in requests if foi["ref"] in str(m["Subject"]))
    world.deliver(reply(foi_request, "Information Team <foi@council.example>", "The council spent £1.2m."))
    p.ok("poll", "--once", "--now", "2026-11-24T10:30")
    p.ok("issues", "approve", foi["ref"], "--now", "2026-11-24T11:00")
    p.ok("jobs", "run-due", "--now", "2026-11-24T11:30")
    single = world.sent_to("jordan@example.org", f"response to {foi['ref']}")[0]
    body = _text(single)
    _signed(body)
    # FOI Act s.17(7): the internal review and the Information Commissioner, in the answer itself
    assert "internal review" in body and "Information Commissioner" in body
    assert "internal review" in _html(single)
    # its origin is the officer's forward: the customer has no mail of theirs to thread it to
    assert single["In-Reply-To"] is None


def test_references_name_each_message_id_once():
    assert letters.references(["<a@x>", "<b@x>", "<a@x>"], "<b@x>") == ["<a@x>", "<b@x>"]
    assert letters.references([], "<c@x>") == ["<c@x>"]
    assert letters.references(None, None) == []


def _render(kind: str | None, tmp_path) -> str:
    cfg = config_mod.from_dict({"council": {"address": "1 Market Sq", "phone": "01234 000000"}}, tmp_path / "c.toml")
    customer = type("C", (), {"name": "Jordan Example", "arrangement": None})()
    item = Item("SPOC-2026-0001", "answered", "Here is the answer.", "The bins", date(2026, 12, 1), kind)
    sig = letters.signature(cfg, None)
    text, html = templating.render("single_issue", customer=customer, items=[item], today=date(2026, 12, 1),
                                   council=cfg.council.name, spoc_name=cfg.spoc.name, spoc_address=cfg.spoc.address,
                                   held_back=[], answered=[item], pending=[], new=[], empty_note=False, sig=sig,
                                   alone=False)
    assert ("Ombudsman" in text) == ("Ombudsman" in html)
    return text


@pytest.mark.parametrize("kind, must, must_not", [
    ("foi", ["internal review", "Information Commissioner"], ["Ombudsman"]),
    ("eir", ["internal review", "Information Commissioner"], ["Ombudsman"]),
    ("sar", ["Information Commissioner"], ["Ombudsman", "internal review"]),
    ("complaint", ["next stage", "Local Government and Social Care Ombudsman"], ["Information Commissioner"]),
    (None, [], ["Ombudsman", "Information Commissioner", "internal review"]),
])
def test_each_answer_carries_the_rights_its_kind_gives(kind, must, must_not, tmp_path):
    text = _render(kind, tmp_path)
    for words in must:
        assert words in text
    for words in must_not:
        assert words not in text
    assert "1 Market Sq" in text and "Telephone 01234 000000" in text


def test_a_telephone_number_that_is_not_one_is_a_config_error_naming_the_key(tmp_path):
    with pytest.raises(config_mod.ConfigError) as exc:
        config_mod.from_dict({"council": {"phone": "call me"}}, tmp_path / "c.toml")
    assert "[council] phone" in str(exc.value) and "telephone number" in str(exc.value)


def test_an_item_says_what_it_is_in_words_not_a_code(tmp_path):
    text = _render("foi", tmp_path)
    assert "(Freedom of Information request, due Tuesday 1 December 2026)" in text
    assert "(FOI" not in text
    assert "(complaint, due" in _render("complaint", tmp_path)
