"""The yardstick for intake: the same I/O as `spocmail poll --once`, with nothing else, as a whole process.

Fetch every mail in INBOX with imapclient, parse each with mail-parser, then send SENDS mails over one
SMTP connection and APPEND each to Sent. Prints the number of mails fetched.

    python bench/bare_loop.py IMAP_HOST IMAP_PORT USER PASSWORD SMTP_HOST SMTP_PORT SENDS
"""

from __future__ import annotations

import smtplib
import sys
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP

import imapclient
import mailparser


def main(host: str, port: str, user: str, password: str, smtp_host: str, smtp_port: str, sends: str) -> None:
    client = imapclient.IMAPClient(host, port=int(port), ssl=False)
    client.login(user, password)
    client.select_folder("INBOX")
    uids = client.search("ALL")
    parsed = []
    for i in range(0, len(uids), 50):  # spocmail fetches in batches of [mailbox] batch_size (50)
        for _uid, data in client.fetch(uids[i:i + 50], ["BODY.PEEK[]"]).items():
            parsed.append(mailparser.parse_from_bytes(data[b"BODY[]"]))
    if not client.folder_exists("Sent"):
        client.create_folder("Sent")
    with smtplib.SMTP(smtp_host, int(smtp_port)) as smtp:
        for n in range(int(sends)):
            source = parsed[n % len(parsed)] if parsed else None
            msg = EmailMessage()
            msg["From"] = "Single Point of Contact <spoc@council.example>"
            msg["To"] = "alex.jones@council.example"
            msg["Subject"] = f"[SPOC-2026-{n:04d}] {source.subject if source else 'request'}"
            msg["Message-ID"] = f"<bare-{n}@council.example>"
            msg.set_content((source.text_plain[0][:4000] if source and source.text_plain else "request").replace("\r\n", "\n") + "\n", cte="quoted-printable")
            wire = msg.as_bytes(policy=SMTP)
            smtp.sendmail("spoc@council.example", ["alex.jones@council.example"], wire)
            client.append("Sent", wire, flags=(b"\\Seen",), msg_time=datetime.now(timezone.utc))
    client.logout()
    print(len(parsed))


if __name__ == "__main__":
    main(*sys.argv[1:8])
