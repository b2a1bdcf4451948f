"""One process per store: a non-blocking lock held for the life of ``collect``/``run``/``demo``.

SQLite stores lock a file beside the database (``flock``: released by the kernel when the process
dies, so a crash never leaves a stale lock). PostgreSQL stores, which several hosts may share, take
a session-level advisory lock instead, so the guarantee holds across machines.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from monitor.errors import LockError

_PG_LOCK_NAMESPACE = "mention-monitor"


def _pg_key(url: str) -> int:
    digest = hashlib.sha256(f"{_PG_LOCK_NAMESPACE}:{url}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def store_lock(engine: Engine, lock_dir: Path) -> Iterator[None]:
    """Hold the store's lock or raise LockError at once (never wait)."""
    if engine.dialect.name == "postgresql":
        key = _pg_key(engine.url.render_as_string(hide_password=True))
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            if not got:
                raise LockError("another mention-monitor process is using this PostgreSQL store; "
                                "stop it first (only one collector per store)")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return
    with file_lock(lock_dir):
        yield


@contextmanager
def file_lock(lock_dir: Path) -> Iterator[None]:
    """The SQLite flavour: ``flock`` on ``<lock_dir>/mention-monitor.lock``, never waiting."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / "mention-monitor.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise LockError(f"another mention-monitor process (pid {holder}) holds {path}; "
                            "stop it first, or point this one at another data_dir") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
