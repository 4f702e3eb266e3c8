"""`spocmail demo`: the README's first command shows a real month of SPOC work on the embedded defaults."""

import email
from email import policy

from tests.helpers import spocmail


def test_demo_runs_a_month_with_four_weekly_responses_and_a_single_issue_response(tmp_path):
    out = tmp_path / "demo"
    result = spocmail("demo", "--out", out, "--json")
    assert result.code == 0, result.err
    summary = result.json()
    whats = [t["what"] for t in summary["timeline"]]
    weekly_sent = [w for w in whats if w.startswith("the SPOC approves; weekly response")]
    assert len(weekly_sent) == 4
    assert any("pending" in w for w in weekly_sent)  # items carried forward
    assert any(w.startswith("single-issue response for") for w in whats)
    sent = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (out / "outbox").glob("*.eml")]
    weekly = [m for m in sent if "weekly response" in str(m["Subject"]) and "jordan@example.org" in str(m["To"])]
    drafts = [m for m in sent if str(m["Subject"]).startswith("[DRAFT for approval]")]
    assert len(drafts) == 4 and all("spoc@council.example" in str(m["To"]) for m in drafts)
    assert len(weekly) == 4 and summary["mails_sent"] == len(sent)
    # each weekly response after the first is threaded to the one before
    by_date = sorted(weekly, key=lambda m: m["Date"].datetime)
    assert all(b["In-Reply-To"] == a["Message-ID"] for a, b in zip(by_date, by_date[1:]))
    # signed by the named SPOC with the council's contact details (seed 004's charter)
    assert all("Morgan Reed" in m.get_body(("plain",)).get_content() and "Telephone 01234 000000"
               in m.get_body(("plain",)).get_content() for m in weekly)
    # and the demo folder is a working spocmail install
    issues = spocmail("--config", out / "config.toml", "issues", "list", "--json").json()
    assert len(issues) == summary["issues"] >= 8


def test_demo_prints_a_timeline(tmp_path):
    result = spocmail("demo", "--out", tmp_path / "d")
    assert result.code == 0
    assert "weekly response 2026-W48 sent" in result.out and "summary:" in result.out


# --------------------------------------------------------------------------- never deletes a user's folder


def test_demo_refuses_a_folder_holding_a_users_files_and_deletes_nothing(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.txt").write_text("three years of work")
    result = spocmail("demo", "--out", out)
    assert result.code == 2
    assert "not empty and is not a spocmail demo folder" in result.err and str(out) in result.err
    assert [p.name for p in out.iterdir()] == ["thesis.txt"] and (out / "thesis.txt").read_text() == "three years of work"


def test_demo_out_dot_in_a_users_project_is_refused(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text("# the council's config\n")
    monkeypatch.chdir(tmp_path)
    result = spocmail("demo", "--out", ".")
    assert result.code == 2 and "--out ." in result.err
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_demo_replaces_its_own_output_but_not_a_file_a_user_added_to_it(tmp_path):
    out = tmp_path / "demo"
    first = spocmail("demo", "--out", out, "--json")
    assert first.code == 0 and (out / ".spocmail-demo").is_file()
    again = spocmail("demo", "--out", out, "--json")
    assert again.code == 0, again.err
    assert len(list((out / "outbox").glob("*.eml"))) == again.json()["mails_sent"] == first.json()["mails_sent"]
    (out / "notes.txt").write_text("what I saw")
    refused = spocmail("demo", "--out", out)
    assert refused.code == 2 and "notes.txt" in refused.err
    assert (out / "notes.txt").read_text() == "what I saw" and (out / "spocmail.db").is_file()


def test_demo_runs_in_an_empty_existing_folder(tmp_path):
    result = spocmail("demo", "--out", tmp_path, "--json")
    assert result.code == 0, result.err
    assert any((tmp_path / "outbox").glob("*.eml"))
