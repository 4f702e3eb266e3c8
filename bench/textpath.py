"""The pure-Python text path of intake, without a database: parse, follow-up references, split, classify, route.

    .venv/bin/python bench/textpath.py --mails 500                    # time it (mailgen mails)
    .venv/bin/python bench/textpath.py --mails 500 --profile /tmp/tp   # and a cProfile of it
    .venv/bin/python bench/textpath.py --mails 3000 --corpus --fuzz 3000 --golden /tmp/g.jsonl --write
    .venv/bin/python bench/textpath.py --mails 3000 --corpus --fuzz 3000 --golden /tmp/g.jsonl   # compare

It does what pipeline.py does with a customer's mail, step for step, minus the SQL: parse_mail, the
text part of filing.find_followup (the references cited, the clarification phrase), filing.file_message
(customer_words, split_mail, content_hash, classify, the issue's title) and routing (rules.route on the
title and request text against examples/register.toml). With --golden every result is written out (or
compared line by line), so a faster implementation can be shown to give byte-identical output.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import random
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import mailgen  # noqa: E402

from spocmail import filing  # noqa: E402
from spocmail.mail import parse_mail  # noqa: E402
from spocmail.rules import OfficerInfo, classify, load_classify, load_route, phrase_regex, route  # noqa: E402
from spocmail.split import clean_subject, split_mail  # noqa: E402


def officers() -> list[OfficerInfo]:
    data = tomllib.loads((REPO / "examples" / "register.toml").read_text())
    return [OfficerInfo(id=o["id"], name=o["name"], email=o["email"], department=o.get("department", ""),
                        keywords=tuple(k.lower() for k in o.get("keywords", ())),
                        handles=tuple(h.lower() for h in o.get("handles", ())), cover=o.get("cover"),
                        absences=tuple((a["from"], a["to"]) for a in o.get("absences", ())))
            for o in data.get("officer", [])]


def corpus() -> list[tuple[str, bytes]]:
    out = []
    for p in sorted((REPO / "tests" / "mail").rglob("*")):
        if p.suffix in (".eml", ".msg") and p.is_file():
            out.append((str(p.relative_to(REPO)), p.read_bytes()))
    return out


def generated(n: int, seed: int = 14) -> list[tuple[str, bytes]]:
    start = mailgen.utc(2026, 3, 2, 9, 0)
    return [(f"mailgen-{seed}-{i}", raw) for i, (raw, _) in enumerate(mailgen.mails(n, start, seed))]


# --------------------------------------------------------------------------- texts built to trip the splitter

_PIECES = {
    "greet": ["Dear Sir,", "Dear SPOC team", "Hello,", "Hi", "Hi there, can you help?", "Good morning,",
              "To whom it may concern,", "Dear Ms Jones and colleagues at the council offices,", "hello"],
    "ask": [*mailgen.REQUESTS, "Could you tell me when the bins are collected?", "I'd like to know the cost.",
            "I\u2019d like to know the cost of the new offices.", "I want to see the minutes of the meeting.",
            "Can you send me the report", "Would you confirm the date?", "I need to report a blocked drain.",
            "I am writing to complain about the noise.", "I wish to request the survey.", "Kindly advise.",
            "Please reply soon.", "Thank you for your help.", "I would be grateful for a reply.",
            "And if not, why not?", "So what happens next?", "How many parking fines were issued in 2025?",
            "Why?", "Please let me know.", "Will you fix the road?", "i need help", "PLEASE CALL ME",
            "Under the FOI Act please provide: the budget", "Is this a complaint? I think so.",
            "I\u2019m requesting the file for SPOC-2026-0042.", "About spoc-2027-1234: to clarify, I meant the park.",
            "To clarify SPOC-2026-004 I meant Mill Lane.", "As I said in ref SPOC-2026-0007, it is still broken."],
    "fill": [*mailgen.FILLER, "Mr. Smith said no. 3 was fine.", "It cost approx. \u00a3300 e.g. for the fence.",
             "The \u201cpark\u201d is \u2013 as ever \u2013 closed.", "Nothing\u00a0else to add.",
             "Plea\u017fe note the \u017furvey was late.", "\u0130t was the \u212aerb outside No. 14.",
             "SPOC-2026-00012345 is not a reference.", "xSPOC-2026-0001 neither.", "\u017fpoc-2026-0099 maybe.",
             "SPOC-\uff12\uff10\uff12\uff16-0001 in wide digits.", "The bin (a) was red and (b) blue.",
             "I look forward to the meeting on Friday.", "Thanks to the officer who came."],
    "close": ["Kind regards,", "Regards", "Best", "Best,", "Thanks", "Thank you.", "Many thanks for your help",
              "Yours sincerely,", "Cheers", "Sent from my iPhone", "I look forward to hearing from you.",
              "Looking forward to your reply", "I await your response.", "Best wishes\nJo",
              "Thanks - can you also check the lights?"],
    "sig": ["Jo Bloggs", "Jo Bloggs\n07700 900123", "--\nJo Bloggs\n12 Mill Lane", "-- \nSent from my phone",
            "J. Bloggs\nFlat 3, 12 Mill Lane, AB1 2CD"],
}
_MARK = {"number": ["{n}.", "{n})", "({n})", "Q{n}:", "q{n}."], "letter": ["({l})", "{l})", "({r})"],
         "bullet": ["-", "*", "\u2022", "\u00b7", "\u2013", "\u2014"]}


def fuzz_text(rng: random.Random) -> str:
    def pick(kind: str) -> str:
        return rng.choice(_PIECES[kind])

    def para(k: int) -> str:
        said = [pick(rng.choice(("ask", "fill", "fill", "ask", "close"))) for _ in range(k)]
        join = rng.choice([" ", " ", "\n", "  "])
        return join.join(said)

    out: list[str] = []
    if rng.random() < 0.7:
        out.append(pick("greet"))
    for _ in range(rng.randint(0, 3)):
        out.append(para(rng.randint(1, 5)))
    if rng.random() < 0.5:  # a list
        fam = rng.choice(list(_MARK))
        if rng.random() < 0.6:
            out.append(rng.choice(["Under the FOI Act please provide:", "I have some questions:",
                                   "The following:", "Please could you tell me"]))
        items = []
        for n in range(1, rng.randint(1, 6) + 1):
            mark = rng.choice(_MARK[fam]).format(n=n, l="abcdef"[n - 1], r=["i", "ii", "iii", "iv", "v", "vi"][n - 1])
            indent = rng.choice(["", "", " ", "\t"])
            item = f"{indent}{mark} {para(rng.randint(1, 2))}"
            if rng.random() < 0.2:
                item += "\n   " + pick("fill")
            items.append(item)
        out.append(rng.choice(["\n", "\n\n"]).join(items))
        if rng.random() < 0.5:
            out.append(rng.choice(["for each of the last three years", "Please also tell me who decided.",
                                   pick("fill"), pick("ask")]))
    for _ in range(rng.randint(0, 3)):
        out.append(para(rng.randint(1, 4)))
    if rng.random() < 0.7:
        out.append(pick("close"))
    if rng.random() < 0.5:
        out.append(pick("sig"))
    if rng.random() < 0.2:
        out.append(para(rng.randint(1, 3)))  # words after the sign-off
    text = rng.choice(["\n\n", "\n\n", "\r\n\r\n", "\n \n", "\n"]).join(out)
    if rng.random() < 0.1:
        text = text.upper()
    return text


def fuzz_mail(i: int, seed: int = 7) -> tuple[str, bytes]:
    rng = random.Random(seed * 1_000_003 + i)
    text = fuzz_text(rng)
    subject = rng.choice(["Question", "Re: [SPOC-2026-0002 #abc] Please answer", "Fw: bins", "RE: RE: FOI request",
                          "About SPOC-2026-0042", "Complaint about SPOC-2026-0007 and SPOC-2026-0008", ""])
    raw = (f"From: Customer {i % 20:02d} <c{i % 20:02d}@example.net>\r\nTo: spoc@council.example\r\n"
           f"Subject: {subject}\r\nDate: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <fuzz-{i}@example.net>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text.replace("\r\n", "\n")
           .replace("\n", "\r\n"))
    return f"fuzz-{seed}-{i}", raw.encode()


# --------------------------------------------------------------------------- the text path of one mail


def _refs(text: str) -> set[str]:
    """The references find_followup looks up (filing._refs, or before it existed, the regex in place)."""
    own = getattr(filing, "_refs", None)
    return own(text) if own else {r.upper() for r in filing._REF.findall(text)}


class Path_:
    def __init__(self, every: bool = False) -> None:
        self.every = every  # every check on every mail (for --golden), not only those the pipeline makes
        self.classify_rules = load_classify()
        self.route_rules = load_route()
        self.followup_rules = filing.load_followups()
        self.officers = officers()

    def run(self, raw: bytes) -> dict:
        parsed = parse_mail(raw)
        addresses = {parsed.from_.email.lower()} if parsed.from_.email else set()
        out: dict = {"parsed": parsed.to_json()}
        # filing.find_followup, the text part
        words = filing._own_words(parsed, addresses)
        out["cited"] = sorted(_refs(words))
        out["cited_subject"] = sorted(_refs(parsed.subject or ""))
        if self.every or out["cited"] or out["cited_subject"]:  # find_followup looks only when an issue is cited
            said = getattr(filing, "clarification_said", None)
            out["clarifies"] = said(self.followup_rules, words) if said else next(
                (p for p in self.followup_rules.clarification if phrase_regex(p).search(words)), None)
        # filing.file_message, without the database
        texts = [words, parsed.body_text, *(f.body or "" for f in parsed.forwarded)]
        if parsed.forwarded:
            chosen = next((f for f in reversed(parsed.forwarded)
                           if f.from_.email and f.from_.email.lower() in addresses), parsed.forwarded[-1])
            subject = chosen.subject or parsed.subject or ""
        else:
            subject = parsed.subject or ""
        out["texts"] = []
        for n, text in enumerate(dict.fromkeys(t.strip() for t in texts)):
            parts = split_mail(text) if text else []
            done = []
            for part in parts or [None]:
                request = part.text if part is not None else (text or clean_subject(subject))
                c = classify(subject, request, self.classify_rules, auto_reply=parsed.auto_reply)
                title = filing.issue_title(part.title if part is not None else "", subject)
                r = route(c.category, title, request, self.officers, self.route_rules, on=date(2026, 3, 2),
                          spoc_id="spoc-officer", deputy_id="spoc-deputy")
                done.append({"text": request, "core": part.core if part else None, "lead_in": part.lead_in if part
                             else None, "title": title, "hash": filing.content_hash(request),
                             "class": repr(c), "route": repr(r)})
                if n > 0 and len(done) >= 3:
                    break  # the other texts: their split in full, classification of the first few
            out["texts"].append(done)
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mails", type=int, default=500, help="mailgen mails (seed 14, as bench/suite.py)")
    ap.add_argument("--seeds", type=int, nargs="*", default=[14])
    ap.add_argument("--corpus", action="store_true", help="also every mail of tests/mail")
    ap.add_argument("--fuzz", type=int, default=0, help="also this many built texts")
    ap.add_argument("--golden", help="a JSON-lines file of every result")
    ap.add_argument("--write", action="store_true", help="write --golden rather than compare with it")
    ap.add_argument("--profile", help="a cProfile of the timed run into this file")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)

    items = []
    if args.corpus:
        items += corpus()
    for seed in args.seeds:
        items += generated(args.mails, seed)
    items += [fuzz_mail(i) for i in range(args.fuzz)]
    tp = Path_(every=bool(args.golden))
    tp.run(items[0][1])  # warm the rules

    results = None
    best = None
    for _ in range(args.repeat):
        prof = cProfile.Profile() if args.profile else None
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        results = [(name, tp.run(raw)) for name, raw in items]
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    print(f"{len(items)} mails: {best:.3f} s, {best / len(items) * 1000:.2f} ms per mail")

    if args.golden:
        lines = [json.dumps({"name": name, **r}, ensure_ascii=False, sort_keys=True) for name, r in results]
        if args.write:
            Path(args.golden).write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"wrote {args.golden}")
        else:
            want = Path(args.golden).read_text(encoding="utf-8").split("\n")[:-1]  # not splitlines(): \x1c, \u2028 are in texts
            bad = [(a, b) for a, b in zip(want, lines) if a != b]
            if len(want) != len(lines):
                print(f"DIFFERENT: {len(want)} golden lines, {len(lines)} now")
                return 1
            if bad:
                for a, b in bad[:3]:
                    ja, jb = json.loads(a), json.loads(b)
                    for k in ja:
                        if ja[k] != jb.get(k):
                            print(f"DIFFERENT {ja['name']} {k}:\n  was {json.dumps(ja[k])[:600]}\n  now "
                                  f"{json.dumps(jb.get(k))[:600]}")
                print(f"DIFFERENT: {len(bad)} of {len(lines)} mails")
                return 1
            print(f"identical: {len(lines)} mails")
    return 0


if __name__ == "__main__":
    sys.exit(main())
