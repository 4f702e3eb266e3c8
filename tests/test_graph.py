"""Sending through Microsoft Graph (`[smtp] kind = "graph"`) against loopback stand-ins of Graph's sendMail
and of the token endpoint: the exact stored MIME reaches Graph under a Graph-scoped token, a refused token
is renewed once, throttling waits, and a request whose answer never came is never sent again blindly."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from spocmail.graph import GraphTransport
from spocmail.oauth2 import TokenProvider
from spocmail.transport import DeliveryUncertain, TransportError

from .helpers import deliver, make_project
from .servers import OAuthServer
from .servers.graph import GraphServer
from .servers.oauth import CLIENT_ID
from .test_oauth2 import MAIL, SECRET_ENV, generic, oauth, oauth_server  # noqa: F401 (the fixtures)
from .test_weekly_cycle import THREE

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@pytest.fixture
def graph(oauth: OAuthServer):
    server = GraphServer(oauth, hang_seconds=2.5).start()
    yield server
    server.stop()


def transport(oauth: OAuthServer, graph: GraphServer, timeout: float = 5.0) -> GraphTransport:
    provider = TokenProvider(generic(oauth))
    provider.scope = GRAPH_SCOPE
    return GraphTransport(graph.url, "spoc@council.example", provider, timeout=timeout)


def graph_project(tmp_path: Path, db_url: str, oauth: OAuthServer, graph: GraphServer):
    extra = (f'[oauth2]\nprovider = "generic"\nclient_id = "{CLIENT_ID}"\n'
             f'client_secret_env = "{SECRET_ENV}"\ntoken_url = "{oauth.token_url}"\n')
    project = make_project(tmp_path / "p", db_url, extra=extra)
    text = project.config.read_text().replace(
        '[smtp]\nkind = "file"\ndir = "outbox"\n',
        f'[smtp]\nkind = "graph"\ngraph_url = "{graph.url}"\ntimeout_seconds = 2\n')
    project.config.write_text(text)
    return project


def test_the_stored_mime_reaches_graph_under_a_graph_token(oauth: OAuthServer, graph: GraphServer):
    t = transport(oauth, graph)
    assert t.send(MAIL, "spoc@council.example", ["spoc@council.example"]) == {}
    assert graph.sent == [("spoc@council.example", MAIL)]  # byte for byte what the outbox stored
    assert oauth.requests[-1].get("scope") == GRAPH_SCOPE  # never the IMAP scope


def test_a_bcc_recipient_reaches_graph_in_a_bcc_header_and_a_stranger_is_refused(oauth, graph):
    t = transport(oauth, graph)
    assert t.send(MAIL, "spoc@council.example", ["spoc@council.example", "foi@council.example"]) == {}
    sent = email.message_from_bytes(graph.sent[0][1])
    assert sent["Bcc"] == "foi@council.example" and sent["To"] == "spoc@council.example"
    assert sent.get_payload().strip() == "My bins were not collected on Friday."
    # The headers name someone the outbox does not send to: Graph would mail them, so it is not sent.
    with pytest.raises(TransportError) as err:
        t.send(MAIL, "spoc@council.example", ["jordan@example.org"])  # To: spoc@council.example is not among them
    assert err.value.permanent and "spoc@council.example" in str(err.value)
    assert len(graph.sent) == 1


def test_a_revoked_token_is_renewed_once_and_the_mail_sent_once(oauth: OAuthServer, graph: GraphServer):
    t = transport(oauth, graph)
    t.tokens.token()
    oauth.revoke_all()  # the cached token still looks fresh, but Graph now refuses it
    assert t.send(MAIL, "spoc@council.example", ["spoc@council.example"]) == {}
    assert len(graph.sent) == 1 and graph.requests == 2 and oauth.issued == 2


def test_throttling_waits_and_sends_nothing(oauth: OAuthServer, graph: GraphServer):
    t = transport(oauth, graph)
    graph.script = [429]
    with pytest.raises(TransportError) as err:
        t.send(MAIL, "spoc@council.example", ["spoc@council.example"])
    assert err.value.temporary and err.value.affects_all and "7 s" in str(err.value)
    assert graph.sent == []
    assert t.send(MAIL, "spoc@council.example", ["spoc@council.example"]) == {}  # later, it goes
    assert len(graph.sent) == 1


@pytest.mark.parametrize("status", [500, 504])
def test_a_server_error_after_the_request_is_uncertain(oauth, graph, status):
    graph.script = [status]
    with pytest.raises(DeliveryUncertain):
        transport(oauth, graph).send(MAIL, "spoc@council.example", ["spoc@council.example"])


def test_an_unknown_mailbox_names_the_key(oauth: OAuthServer, graph: GraphServer):
    t = transport(oauth, graph)
    t.user = "nobody@council.example"
    t._path = t._path.replace("spoc@council.example", "nobody@council.example")
    with pytest.raises(TransportError) as err:
        t.send(MAIL, "spoc@council.example", ["spoc@council.example"])
    assert "[smtp] user" in str(err.value) and "ErrorInvalidUser" in str(err.value) and err.value.temporary


def test_nothing_listening_is_temporary_and_nothing_was_sent(oauth: OAuthServer, graph: GraphServer):
    url = graph.url
    graph.stop()
    provider = TokenProvider(generic(oauth))
    with pytest.raises(TransportError) as err:
        GraphTransport(url, "spoc@council.example", provider, timeout=2).send(MAIL, "s@c.example",
                                                                              ["spoc@council.example"])
    assert err.value.temporary and "nothing was sent" in str(err.value)
    assert not isinstance(err.value, DeliveryUncertain)


def test_intake_sends_by_graph_and_a_timed_out_request_is_never_resent(tmp_path: Path, oauth: OAuthServer,
                                                                        graph: GraphServer):
    p = graph_project(tmp_path, f"sqlite:///{tmp_path}/db.sqlite", oauth, graph)
    graph.script = ["hang"]  # the first mail is handed over, and the answer never comes
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    sent = p.ok("outbox", "list", "--state", "sent", "--json").json()
    uncertain = p.ok("outbox", "list", "--state", "uncertain", "--json").json()
    assert len(uncertain) == 1 and sent, (sent, uncertain)
    assert len(graph.sent) == len(sent) + 1  # Graph has every sent mail, and the uncertain one too
    by_id = {email.message_from_bytes(raw)["Message-ID"] for _u, raw in graph.sent}
    assert {r["message_id"] for r in sent + uncertain} == by_id
    # No copy is appended to the Maildir's Sent folder: Graph keeps one in Sent Items.
    assert not list((p.maildir / ".Sent").glob("*/*")) if (p.maildir / ".Sent").exists() else True
    before = len(graph.sent)
    p.ok("outbox", "flush", "--now", "2026-11-23T10:00")
    assert len(graph.sent) == before  # the uncertain mail waits for the SPOC; nothing went twice
    assert [r["id"] for r in p.ok("outbox", "list", "--state", "uncertain", "--json").json()] == \
        [uncertain[0]["id"]]


def test_mailbox_check_reports_graph(tmp_path: Path, oauth: OAuthServer, graph: GraphServer):
    p = graph_project(tmp_path, f"sqlite:///{tmp_path}/db.sqlite", oauth, graph)
    result = p.run("mailbox", "check", "--send-test", "it@council.example", "--json")
    smtp = result.json()["smtp"]
    assert smtp["ok"] and smtp["kind"] == "graph" and smtp["sent_test"], smtp
    assert "Sent Items" in smtp["detail"]
    assert email.message_from_bytes(graph.sent[0][1])["To"] == "it@council.example"


@pytest.mark.parametrize("oauth2, smtp, key", [
    ("", 'kind = "graph"\n', 'kind = "graph": there is no [oauth2] table'),
    ('[oauth2]\nprovider = "google"\nservice_account_file = "sa.json"\n', 'kind = "graph"\n', "Entra ID tokens"),
    ('[oauth2]\nprovider = "generic"\nclient_id = "x"\nclient_secret_env = "E"\n'
     'token_url = "http://127.0.0.1:9/t"\n', 'kind = "graph"\ngraph_url = "http://graph.example/v1.0"\n',
     "graph_url"),
])
def test_bad_graph_config_exits_2_naming_the_key(tmp_path: Path, oauth2: str, smtp: str, key: str):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/db.sqlite", register=None)
    text = p.config.read_text().replace('[smtp]\nkind = "file"\ndir = "outbox"\n', f"[smtp]\n{smtp}") + oauth2
    p.config.write_text(text)
    result = p.run("outbox", "flush")
    assert result.code == 2 and key in result.err and "config.toml" in result.err, result.err
