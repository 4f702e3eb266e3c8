"""Realistic inbound mail for the benchmarks, generated from a seed (nothing is read from outside the repo).

2 KB to 60 KB of text; a fifth carry a PDF of 5 to 150 KB; a tenth are forwarded by council staff; a
twentieth come from addresses the register does not know. Customers are cNN@example.net (see register()).
"""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta, timezone

CUSTOMERS = 20

REQUESTS = [
    "When will the planning committee decide application 26/{n:04d}/FUL for the extension at number {n}?",
    "My green bin was missed again on Friday on Mill Lane, please collect it this week.",
    "Under the Freedom of Information Act, please provide copies of all tree survey reports for Jubilee Park since 2024.",
    "There is damp and black mould in the bedroom of my council flat and the repair has not been booked.",
    "A pothole on the High Street outside the chemist has grown and a cyclist fell yesterday.",
    "Please explain why my council tax bill went up this year; I think the single person discount was removed.",
    "The streetlight outside 14 Station Road has been out for three weeks.",
    "Noise from the depot starts at five in the morning and wakes the whole street.",
    "Fly-tipping behind the garages on Orchard Close: mattresses and a fridge, for a fortnight now.",
    "I would like to make a complaint about how my housing benefit claim was handled by the office.",
    "Under the Environmental Information Regulations, please send me the air quality readings for Bridge Street.",
    "Could someone tell me whether the library on Church Road will open on Saturdays again?",
]

FILLER = [  # background, not requests: split.py makes a paragraph a request only when it asks something
    "I have written about this before and the matter has still not been put right by the council.",
    "My neighbours have seen the same thing and several of them have said they feel the same way.",
    "I have kept the letters from last year and photographs of the problem from several different days.",
    "This has gone on for far too long and it is affecting my health and my family's as well.",
    "Last time I was told someone would call me back, but nobody did, and the line was always engaged.",
    "It was closed last year without anything done, and the problem came back within a month.",
    "I am at home most mornings, and my mobile number is the one the council already has on file.",
    "The estate has changed a lot since we moved here in 1998, and not always for the better.",
]


def register(customers: int = CUSTOMERS) -> str:
    """The officers of examples/register.toml plus `customers` customers c00..cNN."""
    from pathlib import Path

    base = (Path(__file__).resolve().parent.parent / "examples" / "register.toml").read_text()
    out = [base]
    for i in range(customers):
        out.append(f'\n[[customer]]\nid = "c{i:02d}"\nname = "Customer {i:02d} Sample"\n'
                   f'addresses = ["c{i:02d}@example.net"]\nspoc = "spoc-officer"\ndeputy = "spoc-deputy"\n'
                   f'start = 2026-01-05\nreview = 2026-12-31\nweekly = {{ day = "FRI", time = "12:00" }}\n')
    return "".join(out)


def _text(rng: random.Random, size: int, n: int) -> str:
    parts = [rng.choice(REQUESTS).format(n=n)]
    if rng.random() < 0.7:  # a second question in the same mail
        parts.append(rng.choice(REQUESTS).format(n=n + 1))
    body = "\r\n\r\n".join(parts) + "\r\n\r\n"
    while len(body) < size:
        body += " ".join(rng.choice(FILLER) for _ in range(4)) + "\r\n\r\n"
    return body


def _pdf(rng: random.Random, size: int) -> bytes:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    return head + rng.randbytes(max(0, size - len(head) - 6)) + b"\n%%EOF"


def mail(n: int, when: datetime, seed: int = 14, customers: int = CUSTOMERS) -> bytes:
    rng = random.Random(seed * 1_000_003 + n)
    who = n % customers
    sender = f"Customer {who:02d} Sample <c{who:02d}@example.net>"
    if rng.random() < 0.05:
        sender = f"Someone New <new{n}@elsewhere.example>"
    text = _text(rng, rng.randint(2_000, 60_000), n)
    subject = f"{rng.choice(['Complaint', 'Question', 'Request', 'Still waiting'])} {n}"
    date = f"{when:%a, %d %b %Y %H:%M:%S +0000}"
    forwarded = rng.random() < 0.1
    if forwarded:  # a council officer forwards what the customer sent them
        text = ("Please can SPOC pick this up.\r\n\r\nSam Officer\r\nHighways\r\n\r\n"
                "---------- Forwarded message ---------\r\n"
                f"From: {sender}\r\nDate: {date}\r\nSubject: {subject}\r\nTo: sam.officer@council.example\r\n\r\n"
                + text)
        subject = "Fw: " + subject
        sender = "Sam Officer <sam.officer@council.example>"
    headers = (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\nDate: {date}\r\n"
               f"Message-ID: <bench-{seed}-{n}@example.net>\r\nMIME-Version: 1.0\r\n")
    if rng.random() >= 0.2:
        return (headers + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text).encode()
    pdf = base64.encodebytes(_pdf(rng, rng.randint(5_000, 150_000))).replace(b"\n", b"\r\n").decode()
    return (headers + 'Content-Type: multipart/mixed; boundary="b-bench"\r\n\r\n--b-bench\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n--b-bench\r\n"
            f'Content-Type: application/pdf; name="evidence-{n}.pdf"\r\n'
            f'Content-Disposition: attachment; filename="evidence-{n}.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n" + pdf + "--b-bench--\r\n").encode()


def mails(count: int, start: datetime, seed: int = 14) -> list[tuple[bytes, datetime]]:
    return [(mail(i, start + timedelta(seconds=30 * i), seed), start + timedelta(seconds=30 * i))
            for i in range(count)]


def big_mail(size: int, when: datetime) -> bytes:
    """One mail of about `size` bytes on the wire: some text and PDF attachments of equal size."""
    rng = random.Random(50)
    parts = []
    per = size // 5 * 3 // 4  # base64 grows by 4/3 (plus line ends)
    for k in range(5):
        pdf = base64.encodebytes(_pdf(rng, per)).replace(b"\n", b"\r\n").decode()
        parts.append("--b-big\r\nContent-Type: application/pdf\r\n"
                     f'Content-Disposition: attachment; filename="scan-{k}.pdf"\r\n'
                     "Content-Transfer-Encoding: base64\r\n\r\n" + pdf)
    return ("From: Customer 00 Sample <c00@example.net>\r\nTo: spoc@council.example\r\nSubject: My scans\r\n"
            f"Date: {when:%a, %d %b %Y %H:%M:%S +0000}\r\nMessage-ID: <bench-big@example.net>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b-big"\r\n\r\n--b-big\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + _text(rng, 3000, 1) + "\r\n"
            + "".join(parts) + "--b-big--\r\n").encode()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
