"""A refused OAuth2 grant is put to the SPOCs, not only to the log.

When the mailbox cannot be read because the token endpoint refused the grant (a wrong or expired secret,
a removed permission) or the server refused the token, nothing comes in until the IT team fixes it. The
daemon keeps retrying with back-off and logs each try; this tells the people who would notice the
silence, once a day per cause: every arrangement's SPOC and deputy, with the message (which names the
key at fault and the permission) and the first command to run. The notice is queued in the outbox and
goes as soon as sending works (sending may use another login, or be the part that still works).
"""

from __future__ import annotations

from sqlalchemy import select

from spocmail import logs, outbox, templating
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database
from spocmail.db.register import Arrangement, Officer

log = logs.get("grants")


def refused(exc: BaseException) -> bool:
    """Is this a grant or token refusal that will not fix itself (as opposed to a network outage)?"""
    from spocmail.oauth2 import OAuth2Error, OAuth2LoginRefused

    return isinstance(exc, OAuth2LoginRefused) or (isinstance(exc, OAuth2Error) and not exc.temporary)


def tell_spocs(config: Config, db: Database, clock: Clock, exc: BaseException, side: str = "mailbox") -> bool:
    """Queue the notice (at most once per local day and cause); True when one was queued now."""
    now = clock.now()
    key = getattr(exc, "key", None) or exc.__class__.__name__
    dedupe = f"grant-refused:{side}:{key}:{now.astimezone(config.tz).date().isoformat()}"
    with db.session() as s:
        people: list[str] = []
        for arr in s.scalars(select(Arrangement).order_by(Arrangement.id)):
            for officer_id in (arr.spoc_id, arr.deputy_id):
                officer = s.get(Officer, officer_id) if officer_id else None
                if officer is not None and officer.email not in people:
                    people.append(officer.email)
        if not people:
            people = [config.spoc.address]
        before = s.scalar(select(outbox.OutboxMail.id).where(outbox.OutboxMail.dedupe_key == dedupe))
        if before is not None:
            return False
        what = ("read the SPOC mailbox" if side == "mailbox" else "send mail")
        lines = [f"spocmail cannot {what}: the sign-in was refused.", str(exc),
                 "Nothing new is taken in until this is fixed; spocmail keeps trying with growing pauses "
                 "and loses nothing.",
                 "For the IT team: fix the key named above, then run `spocmail mailbox check` to see that "
                 "intake and sending both work."]
        msg = templating.build("notice", subject="spocmail cannot sign in to the mailbox",
                               sender=f"{config.spoc.name} <{config.spoc.address}>", to=people,
                               heading="spocmail cannot sign in to the mailbox", lines=lines,
                               council=config.council.name)
        outbox.queue(s, msg, kind="notice", now=now, dedupe_key=dedupe, related={"grant": key})
        s.commit()
    log.error("the OAuth2 grant was refused; the SPOCs are told", extra={"event": "oauth2.grant_refused",
                                                                        "key": key, "side": side,
                                                                        "error": str(exc)})
    return True
