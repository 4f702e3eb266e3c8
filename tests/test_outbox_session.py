"""One flush, one SMTP session: every mail of a flush over one connection, and a failure drops it."""

from __future__ import annotations

from datetime import datetime, timezone

from spocmail import outbox
from spocmail.clock import Clock
from tests.test_outbox import NOW, database, queue, row, smtp_to, weekly  # noqa: F401  (fixture)


def test_a_flush_sends_every_due_mail_over_one_connection(database, smtp):
    ids = [queue(database, weekly(n)) for n in range(4)]
    assert outbox.flush(database, smtp_to(smtp), Clock(NOW)).sent == 4
    assert len(smtp.messages) == 4
    assert len({m.peer for m in smtp.messages}) == 1  # one client port: one connection
    assert all(row(database, i).state == "sent" for i in ids)


def test_after_a_refusal_the_next_mail_goes_over_a_fresh_connection_and_each_is_settled_as_before(database, smtp):
    ids = [queue(database, weekly(n)) for n in range(3)]
    smtp.fail_next(550, "5.7.1 No thanks", stage="DATA")
    result = outbox.flush(database, smtp_to(smtp), Clock(NOW))
    assert result.failed == 1 and result.sent == 2
    assert row(database, ids[0]).state == "failed"
    assert [row(database, i).state for i in ids[1:]] == ["sent", "sent"]
    assert len(smtp.messages) == 2 and len({m.peer for m in smtp.messages}) == 1


def test_a_connection_the_server_dropped_between_mails_is_opened_again(database, smtp):
    transport = smtp_to(smtp)
    first = queue(database, weekly(1))
    with transport.session():
        assert outbox.flush(database, transport, Clock(NOW)).sent == 1
        transport._client.close()  # as if the server timed the idle session out
        second = queue(database, weekly(2), now=datetime(2026, 11, 23, 9, 31, tzinfo=timezone.utc))
        assert outbox.flush(database, transport, Clock(datetime(2026, 11, 23, 9, 31, tzinfo=timezone.utc))).sent == 1
    assert row(database, first).state == row(database, second).state == "sent"
    assert len({m.peer for m in smtp.messages}) == 2


def test_a_kept_connection_that_went_between_two_quick_mails_is_opened_again_before_any_data(database, smtp):
    """No NOOP between mails sent one after another: a connection found gone at MAIL FROM (nothing handed over)
    is opened again for the same mail, which goes once, with no attempt used up."""
    import socket

    transport = smtp_to(smtp)
    first, second = queue(database, weekly(1)), queue(database, weekly(2))
    with transport.session():
        assert outbox.flush(database, transport, Clock(NOW), limit=1).sent == 1
        sock = transport._client.transport.get_extra_info("socket")
        sock.shutdown(socket.SHUT_RDWR)  # gone under the client's feet, while it still thinks it is connected
        assert outbox.flush(database, transport, Clock(NOW)).sent == 1
    assert row(database, first).state == row(database, second).state == "sent"
    assert row(database, second).attempts == 1
    assert len(smtp.messages) == 2 and len({m.peer for m in smtp.messages}) == 2
