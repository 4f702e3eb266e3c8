"""The face of spocmail: parses arguments, calls one function per command, prints. No logic of its own."""

from __future__ import annotations

import functools
import json
import sys
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from spocmail import logs
from spocmail.clock import Clock, parse_instant
from spocmail.errors import SpocmailError


class App:
    """What every command needs, loaded lazily so `parse` and `deadline` work without a config file."""

    def __init__(self, config_path: str | None, now: datetime | None):
        self.config_path = config_path
        self.now = now

    @cached_property
    def config(self):
        from spocmail import config

        from spocmail import ruleset

        cfg = config.load(config.locate(self.config_path))
        logs.setup(cfg.logging.format, cfg.logging.level, cfg.logging.file)
        ruleset.activate(cfg)  # a bad rules file or template stops every command here, before any work
        return cfg

    @cached_property
    def optional_config(self):
        """The config when there is one; built-in defaults when no file exists (for pure commands)."""
        from spocmail import config

        from spocmail import ruleset

        path = config.locate(self.config_path)
        if self.config_path is None and not path.exists():
            cfg = config.Config()
            ruleset.activate(cfg)
            return cfg
        return self.config

    @cached_property
    def clock(self) -> Clock:
        return Clock(self.now)

    def database(self, require_head: bool = True):
        from spocmail import db

        database = db.Database(self.config.database.url)
        if require_head:
            db.require_head(database.engine)
        return database


def _now_type(value: str | None, hint: str = "--now") -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected an ISO-8601 instant such as 2026-11-27T12:00:00+00:00 "
                                 f"(an offset, or naive meaning Europe/London)", param_hint=hint) from None


def now_option(f: Callable) -> Callable:
    """--now on a command: replay it as if it ran at that instant."""

    def callback(ctx: click.Context, _param, value):
        if value is not None:
            ctx.find_object(App).now = _now_type(value)
            ctx.find_object(App).__dict__.pop("clock", None)
        return value

    return click.option("--now", "now", metavar="INSTANT", expose_value=False, callback=callback,
                        help="Decide as if it were this instant (ISO-8601; naive means Europe/London).")(f)


def emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; silent otherwise (CI, cron, pipes)."""
    if not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    cols = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*cols, transient=True, console=None) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


pass_app = click.make_pass_decorator(App)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", metavar="PATH", envvar=None,
              help="Config file (default: $SPOCMAIL_CONFIG, then ./config.toml).")
@click.option("--now", "now", metavar="INSTANT", help="Replay as if it were this instant (ISO-8601).")
@click.version_option(package_name="spocmail")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, now: str | None) -> None:
    """spocmail: run a council's Single Point of Contact arrangement from its shared mailbox."""
    from spocmail import resources

    # Each run reads the rules its own config names, and leaves none behind (tests run many in one process).
    resources.use(None)
    ctx.call_on_close(lambda: resources.use(None))
    ctx.obj = App(config_path, _now_type(now))


# ------------------------------------------------------------------ db


@cli.group()
def db() -> None:
    """Create or migrate the database."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Create or migrate the database to the newest schema (safe to run again)."""
    from spocmail import db as dbmod

    url = app.config.database.url
    dbmod.upgrade(url)
    from spocmail import auditcli

    auditcli.restore_guard(app)
    click.echo(f"database at migration {dbmod.head_revision()}", err=True)


@db.command("grants")
@click.argument("role")
def db_grants(role: str) -> None:
    """Print the PostgreSQL GRANTs for ROLE, the role spocmail runs as (INSERT and SELECT only on audit_log)."""
    from spocmail import auditcli

    click.echo(auditcli.grants_sql(role))


# ------------------------------------------------------------------ register


@cli.group()
def register() -> None:
    """The SPOC register: officers, members, customers and their arrangements."""


@register.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print counts as JSON.")
@now_option
@pass_app
def register_import(app: App, file: Path, as_json: bool) -> None:
    """Create or update the register from FILE.toml (idempotent)."""
    from spocmail import register as reg

    entries = reg.read_file(file)
    database = app.database()
    with database.session() as session:
        result = reg.import_register(session, entries, app.clock.now(), source=str(file))
    if as_json:
        emit(result.to_json())
    else:
        c, u = result.created, result.updated
        click.echo(f"imported {file}: created {c['officer']} officers, {c['member']} members, "
                   f"{c['customer']} customers; updated {u['officer'] + u['member'] + u['customer']}; "
                   f"unchanged {sum(result.unchanged.values())}")


@register.command("show")
@click.argument("customer", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_app
def register_show(app: App, customer: str | None, as_json: bool) -> None:
    """The whole register, or one CUSTOMER with addresses, SPOC, deputy, members, dates and status."""
    from spocmail import register as reg

    with app.database().session() as session:
        doc = reg.show(session, customer)
    if as_json:
        emit(doc)
        return
    for c in ([doc] if customer else doc["customers"]):
        click.echo(f"{c['id']}: {c['name']} [{c.get('status', '-')}] SPOC {c.get('spoc')} deputy {c.get('deputy')}")
        click.echo(f"  start {c.get('start')} review {c.get('review')} weekly {c.get('weekly')}")
        for a in c["addresses"]:
            click.echo(f"  {a['status']:<10} {a['email']}")
        if c.get("members"):
            click.echo(f"  members: {', '.join(c['members'])}")
    if not customer:
        click.echo(f"{len(doc['officers'])} officers, {len(doc['members'])} members, "
                   f"{len(doc['customers'])} customers")


# ------------------------------------------------------------------ intake


@cli.command()
@click.option("--once", is_flag=True, required=True, help="One pass over the mailbox, then exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@now_option
@pass_app
def poll(app: App, once: bool, as_json: bool) -> None:
    """Fetch everything new from the mailbox and store it (then identify, file and route it)."""
    from spocmail.intake.poll import open_mailbox
    from spocmail.pipeline import poll_once

    database = app.database()
    mailbox = open_mailbox(app.config)
    try:
        with progress("fetching mail") as advance:
            counts = poll_once(app.config, database, mailbox, app.clock, on_mail=lambda _m: advance(1))
    finally:
        mailbox.close()
        database.dispose()
    if as_json:
        emit(counts.to_json())
    else:
        click.echo(" ".join(f"{k}={v}" for k, v in counts.to_json().items()))


@cli.command()
@click.option("--jobs-every", "jobs_every", type=click.FloatRange(min=0), default=60.0, show_default=True,
              metavar="SECONDS", help="How often the scheduler looks for due jobs (0: no scheduled jobs).")
@now_option
@pass_app
def run(app: App, jobs_every: float) -> None:
    """The daemon: intake (IMAP IDLE where offered, else polling) and the scheduled jobs, until SIGTERM/SIGINT."""
    from spocmail.daemon import Daemon

    # replayed from --now, the daemon's clock starts there and then moves with real time
    clock = Clock(app.now, moving=True) if app.now is not None else app.clock
    Daemon(app.config, app.database(), clock, jobs_seconds=jobs_every).run()


# ------------------------------------------------------------------ mail


@cli.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def parse_cmd(file: Path, as_json: bool) -> None:
    """What spocmail reads in one mail: headers, forwarded originals, reply text, attachments, defects."""
    from spocmail.mail import parse_mail

    doc = parse_mail(file.read_bytes()).to_json()
    if as_json:
        emit(doc)
        return
    click.echo(f"From: {doc['from']['name'] or ''} <{doc['from']['email'] or '?'}>")
    click.echo(f"Subject: {doc['subject']}")
    click.echo(f"Automatic reply: {'yes' if doc['auto_reply'] else 'no'}")
    for n, fwd in enumerate(doc["forwarded"], 1):
        click.echo(f"Forwarded #{n}: from {fwd['from']['name'] or ''} <{fwd['from']['email'] or 'address hidden'}>"
                   f", {fwd['date']}, {fwd['subject']!r}")
    click.echo("Reply text:\n" + (doc["reply_text"] or "").strip())
    for d in doc["defects"]:
        click.echo(f"Defect: {d}")


@cli.command("identify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_app
def identify_cmd(app: App, file: Path, as_json: bool) -> None:
    """Whose mail this is, decided by intake's own steps without writing anything, with the evidence."""
    from spocmail.pipeline import identify_file

    database = app.database()
    try:
        doc = identify_file(app.config, database, file.read_bytes())
    finally:
        database.dispose()
    if as_json:
        emit(doc)
        return
    click.echo(f"{doc['decision']}: role {doc['role']}, customer {doc['customer'] or '-'}, score {doc['score']}"
               f" (settled by the {doc['step']} step)")
    for e in doc["evidence"]:
        click.echo(f"  {e['weight']:.2f} {e['kind']}: {e['detail']}")
    if doc["follow_up_of"]:
        click.echo(f"  follows up {', '.join(doc['follow_up_of'])}"
                   + (f"; clarifies {', '.join(doc['clarifies'])}" if doc["clarifies"] else ""))
    if doc["suggest_address"]:
        click.echo(f"  new address to confirm: {doc['suggest_address']}")


@cli.group("triage", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def triage_group(ctx: click.Context, as_json: bool) -> None:
    """Mail waiting for the SPOC to say whose it is, with spocmail's best guesses."""
    if ctx.invoked_subcommand is not None:
        return
    from spocmail import triage

    app = ctx.find_object(App)
    database = app.database()
    with database.session() as session:
        rows = triage.waiting(session)
    database.dispose()
    if as_json:
        emit(rows)
        return
    if not rows:
        click.echo("nothing waits in triage")
    for r in rows:
        click.echo(f"mail {r['message']}: {r['from']['email']} {r['subject']!r} (score {r['score']})")
        for g in r["guesses"][:3]:
            click.echo(f"  maybe {g['customer']} ({g['score']}): "
                       + "; ".join(e["detail"] for e in g["evidence"]))


@triage_group.command("assign")
@click.argument("message", type=int)
@click.argument("customer")
@click.option("--confirm-address", is_flag=True,
              help="Make the mail's new sender address one of the customer's known addresses.")
@click.option("--move", is_flag=True,
              help="The mail is already filed for another customer: move it and its issues (no officer is asked "
                   "again).")
@click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@now_option
@pass_app
def triage_assign(app: App, message: int, customer: str, confirm_address: bool, move: bool, actor: str,
                  as_json: bool) -> None:
    """File waiting mail MESSAGE for CUSTOMER (each mail once; --move gives a filed mail to another customer)."""
    from spocmail import triage

    from spocmail.pipeline import file_assigned
    from spocmail.sending import flush_outbox

    database = app.database()
    try:
        with database.session() as session:
            result = triage.assign(session, message, customer, confirm_address=confirm_address, actor=actor,
                                   now=app.clock.now(), move=move)
            session.flush()
            result["issues"] = file_assigned(session, message, app.config, app.clock.now())
        flush_outbox(app.config, database, app.clock)  # the officer requests for the new issues
    finally:
        database.dispose()
    if as_json:
        emit(result)
    else:
        extra = f"; {result['confirmed_address']} confirmed" if result["confirmed_address"] else ""
        moved = f"; moved {', '.join(result['moved'])}" if result["moved"] else ""
        click.echo(f"mail {message} filed for {customer}{extra}{moved}; issues: {', '.join(result['issues']) or 'none'}")


@cli.group("address")
def address_group() -> None:
    """Confirm or reject an address a customer writes from."""


def _address_command(status: str):
    @click.argument("customer")
    @click.argument("email")
    @click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
    @click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
    @now_option
    @pass_app
    def command(app: App, customer: str, email: str, actor: str, as_json: bool) -> None:
        from spocmail import triage

        database = app.database()
        with database.session() as session:
            triage.set_address(session, customer, email, status, actor=actor, now=app.clock.now())
        database.dispose()
        if as_json:
            emit({"customer": customer, "email": email.lower(), "status": status})
        else:
            click.echo(f"{email.lower()} {status} for {customer}")

    return command


address_group.command("confirm", help="Make EMAIL a known address of CUSTOMER from now on.")(
    _address_command("confirmed"))
address_group.command("reject", help="EMAIL is not CUSTOMER's: never suggest it again.")(
    _address_command("rejected"))


# ------------------------------------------------------------------ issues


@contextmanager
def unit_of_work(app: App):
    database = app.database()
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()


@cli.group("issues")
def issues_group() -> None:
    """Issues: list, show, split, merge, assign, categorise, close, answer, approve, clarify, extend and note."""


@issues_group.command("list")
@click.option("--customer", metavar="ID", help="Only this customer's issues.")
@click.option("--status", type=click.Choice(["open", "awaiting", "answered", "approved", "responded", "closed",
                                             "merged"]), help="Only issues in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@pass_app
def issues_list(app: App, customer: str | None, status: str | None, as_json: bool) -> None:
    """Issues with reference, category, due date, state and officer."""
    from spocmail import issuelist

    database = app.database()
    try:  # one Core query: the list starts without the ORM and the models (issue 14)
        with database.engine.connect() as conn:
            rows = issuelist.list_issues(conn, customer, status)
    finally:
        database.dispose()
    if as_json:
        emit(rows)
        return
    for r in rows:
        due = f" due {r['due']}" if r["due"] else ""
        click.echo(f"{r['ref']}  {r['status']:<9} {r['category']:<15} {r['officer'] or '-':<16}{due}  {r['title'][:60]}")
    if not rows:
        click.echo("no issues")


@issues_group.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_app
def issues_show(app: App, ref: str, as_json: bool) -> None:
    """One issue with its messages, requests, answers and responses."""
    from spocmail import filing

    from spocmail.export import issue_corrections

    with unit_of_work(app) as session:
        doc = filing.show_issue(session, ref)
        doc["corrections"] = issue_corrections(session, doc["ref"])  # shown with the record, never in it
    if as_json:
        emit(doc)
        return
    for c in doc["corrections"]:
        click.echo(f"CORRECTION {c['at']} by {c['actor']}: {c['text']}")
    click.echo(f"{doc['ref']} [{doc['status']}] {doc['category']} for {doc['customer']}, received {doc['received_on']}"
               + (f", due {doc['due']}" if doc["due"] else ""))
    click.echo(f"  routed to {doc['officer'] or '-'}: {doc['routing_reason']}")
    click.echo("  " + doc["request_text"].replace("\n", "\n  "))
    for a in doc["answers"]:
        click.echo(f"  answer from {a['officer'] or 'the SPOC'}{' (approved)' if a['approved_at'] else ''}: {a['text']}")


def _issue_edit(name: str, help_: str):
    def decorator(f):
        @issues_group.command(name, help=help_)
        @click.argument("ref")
        @click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
        @click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
        @now_option
        @pass_app
        @functools.wraps(f)
        def command(app: App, ref: str, actor: str, as_json: bool, **kwargs):
            from spocmail import filing

            with unit_of_work(app) as session:
                issue = filing.get_issue(session, ref)
                message = f(app, session, issue, actor, **kwargs)
                status = issue.status
            if as_json:
                emit({"ref": issue.ref, "status": status, "message": message})
            else:
                click.echo(message)
        return command
    return decorator


@click.option("--category", required=True, help="foi, eir, sar, complaint, service-request, general-enquiry or "
                                                "no-response.")
@_issue_edit("categorise", "Recategorise REF (overrides the rule that fired; the due date follows).")
def issues_categorise(app, session, issue, actor, category):
    from spocmail import filing
    from spocmail.deadlines import WorkingCalendar

    filing.recategorise(session, issue, category, actor=actor, now=app.clock.now(),
                        calendar=WorkingCalendar(app.config.council.holidays))
    return f"{issue.ref} is now {category}" + (f", due {issue.due}" if issue.due else "")


@click.option("--reason", default="closed by the SPOC", show_default=True, help="Why (kept in the record).")
@_issue_edit("close", "Close REF: nothing more will be sent about it.")
def issues_close(app, session, issue, actor, reason):
    from spocmail import filing

    filing.close(session, issue, reason, actor=actor, now=app.clock.now())
    return f"{issue.ref} closed"


@click.option("--into", "into", required=True, metavar="REF", help="The issue to keep.")
@_issue_edit("merge", "Merge REF into another issue of the same customer.")
def issues_merge(app, session, issue, actor, into):
    from spocmail import filing

    keep = filing.get_issue(session, into)
    filing.merge(session, keep, issue, actor=actor, now=app.clock.now())
    return f"{issue.ref} merged into {keep.ref}"


@click.option("--part", "parts", multiple=True, required=True, metavar="TEXT",
              help="The words of one request (repeat: the first stays in REF, each other becomes a new issue).")
@_issue_edit("split", "Split REF into several issues, one per --part.")
def issues_split(app, session, issue, actor, parts):
    from spocmail import filing
    from spocmail.deadlines import WorkingCalendar
    from spocmail.resources import rules_file
    from spocmail.rules import load_classify

    created = filing.split(session, issue, list(parts), actor=actor, now=app.clock.now(),
                           rules=load_classify(rules_file("classify.toml", app.config)),
                           calendar=WorkingCalendar(app.config.council.holidays))
    return f"{issue.ref} split: " + ", ".join(i.ref for i in created)


@click.option("--officer", required=True, metavar="ID", help="The officer to ask (a request mail is queued).")
@_issue_edit("assign", "Route REF to an officer: a request mail goes to them.")
def issues_assign(app, session, issue, actor, officer):
    from spocmail import officers
    from spocmail.db.register import Officer
    from spocmail.deadlines import WorkingCalendar
    from spocmail.filing import FilingError

    if session.get(Officer, officer) is None:
        raise FilingError(f"no officer {officer!r} in the register")
    for req in issue.requests:
        if req.status == "sent":
            req.status = "cancelled"  # a reply to the old request is now stale
    officers.send_request(session, issue, officer, app.config, WorkingCalendar(app.config.council.holidays),
                          app.clock.now(), reason=f"assigned by {actor}")
    return f"{issue.ref} sent to {officer}"


@click.option("--text", "text", help="The answer as the customer will read it.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the answer from a file.")
@_issue_edit("answer", "Edit REF's answer (or write one): the customer sees it only after approval.")
def issues_answer(app, session, issue, actor, text, file):
    from spocmail import officers
    from spocmail.filing import FilingError

    if (text is None) == (file is None):
        raise FilingError("give the answer with --text TEXT or --file PATH (one of them)")
    officers.edit_answer(session, issue, text if text is not None else file.read_text(encoding="utf-8"),
                         actor=actor, now=app.clock.now())
    return f"{issue.ref} answer saved; approve it with `spocmail issues approve {issue.ref}`"


@click.option("--answer", "answer_ids", type=int, multiple=True, metavar="ID",
              help="The answer to approve (from `issues show`); repeat for several. Needed when several wait.")
@_issue_edit("approve", "Approve REF's answer (after any edit) for the customer's eyes.")
def issues_approve(app, session, issue, actor, answer_ids):
    from spocmail import officers

    n = officers.approve(session, issue, actor=actor, now=app.clock.now(), answer_ids=list(answer_ids) or None)
    return f"{issue.ref} approved" + ("" if n else " (already approved: nothing changed)")


@click.option("--asked", metavar="INSTANT", help="When the customer was asked to clarify (the clock stops).")
@click.option("--received", metavar="INSTANT",
              help="When the clarification arrived (the clock restarts); without --asked or --received: now.")
@_issue_edit("clarify", "Record a clarification of REF: asked for (--asked) or arrived (--received); the due "
                        "date follows.")
def issues_clarify(app, session, issue, actor, asked, received):
    from spocmail import filing
    from spocmail.deadlines import WorkingCalendar

    c = filing.clarify(session, issue, asked=_now_type(asked, "--asked"), received=_now_type(received, "--received"),
                       actor=actor, now=app.clock.now(), calendar=WorkingCalendar(app.config.council.holidays),
                       tz=app.config.council.timezone)
    if c["awaiting"]:
        return f"{issue.ref}: clarification asked for; the clock is stopped until it arrives (--received)"
    due = f"due {c['after']}" if c["after"] else "no statutory deadline"
    return f"{issue.ref}: clarification recorded; {due}" + (f" (was {c['before']})" if c["before"] != c["after"] else "")


@click.option("--kind", required=True, type=click.Choice(["eir-extended", "sar-extended"]),
              help="eir-extended: 40 working days (EIR reg 7(1)); sar-extended: three months (UK GDPR Art 12(3)).")
@click.option("--reason", default="", help="Why (kept in the record).")
@_issue_edit("extend", "Extend REF's statutory deadline lawfully; the due date follows.")
def issues_extend(app, session, issue, actor, kind, reason):
    from spocmail import filing
    from spocmail.deadlines import WorkingCalendar

    e = filing.extend(session, issue, kind, reason=reason, actor=actor, now=app.clock.now(),
                      calendar=WorkingCalendar(app.config.council.holidays), tz=app.config.council.timezone)
    if not e["changed"]:
        return f"{issue.ref} is already extended: due {e['after']} (nothing changed)"
    if e["late"]:
        click.echo(f"spocmail: warning: {issue.ref} was due {e['before']}: an extension is made, and the customer "
                   f"told, before the deadline passes", err=True)
    return f"{issue.ref} extended ({kind}): due {e['after']} (was {e['before']})"


@click.option("--text", "text", required=True, help="The note (for the council's eyes only).")
@_issue_edit("note", "Add an internal note to REF: never shown to the customer.")
def issues_note(app, session, issue, actor, text):
    from spocmail import filing

    filing.add_note(session, issue, text, actor=actor, now=app.clock.now())
    return f"{issue.ref}: note added"


# ------------------------------------------------------------------ responses and jobs


@cli.group("weekly")
def weekly_group() -> None:
    """The weekly consolidated response: preview it, approve and send it."""


@weekly_group.command("preview")
@click.argument("customer")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@now_option
@pass_app
def weekly_preview(app: App, customer: str, as_json: bool) -> None:
    """The consolidated response as it would be sent now."""
    from spocmail import respond
    from spocmail.deadlines import WorkingCalendar

    with unit_of_work(app) as session:
        doc = respond.weekly_preview(session, customer, app.config, WorkingCalendar(app.config.council.holidays),
                                     app.clock.now())
    if as_json:
        emit(doc)
        return
    click.echo(f"Draft: {doc['draft']} (approve exactly this one: "
               f"`spocmail weekly send {customer} --approve --draft {doc['draft']}`)")
    click.echo(f"To: {', '.join(doc['to'])}")
    if doc["cc"]:
        click.echo(f"Cc: {', '.join(doc['cc'])}")
    click.echo(f"Subject: {doc['subject']}\n")
    click.echo(doc["body_text"])


@weekly_group.command("send")
@click.argument("customer")
@click.option("--approve", is_flag=True, help="The SPOC approves it: it goes to the customer now.")
@click.option("--draft", "draft_id", metavar="ID",
              help="Approve this draft (its identity from `weekly preview` or the draft mail); default the latest.")
@click.option("--again", is_flag=True, help="Send a deliberate second response for a week that has had one.")
@click.option("--by", "actor", default="spoc", show_default=True, help="Who approved (for the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@now_option
@pass_app
def weekly_send(app: App, customer: str, approve: bool, draft_id: str | None, again: bool, actor: str,
                as_json: bool) -> None:
    """With --approve, send exactly the latest draft the SPOC was shown (or --draft ID); else mail a draft."""
    from spocmail import respond
    from spocmail.deadlines import WorkingCalendar
    from spocmail.sending import flush_outbox

    if draft_id and not approve:
        raise click.UsageError("--draft names the draft to approve: add --approve to send it")
    database = app.database()
    try:
        try:
            with database.session() as session:
                result = respond.send_weekly(session, customer, app.config,
                                             WorkingCalendar(app.config.council.holidays), app.clock.now(),
                                             approve=approve, actor=actor, again=again, draft_id=draft_id)
        except respond.AlreadySent as exc:
            result = {"customer": customer, "status": "already sent", "detail": str(exc)}
        result["outbox"] = flush_outbox(app.config, database, app.clock)
    finally:
        database.dispose()
    if as_json:
        emit(result)
    else:
        click.echo(result.get("detail") or f"weekly response for {customer}: {result['status']}")


@issues_group.command("send")
@click.argument("ref")
@click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@now_option
@pass_app
def issues_send(app: App, ref: str, actor: str, as_json: bool) -> None:
    """Send REF's approved answer now as a single-issue response."""
    from spocmail import filing, respond
    from spocmail.sending import flush_outbox

    database = app.database()
    try:
        with database.session() as session:
            result = respond.send_single(session, filing.get_issue(session, ref), app.config, app.clock.now(), actor)
        flush_outbox(app.config, database, app.clock)
    finally:
        database.dispose()
    if as_json:
        emit({"ref": ref.upper(), **result})
    else:
        click.echo(f"{ref}: {result['status']}")


@cli.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs, for cron-style deployments and for replay."""


@jobs_group.command("run-due")
@click.option("--json", "as_json", is_flag=True, help="Print what ran as JSON.")
@now_option
@pass_app
def jobs_run_due(app: App, as_json: bool) -> None:
    """Run once every scheduled job due at that instant, then exit."""
    from spocmail.schedule import run_due

    database = app.database()
    try:
        done = run_due(app.config, database, app.clock)
    finally:
        database.dispose()
    if as_json:
        emit(done)
    else:
        click.echo(f"weekly {len(done['weekly'])}, single-issue {len(done['single_issue'])}, "
                   f"deadline warnings {done['deadline_warnings']}, reminders {done['reminders']}, "
                   f"acknowledgements {done['acknowledgements']}; sent {done['outbox'].get('sent', 0)}")


@cli.group("report")
def report_group() -> None:
    """Reports from the record."""


@report_group.command("contact")
@click.argument("customer")
@click.option("--since", metavar="DATE", help="From this date (YYYY-MM-DD).")
@click.option("--csv", "csv_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the weeks as CSV to FILE.")
@click.option("--chart", "chart_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw the weeks as a chart in FILE (.png or .svg).")
@click.option("--breakdown", is_flag=True, help="Add each week's mails by_channel and by_first_contact.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@now_option
@pass_app
def report_contact(app: App, customer: str, since: str | None, csv_file: Path | None, chart_file: Path | None,
                   breakdown: bool, as_json: bool) -> None:
    """The customer's own contacts per ISO week: mails, new issues, repeats, by channel and first contact."""
    from spocmail import evidcli

    rows = evidcli.contact(app, customer, since, csv_file, chart_file)
    if not breakdown:  # the contract's four keys, exactly
        rows = [{k: r[k] for k in ("week", "mails", "new_issues", "repeats")} for r in rows]
    if as_json:
        emit(rows)
        return
    for r in rows:
        click.echo(f"{r['week']}: {r['mails']} mails, {r['new_issues']} new issues, {r['repeats']} repeats")


from spocmail.evidcli import add_commands as _add_evidence_commands  # noqa: E402  (their own module)

_add_evidence_commands(cli, report_group)


# ------------------------------------------------------------------ mailbox check


@cli.group("mailbox")
def mailbox_group() -> None:
    """The council's mailbox and mail server, as spocmail sees them."""


@mailbox_group.command("check")
@click.option("--send-test", "send_test", metavar="ADDRESS", help="Also send a short test message to ADDRESS.")
@click.option("--create-folders", is_flag=True, help="Create the processed and Sent folders if they are missing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_app
def mailbox_check(app: App, send_test: str | None, create_folders: bool, as_json: bool) -> None:
    """Connect, authenticate and report whether intake (IMAP) and sending (SMTP) would work; exit 0 only if both."""
    from spocmail.mailcheck import check

    config = app.config
    result, ok = check(config, send_test=send_test, create_folders=create_folders,
                       now=app.clock.now() if send_test else None)
    if as_json:
        emit(result)
    else:
        for name in ("imap", "smtp"):
            part = result[name]
            click.echo(f"{name.upper()}: {'ok' if part['ok'] else 'NOT WORKING'}: {part['detail']}")
            if part.get("capabilities"):
                click.echo("  capabilities: " + ", ".join(f"{c} {'yes' if v else 'no'}"
                                                          for c, v in part["capabilities"].items()))
        click.echo("verdict: intake and sending would both work" if ok
                   else "verdict: NOT READY: fix what is marked NOT WORKING above")
    if not ok:
        sys.exit(1)


# ------------------------------------------------------------------ outbox


@cli.group("outbox")
def outbox_group() -> None:
    """Every outgoing mail: queued, sent at most once, copied to Sent."""


@outbox_group.command("flush")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@now_option
@pass_app
def outbox_flush(app: App, as_json: bool) -> None:
    """Send what is queued now."""
    from spocmail.sending import flush_outbox

    database = app.database()
    try:
        result = flush_outbox(app.config, database, app.clock)
    finally:
        database.dispose()
    if as_json:
        emit(result)
    else:
        click.echo(" ".join(f"{k}={v}" for k, v in result.items()))


@outbox_group.command("list")
@click.option("--state", type=click.Choice(["queued", "sending", "sent", "failed", "uncertain", "cancelled"]))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@pass_app
def outbox_list(app: App, state: str | None, as_json: bool) -> None:
    """Outgoing mail and its state."""
    from spocmail import outbox

    with unit_of_work(app) as session:
        rows = outbox.list_outbox(session, state)
    if as_json:
        emit(rows)
        return
    for r in rows:
        click.echo(" ".join(str(r.get(k)) for k in ("id", "state", "kind", "message_id")))


@outbox_group.command("release")
@click.argument("outbox_id", type=int)
@click.option("--as", "decision", required=True, type=click.Choice(["resend", "sent"]),
              help="resend: queue it again; sent: record that it went (check the recipient's copy first).")
@click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@now_option
@pass_app
def outbox_release(app: App, outbox_id: int, decision: str, actor: str, as_json: bool) -> None:
    """The SPOC's word on a mail left 'uncertain' by a crash mid-send."""
    from spocmail import outbox

    with unit_of_work(app) as session:
        state = outbox.release_uncertain(session, outbox_id, decision, actor, app.clock.now()).state
    if as_json:
        emit({"outbox": outbox_id, "state": state})
    else:
        click.echo(f"outbox {outbox_id}: {state}")


@outbox_group.command("requeue")
@click.argument("outbox_id", type=int)
@click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@now_option
@pass_app
def outbox_requeue(app: App, outbox_id: int, actor: str, as_json: bool) -> None:
    """Queue a failed mail again, once its cause is fixed."""
    from spocmail import outbox

    with unit_of_work(app) as session:
        state = outbox.requeue_failed(session, outbox_id, actor, app.clock.now()).state
    if as_json:
        emit({"outbox": outbox_id, "state": state})
    else:
        click.echo(f"outbox {outbox_id}: {state}")


@cli.group("quarantine", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.pass_context
def quarantine_group(ctx: click.Context, as_json: bool) -> None:
    """Mail set aside: unreadable mail (kept raw, with the reason) and mail whose processing failed."""
    if ctx.invoked_subcommand is not None:
        return
    from spocmail.pipeline import set_aside

    app = ctx.find_object(App)
    with unit_of_work(app) as session:
        rows = set_aside(session)
    if as_json:
        emit(rows)
        return
    for r in rows:
        click.echo(f"mail {r['message']} [{r['state']}] from {r['from']}: {r['reason'].splitlines()[-1] if r['reason'] else ''}")
    if not rows:
        click.echo("nothing is set aside")


@quarantine_group.command("retry")
@click.argument("message", type=int)
@click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
@click.option("--no-limits", is_flag=True, help="Read it whatever [limits] says (a mail set aside for its size).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@now_option
@pass_app
def quarantine_retry(app: App, message: int, actor: str, no_limits: bool, as_json: bool) -> None:
    """Put a set-aside mail back through the steps at the next poll."""
    from spocmail.pipeline import retry

    with unit_of_work(app) as session:
        retry(session, message, actor=actor, now=app.clock.now(), no_limits=no_limits)
    if as_json:
        emit({"message": message, "state": "stored"})
    else:
        click.echo(f"mail {message} will be processed again at the next poll")


# ------------------------------------------------------------------ audit

from spocmail.auditcli import audit_group  # noqa: E402  (the audit commands live in their own module)

cli.add_command(audit_group)

from spocmail.lifecyclecli import arrangement_group, log_cmd  # noqa: E402  (the arrangement's life, contacts by hand)

cli.add_command(arrangement_group)
cli.add_command(log_cmd)


# ------------------------------------------------------------------ deadlines


@cli.command()
@click.option("--kind", required=True,
              type=click.Choice(["foi", "eir", "eir-extended", "sar", "sar-extended", "complaint"]),
              help="Which statutory or policy timescale.")
@click.option("--received", required=True, metavar="INSTANT",
              help="When the council first received it (ISO-8601; naive means Europe/London).")
@click.option("--pause", "pauses", nargs=2, multiple=True, metavar="FROM TO",
              help="A clarification pause: the date it was asked and the date the answer came (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@pass_app
def deadline(app: App, kind: str, received: str, pauses: tuple, as_json: bool) -> None:
    """When a request is due: FOI and EIR in working days, subject access in calendar months."""
    from spocmail import deadlines

    calendar = deadlines.WorkingCalendar(app.optional_config.council.holidays)
    try:
        doc = deadlines.deadline_report(kind, _now_type(received, "--received"), list(pauses), calendar)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--received/--pause") from None
    if as_json:
        emit(doc)
    else:
        click.echo(f"{kind} received {doc['received']}: due {doc['due']} ({doc.get('basis', '')})")


# ------------------------------------------------------------------ demo


@cli.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("spocmail-demo"),
              show_default=True, help="Folder for the demo's config, database, mail and outbox: new, empty, or "
                                      "an earlier demo's output (a folder holding anything else is refused).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def demo(out: Path, as_json: bool) -> None:
    """A self-contained run on the embedded defaults: a register, a Maildir of sample mail, a poll."""
    from spocmail.demo import run_demo

    summary = run_demo(out, echo=None if as_json else click.echo)
    if as_json:
        emit(summary)


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def init_cmd(directory: Path, as_json: bool) -> None:
    """Write a starting config.toml, register.toml and editable copies of the rules and templates into DIRECTORY."""
    from spocmail.scaffold import init

    written = init(directory)
    if as_json:
        emit(written.to_json())
        return
    rel = [p.relative_to(written.dir) for p in written.files]
    rules = sum(1 for p in rel if p.parts[0] == "rules")
    templates = sum(1 for p in rel if p.parts[0] == "templates")
    click.echo(f"wrote {written.dir}/: config.toml, register.toml, {rules} rules files in rules/ and "
               f"{templates} templates in templates/ (the config reads these copies: edit them freely)")
    click.echo(f"next: cd {written.dir} && spocmail db upgrade && spocmail register import register.toml "
               f"&& spocmail poll --once")


# ------------------------------------------------------------------ web (spocmail/web/commands.py)

from spocmail.web.commands import user_group, web_cmd  # noqa: E402  (click only; the web stack loads on use)

cli.add_command(web_cmd)
cli.add_command(user_group)


# ------------------------------------------------------------------ errors, in one place


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        rc = cli.main(args=argv, prog_name="spocmail", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors: exit 2 with what was expected
        exc.show()  # the usage line and the message, on stderr
        _fail(exc.format_message(), exc.exit_code, as_json, shown=True)
    except click.exceptions.Abort:
        _fail("aborted", 1, as_json)
    except SpocmailError as exc:
        _fail(str(exc), exc.exit_code, as_json)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug or an unforeseen failure: say so plainly, exit 1
        logs.get("cli").exception("unexpected failure", extra={"event": "cli.crash"})
        _fail(f"unexpected failure: {exc.__class__.__name__}: {exc}", 1, as_json)
    sys.exit(rc if isinstance(rc, int) else 0)


def _fail(message: str, code: int, as_json: bool, shown: bool = False) -> None:
    """Every error, once: the message on stderr and, under --json, one JSON document on stdout."""
    if not shown:
        click.echo(f"spocmail: error: {message}", err=True)
    if as_json:
        click.echo(json.dumps({"error": message, "exit": code}, ensure_ascii=False))
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()

