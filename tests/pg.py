"""PostgreSQL for tests: the server named by MONITOR_TEST_PG_URL (default: the local one), one fresh
schema per use, dropped afterwards, because other people's test runs share the server. Skips when no
server answers, unless MONITOR_TEST_PG_URL names one (CI sets it when 127.0.0.1:5432 answers): then an
unreachable server fails the test instead of hiding every PostgreSQL test behind a skip."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_url() -> str:
    return os.environ.get("MONITOR_TEST_PG_URL") or DEFAULT_PG_URL


def unreachable(exc: BaseException) -> NoReturn:
    """Skip where no server runs; fail where MONITOR_TEST_PG_URL says one does."""
    msg = f"PostgreSQL not reachable at {pg_url()}: {type(exc).__name__}: {exc}"
    if os.environ.get("MONITOR_TEST_PG_URL"):
        pytest.fail(msg)
    pytest.skip(msg)


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """Yield a store URL whose search_path is a new, empty schema; drop the schema on exit."""
    base = pg_url()
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.connect():
            pass
    except Exception as exc:  # no server here
        admin.dispose()
        unreachable(exc)
    schema = f"mm_t14_{uuid.uuid4().hex[:12]}"
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The store URL for SQLite and, when a server answers, PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with pg_schema_url() as url:
        yield url
