"""`spocmail web` and `spocmail user add`: the CLI side of the web page (added to the CLI in cli.py)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("web")
@click.option("--host", default=None, metavar="HOST", help="Address to listen on (default [web] host, 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), metavar="PORT",
              help="Port to listen on (default [web] port, 8025).")
@click.pass_obj
def web_cmd(app, host: str | None, port: int | None) -> None:
    """The SPOC's web page (127.0.0.1 by default; put it behind a TLS reverse proxy to reach it from elsewhere)."""
    serve(app.config, app.database(), app.clock, host or app.config.web.host, port or app.config.web.port)


def make_server(config, database, clock, host: str, port: int):
    import uvicorn

    from spocmail.web.app import create_app

    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1; spocmail believes a
    # proxy's headers only from [web] trusted_proxies, and does so itself.
    cfg = uvicorn.Config(create_app(config, clock, database), host=host, port=port, proxy_headers=False,
                         server_header=False, date_header=False, log_level="warning", access_log=False)
    return uvicorn.Server(cfg)


def serve(config, database, clock, host: str, port: int) -> None:
    click.echo(f"spocmail web on http://{host}:{port}/ (stop with Ctrl-C)", err=True)
    make_server(config, database, clock, host, port).run()


@click.group("user")
def user_group() -> None:
    """Accounts for the web page."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["spoc", "officer"]),
              help="spoc: edits the arrangements whose SPOC or deputy the officer is; officer: reads the issues "
                   "routed to them.")
@click.option("--officer", "officer_id", required=True, metavar="ID", help="The officer in the register.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the password from this file's first line (default: ask on the terminal).")
@click.option("--proxy-only", is_flag=True, help="No password: the account signs in only through the trusted "
                                                 "reverse proxy ([web] proxy_user_header).")
@click.option("--by", "actor", default="spoc", show_default=True, help="Who added it (for the audit log).")
@click.pass_obj
def user_add(app, name: str, role: str, officer_id: str, password_file: Path | None, proxy_only: bool,
             actor: str) -> None:
    """Add web user NAME, linked to officer ID."""
    from spocmail.web.users import UserError, add_user

    if proxy_only and password_file:
        raise click.UsageError("--proxy-only and --password-file: give one of them")
    password = None
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
        if not password:
            raise UserError(f"--password-file {password_file}: its first line is empty; expected the password")
    elif not proxy_only:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    database = app.database()
    try:
        with database.session() as session:
            add_user(session, name, role, officer_id, password, actor=actor, now=app.clock.now())
    finally:
        database.dispose()
    click.echo(f"web user {name} added ({role}, officer {officer_id}"
               + (", signs in through the proxy only" if password is None else "") + ")")
