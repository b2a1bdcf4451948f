"""Shared fixtures. Real data lives beside the repository in ../shared/data (skip when absent)."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from monitor.config import Config, parse_config
from monitor.store import open_store

_REPO = Path(__file__).resolve().parents[1]
# SHARED_DATA_DIR overrides the location; else beside the repository, or one level up for a git worktree under wt/.
SHARED_DATA = Path(os.environ["SHARED_DATA_DIR"]) if os.environ.get("SHARED_DATA_DIR") else next(
    (p for p in (_REPO.parent / "shared" / "data", _REPO.parent.parent / "shared" / "data") if p.is_dir()),
    _REPO.parent / "shared" / "data")


def base_config(tmp_path: Path, **overrides: Any) -> Config:
    data: dict[str, Any] = {
        "brand": {"names": ["Bitpie", "比特派"]},
        "timezone": "Asia/Shanghai",
        "data_dir": str(tmp_path / "data"),
        "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet", "user_id": "1001"}],
        "sources": [],
    }
    data.update(overrides)
    return parse_config(data, tmp_path, env={})


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never leave the machine: HTTP goes through `responses`; only loopback (the local
    PostgreSQL server) and Unix sockets may be connected to. A test that tries fails loudly."""
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                sock.close()  # socket.create_connection closes only on OSError: no ResourceWarning
                raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return base_config(tmp_path)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield eng
    eng.dispose()


def key_paths(problems: list[str]) -> list[str]:
    """Config problems with the source's name dropped ('sources[0] (forum).base_url' -> 'sources[0].base_url')."""
    import re

    return [re.sub(r"^(sources\[\d+\]) \([^)]*\)", r"\1", p) for p in problems]
