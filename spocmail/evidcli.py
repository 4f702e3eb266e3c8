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
