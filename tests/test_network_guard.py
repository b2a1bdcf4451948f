import socket

import pytest


def test_suite_refuses_non_loopback_connections() -> None:
    with pytest.raises(RuntimeError, match="tried to reach the network"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routable anyway
