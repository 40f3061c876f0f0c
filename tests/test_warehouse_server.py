"""The embedded warehouse: a real PostgreSQL that BI tools reach over TCP with a password."""

from __future__ import annotations

import socket
import stat

import psycopg
import pytest

from tests.conftest import free_port
from vnreports.warehouse_server import EmbeddedWarehouse, WarehouseServerError


def test_start_reuse_stop(tmp_path):
    server = EmbeddedWarehouse(tmp_path / "wh", port=free_port())
    url = server.start()
    try:
        assert url.startswith("postgresql://postgres:") and "@127.0.0.1:" in url and url.endswith("/warehouse")
        assert server.start() == url  # a second start reuses the running server
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("warehouse",)
        mode = stat.S_IMODE(server.credentials_file.stat().st_mode)
        assert mode == 0o600
        # TCP needs the password: a wrong one is refused.
        wrong = url.replace(server.credentials_file.read_text().strip(), "wrong-password")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(wrong)
    finally:
        assert server.stop() is True
    assert server.running_port() is None
    assert server.stop() is False


def test_taken_port_gives_a_clear_error(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        server = EmbeddedWarehouse(tmp_path / "wh", port=port)
        with pytest.raises(WarehouseServerError, match=f"port {port}.*WAREHOUSE_PORT"):
            server.start()
