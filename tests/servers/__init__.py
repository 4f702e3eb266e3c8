"""Real servers for the tests (Dovecot, aiosmtpd, PostgreSQL), started on loopback and installed when missing."""

from .dovecot import DovecotServer
from .install import ServerStartError
from .postgres import PostgresServer
from .smtpd import CapturedMail, SmtpSink

__all__ = ["CapturedMail", "DovecotServer", "PostgresServer", "ServerStartError", "SmtpSink"]
