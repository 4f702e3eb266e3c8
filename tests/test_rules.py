"""Classification and routing as the shipped rules/classify.toml and rules/route.toml decide them."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from spocmail.errors import ConfigError
from spocmail.rules import (AUTOMATIC_REPLY_RULE, NO_RULE_MATCHED, REQUIRED_CATEGORIES, ROUTE_HANDLES, ROUTE_KEYWORDS,
                            ROUTE_SPOC, OfficerInfo, classify, load_classify, load_route, route)
from spocmail.split import split_requests

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "examples" / "register.toml"
SHIPPED_CLASSIFY = ROOT / "rules" / "classify.toml"
SHIPPED_ROUTE = ROOT / "rules" / "route.toml"


@pytest.fixture(scope="module")
def crules():
    return load_classify()


@pytest.fixture(scope="module")
def rrules():
    return load_route()


def category(crules, text: str, subject: str = "") -> str:
    return classify(subject, text, crules).category


# =========================================================================== the shipped files


def test_shipped_rules_files_load_from_the_rules_directory(crules, rrules):
    assert crules.path == SHIPPED_CLASSIFY and rrules.path == SHIPPED_ROUTE
    assert [c.id for c in crules.categories if c.id in REQUIRED_CATEGORIES] == \
        ["sar", "eir", "foi", "complaint", "service-request", "general-enquiry", "no-response"]
    assert rrules.roles == {"legal": "legal", "information": "information-team"}


def test_every_shipped_rule_has_a_description_a_reader_can_check(crules, rrules):
    for r in (*crules.rules, *crules.overrides, *rrules.rules):
        assert len(r.description) > 20, r.id


def test_statutory_kinds_are_those_with_deadlines(crules):
    kinds = {c.id: c.statutory_kind for c in crules.categories}
    assert kinds == {"sar": "sar", "eir": "eir", "foi": "foi", "complaint": "complaint",
                     "service-request": None, "general-enquiry": None, "no-response": None}
    deadline_kinds = tomllib.loads((ROOT / "rules" / "deadlines.toml").read_text())["kinds"]
    assert {k for k in kinds.values() if k} <= set(deadline_kinds)


# =========================================================================== FOI


@pytest.mark.parametrize("text", [
    "Under the Freedom of Information Act, please provide the minutes of the Cabinet meeting of 3 March.",
    "This is a request under the Freedom of Information Act 2000 for the council's staff organisation chart.",
    "FOI request: the number of agency staff employed by the council in 2025.",
    "Please treat this as a request under FOIA for the council's contract with Acme Ltd.",
    "Please provide copies of the invoices paid to Acme Consulting in 2024.",
    "I request the following information: the salary bands of the senior leadership team.",
    "Please disclose the council's policy on the use of agency staff.",
    "How many penalty charge notices were issued in Cambourne in 2025?",
    "I would like to know how much was spent on consultants last year.",
    "I am not happy with your response to my FOI and ask for an internal review.",
])
def test_information_requests_are_foi(crules, text):
    result = classify("", text, crules)
    assert result.category == "foi" and result.statutory_kind == "foi", result


def test_foi_act_mention_outweighs_a_polite_question(crules):
    result = classify("Question", "Can you tell me, under the Freedom of Information Act, who approved the "
                      "contract with Acme Ltd? Please let me know.", crules)
    assert result.rule == "foi-act-mention" and result.score == 100
    assert [a.category for a in result.alternatives] == ["general-enquiry"]


def test_exasperated_how_many_times_is_not_a_request_for_figures(crules):
    result = classify("", "How many times do I have to ask you to reply to my email?", crules)
    assert result.category != "foi"


def test_act_in_the_subject_line_counts(crules):
    assert category(crules, "Please send me the 2024 parking income.", subject="FOI request") == "foi"


# =========================================================================== EIR


@pytest.mark.parametrize("text", [
    "Under the Environmental Information Regulations 2004, please send me the council's air quality data.",
    "This is an EIR request for the noise complaints log.",
    "I make this request under EIR 2004: the contract for the waste incinerator.",
    "Please provide copies of the tree survey for Mill Road.",
    "How many planning applications were refused in 2025?",
    "Can I have a copy of the planning officer's report?",
])
def test_environmental_information_requests_are_eir(crules, text):
    result = classify("", text, crules)
    assert result.category == "eir" and result.statutory_kind == "eir", result


@pytest.mark.parametrize("text, about", [
    ("Under the Freedom of Information Act please provide copies of all flood risk assessments for Swavesey.",
     "flood"),
    ("FOI request: how many tonnes of waste were sent to landfill in 2025?", "waste"),
    ("Under FOIA, please disclose the contamination reports for the old gasworks site.", "contamination"),
    ("Please provide under the Freedom of Information Act the emissions figures for the council's fleet.",
     "emissions"),
])
def test_environmental_subject_makes_an_foi_request_eir(crules, text, about):
    """ICO: environmental information is handled under the EIR, whatever the requester calls the request."""
    result = classify("", text, crules)
    assert result.category == "eir"
    assert result.rule == "eir-environmental-subject"
    assert about in result.evidence.lower()
    assert ("foi", "foi-act-mention") in [(a.category, a.rule) for a in result.alternatives]
    assert "EIR" in result.reason and "s.39" in result.reason


def test_environmental_keywords_live_in_the_rules_file(crules):
    eir = crules.rule("eir-environmental-subject")
    assert eir.applies_to == ("foi",) and eir.category == "eir"
    assert {"planning", "noise", "trees", "drainage", "pollution", "flooding", "emissions"} <= set(eir.matcher.phrases)


def test_a_waste_of_money_is_not_environmental(crules):
    result = classify("", "Under the FOI Act, how much was spent on the new logo? It was a waste of money.", crules)
    assert result.category == "foi"


def test_environmental_words_do_not_make_a_service_request_eir(crules):
    assert category(crules, "There is fly-tipping in the lane behind my house, please remove it.") == \
        "service-request"


# =========================================================================== subject access


@pytest.mark.parametrize("text", [
    "Please send me all the personal data you hold about me.",
    "This is a subject access request.",
    "I am making a subject access request for my housing file.",
    "Under the Data Protection Act 2018 I ask for a copy of the information you hold about me.",
    "Under UK GDPR Article 15, please provide copies of my personal data.",
    "Under the Data Protection Act I want copies of all my records and data.",
    "Please send me the personal information that the council holds on me.",
])
def test_requests_for_own_personal_data_are_subject_access(crules, text):
    result = classify("", text, crules)
    assert result.category == "sar" and result.statutory_kind == "sar", result


def test_foi_request_for_own_data_is_subject_access(crules):
    result = classify("", "Under the Freedom of Information Act please send me every email that mentions me.",
                      crules)
    assert result.category == "sar" and result.rule == "foi-own-personal-data-is-sar"


def test_complaint_of_a_data_breach_is_not_a_subject_access_request(crules):
    result = classify("", "You shared my data with my neighbour in breach of the Data Protection Act. "
                      "I wish to make a formal complaint.", crules)
    assert result.category == "complaint"


# =========================================================================== complaints


@pytest.mark.parametrize("text", [
    "I wish to complain about the way my housing application was handled.",
    "I want to make a formal complaint about the officer who visited on Tuesday.",
    "I want to make a complaint about the state of the estate.",
    "Please escalate my complaint to stage 2; your answer did not deal with the points I raised.",
    "I am not satisfied with the response to my complaint.",
    "My complaint has still not been resolved and I want it considered at stage two.",
    "If this is not resolved I will be going to the Local Government Ombudsman.",
])
def test_statements_of_complaint_are_complaints(crules, text):
    result = classify("", text, crules)
    assert result.category == "complaint" and result.statutory_kind == "complaint", result


def test_past_complaint_with_thanks_is_not_a_new_complaint(crules):
    """A complaint is a present wish to complain; telling of an old one that was put right asks for nothing."""
    result = classify("Thanks", "I complained last year and you fixed it, thanks.", crules)
    assert result.category == "no-response"
    assert result.rule == "no-response-thanks"


def test_saying_it_is_not_a_complaint_is_not_a_complaint(crules):
    assert category(crules, "I am not making a formal complaint, but can you tell me when the "
                            "road will be resurfaced?") == "general-enquiry"
    assert category(crules, "I don't want to make a complaint, but when will the library reopen?") == \
        "general-enquiry"


def test_strong_words_are_a_complaint_only_when_nothing_stronger_is_asked(crules):
    assert category(crules, "Why was the meeting cancelled at no notice? This is disgraceful.") == "complaint"
    assert category(crules, "My bin was not collected again. This is unacceptable.") == "service-request"


# =========================================================================== service requests


@pytest.mark.parametrize("text", [
    "My bin was not collected on Tuesday.",
    "Missed bin at 4 Mill Road again.",
    "There is a huge pothole outside number 12 High Street.",
    "I would like to report fly-tipping in the lay-by on the A14.",
    "The street light outside my house is broken, please fix it.",
    "Please replace my green bin, the lid has snapped.",
    "Please collect the mattress left outside the flats.",
    "The kitchen tap in my council flat is leaking and needs repairing.",
    "The noise from the factory is unbearable at night.",
])
def test_reports_and_requests_for_a_service_are_service_requests(crules, text):
    result = classify("", text, crules)
    assert result.category == "service-request" and result.statutory_kind is None, result


def test_why_was_my_bin_not_collected_is_a_service_request(crules):
    result = classify("", "Why was my bin not collected?", crules)
    assert result.category == "service-request"
    assert result.alternatives[0].category == "general-enquiry"


def test_figures_about_repairs_are_an_information_request(crules):
    assert category(crules, "How many potholes were repaired in 2025?") == "foi"


def test_bin_does_not_match_cabinet(crules):
    assert category(crules, "When will the cabinet meet next?") == "general-enquiry"


# =========================================================================== general enquiries


@pytest.mark.parametrize("text", [
    "Can you tell me when the library reopens?",
    "When will the new leisure centre open?",
    "Why was the consultation closed early?",
    "Could you let me know who my ward councillor is.",
    "Is there a meeting of the parish council this month?",
])
def test_questions_are_general_enquiries(crules, text):
    result = classify("", text, crules)
    assert result.category == "general-enquiry" and result.statutory_kind is None, result


def test_a_question_after_thanks_still_needs_an_answer(crules):
    assert category(crules, "Thanks for your reply. Is the meeting on Tuesday?") == "general-enquiry"


def test_a_mail_no_rule_recognises_is_a_general_enquiry_with_no_score(crules):
    result = classify("Mill Road", "The hedge at the corner of Mill Road.", crules)
    assert (result.category, result.rule, result.score, result.evidence) == \
        ("general-enquiry", NO_RULE_MATCHED, 0, "")


# =========================================================================== no response


@pytest.mark.parametrize("text", [
    "Thank you.",
    "Many thanks, received.",
    "Thanks for letting me know.",
    "For your information, I have now sent the form to the housing team. No reply needed.",
    "Just to let you know I will be away next week.",
    "This is an automatic reply: I am out of the office until Monday.",
])
def test_thanks_and_notes_need_no_response(crules, text):
    result = classify("", text, crules)
    assert result.category == "no-response" and result.statutory_kind is None, result


def test_auto_reply_is_no_response_whatever_it_says(crules):
    result = classify("Automatic reply: FOI request", "Under the Freedom of Information Act please provide...",
                      crules, auto_reply=True)
    assert (result.category, result.rule, result.statutory_kind) == ("no-response", AUTOMATIC_REPLY_RULE, None)
    assert result.alternatives == ()


def test_long_mail_ending_in_thanks_is_not_a_thank_you(crules):
    text = ("The planning officer told me last month that the decision would be made at the committee. "
            "Nothing has been published since then and my neighbours have heard nothing either. "
            "The builders are still on site every morning from seven. Thanks, Jordan")
    assert category(crules, text) != "no-response"


def test_a_statutory_request_is_never_outweighed_by_no_reply_needed(crules):
    assert category(crules, "Under the FOI Act please provide the 2025 budget. No reply needed until then.") == "foi"


# =========================================================================== evidence and determinism


def test_evidence_is_the_matched_words_in_context(crules):
    text = ("I have written many times about this. Under the Freedom of Information Act, please provide "
            "copies of all correspondence between the council and the developer of the Mill Road site "
            "since January 2025, including emails.")
    result = classify("", text, crules)
    assert result.rule == "foi-act-mention"
    assert result.evidence.startswith("…") and result.evidence.endswith("…")
    assert "Under the Freedom of Information Act, please provide" in result.evidence
    assert len(result.evidence) < 140


def test_curly_apostrophes_match_straight_ones(crules):
    assert category(crules, "I don\u2019t want to make a complaint, but when will the library reopen?") == \
        "general-enquiry"


def test_tie_between_categories_goes_to_the_statutory_kind_listed_first(crules):
    # "Freedom of Information" and "EIR" both weigh 100 and each fires one rule: eir is listed before foi.
    result = classify("", "Request under the Freedom of Information Act or the EIR, as appropriate, for the "
                      "council's staff handbook.", crules)
    assert result.category == "eir"
    assert "listed first" in result.reason


def test_classification_is_deterministic(crules):
    text = "Under FOI, please provide the tree survey. Also my bin was not collected. Can you tell me why?"
    assert len({classify("s", text, crules) for _ in range(5)}) == 1


# =========================================================================== splitting a mail into requests


def test_single_request_returns_one_item():
    text = "Dear SPOC,\n\nWhen will my bin be collected?\n\nKind regards\nJordan"
    assert split_requests(text) == ["When will my bin be collected?"]


def test_windows_line_endings_split_the_same():
    text = "Please tell me:\r\n1. when the bins are collected\r\n2. where the tip is\r\n"
    assert split_requests(text) == ["Please tell me:\nwhen the bins are collected", "Please tell me:\nwhere the tip is"]


def test_blank_mail_has_no_requests():
    assert split_requests("  \n\n ") == []


def test_numbered_list_gives_one_request_per_item_each_with_its_lead_in(crules):
    text = ("Dear SPOC,\n\n"
            "Under the Freedom of Information Act, please provide:\n"
            "1. the cost of the new council offices;\n"
            "2. the number of staff working from them;\n"
            "3. copies of the tree survey for the car park.\n\n"
            "Yours sincerely\nJordan Example")
    parts = split_requests(text)
    assert len(parts) == 3
    assert all(p.startswith("Under the Freedom of Information Act, please provide:") for p in parts)
    assert parts[0].endswith("the cost of the new council offices;")
    assert [classify("", p, crules).category for p in parts] == ["foi", "foi", "eir"]
    assert not any("Jordan" in p or "Dear" in p for p in parts)


def test_numbered_list_with_parentheses_and_wrapped_lines():
    text = ("I have three questions about planning application 25/01234/FUL:\n\n"
            "1) Why was the committee date moved\n"
            "   from March to May?\n\n"
            "2) Who decided that the neighbours would not be consulted again?\n\n"
            "3) When will the decision notice be published?\n\n"
            "Thanks")
    parts = split_requests(text)
    assert len(parts) == 3
    assert all("25/01234/FUL" in p for p in parts)
    assert "from March to May?" in parts[0]
    assert parts[2].endswith("When will the decision notice be published?")


def test_lettered_list_splits_and_sub_items_stay_with_their_item():
    text = ("Please answer the following:\n"
            "(a) how many bins were missed in May, broken down by:\n"
            "    - ward\n"
            "    - week\n"
            "(b) how many complaints about missed bins were received.\n")
    parts = split_requests(text)
    assert len(parts) == 2
    assert "- ward" in parts[0] and "- week" in parts[0]


def test_bulleted_list_with_words_after_it_that_belong_to_every_item():
    text = ("Please send me the following:\n"
            "- the parking income for Cambourne\n"
            "- the cost of enforcement officers\n"
            "\n"
            "for each of the last three financial years.\n\n"
            "Regards,\nJordan")
    parts = split_requests(text)
    assert len(parts) == 2
    assert all(p.endswith("for each of the last three financial years.") for p in parts)
    assert "parking income" in parts[0] and "enforcement officers" in parts[1]


def test_a_paragraph_outside_the_list_that_asks_something_is_a_request_of_its_own():
    text = ("Please provide:\n1. the 2024 budget\n2. the 2025 budget\n\n"
            "Separately, when will the pothole on Mill Road be fixed?\n\nKind regards\nJordan")
    parts = split_requests(text)
    assert len(parts) == 3
    assert parts[2] == "Separately, when will the pothole on Mill Road be fixed?"


def test_a_list_and_a_further_question_after_it_with_the_closing_dropped():
    text = ("Dear Morgan,\n\n"
            "Further to my email last week, I still have not had answers.\n\n"
            "1. When will the fence at the park be repaired?\n"
            "2. Why was my planning objection not published?\n"
            "   It was sent on 3 March.\n"
            "3. Please send me the minutes of the committee meeting.\n\n"
            "I also want to know who decided to close the car park.\n\n"
            "I look forward to your reply.\n\n"
            "Kind regards\nJordan Example\n07700 900123")
    parts = split_requests(text)
    assert parts == [
        "Further to my email last week, I still have not had answers.\nWhen will the fence at the park be repaired?",
        "Further to my email last week, I still have not had answers.\nWhy was my planning objection not published?"
        "\nIt was sent on 3 March.",
        "Further to my email last week, I still have not had answers.\nPlease send me the minutes of the committee "
        "meeting.",
        "I also want to know who decided to close the car park.",
    ]


def test_separate_paragraphs_each_asking_something_are_separate_requests():
    text = ("Hi,\n\n"
            "I live at 1 High Street.\n\n"
            "The bin was missed again on Tuesday. Please arrange a collection.\n\n"
            "The planning application next door was decided last week.\n"
            "Why was I not notified?\n\n"
            "The street light opposite has been out for a month.\n\n"
            "Thank you for your help.\nJordan")
    parts = split_requests(text)
    assert len(parts) == 2
    assert parts[0].startswith("I live at 1 High Street.") and "Please arrange a collection." in parts[0]
    assert parts[1].startswith("I live at 1 High Street.") and "Why was I not notified?" in parts[1]
    assert parts[1].endswith("The street light opposite has been out for a month.")
    assert not any("Thank you" in p or "Jordan" in p for p in parts)


def test_context_between_requests_belongs_to_the_request_that_follows():
    text = ("When will the library reopen?\n\n"
            "My daughter has had a pothole damage her bike on Mill Road.\n\n"
            "Can you tell me how to claim for the damage?")
    parts = split_requests(text)
    assert parts == ["When will the library reopen?",
                     "My daughter has had a pothole damage her bike on Mill Road.\n\n"
                     "Can you tell me how to claim for the damage?"]


def test_thanks_at_the_top_is_not_mistaken_for_the_sign_off():
    text = ("Thank you for your reply yesterday.\n\n"
            "When will the library reopen?\n\n"
            "Why was the consultation closed early?")
    parts = split_requests(text)
    assert len(parts) == 2 and all(p.startswith("Thank you for your reply yesterday.") for p in parts)


def test_a_signature_after_the_delimiter_is_not_a_request():
    text = "Can you tell me when the bins are collected?\n-- \nJordan Example\nPlease consider the environment."
    assert split_requests(text) == ["Can you tell me when the bins are collected?"]


# =========================================================================== routing


def _register_officers() -> list[OfficerInfo]:
    data = tomllib.loads(REGISTER.read_text())
    return [OfficerInfo(id=o["id"], name=o["name"], email=o["email"], department=o.get("department", ""),
                        keywords=tuple(o.get("keywords", ())), handles=tuple(o.get("handles", ())),
                        cover=o.get("cover"),
                        absences=tuple((a["from"], a["to"], a.get("reason", "")) for a in o.get("absences", ())))
            for o in data["officer"]]


@pytest.fixture
def officers() -> list[OfficerInfo]:
    return _register_officers()


def officer(id: str, name: str, department: str = "", keywords=(), handles=(), cover=None, absences=()) -> OfficerInfo:
    return OfficerInfo(id, name, f"{id}@council.example", department, tuple(keywords), tuple(handles), cover,
                       tuple(absences))


SPOC = officer("spoc-officer", "Morgan Reed", "Customer Services")
DEPUTY = officer("spoc-deputy", "Chris Lane", "Customer Services")
ON = date(2026, 3, 2)


def do_route(category, text, officers, rrules, *, subject="", on=ON, spoc="spoc-officer", deputy="spoc-deputy"):
    return route(category, subject, text, officers, rrules, on=on, spoc_id=spoc, deputy_id=deputy)


def test_officer_who_handles_the_category_gets_it_ahead_of_keywords(officers, rrules):
    r = do_route("foi", "Under FOI, please provide the planning committee minutes.", officers, rrules)
    assert (r.officer_id, r.rule, r.reason) == ("information-team", ROUTE_HANDLES, "handles foi (register)")
    assert r.covered_for is None and r.chain == ["information-team"]


def test_subject_access_goes_to_the_information_team_by_handles(officers, rrules):
    assert do_route("sar", "Please send me all the personal data you hold about me.", officers,
                    rrules).officer_id == "information-team"


def test_best_keyword_match_in_the_register_wins(officers, rrules):
    r = do_route("general-enquiry", "When will the planning application for the extension go to committee?",
                 officers, rrules)
    assert r.officer_id == "planning" and r.rule == ROUTE_KEYWORDS
    assert r.reason == "keywords planning, application, committee, extension (register)"


def test_more_distinct_keywords_beat_register_order(officers, rrules):
    # housing: repair, tenancy (2) beats planning: application (1), though planning is listed first
    r = do_route("service-request", "My tenancy application is stuck and the repair is still not done.",
                 officers, rrules)
    assert r.officer_id == "housing"
    assert r.reason == "keywords tenancy, repair (register)"


def test_keyword_tie_goes_to_register_order_and_says_so(officers, rrules):
    r = do_route("service-request", "The bin store needs a repair.", officers, rrules)
    assert r.officer_id == "housing"  # housing (repair) is listed before waste (bin)
    assert "tied with Dee Walker on 1 keyword" in r.reason and "first in register order" in r.reason


def test_keywords_are_whole_words(officers, rrules):
    r = do_route("general-enquiry", "When will the cabinet discuss the parent forum?", officers, rrules)
    assert r.officer_id != "waste" and r.officer_id != "housing"  # "cabinet" is not "bin", "parent" not "rent"


def test_legal_matter_goes_to_the_deputy_head_of_legal_by_route_rules(rrules):
    team = [SPOC, DEPUTY, officer("legal", "Jo Okafor", "Legal (Deputy Head of Legal)"),
            officer("planning", "Alex Jones", "Planning")]
    r = do_route("complaint", "My solicitor will be writing to you about the planning decision.", team, rrules)
    assert r.officer_id == "legal" and r.rule == "legal-matters"
    assert r.reason == "legal matter: 'solicitor' (rules/route.toml rule legal-matters)"


def test_legal_rule_comes_before_departments(rrules):
    team = [SPOC, officer("legal", "Jo Okafor", "Legal"), officer("housing", "Sam Patel", "Housing")]
    r = do_route("complaint", "I am seeking an injunction over the housing repairs.", team, rrules)
    assert r.officer_id == "legal"


def test_an_address_in_a_court_is_not_a_legal_matter(rrules):
    team = [SPOC, officer("legal", "Jo Okafor", "Legal"), officer("highways", "Pat Road", "Highways")]
    r = do_route("service-request", "There is a pothole outside 3 Willow Court.", team, rrules)
    assert r.officer_id == "highways" and r.rule == "highways"


def test_threat_to_take_the_council_to_court_is_a_legal_matter(rrules):
    team = [SPOC, officer("legal", "Jo Okafor", "Legal")]
    r = do_route("complaint", "If this is not fixed I will take you to court.", team, rrules)
    assert r.officer_id == "legal" and "'to court'" in r.reason


def test_the_ombudsman_is_a_complaint_not_a_legal_matter(rrules):
    team = [SPOC, officer("legal", "Jo Okafor", "Legal")]
    r = do_route("complaint", "I will take this to the Ombudsman.", team, rrules)
    assert r.officer_id == "spoc-officer" and r.rule == ROUTE_SPOC


def test_information_requests_go_to_the_information_team_by_route_rules_when_no_one_handles_them(rrules):
    team = [SPOC, officer("information-team", "Information Team", "Information Governance"),
            officer("planning", "Alex Jones", "Planning")]
    r = do_route("eir", "Please provide the tree survey.", team, rrules)
    assert r.officer_id == "information-team" and r.rule == "information-requests"
    assert r.reason == "information request: eir (rules/route.toml rule information-requests)"


def test_department_rule_routes_to_an_officer_of_that_department(rrules):
    team = [SPOC, officer("recycling-1", "Dee Walker", "Waste and Recycling"),
            officer("ctax", "Lee Brown", "Revenues and Benefits")]
    r = do_route("service-request", "My wheelie bin was not emptied.", team, rrules)
    assert r.officer_id == "recycling-1" and r.rule == "waste"
    assert r.reason == ("waste matter: 'bin', 'wheelie bin' (rules/route.toml rule waste); "
                        "department Waste and Recycling")
    r = do_route("general-enquiry", "Why has my council tax gone up?", team, rrules)
    assert r.officer_id == "ctax" and r.rule == "council-tax"


def test_department_rule_skips_an_absent_officer_for_one_who_is_in(rrules):
    team = [SPOC, officer("eh-1", "Kim Lee", "Environmental Health", absences=[(date(2026, 3, 1), date(2026, 3, 6))]),
            officer("eh-2", "Ash Kaur", "Environmental Health")]
    r = do_route("service-request", "The noise from the pub is keeping us awake.", team, rrules)
    assert r.officer_id == "eh-2" and r.covered_for is None
    assert "Kim Lee is absent 2026-03-01..2026-03-06, so Ash Kaur" in r.reason


def test_rule_naming_nobody_in_the_register_is_passed_over_and_said(rrules):
    team = [SPOC, DEPUTY]
    r = do_route("complaint", "My solicitor will be in touch.", team, rrules)
    assert r.officer_id == "spoc-officer" and r.rule == ROUTE_SPOC
    assert "role legal names officer 'legal', who is not in the register" in r.reason


def test_nothing_matches_so_the_spoc_answers(officers, rrules):
    r = do_route("general-enquiry", "When does the library open on Sundays?", officers, rrules)
    assert (r.officer_id, r.rule, r.covered_for, r.chain) == ("spoc-officer", ROUTE_SPOC, None, ["spoc-officer"])
    assert "the SPOC answers it" in r.reason


# --------------------------------------------------------------------------- absence


def test_absent_officer_is_covered_by_their_cover(officers, rrules):
    r = do_route("general-enquiry", "When will the planning application be decided?", officers, rrules,
                 on=date(2026, 12, 23))
    assert r.officer_id == "planning-2" and r.covered_for == "planning"
    assert r.chain == ["planning", "planning-2"]
    assert r.reason == ("keywords planning, application (register); "
                        "Alex Jones is absent 2026-12-21..2027-01-01; covered by Robin Shah")


def test_absence_is_inclusive_of_its_first_and_last_days(officers, rrules):
    text = "When will the planning application be decided?"
    assert do_route("general-enquiry", text, officers, rrules, on=date(2026, 12, 20)).officer_id == "planning"
    assert do_route("general-enquiry", text, officers, rrules, on=date(2026, 12, 21)).officer_id == "planning-2"
    assert do_route("general-enquiry", text, officers, rrules, on=date(2027, 1, 1)).officer_id == "planning-2"
    assert do_route("general-enquiry", text, officers, rrules, on=date(2027, 1, 2)).officer_id == "planning"


def test_cover_chain_skips_an_absent_cover(rrules):
    leave = [(date(2026, 8, 1), date(2026, 8, 14))]
    team = [SPOC, DEPUTY,
            officer("planning", "Alex Jones", "Planning", keywords=["planning"], cover="planning-2", absences=leave),
            officer("planning-2", "Robin Shah", "Planning", cover="planning-3", absences=leave),
            officer("planning-3", "Kim Lee", "Planning")]
    r = do_route("general-enquiry", "A planning question.", team, rrules, on=date(2026, 8, 5))
    assert r.officer_id == "planning-3" and r.covered_for == "planning"
    assert r.chain == ["planning", "planning-2", "planning-3"]
    assert "Robin Shah (cover) is absent 2026-08-01..2026-08-14; covered by Kim Lee" in r.reason


def test_cover_loop_is_detected_and_the_spoc_answers(rrules):
    leave = [(date(2026, 8, 1), date(2026, 8, 14))]
    team = [SPOC, DEPUTY,
            officer("a", "Alex Jones", keywords=["planning"], cover="b", absences=leave),
            officer("b", "Robin Shah", cover="a", absences=leave)]
    r = do_route("general-enquiry", "A planning question.", team, rrules, on=date(2026, 8, 5))
    assert r.officer_id == "spoc-officer" and r.covered_for == "a"
    assert r.chain == ["a", "b", "spoc-officer"]
    assert "leads back to Alex Jones (a loop in the register)" in r.reason
    assert r.reason.endswith("no cover is in, so the SPOC Morgan Reed")


def test_absent_officer_without_cover_falls_back_to_the_spoc(rrules):
    team = [SPOC, DEPUTY, officer("housing", "Sam Patel", "Housing", keywords=["tenancy"],
                                  absences=[(date(2026, 3, 1), date(2026, 3, 3), "training")])]
    r = do_route("general-enquiry", "A tenancy question.", team, rrules)
    assert r.officer_id == "spoc-officer" and r.covered_for == "housing"
    assert "Sam Patel is absent 2026-03-01..2026-03-03; Sam Patel has no cover" in r.reason


def test_spoc_absent_means_the_deputy(rrules):
    away = [(date(2026, 3, 2), date(2026, 3, 13))]
    team = [officer("spoc-officer", "Morgan Reed", "Customer Services", absences=away), DEPUTY]
    r = do_route("general-enquiry", "When does the library open?", team, rrules)
    assert r.officer_id == "spoc-deputy" and r.covered_for == "spoc-officer"
    assert r.chain == ["spoc-officer", "spoc-deputy"]
    assert r.reason.endswith("Morgan Reed is absent 2026-03-02..2026-03-13; the deputy Chris Lane covers")


def test_no_cover_and_spoc_absent_means_the_deputy(rrules):
    away = [(date(2026, 3, 2), date(2026, 3, 13))]
    team = [officer("spoc-officer", "Morgan Reed", absences=away), DEPUTY,
            officer("housing", "Sam Patel", "Housing", keywords=["tenancy"], absences=away)]
    r = do_route("general-enquiry", "A tenancy question.", team, rrules)
    assert r.officer_id == "spoc-deputy" and r.covered_for == "housing"
    assert r.chain == ["housing", "spoc-officer", "spoc-deputy"]


def test_everyone_away_leaves_it_with_the_spoc(rrules):
    away = [(date(2026, 3, 2), date(2026, 3, 13))]
    team = [officer("spoc-officer", "Morgan Reed", absences=away), officer("spoc-deputy", "Chris Lane", absences=away)]
    r = do_route("general-enquiry", "When does the library open?", team, rrules)
    assert r.officer_id == "spoc-officer"
    assert "the deputy Chris Lane is absent 2026-03-02..2026-03-13 too" in r.reason


# =========================================================================== bad rules files


CLASSIFY_BASE = SHIPPED_CLASSIFY.read_text()
ROUTE_BASE = SHIPPED_ROUTE.read_text()


def write(tmp_path, name, text) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def rule_block(**fields) -> str:
    import json
    lines = ["", "[[rule]]"] + [f"{k} = {json.dumps(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


GOOD = dict(id="extra", category="foi", weight=10, description="an extra rule for the test", phrases=["x"])


@pytest.mark.parametrize("change, field, expected", [
    ({"patterns": ["(unclosed"]}, "patterns", "not a valid regular expression"),
    ({"category": "gossip"}, "category", '"foi"'),
    ({"weight": "high"}, "weight", "whole number from 1 to 1000"),
    ({"phrases": "solicitor"}, "phrases", "list of non-empty strings"),
    ({"colour": "red"}, "colour", "unknown field"),
    ({"patterns": [".*"], "phrases": []}, "patterns", "matches an empty text"),
])
def test_bad_classify_rule_names_file_rule_and_field(tmp_path, change, field, expected):
    path = write(tmp_path, "classify.toml", CLASSIFY_BASE + rule_block(**{**GOOD, **change}))
    with pytest.raises(ConfigError) as err:
        load_classify(path)
    message = str(err.value)
    assert str(path) in message and "(id 'extra')" in message and f"field {field!r}" in message
    assert expected in message


def test_classify_rule_missing_a_field_says_it_is_missing(tmp_path):
    fields = dict(GOOD)
    del fields["description"]
    path = write(tmp_path, "classify.toml", CLASSIFY_BASE + rule_block(**fields))
    with pytest.raises(ConfigError, match=r"classify\.toml: \[\[rule\]\] #\d+ \(id 'extra'\): field 'description': "
                                          r"missing; expected"):
        load_classify(path)


def test_classify_rule_without_phrases_or_patterns_is_refused(tmp_path):
    fields = dict(GOOD, phrases=[])
    path = write(tmp_path, "classify.toml", CLASSIFY_BASE + rule_block(**fields))
    with pytest.raises(ConfigError, match=r"\(id 'extra'\): field 'phrases'.*at least one phrase"):
        load_classify(path)


def test_duplicate_rule_id_names_both_rules(tmp_path):
    path = write(tmp_path, "classify.toml", CLASSIFY_BASE + rule_block(**dict(GOOD, id="foi-act-mention")))
    with pytest.raises(ConfigError) as err:
        load_classify(path)
    message = str(err.value)
    assert "(id 'foi-act-mention'): field 'id': duplicate" in message and "already the id of [[rule]] #" in message


def test_rule_without_an_id_is_named_by_its_number(tmp_path):
    fields = dict(GOOD)
    del fields["id"]
    path = write(tmp_path, "classify.toml", CLASSIFY_BASE + rule_block(**fields))
    n = len(tomllib.loads(CLASSIFY_BASE)["rule"]) + 1
    with pytest.raises(ConfigError, match=rf"classify\.toml: \[\[rule\]\] #{n}: field 'id': missing"):
        load_classify(path)


def test_override_to_an_unknown_category_is_refused(tmp_path):
    text = CLASSIFY_BASE.replace('applies_to = ["foi"]\ncategory = "eir"', 'applies_to = ["foi"]\ncategory = "eri"')
    path = write(tmp_path, "classify.toml", text)
    with pytest.raises(ConfigError, match=r"\[\[override\]\] #2 \(id 'eir-environmental-subject'\): "
                                          r"field 'category' = 'eri': expected one of"):
        load_classify(path)


def test_removing_a_category_spocmail_relies_on_is_refused(tmp_path):
    text = CLASSIFY_BASE.replace('[[category]]\nid = "no-response"', '[[category]]\nid = "no-reply"')
    path = write(tmp_path, "classify.toml", text)
    with pytest.raises(ConfigError, match=r"\[\[category\]\] 'no-response': missing"):
        load_classify(path)


def test_classify_file_that_is_not_toml_is_refused(tmp_path):
    path = write(tmp_path, "classify.toml", "[[rule]\nid = ")
    with pytest.raises(ConfigError, match=r"classify\.toml: not valid TOML"):
        load_classify(path)


def test_missing_rules_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere\.toml: no such"):
        load_route(tmp_path / "nowhere.toml")


ROUTE_GOOD = dict(id="extra", description="an extra rule for the test", reason="extra matter",
                  department="Extra", phrases=["x"])


@pytest.mark.parametrize("change, field, expected", [
    ({"role": "chief", "department": None}, "role", 'a role named under [roles]: "legal", "information"'),
    ({"role": "legal"}, "role", "exactly one of `role`"),
    ({"patterns": ["[a-"]}, "patterns", "not a valid regular expression"),
    ({"department": 7}, "department", "a department name"),
    ({"reason": ""}, "reason", "a few words"),
    ({"phrases": [], "categories": []}, "phrases", "would match every issue"),
])
def test_bad_route_rule_names_file_rule_and_field(tmp_path, change, field, expected):
    fields = {k: v for k, v in {**ROUTE_GOOD, **change}.items() if v is not None}
    path = write(tmp_path, "route.toml", ROUTE_BASE + rule_block(**fields))
    with pytest.raises(ConfigError) as err:
        load_route(path)
    message = str(err.value)
    assert str(path) in message and "(id 'extra')" in message and f"field {field!r}" in message
    assert expected in message


def test_duplicate_route_rule_id_is_refused(tmp_path):
    path = write(tmp_path, "route.toml", ROUTE_BASE + rule_block(**dict(ROUTE_GOOD, id="waste")))
    with pytest.raises(ConfigError, match=r"route\.toml: \[\[rule\]\] #\d+ \(id 'waste'\): field 'id': duplicate"):
        load_route(path)


def test_role_must_name_an_officer_id(tmp_path):
    path = write(tmp_path, "route.toml", ROUTE_BASE.replace('legal = "legal"', "legal = 3"))
    with pytest.raises(ConfigError, match=r"route\.toml: \[roles\] legal = 3: expected the officer id"):
        load_route(path)
