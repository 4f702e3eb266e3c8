"""`spocmail arrangement ...` (the arrangement's life, appeals and letters) and `spocmail log` (contacts not by mail)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from spocmail.cli import App, _now_type, emit, now_option, pass_app, unit_of_work


def _date(value: str | None, hint: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected a date YYYY-MM-DD", param_hint=hint) from None


def _run(app: App, as_json: bool, fn, *, flush: bool = True):
    """One unit of work, then send what it queued (staff notices, reminders)."""
    from spocmail.sending import flush_outbox

    database = app.database()
    try:
        with database.session() as session:
            result = fn(session)
        if flush:
            result["outbox"] = flush_outbox(app.config, database, app.clock)
    finally:
        database.dispose()
    if as_json:
        emit(result)
    return result


def _say(result: dict, text: str) -> None:
    click.echo(text)
    if result.get("letter_draft"):
        click.echo(f"  letter to the customer drafted: {result['letter_draft']} (approve it with "
                   f"`spocmail arrangement letter {result['customer']} --approve --draft {result['letter_draft']}`)")
    if result.get("staff_notices"):
        click.echo(f"  staff notice sent to {result['staff_notices']} officers and members")


def _common(f):
    f = click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")(f)
    f = click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")(f)
    f = now_option(f)
    return pass_app(f)


@click.group("arrangement")
def arrangement_group() -> None:
    """The arrangement's life: review, notice, end, suspend, reinstate; appeals; letters to the customer."""


@arrangement_group.command("show")
@click.argument("customer")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@now_option
@pass_app
def arrangement_show(app: App, customer: str, as_json: bool) -> None:
    """The arrangement's state, dates, restrictions, decisions (with their appeal windows) and appeals."""
    from spocmail import lifecycle

    with unit_of_work(app) as session:
        doc = lifecycle.status(session, customer, app.config, app.clock.now())
    if as_json:
        emit(doc)
        return
    click.echo(f"{customer}: {doc['status']}, started {doc['start']}, review {doc['review']}"
               + (" (overdue)" if doc["review_overdue"] else "") + (f", ends {doc['ends_on']}" if doc["ends_on"] else ""))
    for e in doc["events"]:
        click.echo(f"  {e['on']} {e['kind']} (#{e['id']}, by {e['by']})"
                   + (f", appeal until {e['appeal_until']}" if e["appeal_until"] else ""))
    for a in doc["appeals"]:
        click.echo(f"  appeal {a['id']} received {a['received_on']}: {a['status']}, decision due {a['due']}")


@arrangement_group.command("review")
@click.argument("customer")
@click.option("--next", "next_review", metavar="DATE", help="The next review date (3 to 12 months on).")
@click.option("--months", type=int, help="The next review this many months on (3 to 12; default 6).")
@click.option("--outcome", default="", help="What the review found, for the letter to the customer.")
@_common
def arrangement_review(app: App, customer: str, next_review: str | None, months: int | None, outcome: str,
                       actor: str, as_json: bool) -> None:
    """Record the review: the arrangement continues until the next review."""
    from spocmail import lifecycle

    r = _run(app, as_json, lambda s: lifecycle.review(s, customer, app.config, app.clock.now(), actor=actor,
                                                       next_review=_date(next_review, "--next"), months=months,
                                                       outcome=outcome))
    if not as_json:
        _say(r, f"{customer}: reviewed; next review {r['review']}")


@arrangement_group.command("notice")
@click.argument("customer")
@click.option("--days", type=int, default=14, show_default=True, help="The notice period (at least two weeks).")
@_common
def arrangement_notice(app: App, customer: str, days: int, actor: str, as_json: bool) -> None:
    """Give two weeks' notice of ending: the arrangement ends by itself when it runs out."""
    from spocmail import lifecycle

    r = _run(app, as_json, lambda s: lifecycle.notice(s, customer, app.config, app.clock.now(), actor=actor,
                                                       days=days))
    if not as_json:
        _say(r, f"{customer}: notice given; the arrangement ends on {r['ends_on']}")


@arrangement_group.command("end")
@click.argument("customer")
@click.option("--early", is_flag=True, help="End it now, before the notice runs out.")
@_common
def arrangement_end(app: App, customer: str, early: bool, actor: str, as_json: bool) -> None:
    """End the arrangement once its notice has run out (`jobs run-due` does this by itself)."""
    from spocmail import lifecycle

    r = _run(app, as_json, lambda s: lifecycle.end(s, customer, app.config, app.clock.now(), actor=actor,
                                                    early=early))
    if not as_json:
        _say(r, f"{customer}: the arrangement ended on {r['ended_on']}")


@arrangement_group.command("suspend")
@click.argument("customer")
@_common
def arrangement_suspend(app: App, customer: str, actor: str, as_json: bool) -> None:
    """Suspend the arrangement: the customer's mail is handled normally until it is reinstated."""
    from spocmail import lifecycle

    r = _run(app, as_json, lambda s: lifecycle.suspend(s, customer, app.config, app.clock.now(), actor=actor))
    if not as_json:
        _say(r, f"{customer}: the arrangement is suspended")


@arrangement_group.command("reinstate")
@click.argument("customer")
@click.option("--next", "next_review", metavar="DATE", help="The next review date (default 6 months on).")
@_common
def arrangement_reinstate(app: App, customer: str, next_review: str | None, actor: str, as_json: bool) -> None:
    """Put the arrangement back in force (after notice, an end or a suspension)."""
    from spocmail import lifecycle

    r = _run(app, as_json, lambda s: lifecycle.reinstate(s, customer, app.config, app.clock.now(), actor=actor,
                                                          next_review=_date(next_review, "--next")))
    if not as_json:
        _say(r, f"{customer}: the arrangement is in force again; next review {r['review']}")


@arrangement_group.command("appeal")
@click.argument("customer")
@click.option("--received", required=True, metavar="INSTANT", help="When the appeal reached the council.")
@click.option("--against", type=int, metavar="ID", help="The decision appealed (default: the latest before it).")
@_common
def arrangement_appeal(app: App, customer: str, received: str, against: int | None, actor: str,
                       as_json: bool) -> None:
    """Record an appeal: within 28 days of the decision; decided within 5 working days."""
    from spocmail import lifecycle

    when = _now_type(received, "--received")
    r = _run(app, as_json, lambda s: lifecycle.record_appeal(s, customer, app.config, app.clock.now(),
                                                              received=when, actor=actor, against=against))
    if not as_json:
        late = f" (LATE: the 28 days ran out on {r['window_until']})" if r["late"] else ""
        click.echo(f"{customer}: appeal {r['id']} against the {r['decision']} decision of {r['decision_on']} "
                   f"recorded{late}; its decision is due by {r['due']}")


@arrangement_group.command("appeal-decision")
@click.argument("customer")
@click.option("--outcome", required=True, type=click.Choice(["upheld", "dismissed", "varied"]))
@click.option("--text", default="", help="The decision in words, for the letter to the customer.")
@click.option("--appeal", "appeal_id", type=int, metavar="ID", help="Which open appeal (default the oldest).")
@_common
def arrangement_appeal_decision(app: App, customer: str, outcome: str, text: str, appeal_id: int | None,
                                actor: str, as_json: bool) -> None:
    """Record the decision on an appeal; the letter telling the customer is drafted for approval."""
    from spocmail import lifecycle

    r = _run(app, as_json, lambda s: lifecycle.decide_appeal(s, customer, app.config, app.clock.now(),
                                                              outcome=outcome, text=text, actor=actor,
                                                              appeal_id=appeal_id))
    if not as_json:
        _say(r, f"{customer}: appeal {r['id']} {outcome}" + ("" if r["on_time"] else f" (after its due date {r['due']})"))


@arrangement_group.command("introduce")
@click.argument("customer")
@_common
def arrangement_introduce(app: App, customer: str, actor: str, as_json: bool) -> None:
    """Draft the introduction letter to the customer and tell the officers and members concerned."""
    from spocmail import arrangement_letters

    r = _run(app, as_json, lambda s: arrangement_letters.introduce(s, customer, app.config, app.clock.now(),
                                                                    actor=actor))
    if not as_json:
        _say(r, f"{customer}: introduction drafted")


@arrangement_group.command("letter")
@click.argument("customer")
@click.option("--approve", is_flag=True, help="The SPOC approves the letter draft: it is sent as it was shown.")
@click.option("--draft", "draft_id", metavar="ID", help="The letter draft to approve (default: the only one waiting).")
@_common
def arrangement_letter(app: App, customer: str, approve: bool, draft_id: str | None, actor: str,
                       as_json: bool) -> None:
    """The letter drafts waiting for approval (intro, review, notice, appeal ...), or --approve one."""
    from spocmail import arrangement_letters

    if not approve:
        if draft_id:
            raise click.UsageError("--draft names the letter to approve: add --approve to send it")
        with unit_of_work(app) as session:
            from spocmail.lifecycle import arrangement_of

            arrangement_of(session, customer)
            rows = [arrangement_letters.draft_json(r) for r in arrangement_letters.current(session, customer)]
        if as_json:
            emit(rows)
            return
        for r in rows:
            click.echo(f"Draft: {r['draft']} ({r['letter']})\nTo: {', '.join(r['to'])}\nSubject: {r['subject']}\n")
            click.echo(r["body_text"])
        if not rows:
            click.echo(f"no letter waiting for {customer}")
        return
    r = _run(app, as_json, lambda s: arrangement_letters.send(s, customer, app.config, app.clock.now(), actor=actor,
                                                               draft_id=draft_id))
    if not as_json:
        click.echo(f"{customer}: letter {r['draft']} {r['status']}")


@click.command("log")
@click.argument("customer")
@click.option("--channel", required=True, type=click.Choice(["letter", "phone", "in-person"]))
@click.option("--received", required=True, metavar="INSTANT", help="When the contact reached the council.")
@click.option("--text", required=True, help="What the customer wrote or said.")
@click.option("--file", "scan", type=click.Path(dir_okay=False, path_type=Path), help="The scan of the letter.")
@_common
def log_cmd(app: App, customer: str, channel: str, received: str, text: str, scan: Path | None, actor: str,
            as_json: bool) -> None:
    """Log a contact not made by mail: filed and routed like mail, its clock from --received."""
    from spocmail import contacts

    when = _now_type(received, "--received")
    r = _run(app, False, lambda s: contacts.log_contact(s, customer, app.config, app.clock.now(), channel=channel,
                                                         received=when, text=text, actor=actor, scan=scan))
    if as_json:
        emit({k: v for k, v in r.items() if k != "outbox"})
    else:
        click.echo(f"{channel} from {customer} logged as mail {r['message']}: {', '.join(r['refs']) or 'no new issue'}")
