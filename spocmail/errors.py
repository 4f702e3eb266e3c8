"""Errors a person must act on: each says what went wrong, where, and how to fix it."""


class SpocmailError(Exception):
    """A runtime failure: the CLI prints it on stderr and exits 1."""

    exit_code = 1


class ConfigError(SpocmailError):
    """A configuration or usage error: names the file, key or option at fault; exit 2."""

    exit_code = 2


class NotFound(SpocmailError):
    """A command named something that does not exist (a customer, an issue, a message): a usage error, exit 2."""

    exit_code = 2


class RegisterError(SpocmailError):
    """A register file that cannot be imported: names the entry and field; exit 2."""

    exit_code = 2


class MailboxError(SpocmailError):
    """The mailbox could not be reached or refused us (never carries a password)."""


class MailboxAuthError(MailboxError):
    """The mailbox refused the login for an account."""
