"""Keep secrets out of logs, error messages, command output and the store.

Secrets come from the environment, but a user may legitimately expand one into a feed URL
(``https://rsshub.example/weibo/keyword/比特派?key=${RSSHUB_KEY}``, private Google Alerts feeds, basic
auth), and token sources read theirs from a variable named in the config (``bearer_token_env``).
Two layers keep them home:

* **By value** (:func:`set_secrets`, called by ``monitor.config.parse_config``): every value the
  config expanded from an environment variable into a credential position (a source URL or a
  ``*token*``/``*key*``/``*secret*``/``*password*`` setting, ``store_url``) and every variable named by
  a ``*_env`` setting is masked wherever it appears, whatever the query parameter is called, also
  percent-encoded. Values shorter than :data:`MIN_SECRET` characters are not masked by value (they
  would mask ordinary words); the name rules below still apply to them.
* **By name** (:func:`redact_text`): query parameters whose name looks like a credential and the
  password of ``user:pass@`` are masked in any text, a net for URLs the config did not expand.

Writers call :func:`mask_values` / :func:`mask_obj` (the store: cursors, run errors, raw rows, post
and announcement fields) or :func:`redact_text` (logs through :class:`RedactingFilter`, error
messages, ``status``, ``check-config``, ``collect --dry-run``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

MASK = "***"
MIN_SECRET = 6
_SECRET_NAMES = r"(?:api[_-]?key|key|token|access[_-]?token|secret|password|passwd|pass|sig|signature|auth|code)"
_QUERY_RE = re.compile(rf"([?&;]{_SECRET_NAMES}=)[^&#\s\"'<>]+", re.IGNORECASE)
_USERINFO_RE = re.compile(r"(://[^/\s:@]+:)[^@/\s]+@")

_secrets: tuple[str, ...] = ()  # longest first, so a secret containing another is masked whole


def set_secrets(values: Iterable[str]) -> None:
    """Replace the set of secret values masked by value (one config per process)."""
    global _secrets
    found: set[str] = set()
    for v in values:
        if isinstance(v, str) and len(v) >= MIN_SECRET:
            found.update({v, quote(v, safe=""), quote_plus(v), quote(v, safe="/:@")})
    _secrets = tuple(sorted(found, key=len, reverse=True))


def secrets_known() -> int:
    return len(_secrets)


def registered_secrets() -> tuple[str, ...]:
    """The values :func:`set_secrets` registered (and their URL-quoted forms), for a child process
    that must mask the same values; never logged."""
    return _secrets


def restore_registered(values: tuple[str, ...]) -> None:
    """Install values taken from :func:`registered_secrets` in another process."""
    global _secrets
    _secrets = tuple(values)


def mask_values(text: str) -> str:
    """``text`` with every registered secret value replaced by ``***``."""
    for s in _secrets:
        if s in text:
            text = text.replace(s, MASK)
    return text


def mask_obj(obj: Any) -> Any:
    """:func:`mask_values` over the strings of a JSON-like value (dict keys too); others unchanged."""
    if not _secrets:
        return obj
    if isinstance(obj, str):
        return mask_values(obj)
    if isinstance(obj, dict):
        return {mask_obj(k): mask_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [mask_obj(v) for v in obj]
    return obj


def redact_text(text: str) -> str:
    """Mask registered secret values, credential-looking query values and URL passwords in ``text``."""
    text = mask_values(text)
    if "=" not in text and "@" not in text:
        return text
    return _USERINFO_RE.sub(rf"\1{MASK}@", _QUERY_RE.sub(rf"\1{MASK}", text))


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    return scheme, parts.hostname, port


def restore_secrets(public_url: str, configured_url: str, source: str = "feed") -> str:
    """The URL to fetch for a stored (masked) URL: secrets put back only where they were configured.

    A secret is re-attached only when the stored URL has the configured URL's scheme, host and port
    (a permanent redirect to another host must not receive the key: it was given to the first one).
    Otherwise masked query parameters and a masked password are dropped, with a warning naming
    ``source``; the new host then answers without the key (often 401/403, which says what to fix).
    """
    if MASK not in public_url:
        return public_url
    pub, conf = urlsplit(public_url), urlsplit(configured_url)
    if _origin(public_url) != _origin(configured_url):
        log.warning("%s: not sending the configured secret to %s://%s (it was configured for %s://%s); "
                    "update the source's url in the config if the move is genuine", source,
                    pub.scheme, pub.hostname, conf.scheme, conf.hostname)
        query = [(k, v) for k, v in parse_qsl(pub.query, keep_blank_values=True) if MASK not in v]
        netloc = pub.netloc.rsplit("@", 1)[-1] if f":{MASK}@" in pub.netloc else pub.netloc
        return urlunsplit(pub._replace(netloc=netloc, query=urlencode(query, safe="/:@")))
    secrets = dict(parse_qsl(conf.query, keep_blank_values=True))
    query = [(k, secrets.get(k, v) if MASK in v else v) for k, v in parse_qsl(pub.query, keep_blank_values=True)]
    # Path segments masked by value (``/feeds/${TOKEN}/rss``): the configured URL's segment at the
    # same masked spelling.
    masked_conf = urlsplit(redact_text(configured_url))
    segments = {m: r for m, r in zip(masked_conf.path.split("/"), conf.path.split("/"), strict=False)
                if m != r}
    path = "/".join(segments.get(seg, seg) for seg in pub.path.split("/"))
    netloc = pub.netloc
    if f":{MASK}@" in netloc and conf.password:
        netloc = netloc.replace(f":{MASK}@", f":{conf.password}@")
    return urlunsplit(pub._replace(netloc=netloc, path=path, query=urlencode(query, safe="/:@")))


class RedactingFilter:
    """A logging filter (attached to the CLI's handlers) masking secrets in every record.

    The message, its traceback (``exc_text``) and stack are masked, at every level including DEBUG
    (urllib3 logs request lines with their query strings).
    """

    def filter(self, record: object) -> bool:
        assert isinstance(record, logging.LogRecord)
        message = record.getMessage()
        masked = redact_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True
