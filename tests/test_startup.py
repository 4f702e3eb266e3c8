"""Every command checks the schema without importing Alembic; the answer is the same as Alembic's."""

from __future__ import annotations

import subprocess
import sys

from spocmail import db as dbmod


def test_the_head_read_from_the_version_files_is_alembics_head():
    assert dbmod.shipped_head() == dbmod.head_revision()


def test_the_cheap_check_passes_at_head_and_refuses_an_older_or_empty_database(db_url):
    import pytest

    from spocmail.errors import SpocmailError

    engine = dbmod.make_engine(db_url)
    try:
        with pytest.raises(SpocmailError, match="empty"):
            dbmod.require_head(engine)
        dbmod.upgrade(db_url, "0006")
        with pytest.raises(SpocmailError, match="at 0006"):
            dbmod.require_head(engine)
        dbmod.upgrade(db_url)
        dbmod.require_head(engine)
    finally:
        engine.dispose()


def test_a_command_on_a_database_at_head_does_not_import_alembic(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite"
    dbmod.upgrade(url)
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "{url}"\n[mailbox]\npath = "md"\n'
                                          '[smtp]\nkind = "file"\ndir = "out"\n')
    code = ("import sys\nfrom spocmail.cli import main\n"
            "try:\n    main(['--config', sys.argv[1], '--now', '2026-12-02T10:00:00+00:00', 'issues', 'list', '--json'])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "config.toml")], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("False")
