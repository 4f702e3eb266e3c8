"""The face of spocmail: parses arguments, calls one function per command, prints. No logic of its own."""

from __future__ import annotations

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
from spocmail.errors import ConfigError, SpocmailError


class App:
    """What every command needs, loaded lazily so `parse` and `deadline` work without a config file."""

    def __init__(self, config_path: str | None, now: datetime | None):
        self.config_path = config_path
        self.now = now

    @cached_property
    def config(self):
        from spocmail import config

        cfg = config.load(config.locate(self.config_path))
        logs.setup(cfg.logging.format, cfg.logging.level, cfg.logging.file)
        return cfg

    @cached_property
    def optional_config(self):
        """The config when there is one; built-in defaults when no file exists (for pure commands)."""
        from spocmail import config

        path = config.locate(self.config_path)
        if self.config_path is None and not path.exists():
            return config.Config()
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
    click.echo(f"database at migration {dbmod.head_revision()}", err=True)


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
    from spocmail.intake.poll import open_mailbox, poll_once

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
@pass_app
def run(app: App) -> None:
    """The daemon: intake (IMAP IDLE where offered, else polling) and the scheduled jobs, until SIGTERM/SIGINT."""
    from spocmail.daemon import Daemon

    Daemon(app.config, app.database(), app.clock).run()


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
    """Whose mail this is, decided as intake would decide it, with the evidence."""
    from spocmail.identify import identify, register_view
    from spocmail.mail import parse_mail

    parsed = parse_mail(file.read_bytes())
    database = app.database()
    with database.session() as session:
        ident = identify(parsed, register_view(session, app.config), threshold=app.config.identify.threshold)
    database.dispose()
    doc = ident.to_json()
    if as_json:
        emit(doc)
        return
    click.echo(f"{doc['decision']}: role {doc['role']}, customer {doc['customer'] or '-'}, score {doc['score']}")
    for e in doc["evidence"]:
        click.echo(f"  {e['weight']:.2f} {e['kind']}: {e['detail']}")
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
@click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@now_option
@pass_app
def triage_assign(app: App, message: int, customer: str, confirm_address: bool, actor: str, as_json: bool) -> None:
    """File waiting mail MESSAGE for CUSTOMER."""
    from spocmail import triage

    database = app.database()
    with database.session() as session:
        result = triage.assign(session, message, customer, confirm_address=confirm_address, actor=actor,
                               now=app.clock.now())
    database.dispose()
    if as_json:
        emit(result)
    else:
        extra = f"; {result['confirmed_address']} confirmed" if result["confirmed_address"] else ""
        click.echo(f"mail {message} filed for {customer}{extra}")


@cli.group("address")
def address_group() -> None:
    """Confirm or reject an address a customer writes from."""


def _address_command(status: str):
    @click.argument("customer")
    @click.argument("email")
    @click.option("--by", "actor", default="spoc", show_default=True, help="Who decided (for the audit log).")
    @now_option
    @pass_app
    def command(app: App, customer: str, email: str, actor: str) -> None:
        from spocmail import triage

        database = app.database()
        with database.session() as session:
            triage.set_address(session, customer, email, status, actor=actor, now=app.clock.now())
        database.dispose()
        click.echo(f"{email.lower()} {status} for {customer}")

    return command


address_group.command("confirm", help="Make EMAIL a known address of CUSTOMER from now on.")(
    _address_command("confirmed"))
address_group.command("reject", help="EMAIL is not CUSTOMER's: never suggest it again.")(
    _address_command("rejected"))


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
              show_default=True, help="Folder for the demo's config, database, mail and outbox.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def demo(out: Path, as_json: bool) -> None:
    """A self-contained run on the embedded defaults: a register, a Maildir of sample mail, a poll."""
    from spocmail.demo import run_demo

    summary = run_demo(out, echo=None if as_json else click.echo)
    if as_json:
        emit(summary)


# ------------------------------------------------------------------ errors, in one place


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        rc = cli.main(args=argv, prog_name="spocmail", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors: exit 2 with what was expected
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except SpocmailError as exc:
        _fail(str(exc), exc.exit_code, as_json)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug or an unforeseen failure: say so plainly, exit 1
        logs.get("cli").exception("unexpected failure", extra={"event": "cli.crash"})
        _fail(f"unexpected failure: {exc.__class__.__name__}: {exc}", 1, as_json)
    sys.exit(rc if isinstance(rc, int) else 0)


def _fail(message: str, code: int, as_json: bool) -> None:
    click.echo(f"spocmail: error: {message}", err=True)
    if as_json:
        click.echo(json.dumps({"error": message, "exit": code}))
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["cli", "main", "ConfigError"]
