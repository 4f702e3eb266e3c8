"""`spocmail audit show|verify` and `spocmail db grants`: the record, and who may change it."""

from __future__ import annotations

import re

import click

from spocmail import logs

log = logs.get("audit")


def _app():
    from spocmail.cli import App

    return click.get_current_context().find_object(App)


@click.group("audit")
def audit_group() -> None:
    """The audit log: list it, and check that nothing in the record was changed."""


@audit_group.command("show")
@click.option("--customer", metavar="ID", help="Only entries about this customer, their issues, mail and outbox.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def audit_show(customer: str | None, as_json: bool) -> None:
    """The audit log (who, what, when), oldest first."""
    from spocmail import record
    from spocmail.cli import emit, unit_of_work

    with unit_of_work(_app()) as session:
        rows = record.show(session, customer)
    if as_json:
        emit(rows)
        return
    for r in rows:
        click.echo(f"{r['at']}  {r['actor']:<12} {r['action']:<24} {r['subject_type']} {r['subject_id']}")
    if not rows:
        click.echo("no entries")


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print ok, problems and counts as JSON.")
def audit_verify(as_json: bool) -> None:
    """Check the audit log's hash chain and every stored mail's SHA-256; exit 1 when anything was changed."""
    from spocmail import record
    from spocmail.cli import emit, unit_of_work

    with unit_of_work(_app()) as session:
        doc = record.verify(session)
    if doc["problems"]:
        log.error("the record was changed: %d problems", len(doc["problems"]), extra={
            "event": "audit.tampered", "problems": doc["problems"][:20]})
    if as_json:
        emit(doc)
    else:
        for p in doc["problems"]:
            click.echo(f"{p['table']} row {p['id']}: {p['problem']}")
        head = doc["head"]
        click.echo(("ok: " if doc["ok"] else f"{len(doc['problems'])} problems: ")
                   + f"{doc['audit_entries']} audit entries, {doc['mails_checked']} stored mails checked"
                   + (f"; last entry {head['id']} hash {head['hash']}" if head else ""))
    if not doc["ok"]:
        raise click.exceptions.Exit(1)


def restore_guard(app) -> None:
    """After `db upgrade`: put back any append-only trigger someone dropped, and say so in the record."""
    from spocmail import db as dbmod
    from spocmail.db import audit

    database = dbmod.Database(app.config.database.url)
    try:
        restored = audit.ensure_guard(database.engine)
        if restored:
            log.warning("audit_log guard was missing and is restored: %s", ", ".join(restored),
                        extra={"event": "audit.guard_restored", "triggers": restored})
            click.echo(f"restored the audit_log guard (missing: {', '.join(restored)})", err=True)
            with database.session() as session:
                audit.record(session, at=app.clock.now(), actor="spocmail", action="audit.guard_restored",
                             subject_type="table", subject_id="audit_log", triggers=restored)
    finally:
        database.dispose()


def grants_sql(role: str) -> str:
    """The SQL a database owner runs so that ROLE can work but cannot change or empty the record."""
    from spocmail.db import Base

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]{0,62}", role):
        from spocmail.errors import ConfigError

        raise ConfigError(f"{role!r} is not a plain PostgreSQL role name: use letters, digits and _")
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "audit_log"]
    lines = [
        "-- Run as the owner of the spocmail database (the role that runs `spocmail db upgrade`).",
        f"-- {role} is not the owner, so it cannot DROP, ALTER or disable triggers on any table.",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role};",
        f"GRANT USAGE ON SCHEMA public TO {role};",
        f"GRANT SELECT ON alembic_version TO {role};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {role};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};",
        "-- the audit log: read and append, never UPDATE, DELETE or TRUNCATE",
        f"GRANT SELECT, INSERT ON audit_log TO {role};",
    ]
    return "\n".join(lines)
