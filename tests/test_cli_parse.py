"""`spocmail parse FILE.eml --json` as CONTRACT.md describes it."""

from pathlib import Path

from tests.helpers import spocmail

CORPUS = Path(__file__).resolve().parent / "mail"
KEYS = {"message_id", "date", "subject", "from", "to", "cc", "auto_reply", "forwarded", "reply_text",
        "attachments", "defects"}


def test_parse_prints_the_contract_keys_for_a_nested_forward(tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)  # no config needed
    nested = next(p for p in sorted((CORPUS / "forwards").glob("*.json"))
                  if json.loads(p.read_text())["kind"] == "nested")
    want = json.loads(nested.read_text())["forwarded"]
    result = spocmail("parse", nested.with_suffix(".eml"), "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert [f["from"]["email"] for f in doc["forwarded"]] == [w["from"]["email"] for w in want]
    assert len(want) >= 2
    assert KEYS <= set(doc)
    assert set(doc["from"]) >= {"name", "email"}
    for fwd in doc["forwarded"]:
        assert {"from", "date", "subject", "body"} <= set(fwd) and set(fwd["from"]) >= {"name", "email"}


def test_parse_never_fails_on_garbage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\xff\xfe garbage \r\n\r\n\x00")
    doc = spocmail("parse", junk, "--json").json()
    assert doc["defects"] and doc["forwarded"] == []


def test_parse_of_a_missing_file_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = spocmail("parse", tmp_path / "nope.eml", "--json")
    assert result.code == 2 and "nope.eml" in result.err
