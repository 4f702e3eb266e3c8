"""bench/where.py: py-spy's raw stacks summarised by thread, phase and what the innermost frame was doing.

The stacks below are written as py-spy writes them (outermost frame first, "function (file:line)", the
sample count last), with the frames a real `poll --once` has; the summary must put each where it belongs.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import where  # noqa: E402  (bench/where.py)

PROC = 'process 4242:"python -m spocmail poll --once"'
TOP = ["_run_module_as_main (<frozen runpy>:198)", "<module> (spocmail/__main__.py:5)",
       "main (spocmail/cli.py:1035)", "Command.main (click/core.py:1560)", "poll (spocmail/cli.py:229)",
       "poll_once (spocmail/pipeline.py:743)"]
STEPS = [*TOP, "process_stored (spocmail/pipeline.py:560)", "_work_batch (spocmail/pipeline.py:672)",
         "handle (spocmail/pipeline.py:447)", "run_steps (spocmail/pipeline.py:430)"]


def line(frames: list[str], n: int) -> str:
    return ";".join([PROC, *frames]) + f" {n}\n"


FILING_FLUSH = [*STEPS, "act_file_and_route (spocmail/pipeline.py:346)", "file_message (spocmail/filing.py:360)",
                "Session.flush (sqlalchemy/orm/session.py:4626)", "UOWTransaction.execute (sqlalchemy/orm/unitofwork.py:466)"]
FILING_DRIVER = [*FILING_FLUSH, "_emit_insert_statements (sqlalchemy/orm/persistence.py:1048)",
                 "DefaultDialect.do_execute (sqlalchemy/engine/default.py:943)"]
SAVEPOINT = [*STEPS[:-2], "TransactionalContext.__exit__ (sqlalchemy/engine/util.py:142)",
             "connection (<sqlalchemy generated _go() wrapper for sqlalchemy.orm.session.SessionTransaction.connection>:2)"]
ENVELOPE = [*TOP, "intake (spocmail/intake/poll.py:150)", "read_envelope (spocmail/intake/store.py:90)",
            "BytesParser.parsebytes (email/parser.py:113)"]
IMPORTS = ["_run_module_as_main (<frozen runpy>:198)", "<module> (spocmail/__main__.py:1)",
           "<module> (spocmail/cli.py:20)", "_find_and_load (<frozen importlib._bootstrap>:1176)"]
WAITING = [*TOP, "flush_outbox (spocmail/sending.py:20)", "SmtpTransport.send (spocmail/transport.py:200)",
           "BaseSelectorEventLoop._run_once (asyncio/base_events.py:1898)", "EpollSelector.select (selectors.py:468)"]
OWN = [*STEPS, "decide_read (spocmail/pipeline.py:171)", "_analyse (spocmail/rules.py:229)"]
HELPER = [*TOP, "ParseAhead.start (spocmail/parseahead.py:90)", "_helper (spocmail/parseahead.py:150)",
          "parse_mail (spocmail/mail/parse.py:40)", "BytesParser.parsebytes (email/parser.py:113)"]
READER = ["Thread._bootstrap (threading.py:1002)", "ParseAhead._read (spocmail/parseahead.py:170)",
          "Connection.recv_bytes (multiprocessing/connection.py:216)"]
OTHER_THREAD = ["Thread._bootstrap (threading.py:1002)", "_worker (concurrent/futures/thread.py:81)"]

RAW = [line(FILING_FLUSH, 30), line(FILING_DRIVER, 20), line(SAVEPOINT, 25), line(ENVELOPE, 10), line(IMPORTS, 8),
       line(WAITING, 6), line(OWN, 4), line(HELPER, 50), line(READER, 70), line(OTHER_THREAD, 3)]


def test_threads_are_counted_apart_and_the_helper_is_not_main_thread_time():
    s = where.summarise(RAW)
    assert s.samples == {"main": 103, "helper": 50, "reader": 70, "other threads": 3}
    assert sum(s.phases.values()) == sum(s.leaves.values()) == 103


def test_each_main_thread_sample_goes_to_its_phase():
    s = where.summarise(RAW)
    assert s.phases == {
        "per-mail steps > act_file_and_route": 50,
        "per-mail steps > savepoints, commit and the rest of _work_batch": 25,
        "intake": 10,
        "start-up (imports, config, rules) and the rest outside poll_once": 8,
        "flush_outbox": 6,
        "per-mail steps > decide_read": 4,
    }


def test_the_innermost_frame_says_what_was_running_and_the_driver_is_not_sqlalchemy():
    s = where.summarise(RAW)
    assert s.leaves == {
        "SQLAlchemy's own Python": 55,  # the unit of work (30) and a generated wrapper (25)
        "database driver (sqlite3, psycopg)": 20,
        "email parsing and generating (stdlib)": 10,
        "importing modules": 8,
        "waiting on a socket (IMAP, SMTP)": 6,
        "spocmail's own code": 4,
    }
    assert s.under_sqlalchemy == 75  # flush, driver under it, and the savepoint's release


def test_the_table_gives_shares_of_the_main_thread_and_seconds_at_the_sampling_rate():
    text = where.table(where.summarise(RAW))
    assert f"main thread: {103 / where.RATE:.2f} s sampled (103 samples" in text
    assert f"parse-ahead helper {50 / where.RATE:.2f} s" in text
    assert f"{100 * 50 / 103:5.1f}%" in text and "per-mail steps > act_file_and_route" in text
    assert f"SQLAlchemy anywhere on the stack: {100 * 75 / 103:.1f}%" in text


def test_lines_that_are_not_stacks_are_skipped():
    s = where.summarise(["", "py-spy> Sampling process 200 times a second\n", line(OWN, 2)])
    assert s.samples == {"main": 2} and s.phases == {"per-mail steps > decide_read": 2}


def test_py_spy_lines_are_taken_out_of_the_commands_output():
    out = 'py-spy> Sampling process 200 times a second. Press Control-C to exit.\n\n{"stored": 3}\n\npy-spy> Stopped\n'
    assert where.own_output(out) == '{"stored": 3}'
    assert where.own_output("py-spy> Wrote raw flamegraph data\n") == ""


def test_the_command_line_names_what_it_expected(tmp_path, capsys):
    assert where.main([]) == 2
    assert "usage: bench/where.py FILE" in capsys.readouterr().err
    assert where.main([str(tmp_path / "missing.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    raw = tmp_path / "spy.txt"
    raw.write_text("".join(RAW))
    assert where.main([str(raw)]) == 0
    assert "by phase (main thread):" in capsys.readouterr().out
