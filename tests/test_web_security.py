"""The web page's locks: sessions, CSRF, roles, the proxy header, the login limit, and mail shown safely.

Driven through Starlette's TestClient (an in-process HTTP client) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from spocmail import config as config_mod
from spocmail.clock import Clock, parse_instant
from spocmail.db import Database
from spocmail.db.audit import AuditEntry
from spocmail.web.app import create_app
from tests.helpers import SECOND_CUSTOMER, deliver, make_project

NOW = "2026-11-24T11:00:00+00:00"
PASSWORD = "correct horse battery"
WEB = '[web]\nsecure_cookies = false\ntrusted_proxies = ["10.9.8.7"]\nproxy_user_header = "X-Remote-User"\n' \
      'login_attempts = 3\n'


def mail(sender: str, subject: str, body: str, n: int, html: str | None = None) -> bytes:
    head = (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n"
            f"Date: Tue, 24 Nov 2026 09:0{n}:00 +0000\r\nMessage-ID: <web-{n}@x.example>\r\nMIME-Version: 1.0\r\n")
    if html is None:
        return (head + f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()
    return (head + 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            '--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n' + html + '\r\n'
            '--b1\r\nContent-Type: text/html; name="evil.html"\r\nContent-Disposition: attachment; '
            'filename="../../evil page.html"\r\n\r\n<script>alert(2)</script>\r\n--b1--\r\n').encode()


HOSTILE = ('<html><body><p>Please fix my bins.</p><script>alert("x")</script>'
           '<img src="https://tracker.example/pixel.gif" onerror="alert(1)">'
           '<a href="javascript:alert(3)">click me</a> <a href="https://council.example/ok">fine link</a>'
           '<div onclick="alert(4)" style="background:url(https://tracker.example/bg.png)">styled</div>'
           '</body></html>')


@pytest.fixture
def site(tmp_path: Path, db_url: str):
    register = tmp_path / "register.toml"
    register.write_text((Path(__file__).resolve().parent.parent / "examples" / "register.toml").read_text()
                        + SECOND_CUSTOMER.replace('spoc = "spoc-officer"', 'spoc = "housing"')
                        .replace('deputy = "spoc-deputy"', 'deputy = "waste"'))
    project = make_project(tmp_path / "p", db_url, extra=WEB, register=register)
    project.now = NOW
    deliver(project.maildir, mail("Jordan Example <jordan@example.org>", "Bins", "My bin was missed again.", 1,
                                  html=HOSTILE))
    deliver(project.maildir, mail("Riley Sample <riley@example.net>", "Parking", "Who do I ask about parking?", 2))
    deliver(project.maildir, mail("Somebody <who@webmail.example>", "Hello", "Is anyone there?", 3))
    deliver(project.maildir, mail("Jordan Example <jordan@example.org>", "Planning application",
                                  "When will the planning committee decide my planning application?", 4))
    project.ok("poll", "--once")
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    project.ok("user", "add", "morgan", "--role", "spoc", "--officer", "spoc-officer", "--password-file", pw)
    project.ok("user", "add", "sam", "--role", "spoc", "--officer", "housing", "--password-file", pw)
    project.ok("user", "add", "alex", "--role", "officer", "--officer", "planning", "--password-file", pw)
    project.ok("user", "add", "proxied", "--role", "spoc", "--officer", "spoc-officer", "--proxy-only")
    cfg = config_mod.load(project.config)
    database = Database(cfg.database.url)
    app = create_app(cfg, Clock(parse_instant(NOW)), database)
    yield project, app, database
    database.dispose()


def client(app, peer: str = "127.0.0.1") -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", client=(peer, 50000), follow_redirects=False)


def login(app, name: str, password: str = PASSWORD, peer: str = "127.0.0.1") -> TestClient:
    c = client(app, peer)
    page = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"name": name, "password": password, "csrf": csrf})
    assert r.status_code == 303, r.text
    return c


def csrf_of(c: TestClient, path: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get(path).text).group(1)


def issues_of(project) -> list[dict]:
    return project.ok("issues", "list", "--json").json()


def first_ref(project, customer: str) -> str:
    return next(i["ref"] for i in issues_of(project) if i["customer"] == customer)


def triage_message(project) -> int:
    return project.ok("triage", "--json").json()[0]["message"]


def posts(project) -> list[tuple[str, dict]]:
    ref = first_ref(project, "jordan")
    msg = triage_message(project)
    return [
        (f"/triage/{msg}/assign", {"customer": "jordan"}),
        (f"/triage/{msg}/address", {"customer": "jordan", "status": "rejected"}),
        (f"/triage/{msg}/dismiss", {}),
        (f"/issues/{ref}/answer", {"text": "Forged answer"}),
        (f"/issues/{ref}/approve", {}),
        (f"/issues/{ref}/assign", {"officer": "waste"}),
        (f"/issues/{ref}/categorise", {"category": "foi"}),
        (f"/issues/{ref}/clarify", {"asked": "2026-11-24T10:00"}),
        (f"/issues/{ref}/extend", {"kind": "eir-extended"}),
        (f"/issues/{ref}/note", {"text": "forged"}),
        (f"/issues/{ref}/split", {"parts": "a\nb"}),
        ("/weekly/jordan/send", {"draft": "2026-W48-v1-000000000000"}),
        ("/logout", {}),
    ]


def audit_count(database) -> int:
    with database.session() as s:
        return len(s.scalars(select(AuditEntry.id)).all())


def test_every_post_is_refused_without_a_session_and_without_a_csrf_token(site):
    project, app, database = site
    before_issues, before_audit = issues_of(project), audit_count(database)
    anonymous = client(app)
    signed_in = login(app, "morgan")
    good = csrf_of(signed_in)
    for path, data in posts(project):
        r = anonymous.post(path, data={**data, "csrf": good})
        assert r.status_code == 403, (path, r.status_code)
        r = signed_in.post(path, data=data)  # no token
        assert r.status_code == 403 and "CSRF" in r.text, (path, r.status_code)
        r = signed_in.post(path, data={**data, "csrf": good[:-2] + "xx"})  # a wrong token
        assert r.status_code == 403, (path, r.status_code)
    # a GET is never a change: the pages that read redirect an anonymous visitor to sign in
    assert anonymous.get("/").status_code == 303 and anonymous.get("/").headers["location"] == "/login"
    assert issues_of(project) == before_issues
    assert audit_count(database) == before_audit + 1  # morgan's sign-in, nothing else
    # the sign-in form itself carries a token tied to a SameSite=Strict cookie
    r = client(app).post("/login", data={"name": "morgan", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403


def test_cookies_and_security_headers(site):
    _project, app, _db = site
    c = client(app)
    r = c.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    signed = login(app, "morgan")
    assert signed.get("/").status_code == 200


def test_secure_cookies_by_default(site, tmp_path):
    project, _app, database = site
    text = project.config.read_text().replace("secure_cookies = false\n", "")
    project.config.write_text(text)
    cfg = config_mod.load(project.config)
    assert cfg.web.secure_cookies is True
    app = create_app(cfg, Clock(parse_instant(NOW)), database)
    c = TestClient(app, base_url="https://127.0.0.1", follow_redirects=False)
    page = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"name": "morgan", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-spocmail=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "strict-transport-security" in r.headers


def test_an_officer_reads_only_their_issues_and_approves_nothing(site):
    project, app, database = site
    issues = issues_of(project)
    planning = [i for i in issues if i["officer"] == "planning"]
    others = [i for i in issues if i["officer"] != "planning"]
    assert planning and others, issues
    alex = login(app, "alex")
    home = alex.get("/")
    assert home.status_code == 200
    for i in planning:
        assert i["ref"] in home.text
        page = alex.get(f"/issues/{i['ref']}")
        assert page.status_code == 200 and 'action="/issues/' not in page.text  # no form to change anything
    for i in others:
        assert i["ref"] not in home.text
        assert alex.get(f"/issues/{i['ref']}").status_code == 404
    # never the arrangement (its reasons, its register entry), the triage, or another customer's weekly draft
    assert alex.get("/register").status_code == 403
    assert alex.get("/triage").status_code == 403
    assert alex.get("/weekly/jordan").status_code == 404
    assert alex.get("/contact/jordan").status_code == 404
    token = csrf_of(alex)
    for ref in [i["ref"] for i in issues]:
        for action, data in (("approve", {}), ("answer", {"text": "mine"}), ("note", {"text": "x"})):
            r = alex.post(f"/issues/{ref}/{action}", data={**data, "csrf": token})
            assert r.status_code in (403, 404), (ref, action, r.status_code)
    r = alex.post("/weekly/jordan/send", data={"csrf": token, "draft": "x"})
    assert r.status_code in (403, 404)
    assert [i["status"] for i in issues_of(project)] == [i["status"] for i in issues]


def test_a_spoc_sees_only_their_own_arrangements(site):
    project, app, _db = site
    riley = first_ref(project, "riley")
    jordan = first_ref(project, "jordan")
    morgan = login(app, "morgan")  # SPOC of jordan only
    assert morgan.get(f"/issues/{riley}").status_code == 404
    assert morgan.get("/weekly/riley").status_code == 404
    assert morgan.get(f"/issues/{jordan}").status_code == 200
    token = csrf_of(morgan)
    assert morgan.post(f"/issues/{riley}/note", data={"csrf": token, "text": "x"}).status_code in (403, 404)
    register = morgan.get("/register").text
    assert "jordan" in register and "Riley Sample" not in register
    sam = login(app, "sam")  # SPOC of riley
    assert sam.get(f"/issues/{riley}").status_code == 200
    assert sam.get(f"/issues/{jordan}").status_code == 404
    msg = triage_message(project)
    r = sam.post(f"/triage/{msg}/assign", data={"csrf": csrf_of(sam), "customer": "jordan"})
    assert r.status_code == 404  # cannot file mail for someone else's arrangement


def test_a_forged_proxy_header_from_a_non_proxy_address_is_ignored(site):
    _project, app, database = site
    forged = client(app, peer="127.0.0.1")
    r = forged.get("/", headers={"X-Remote-User": "morgan"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = forged.post("/issues/SPOC-2026-0001/note", headers={"X-Remote-User": "morgan"}, data={"text": "x"})
    assert r.status_code == 403
    other = client(app, peer="10.9.8.8")  # next door to the proxy is not the proxy
    assert other.get("/", headers={"X-Remote-User": "proxied"}).status_code == 303
    # from the proxy itself the header signs the account in (a session with its own CSRF token)
    proxy = client(app, peer="10.9.8.7")
    r = proxy.get("/", headers={"X-Remote-User": "proxied"})
    assert r.status_code == 200 and "proxied" in r.text
    assert proxy.get("/", headers={"X-Remote-User": "nobody"}).status_code == 403
    # a proxy-only account has no password to guess
    c = client(app)
    page = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert c.post("/login", data={"name": "proxied", "password": "", "csrf": csrf}).status_code == 401


def test_login_rate_limit(site):
    _project, app, database = site
    c = client(app, peer="192.0.2.10")
    for _ in range(3):
        page = c.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        assert c.post("/login", data={"name": "morgan", "password": "wrong guess", "csrf": csrf}).status_code == 401
    page = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"name": "morgan", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 429  # even the right password, until the window passes
    assert login(app, "morgan", peer="192.0.2.11").get("/").status_code == 200  # another address is not blocked
    with database.session() as s:
        failed = s.scalars(select(AuditEntry).where(AuditEntry.action == "web.login_failed")).all()
    assert len(failed) == 3 and all(e.detail["address"] == "192.0.2.10" for e in failed)


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_hostile_mail_shows_no_script_handler_javascript_link_or_remote_image(site):
    project, app, _db = site
    ref = first_ref(project, "jordan")
    message = project.ok("issues", "show", ref, "--json").json()["messages"][0]["message"]
    morgan = login(app, "morgan")
    page = morgan.get(f"/mail/{message}")
    assert page.status_code == 200 and "Please fix my bins." in page.text
    parser = Elements()
    parser.feed(page.text)
    tags = [t for t, _ in parser.found]
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    for tag, attrs in parser.found:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        assert not attrs.get("href", "").lower().startswith("javascript:"), (tag, attrs)
        assert "tracker.example" not in " ".join(str(v) for v in attrs.values()), (tag, attrs)
    assert 'href="https://council.example/ok"' in page.text  # an ordinary link survives, with rel=noopener
    assert "Remote images and styles in this mail are blocked" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # the attachment downloads under its own name (no path), as bytes, never rendered
    att = morgan.get(f"/mail/{message}/attachment/0")
    assert att.status_code == 200
    assert att.headers["content-type"] == "application/octet-stream"
    assert att.headers["content-disposition"].startswith('attachment; filename="evil page.html"')
    assert b"<script>alert(2)</script>" in att.content
    # another SPOC's account cannot read it
    assert login(app, "sam").get(f"/mail/{message}").status_code == 404


def test_every_web_action_is_audited_with_the_web_user_as_actor(site):
    project, app, database = site
    morgan = login(app, "morgan")
    token = csrf_of(morgan)
    ref = first_ref(project, "jordan")
    r = morgan.post(f"/issues/{ref}/note", data={"csrf": token, "text": "checked by phone"})
    assert r.status_code == 303
    r = morgan.post(f"/issues/{ref}/answer", data={"csrf": token, "text": "Your bin will be collected Thursday."})
    assert r.status_code == 303
    r = morgan.post(f"/issues/{ref}/approve", data={"csrf": token})
    assert r.status_code == 303
    msg = triage_message(project)
    r = morgan.post(f"/triage/{msg}/dismiss", data={"csrf": token, "reason": "spam"})
    assert r.status_code == 303 and project.ok("triage", "--json").json() == []
    with database.session() as s:
        mine = [(e.action, e.subject_id) for e in s.scalars(select(AuditEntry).where(AuditEntry.actor == "morgan")
                                                             .order_by(AuditEntry.id))]
    assert mine == [("web.login", "morgan"), ("issue.note", ref), ("answer.edited", ref),
                    ("answer.approved", ref), ("triage.dismissed", str(msg))]
    assert project.ok("audit", "verify", "--json").json()["ok"] is True


def test_user_add_refuses_unknown_officers_and_duplicates(site, tmp_path):
    project, _app, _db = site
    pw = tmp_path / "pw"
    r = project.run("user", "add", "x", "--role", "spoc", "--officer", "nobody", "--password-file", pw)
    assert r.code == 2 and "--officer 'nobody'" in r.err
    r = project.run("user", "add", "morgan", "--role", "spoc", "--officer", "spoc-officer", "--password-file", pw)
    assert r.code == 2 and "exists already" in r.err
    short = tmp_path / "short"
    short.write_text("abc\n")
    r = project.run("user", "add", "y", "--role", "officer", "--officer", "planning", "--password-file", short)
    assert r.code == 2 and "too short" in r.err


def test_web_config_is_checked(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[web]\nproxy_user_header = "X-Remote-User"\n')
    with pytest.raises(config_mod.ConfigError, match="trusted_proxies"):
        config_mod.load(cfg)
    cfg.write_text('[web]\ntrusted_proxies = ["not an address"]\n')
    with pytest.raises(config_mod.ConfigError, match=r"\[web\] trusted_proxies"):
        config_mod.load(cfg)
    cfg.write_text('[web]\nhost = "0.0.0.0"\nsecure_cookies = false\n')
    with pytest.raises(config_mod.ConfigError, match="secure_cookies"):
        config_mod.load(cfg)


def test_approve_and_send_sends_the_draft_named_and_a_superseded_one_sends_nothing(site):
    project, app, database = site
    morgan = login(app, "morgan")
    first = morgan.get("/weekly/jordan")
    assert first.status_code == 200
    v1 = re.search(r'id="draft-ident">([^<]+)<', first.text).group(1)
    token = csrf_of(morgan)
    ref = first_ref(project, "jordan")
    morgan.post(f"/issues/{ref}/answer", data={"csrf": token, "text": "Your bin is collected on Thursday."})
    morgan.post(f"/issues/{ref}/approve", data={"csrf": token})
    second = morgan.get("/weekly/jordan")
    v2 = re.search(r'id="draft-ident">([^<]+)<', second.text).group(1)
    assert v1 != v2 and "Your bin is collected on Thursday." in second.text
    outbox = project.dir / "outbox"
    before = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    r = morgan.post("/weekly/jordan/send", data={"csrf": token, "draft": v1})
    assert r.status_code == 400 and "superseded" in r.text
    after = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    assert after == before  # nothing was sent
    r = morgan.post("/weekly/jordan/send", data={"csrf": token, "draft": v2})
    assert r.status_code == 303 and "queued" in r.headers["location"]
    sent = [p.read_bytes() for p in sorted(outbox.glob("*.eml")) if p not in before]
    weekly = [m for m in sent if b"jordan@example.org" in m and b"weekly response" in m]
    assert len(weekly) == 1 and b"Your bin is collected on Thursday." in weekly[0]
    r = morgan.post("/weekly/jordan/send", data={"csrf": token, "draft": v2})  # twice: never sent twice
    assert r.status_code == 303 and "already" in r.headers["location"]
    assert len([p for p in outbox.glob("*.eml") if p not in before]) == len(sent)
