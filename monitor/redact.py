"""Keep secrets that ride in URLs out of logs, error messages and the store.

Secrets come from the environment, but a user may legitimately expand one into a feed URL
(``https://rsshub.example/weibo/keyword/比特派?key=${RSSHUB_KEY}``, private Google Alerts feeds, basic
auth). Such URLs are fetched as configured and shown everywhere else with the secret replaced by
``***``: query parameters whose name looks like a credential, and the password of ``user:pass@``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
_SECRET_NAMES = r"(?:api[_-]?key|key|token|access[_-]?token|secret|password|passwd|pass|sig|signature|auth|code)"
_QUERY_RE = re.compile(rf"([?&;]{_SECRET_NAMES}=)[^&#\s\"'<>]+", re.IGNORECASE)
_USERINFO_RE = re.compile(r"(://[^/\s:@]+:)[^@/\s]+@")
_SECRET_KEY_RE = re.compile(rf"^{_SECRET_NAMES}$", re.IGNORECASE)


def redact_text(text: str) -> str:
    """Mask credential-looking query values and URL passwords anywhere in ``text``."""
    if "=" not in text and "@" not in text:
        return text
    return _USERINFO_RE.sub(rf"\1{MASK}@", _QUERY_RE.sub(rf"\1{MASK}", text))


def restore_secrets(public_url: str, configured_url: str) -> str:
    """Put the configured URL's secret query values back into a stored (masked) URL before fetching."""
    if MASK not in public_url:
        return public_url
    secrets = {k: v for k, v in parse_qsl(urlsplit(configured_url).query, keep_blank_values=True)
               if _SECRET_KEY_RE.match(k)}
    parts = urlsplit(public_url)
    query = [(k, secrets.get(k, v) if v == MASK else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    netloc = parts.netloc
    conf = urlsplit(configured_url)
    if f":{MASK}@" in netloc and conf.password:
        netloc = netloc.replace(f":{MASK}@", f":{conf.password}@")
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="/:@")))


class RedactingFilter:
    """A logging filter (attached to the CLI's handler) masking URL secrets in every record."""

    def filter(self, record: object) -> bool:
        import logging

        assert isinstance(record, logging.LogRecord)
        message = record.getMessage()
        masked = redact_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
