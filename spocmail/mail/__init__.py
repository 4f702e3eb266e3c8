"""Reading one mail: headers, body, forwards, reply text, auto-replies, attachments (no database here)."""

from .model import Address, Attachment, Forwarded, ParsedMail
from .parse import parse_mail

__all__ = ["parse_mail", "ParsedMail", "Address", "Forwarded", "Attachment"]
