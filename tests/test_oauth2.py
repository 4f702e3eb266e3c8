"""OAuth2 (SASL XOAUTH2) for IMAP and SMTP, through real servers: Dovecot's oauth2 passdb asking a loopback
introspection endpoint, an aiosmtpd that checks the bearer token, and a loopback token endpoint issuing
client-credentials tokens with a short lifetime. Also `spocmail mailbox check`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from spocmail.config import OAuth2Config
from spocmail.intake.imap import ImapMailbox
from spocmail.oauth2 import OAuth2Error, OAuth2LoginRefused, TokenProvider
from spocmail.transport import SmtpTransport, TransportError

from .conftest import _started
from .helpers import make_project
from .servers import DovecotServer, OAuthServer, SmtpSink
from .servers.oauth import CLIENT_ID, CLIENT_SECRET

SECRET_ENV = "SPOCMAIL_TEST_OAUTH2_SECRET"

MAIL = (b"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
        b"Subject: Bins not collected\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\n"
        b"Message-ID: <oauth-1@example.org>\r\n\r\nMy bins were not collected on Friday.\r\n")


@pytest.fixture(scope="module")
def oauth_server():
    server = OAuthServer().start()
    yield server
    server.stop()


@pytest.fixture
def oauth(oauth_server: OAuthServer, monkeypatch: pytest.MonkeyPatch) -> OAuthServer:
    oauth_server.reset()
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    return oauth_server


@pytest.fixture(scope="module")
def dovecot_oauth_server(oauth_server: OAuthServer):
    server = _started(lambda: DovecotServer(name="dovecot-oauth2",
                                            oauth2_introspection_url=oauth_server.introspection_url).start())
    yield server
    server.stop()


@pytest.fixture
def dovecot_oauth(dovecot_oauth_server: DovecotServer, oauth: OAuthServer) -> DovecotServer:
    dovecot_oauth_server.reset()
    return dovecot_oauth_server


@pytest.fixture
def fresh_dovecot_oauth(oauth: OAuthServer):
    """Its own Dovecot, for tests whose refused logins would slow later logins (anvil's penalty)."""
    server = _started(lambda: DovecotServer(name="dovecot-oauth2-fresh",
                                            oauth2_introspection_url=oauth.introspection_url).start())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp_oauth_server(oauth_server: OAuthServer):
    sink = _started(lambda: SmtpSink(oauth=oauth_server, user="spoc@council.example").start())
    yield sink
    sink.stop()


@pytest.fixture
def smtp_oauth(smtp_oauth_server: SmtpSink, oauth: OAuthServer) -> SmtpSink:
    smtp_oauth_server.clear()
    smtp_oauth_server.xoauth2_attempts = 0
    return smtp_oauth_server


def generic(oauth: OAuthServer, **overrides) -> OAuth2Config:
    values = dict(provider="generic", client_id=CLIENT_ID, client_secret_env=SECRET_ENV, token_url=oauth.token_url)
    values.update(overrides)
    return OAuth2Config(**values)


def oauth_project(tmp_path: Path, db_url: str, oauth: OAuthServer, imap: DovecotServer | None,
                  smtp: SmtpSink | None, oauth2: str | None = None):
    mailbox = None
    if imap is not None:
        mailbox = (f'[mailbox]\nkind = "imap"\nhost = "{imap.host}"\nport = {imap.port}\nsecurity = "none"\n'
                   f'username = "{imap.user}"\nauth = "oauth2"\npoll_seconds = 1\n')
    extra = oauth2 or (f'[oauth2]\nprovider = "generic"\nclient_id = "{CLIENT_ID}"\n'
                       f'client_secret_env = "{SECRET_ENV}"\ntoken_url = "{oauth.token_url}"\n')
    project = make_project(tmp_path / "p", db_url, mailbox=mailbox, extra=extra)
    if smtp is not None:
        text = project.config.read_text().replace(
            '[smtp]\nkind = "file"\ndir = "outbox"\n',
            f'[smtp]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
            f'username = "spoc@council.example"\nauth = "oauth2"\n')
        project.config.write_text(text)
    return project


# -- the token provider ---------------------------------------------------------------------------


def test_tokens_are_cached_and_renewed_before_they_expire(oauth: OAuthServer):
    oauth.lifetime = 1.0
    provider = TokenProvider(generic(oauth))
    first = provider.token()
    assert provider.token() == first  # cached while fresh
    assert oauth.issued == 1
    time.sleep(0.8)  # past three quarters of the lifetime: renewed before it expires
    second = provider.token()
    assert second != first and oauth.issued == 2 and oauth.is_valid(second)
    assert oauth.requests[0]["grant_type"] == "client_credentials"
    assert oauth.requests[0]["client_id"] == CLIENT_ID


def test_a_wrong_secret_or_client_names_the_key(oauth: OAuthServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    with pytest.raises(OAuth2Error) as err:
        TokenProvider(generic(oauth)).token()
    assert err.value.key == "client_secret_env" and "[oauth2] client_secret_env" in str(err.value)
    assert "invalid_client" in str(err.value)

    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    with pytest.raises(OAuth2Error) as err:
        TokenProvider(generic(oauth, token_url=oauth.url + "/nowhere")).token()
    assert err.value.key == "token_url"


def test_microsoft_flow_against_a_stand_in_names_tenant_client_and_secret(oauth: OAuthServer,
                                                                           monkeypatch: pytest.MonkeyPatch):
    def microsoft(tenant: str, client: str) -> TokenProvider:
        url = f"{oauth.url}/{tenant}/oauth2/v2.0/token"
        return TokenProvider(OAuth2Config(provider="microsoft", tenant_id=tenant, client_id=client,
                                          client_secret_env=SECRET_ENV, token_url=url))

    good = microsoft(oauth.tenant, CLIENT_ID)
    assert oauth.is_valid(good.token())
    assert oauth.requests[-1]["scope"] == "https://outlook.office365.com/.default"

    with pytest.raises(OAuth2Error) as err:
        microsoft("11111111-2222-3333-4444-555555555555", CLIENT_ID).token()
    assert err.value.key == "tenant_id" and "AADSTS90002" in str(err.value)
    with pytest.raises(OAuth2Error) as err:
        microsoft(oauth.tenant, "no-such-app").token()
    assert err.value.key == "client_id" and "[oauth2] client_id" in str(err.value)
    monkeypatch.setenv(SECRET_ENV, "expired-secret")
    with pytest.raises(OAuth2Error) as err:
        microsoft(oauth.tenant, CLIENT_ID).token()
    assert err.value.key == "client_secret_env" and "AADSTS7000215" in str(err.value)


# -- IMAP with XOAUTH2 ----------------------------------------------------------------------------


def test_poll_logs_in_with_xoauth2(tmp_path: Path, db_url: str, oauth: OAuthServer, dovecot_oauth: DovecotServer):
    dovecot_oauth.append(MAIL)
    project = oauth_project(tmp_path, db_url, oauth, dovecot_oauth, None)
    counts = project.ok("poll", "--once", "--json").json()
    assert counts["fetched"] == 1 and counts["stored"] == 1
    assert oauth.issued == 1 and oauth.introspections >= 1  # Dovecot asked about the token
    assert dovecot_oauth.list_folder("INBOX") == []  # acknowledged (moved to Processed)


def test_intake_and_sending_keep_working_across_token_expiries(oauth: OAuthServer, dovecot_oauth: DovecotServer,
                                                               smtp_oauth: SmtpSink):
    oauth.lifetime = 1.0
    provider = TokenProvider(generic(oauth))
    mailbox = ImapMailbox(host=dovecot_oauth.host, port=dovecot_oauth.port, security="none",
                          username=dovecot_oauth.user, token_provider=provider, reconnect_delay=0.01)
    transport = SmtpTransport(smtp_oauth.host, smtp_oauth.port, "none", "spoc@council.example",
                              token_provider=provider)
    try:
        for round in range(4):
            raw = MAIL.replace(b"oauth-1@", f"oauth-round{round}@".encode())
            dovecot_oauth.append(raw)
            got = list(mailbox.fetch_new())
            assert [m.raw for m in got] == [raw.replace(b"\r\n", b"\r\n")]
            mailbox.mark_processed(got[0])
            assert transport.send(raw, "spoc@council.example", ["jordan@example.org"]) == {}
            time.sleep(1.1)  # the token expires; the server drops the IMAP session, as a long IDLE ends
            dovecot_oauth.kick()
        assert len(smtp_oauth.messages) == 4
        assert {m.login for m in smtp_oauth.messages} == {"spoc@council.example"}
        assert oauth.issued >= 4  # a new token for each reconnect after an expiry
    finally:
        mailbox.close()


def test_a_revoked_token_is_reported_and_a_new_one_fetched(oauth: OAuthServer, fresh_dovecot_oauth: DovecotServer):
    provider = TokenProvider(generic(oauth))
    mailbox = ImapMailbox(host=fresh_dovecot_oauth.host, port=fresh_dovecot_oauth.port, security="none",
                          username=fresh_dovecot_oauth.user, token_provider=provider)
    try:
        assert list(mailbox.fetch_new()) == []
        oauth.revoke_all()
        # The cached token is still "fresh" by its lifetime, but the server now refuses it.
        fresh_dovecot_oauth.kick()
        mailbox.close()
        with pytest.raises(OAuth2LoginRefused) as err:
            list(mailbox.fetch_new())
        assert "refused the OAuth2 token" in str(err.value) and "IMAP.AccessAsApp" in str(err.value)
        assert "[mailbox] username" in str(err.value)
        # The refused token was forgotten: the next try (the daemon's, after its back-off) gets a new one.
        assert list(mailbox.fetch_new()) == []
        assert oauth.issued == 2
    finally:
        mailbox.close()


def test_smtp_refuses_an_expired_token_clearly(oauth: OAuthServer, smtp_oauth: SmtpSink):
    provider = TokenProvider(generic(oauth))
    transport = SmtpTransport(smtp_oauth.host, smtp_oauth.port, "none", "spoc@council.example",
                              token_provider=provider)
    provider.token()
    oauth.revoke_all()
    with pytest.raises(TransportError) as err:
        transport.send(MAIL, "spoc@council.example", ["jordan@example.org"])
    assert err.value.temporary and err.value.affects_all
    assert "535" in str(err.value) and "SMTP.SendAsApp" in str(err.value)
    assert smtp_oauth.messages == []
    assert transport.send(MAIL, "spoc@council.example", ["jordan@example.org"]) == {}  # a new token
    assert len(smtp_oauth.messages) == 1


# -- mailbox check --------------------------------------------------------------------------------


def test_mailbox_check_reports_both_sides(tmp_path: Path, db_url: str, oauth: OAuthServer,
                                          dovecot_oauth: DovecotServer, smtp_oauth: SmtpSink):
    project = oauth_project(tmp_path, db_url, oauth, dovecot_oauth, smtp_oauth)
    result = project.run("mailbox", "check", "--json")
    assert result.code == 0, result.out + result.err
    report = result.json()
    assert report["imap"]["ok"] and report["smtp"]["ok"]
    caps = report["imap"]["capabilities"]
    assert set(caps) == {"IDLE", "MOVE", "UIDPLUS", "CONDSTORE"} and all(caps.values())
    assert "INBOX" in report["imap"]["folders"]
    assert report["imap"]["processed_folder"] == {"name": "Processed", "exists": False}
    assert report["imap"]["sent_folder"]["exists"] is False
    assert smtp_oauth.messages == [] and smtp_oauth.xoauth2_attempts == 1  # authenticated, sent nothing

    result = project.run("mailbox", "check", "--create-folders", "--send-test", "it@council.example", "--json")
    assert result.code == 0, result.out + result.err
    report = result.json()
    assert report["imap"]["processed_folder"]["exists"] and report["imap"]["sent_folder"]["exists"]
    assert {"Processed", "Sent"} <= set(dovecot_oauth.folders())
    assert [m.rcpt_tos for m in smtp_oauth.messages] == [("it@council.example",)]
    assert report["smtp"]["sent_test"] is True


def test_mailbox_check_fails_with_a_bad_secret(tmp_path: Path, db_url: str, oauth: OAuthServer,
                                               dovecot_oauth: DovecotServer, smtp_oauth: SmtpSink,
                                               monkeypatch: pytest.MonkeyPatch):
    project = oauth_project(tmp_path, db_url, oauth, dovecot_oauth, smtp_oauth)
    monkeypatch.setenv(SECRET_ENV, "wrong")
    result = project.run("mailbox", "check", "--json")
    assert result.code == 1
    report = result.json()
    assert report["imap"]["ok"] is False and report["smtp"]["ok"] is False
    assert "[oauth2] client_secret_env" in report["imap"]["detail"]
    assert "[oauth2] client_secret_env" in report["smtp"]["detail"]
    assert {"capabilities", "folders", "detail", "ok"} <= set(report["imap"])
    assert dovecot_oauth.log().count("AUTHENTICATIONFAILED") == 0  # nothing was sent to the server


@pytest.mark.parametrize("oauth2, key", [
    (None, "[oauth2]"),
    ('[oauth2]\nprovider = "generic"\nclient_id = "x"\nclient_secret_env = "E"\n', "[oauth2] token_url"),
    ('[oauth2]\nprovider = "azure"\n', "[oauth2] provider"),
    ('[oauth2]\nprovider = "microsoft"\nclient_id = "x"\nclient_secret_env = "E"\n', "[oauth2] tenant_id"),
    ('[oauth2]\nprovider = "microsoft"\ntenant_id = "t"\nclient_id = "x"\n', "[oauth2] client_secret_env"),
    ('[oauth2]\nprovider = "google"\n', "[oauth2] service_account_file"),
    ('[oauth2]\nprovider = "generic"\nclient_id = "x"\nclient_secret = "s"\ntoken_url = "http://127.0.0.1/t"\n',
     "[oauth2] client_secret"),
    ('[oauth2]\nprovider = "generic"\nclient_id = "x"\nclient_secret_env = "E"\n'
     'token_url = "http://auth.example.org/t"\n', "[oauth2] token_url"),
    ('[oauth2]\nprovider = "generic"\nclient_id = "x"\nclient_secret_env = "E"\n'
     'token_url = "https://auth.example.org/t"\ntennant = "x"\n', "[oauth2] tennant"),
])
def test_bad_oauth2_config_exits_2_naming_the_key(tmp_path: Path, oauth2: str | None, key: str):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[mailbox]\nkind = "imap"\nhost = "127.0.0.1"\nusername = "spoc@council.example"\n'
                   'auth = "oauth2"\n' + (oauth2 or ""))
    from .helpers import spocmail

    result = spocmail("--config", cfg, "mailbox", "check", "--json")
    assert result.code == 2, result.out + result.err
    assert key in result.json()["error"]
    assert result.json()["exit"] == 2


def _refused_daemon(tmp_path: Path, db_url: str, oauth: OAuthServer, dovecot_oauth: DovecotServer,
                    monkeypatch: pytest.MonkeyPatch):
    """A daemon (not started) whose [oauth2] secret the token endpoint refuses, on a fixed clock."""
    from datetime import datetime, timezone

    from spocmail import config as config_mod
    from spocmail.clock import Clock
    from spocmail.daemon import Daemon
    from spocmail.db import Database

    project = oauth_project(tmp_path, db_url, oauth, dovecot_oauth, None)
    cfg = config_mod.load(project.config)
    monkeypatch.setenv(SECRET_ENV, "revoked-secret")
    return project, Daemon(cfg, Database(cfg.database.url), Clock(datetime(2026, 12, 2, 10, tzinfo=timezone.utc)),
                           max_backoff=8.0, jobs_seconds=0)


def test_the_daemon_backs_off_while_the_grant_is_refused(tmp_path: Path, db_url: str, oauth: OAuthServer,
                                                         dovecot_oauth: DovecotServer,
                                                         monkeypatch: pytest.MonkeyPatch):
    from spocmail.daemon import StopRequested

    project, daemon = _refused_daemon(tmp_path, db_url, oauth, dovecot_oauth, monkeypatch)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)  # the IT team puts the right secret in place
        if len(slept) > 10:
            raise StopRequested()

    import spocmail.daemon as daemon_mod

    real_poll = daemon_mod.poll_once

    def poll_then_stop(*args, **kwargs):
        result = real_poll(*args, **kwargs)
        daemon.stopping = True  # one good pass is enough
        return result

    daemon._sleep = sleep
    monkeypatch.setattr(daemon_mod, "poll_once", poll_then_stop)
    dovecot_oauth.append(MAIL)
    daemon.run()
    # refused three times with growing pauses, never a tight loop; then intake goes on with a new token
    assert slept == [1.0, 2.0, 4.0]
    assert oauth.issued == 1
    assert dovecot_oauth.list_folder("INBOX") == []  # the mail was taken in


# -- the Microsoft (msal) and Google (google-auth) flows against loopback stand-ins ----------------


@pytest.fixture
def oauth_https(monkeypatch: pytest.MonkeyPatch):
    """msal insists on an https authority: the stand-in speaks TLS with a trustme CA that requests trusts."""
    server = OAuthServer(tls=True).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_path)
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    yield server
    server.stop()


def test_microsoft_flow_with_msal_names_tenant_client_and_secret(oauth_https: OAuthServer,
                                                                 monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("msal")  # in the test extra; the secret flow also works without it (tested above)

    def microsoft(tenant: str, client: str = CLIENT_ID) -> TokenProvider:
        return TokenProvider(OAuth2Config(provider="microsoft", tenant_id=tenant, client_id=client,
                                          client_secret_env=SECRET_ENV,
                                          token_url=f"{oauth_https.url}/{tenant}/oauth2/v2.0/token"))

    provider = microsoft(oauth_https.tenant)
    assert oauth_https.is_valid(provider.token())
    assert oauth_https.requests[-1]["scope"] == "https://outlook.office365.com/.default"
    with pytest.raises(OAuth2Error) as err:
        microsoft("99999999-0000-0000-0000-000000000000").token()
    assert err.value.key == "tenant_id" and "[oauth2] tenant_id" in str(err.value)
    with pytest.raises(OAuth2Error) as err:
        microsoft(oauth_https.tenant, "no-such-app").token()
    assert err.value.key == "client_id" and "AADSTS700016" in str(err.value)
    monkeypatch.setenv(SECRET_ENV, "expired")
    with pytest.raises(OAuth2Error) as err:
        microsoft(oauth_https.tenant).token()
    assert err.value.key == "client_secret_env" and "AADSTS7000215" in str(err.value)


def _certificate_pem(tmp_path: Path, name: str) -> tuple[Path, str]:
    """A self-signed certificate with its key in one PEM (what certificate_file takes), and the public key."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650)).sign(key, hashes.SHA256()))
    pem = tmp_path / f"{name}.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return pem, public


def test_microsoft_flow_with_a_certificate_instead_of_a_secret(tmp_path: Path, oauth_https: OAuthServer):
    pytest.importorskip("msal")
    pem, public = _certificate_pem(tmp_path, "spocmail-app")
    other, _ = _certificate_pem(tmp_path, "someone-else")
    oauth_https.certificates[CLIENT_ID] = public

    def microsoft(certificate: Path) -> TokenProvider:
        return TokenProvider(OAuth2Config(provider="microsoft", tenant_id=oauth_https.tenant, client_id=CLIENT_ID,
                                          certificate_file=certificate,
                                          token_url=f"{oauth_https.url}/{oauth_https.tenant}/oauth2/v2.0/token"))

    assert oauth_https.is_valid(microsoft(pem).token())
    sent = oauth_https.requests[-1]
    assert "client_secret" not in sent and sent["client_assertion"]  # no secret crossed the wire
    with pytest.raises(OAuth2Error) as err:  # a certificate the app registration does not hold
        microsoft(other).token()
    assert err.value.key == "certificate_file" and "AADSTS700027" in str(err.value)
    bad = tmp_path / "not-a-pem.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(OAuth2Error) as err:
        microsoft(bad).token()
    assert err.value.key == "certificate_file" and "PEM" in str(err.value)


def _service_account(tmp_path: Path, oauth: OAuthServer, email: str = "spocmail@council-project.iam.example"):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    oauth.service_accounts[email] = public
    path = tmp_path / "sa.json"
    import json

    path.write_text(json.dumps({"type": "service_account", "project_id": "council-project", "private_key_id": "k1",
                                "private_key": private, "client_email": email, "client_id": "1234567890",
                                "token_uri": "https://oauth2.googleapis.com/token"}))
    return path


def test_google_service_account_impersonates_the_mailbox(tmp_path: Path, oauth: OAuthServer,
                                                         dovecot_oauth: DovecotServer):
    pytest.importorskip("google.oauth2.service_account")
    sa = _service_account(tmp_path, oauth)
    config = OAuth2Config(provider="google", service_account_file=sa, token_url=oauth.token_url)
    with pytest.raises(OAuth2Error) as err:  # no domain-wide delegation yet
        TokenProvider(config, subject="spoc").token()
    assert err.value.key == "service_account_file" and "domain-wide delegation" in str(err.value)

    oauth.delegated.add("spoc")
    provider = TokenProvider(config, subject="spoc")
    mailbox = ImapMailbox(host=dovecot_oauth.host, port=dovecot_oauth.port, security="none",
                          username=dovecot_oauth.user, token_provider=provider)
    dovecot_oauth.append(MAIL)
    try:
        assert len(list(mailbox.fetch_new())) == 1  # logged in with XOAUTH2 and Google's token
    finally:
        mailbox.close()
    assert provider.fetched == 1


def test_polls_keep_working_across_token_expiries(tmp_path: Path, db_url: str, oauth: OAuthServer,
                                                  dovecot_oauth: DovecotServer):
    oauth.lifetime = 1.0
    project = oauth_project(tmp_path, db_url, oauth, dovecot_oauth, None)
    for round in range(3):
        dovecot_oauth.append(MAIL.replace(b"oauth-1@", f"oauth-poll{round}@".encode()))
        counts = project.ok("poll", "--once", "--json").json()
        assert counts["stored"] == 1
        time.sleep(1.1)  # the token expires between polls
    assert oauth.issued == 3  # one token per poll: the cached one was renewed, never reused stale


def test_a_refused_grant_is_put_to_the_spocs_once_a_day(tmp_path: Path, db_url: str, oauth: OAuthServer,
                                                        dovecot_oauth: DovecotServer,
                                                        monkeypatch: pytest.MonkeyPatch):
    import email as email_mod
    import email.policy
    from spocmail.daemon import StopRequested

    project, daemon = _refused_daemon(tmp_path, db_url, oauth, dovecot_oauth, monkeypatch)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 4:
            raise StopRequested()

    daemon._sleep = sleep
    daemon.run()
    assert slept == [1.0, 2.0, 4.0, 8.0]  # still retrying with growing pauses
    notices = [email_mod.message_from_bytes(f.read_bytes(), policy=email_mod.policy.default)
               for f in (project.dir / "outbox").glob("*.eml")]
    assert len(notices) == 1, "four refusals, one notice"  # at most once a day per cause
    notice = notices[0]
    to = notice["To"]
    text = notice.get_body(("plain",)).get_content()
    assert "morgan.reed@council.example" in to and "chris.lane@council.example" in to, to  # SPOC, deputy
    assert "client_secret_env" in text and "spocmail mailbox check" in text, text
    result = project.ok("outbox", "list", "--json").json()
    assert [r["kind"] for r in result] == ["notice"] and result[0]["state"] == "sent"
    assert "could not be opened" in (result[0]["sent_copy_error"] or "")
