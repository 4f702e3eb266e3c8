"""Real servers for the tests (Dovecot, aiosmtpd, PostgreSQL), started on loopback and installed when missing."""

from .dovecot import DovecotServer
from .install import ServerStartError
from .oauth import OAuthServer
from .postgres import PostgresServer
from .smtpd import CapturedMail, SmtpSink

__all__ = ["CapturedMail", "DovecotServer", "OAuthServer", "PostgresServer", "ServerStartError", "SmtpSink"]
