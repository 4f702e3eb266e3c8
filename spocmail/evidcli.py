"""The evidence and personal-data commands: report contact/annual/review, export, retention, correct."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click


def _app():
    from spocmail.cli import App

    return click.get_current_context().find_object(App)


def _since(since: str | None) -> date | None:
    try:
        return date.fromisoformat(since) if since else None
    except ValueError:
        raise click.BadParameter(f"{since!r}: expected a date YYYY-MM-DD", param_hint="--since") from None


def contact(app, customer: str, since: str | None, csv_file: Path | None, chart_file: Path | None) -> list[dict]:
    from spocmail import evidence
    from spocmail.cli import unit_of_work

    since_date = _since(since)
    fmt = evidence.chart_format(chart_file) if chart_file else None
    with unit_of_work(app) as session:
        rows = evidence.contact_report(session, customer, app.config.tz, since_date, app.clock.now())
    if csv_file:
        csv_file.write_text(evidence.contact_csv(rows), encoding="utf-8")
    if chart_file:
        chart_file.write_bytes(evidence.contact_chart(rows, f"Contact from {customer}, by ISO week", fmt))
    return rows


def add_commands(cli: click.Group, report_group: click.Group) -> None:
    from spocmail.cli import emit, now_option, pass_app, unit_of_work

    @report_group.command("annual")
    @click.option("--year", "year", type=int, required=True, help="The calendar year (Europe/London).")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
    @now_option
    @pass_app
    def report_annual(app, year: int, as_json: bool) -> None:
        """Anonymous yearly counts (arrangements, reviews, endings, appeals, restrictions) and timeliness."""
        from spocmail import evidence

        with unit_of_work(app) as session:
            doc = evidence.annual_report(session, year, app.config.tz, app.clock.now())
        if as_json:
            emit(doc)
            return
        click.echo(f"{year}: arrangements started {doc['arrangements_started']}, reviewed {doc['reviewed']}, "
                   f"ended {doc['ended']}, appeals {doc['appeals']}")
        for kind, n in doc["restrictions"].items():
            click.echo(f"  restriction {kind}: {n}")
        for kind, p in doc["performance"].items():
            share = "n/a" if p["on_time_share"] is None else f"{p['on_time_share']:.0%}"
            click.echo(f"  {kind}: {p['on_time']} of {p['on_time'] + p['late']} on time ({share}); "
                       f"{p['pending']} still to come")

    @cli.command("export")
    @click.argument("customer")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="The archive to write (a .zip).")
    @click.option("--by", "actor", default="spoc", show_default=True, help="Who asked (for the audit log).")
    @click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
    @now_option
    @pass_app
    def export_cmd(app, customer: str, out: Path, actor: str, as_json: bool) -> None:
        """Everything held about CUSTOMER as a zip archive with an index, for a subject access request."""
        from spocmail import export

        with unit_of_work(app) as session:
            doc = export.export(session, customer, out, app.clock.now(), actor)
        if as_json:
            emit(doc)
        else:
            click.echo(f"wrote {out}: {doc['issues']} issues, {doc['mails']} mails, {doc['audit_entries']} audit "
                       f"entries ({doc['bytes']} bytes)")

    @cli.command("correct")
    @click.argument("customer")
    @click.option("--text", "text", required=True, help="What is wrong in the record, and what is right.")
    @click.option("--issue", "issue", metavar="REF", help="The issue the correction is about (default: the customer).")
    @click.option("--by", "actor", default="spoc", show_default=True, help="Who recorded it (for the audit log).")
    @click.option("--json", "as_json", is_flag=True, help="Print the correction as JSON.")
    @now_option
    @pass_app
    def correct_cmd(app, customer: str, text: str, issue: str | None, actor: str, as_json: bool) -> None:
        """Record a correction of CUSTOMER's record without rewriting it (append-only; shown in the export)."""
        from spocmail import export

        with unit_of_work(app) as session:
            doc = export.correct(session, customer, text, app.clock.now(), actor, issue)
        if as_json:
            emit(doc)
        else:
            click.echo(f"correction recorded on {doc['subject_type']} {doc['subject_id']}")

    @cli.group("retention")
    def retention_group() -> None:
        """Retention: delete a customer's mail and personal data when its time after the arrangement is up."""

    @retention_group.command("run")
    @click.option("--dry-run", "dry_run", is_flag=True, help="Say what would be deleted; delete nothing.")
    @click.option("--by", "actor", default="spoc", show_default=True, help="Who ran it (for the audit log).")
    @click.option("--json", "as_json", is_flag=True, help="Print what went (`deleted`: counts by kind) as JSON.")
    @now_option
    @pass_app
    def retention_run(app, dry_run: bool, actor: str, as_json: bool) -> None:
        """Delete what retention says has expired at --now, and report what went."""
        from spocmail import retention

        database = app.database()
        try:
            doc = retention.run_committed(app.config, database, app.clock.now(), dry_run=dry_run, actor=actor)
        finally:
            database.dispose()
        if as_json:
            emit(doc)
            return
        verb = "would delete" if dry_run else "deleted"
        what = ", ".join(f"{k} {v}" for k, v in doc["deleted"].items()) or "nothing"
        click.echo(f"retention {verb}: {what}")
        for c in doc["customers"]:
            click.echo(f"  {c['customer']} (ended {c['ended']}): {c['issues']} issues"
                       + (", the whole record" if c["whole_record"] else ""))

    @report_group.command("review")
    @click.argument("customer")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="The pack to write (.html; open it in a browser and print, or print to PDF).")
    @click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
    @now_option
    @pass_app
    def report_review(app, customer: str, out: Path, as_json: bool) -> None:
        """A printable review pack: volumes and chart, issues and answers, timescales, restrictions."""
        from spocmail import evidence

        if out.suffix.lower() not in (".html", ".htm"):
            raise evidence.ReportError(f"--out {out}: expected a file name ending .html (the pack is HTML with "
                                       f"print CSS; print it to PDF from a browser)")
        with unit_of_work(app) as session:
            page = evidence.review_pack_html(session, customer, app.config, app.clock.now())
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
        if as_json:
            emit({"customer": customer, "out": str(out), "bytes": len(page.encode("utf-8"))})
        else:
            click.echo(f"wrote {out}")
