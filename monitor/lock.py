"""Who may write the store: one process per store, or one host per job on a shared PostgreSQL.

SQLite stores lock a file beside the database (``flock``: released by the kernel when the process
dies, so a crash never leaves a stale lock). PostgreSQL stores take a session-level advisory lock
keyed on the store's *identity*: the cluster's ``system_identifier``, the database OID and the
schema OID, so ``localhost`` / ``127.0.0.1`` / an omitted port / another user name all name the same
store and the same lock, while two schemas of one database are two stores.

With ``multi_host: true`` (PostgreSQL only) there is no store-wide lock: every job (a source's pass,
reply linking, the daily report) takes its own advisory lock (:func:`job_lock`) and claims its time
slot (:func:`claim_slot`), so several daemons on different hosts share one store and each job runs
once per slot, on whichever host gets there first. Advisory locks die with their session, so a host
that crashes releases its jobs at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from monitor.errors import LockError

log = logging.getLogger(__name__)

_PG_LOCK_NAMESPACE = "mention-monitor"
JOBS_STATE = "_jobs"  # cursors.source holding each job's last claimed slot


def store_identity(conn: Connection) -> str:
    """``<system_identifier>:<database oid>:<schema oid>`` of the store this connection writes to.

    ``pg_control_system()`` may be revoked from ordinary roles on managed servers; the server's own
    address and port stand in for the cluster then (still independent of how the URL was spelled).
    """
    try:
        with conn.begin_nested():
            cluster = str(conn.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar())
    except Exception:
        cluster = str(conn.execute(text("SELECT coalesce(host(inet_server_addr()), 'local') || ':' || "
                                        "coalesce(inet_server_port(), 0)")).scalar())
    db, schema = conn.execute(text(
        "SELECT (SELECT oid FROM pg_database WHERE datname = current_database()), "
        "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())")).one()
    return f"{cluster}:{db}:{schema}"


def _pg_key(identity: str, job: str = "") -> int:
    digest = hashlib.sha256(f"{_PG_LOCK_NAMESPACE}:{identity}:{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def store_lock(engine: Engine, lock_dir: Path) -> Iterator[None]:
    """Hold the store's lock or raise LockError at once (never wait)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = _pg_key(store_identity(conn))
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if not got:
                raise LockError("another mention-monitor process is using this PostgreSQL store; "
                                "stop it first (only one collector per store), or set multi_host: true "
                                "on every host to share it job by job")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    with file_lock(lock_dir):
        yield


@contextmanager
def job_lock(engine: Engine, job: str) -> Iterator[bool]:
    """Try to hold ``job``'s own lock; yield whether it was obtained (never wait).

    PostgreSQL: a session advisory lock on a connection kept for the job. Other databases have no
    cross-host jobs (their store lock already excludes every other process): always True.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        key = _pg_key(store_identity(conn), job)
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def claim_slot(engine: Engine, job: str, slot: Any) -> bool:
    """Record that ``job`` runs for ``slot`` (an interval number, a report date); False when some
    host already ran it for that slot. Call while holding :func:`job_lock` for ``job``."""
    from monitor import store

    with engine.begin() as conn:
        state = store.load_cursors(conn, JOBS_STATE).get(job) or {}
        if state.get("slot") == slot:
            return False
        store.save_cursors(conn, JOBS_STATE, {job: {"slot": slot, "host": os.uname().nodename, "pid": os.getpid()}})
    return True


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
