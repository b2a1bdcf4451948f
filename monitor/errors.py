"""Typed errors. Every error the library raises on purpose is a ``MonitorError``.

The CLI turns them into one line on stderr and a non-zero exit; the scheduler records them on the
run row. Messages are written for the operator: name the source or config key and what to do.
"""

from __future__ import annotations

from datetime import datetime


class MonitorError(Exception):
    """Base class for every expected failure."""


class ConfigError(MonitorError):
    """The configuration file is missing, unparsable or invalid.

    ``problems`` holds one ``"key.path: message"`` line per problem.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class StoreError(MonitorError):
    """The store could not be opened or migrated."""


class LockError(MonitorError):
    """Another mention-monitor process holds the lock on this store."""


class SourceError(MonitorError):
    """A source failed for this pass; other sources carry on."""

    def __init__(self, source: str, message: str) -> None:
        from monitor.redact import redact_text  # messages quote URLs: never a secret in them

        self.source = source
        super().__init__(f"{source}: {redact_text(message)}")


class AuthError(SourceError):
    """Credentials rejected (401/403): the message names the variable or access tier to check."""


class RateLimited(SourceError):
    """The remote asked us to come back later. The runner skips the source until ``reset_at``."""

    def __init__(self, source: str, message: str, reset_at: datetime) -> None:
        self.reset_at = reset_at
        super().__init__(source, message)


class SourceDisabled(SourceError):
    """The remote says the resource is gone for good (e.g. HTTP 410); the source is disabled."""


class BudgetExceeded(SourceError):
    """The configured monthly read budget would be exceeded; the source stops for this month."""
