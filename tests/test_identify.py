"""Whose mail is this: roles, a confirmed address decides, evidence is scored, never filed wrongly in silence."""

import pytest

from spocmail.identify import CustomerInfo, RegisterView, identify, name_match, phones_in, postcodes_in
from spocmail.mail import parse_mail

JORDAN = CustomerInfo(id="jordan", name="Jordan Example", confirmed=("jordan@example.org",),
                      phones=("01234 567890", "07700 900123"), postal_address="1 High Street, Cambourne CB23 6EA")
CASEY = CustomerInfo(id="casey", name="Casey Other", confirmed=("casey@example.net",), phones=("01999 111222",),
                     postal_address="9 Mill Lane, Ely CB7 4AA")
VIEW = RegisterView(spoc_address="spoc@council.example", staff_domains=("council.example",),
                    officers={"alex.jones@council.example": "planning"},
                    members={"pat.smith@council.example": "cllr-smith"},
                    customers=(JORDAN, CASEY), issue_refs={"SPOC-2026-0042": "jordan"},
                    sent_message_ids={"<weekly-1@council.example>": "jordan"})


def mail(sender: str, body: str, subject: str = "Hello", **headers: str) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m@x>\r\n{extra}\r\n{body}\r\n").encode()


def decide(raw: bytes, threshold: float = 0.5):
    return identify(parse_mail(raw), VIEW, threshold)


def test_a_confirmed_address_decides_at_once():
    ident = decide(mail("Jordan Example <Jordan@Example.org>", "Where is my bin?"))
    assert (ident.role, ident.customer, ident.decision, ident.score) == ("customer", "jordan", "filed", 1.0)
    assert ident.evidence[0].kind == "confirmed-address"


def test_an_officers_forward_of_the_customers_mail_is_filed_for_the_customer():
    body = ("FYI\r\n\r\n________________________________\r\nFrom: Jordan Example <jordan@example.org>\r\n"
            "Sent: 23 November 2026 07:55\r\nTo: Alex Jones <alex.jones@council.example>\r\n"
            "Subject: Extension\r\n\r\nWhy was it approved?\r\n")
    ident = decide(mail("Alex Jones <alex.jones@council.example>", body, "FW: Extension"))
    assert (ident.role, ident.sender_id, ident.customer, ident.decision) == ("officer", "planning", "jordan", "filed")
    assert ident.evidence[0].kind == "forwarded-confirmed-address"


def test_a_members_forward_from_a_new_address_with_name_and_phone_is_provisional_and_suggests_the_address():
    body = ("Please handle.\r\n\r\n---------- Forwarded message ---------\r\n"
            "From: Jordan Example <j.example1962@mailbox.example>\r\nDate: Mon, 23 Nov 2026 at 22:10\r\n"
            "Subject: Noise\r\nTo: <pat.smith@council.example>\r\n\r\nLorries at 5am again. Ring me on "
            "01234 567 890.\r\n")
    ident = decide(mail("Cllr Pat Smith <pat.smith@council.example>", body, "Fwd: Noise"))
    assert (ident.role, ident.customer, ident.decision) == ("member", "jordan", "provisional")
    assert ident.suggest_address == "j.example1962@mailbox.example"
    assert {e.kind for e in ident.evidence} == {"forwarded-name", "phone"}
    assert ident.score == pytest.approx(1 - (1 - 0.35) * (1 - 0.45))


def test_weak_evidence_waits_in_triage_with_the_guess():
    ident = decide(mail("Someone <someone@webmail.example>", "I live near CB23 6EA and the road is flooded."))
    assert ident.decision == "triage" and ident.customer is None
    assert ident.candidates[0].customer == "jordan" and ident.candidates[0].evidence[0].kind == "postcode"


def test_a_mail_with_no_link_to_any_customer_waits_in_triage():
    ident = decide(mail("Stranger <x@elsewhere.example>", "Do you sell parking permits?"))
    assert (ident.role, ident.decision, ident.score) == ("unknown", "triage", 0.0)
    assert ident.evidence[0].kind == "no-match"


def test_an_issue_reference_and_a_thread_link_identify_a_new_address():
    ident = decide(mail("J <jordan.e@webmail.example>", "About SPOC-2026-0042: any news?",
                        In_Reply_To="<weekly-1@council.example>"))
    assert (ident.customer, ident.decision) == ("jordan", "provisional")
    assert {"issue-reference", "thread"} <= {e.kind for e in ident.evidence}


def test_a_rejected_address_is_never_suggested_again():
    rejected = CustomerInfo(**{**JORDAN.__dict__, "rejected": ("jordan.e@webmail.example",)})
    view = RegisterView(**{**VIEW.__dict__, "customers": (rejected, CASEY)})
    ident = identify(parse_mail(mail("Jordan Example <jordan.e@webmail.example>", "Ring 01234 567890")), view)
    assert ident.decision == "triage" and ident.suggest_address is None
    assert any(e.kind == "rejected-address" for e in ident.evidence)


def test_two_customers_scoring_alike_go_to_triage_rather_than_guessing():
    both = "Call 01234 567890 or 01999 111222."
    ident = decide(mail("Anon <anon@webmail.example>", both), threshold=0.3)
    assert ident.decision == "triage"
    assert any(e.kind == "ambiguous" for e in ident.evidence)


def test_out_of_office_is_recorded_but_never_a_request():
    ident = decide(mail("Alex Jones <alex.jones@council.example>", "I am away.", "Automatic reply: SPOC-2026-0042",
                        Auto_Submitted="auto-replied"))
    assert (ident.role, ident.decision) == ("officer", "not-a-request")


def test_staff_domain_sender_not_in_register_is_an_officer():
    ident = decide(mail("New Starter <new.starter@council.example>", "Hello"))
    assert ident.role == "officer" and ident.sender_id is None


def test_mail_from_spocmails_own_address_is_system():
    assert decide(mail("SPOC <spoc@council.example>", "Weekly response")).role == "system"


@pytest.mark.parametrize("candidate, result", [
    ("Jordan Example", "full"), ("Example, Jordan", "full"), ("Mr Jordan Example", "full"),
    ("JORDAN EXAMPLE", "full"), ("J. Example", "partial"), ("Jordan E.", "partial"),
    ("Jordan Smith", None), ("J E", None), ("", None),
])
def test_name_matching(candidate, result):
    assert name_match(candidate, "Jordan Example") == result


def test_phone_numbers_and_postcodes_are_normalised():
    assert phones_in("ring +44 (0)1234 567890 or 07700-900-123") == {"01234567890", "07700900123"}
    assert postcodes_in("at cb23 6ea and CB236EA") == {"CB23 6EA"}


def test_the_shipped_weights_load_and_a_council_can_change_them(tmp_path):
    from dataclasses import replace

    from spocmail.rules import load_identify
    shipped = load_identify()
    assert shipped.weights["phone"] == 0.45 and shipped.ambiguity_margin == 0.05
    phone_only = parse_mail(mail("Someone <s@webmail.example>", "Ring me on 01234 567890."))
    assert identify(phone_only, VIEW, 0.5, shipped).decision == "triage"
    trusting = replace(shipped, weights={**shipped.weights, "phone": 0.8})
    assert identify(phone_only, VIEW, 0.5, trusting).decision == "provisional"


@pytest.mark.parametrize("text, expected", [
    ("[weights]\nphone = 1.5\n", "[weights] phone = 1.5: expected a number between 0 and 1"),
    ("[weights]\nshoe-size = 0.2\n", "[weights] shoe-size: unknown kind of evidence"),
    ("ambiguity_margin = 'x'\n[weights]\n", "ambiguity_margin = 'x'"),
    ("weights = 3\n", "[weights]: expected a table"),
])
def test_a_bad_weights_file_names_the_file_and_the_key(tmp_path, text, expected):
    from spocmail.errors import ConfigError
    from spocmail.rules import load_identify
    bad = tmp_path / "identify.toml"
    bad.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_identify(bad)
    assert str(bad) in str(err.value) and expected in str(err.value)


def test_a_weights_file_missing_a_kind_names_it(tmp_path):
    from spocmail.errors import ConfigError
    from spocmail.rules import load_identify
    bad = tmp_path / "identify.toml"
    bad.write_text("[weights]\nphone = 0.4\n")
    with pytest.raises(ConfigError, match=r"\[weights\] forwarded-name: missing"):
        load_identify(bad)
