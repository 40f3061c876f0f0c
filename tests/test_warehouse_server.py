"""The embedded warehouse: a real PostgreSQL that BI tools reach over TCP with a password."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

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


def _tree(folder):
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


def test_data_folder_of_another_major_version_is_left_as_it_is(tmp_path):
    """A data folder made by PostgreSQL 16 (the pgserver wheel before 18): a clear error naming the
    way out, the server not started and not a file changed."""
    server = EmbeddedWarehouse(tmp_path / "wh", port=free_port())
    server.start()
    server.stop()
    (server.pgdata / "PG_VERSION").write_text("16\n")
    before = _tree(server.data_dir)
    with pytest.raises(WarehouseServerError, match=r"made by PostgreSQL 16.*cannot open it\. Nothing was changed"
                                                   r".*vnreports warehouse upgrade --old-bindir"):
        server.start()
    assert server.running_port() is None
    assert _tree(server.data_dir) == before
    # the CLI says the same in one line, without a traceback
    env = {**os.environ, "VNREPORTS_LOCAL_DIR": str(tmp_path / "local")}
    shutil.copytree(server.data_dir, tmp_path / "local" / "warehouse")
    done = subprocess.run([str(Path(sys.executable).with_name("vnreports")), "warehouse", "start"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("vnreports warehouse: the warehouse data folder") and "Traceback" not in done.stderr


@pytest.mark.skipif(not os.environ.get("VNREPORTS_PG16_BINDIR"),
                    reason="VNREPORTS_PG16_BINDIR (bin/ of PostgreSQL 16, e.g. the pgserver 0.1.4 wheel's) not set")
def test_upgrade_of_a_postgresql_16_data_folder(tmp_path):
    """`vnreports warehouse upgrade`: a warehouse made by PostgreSQL 16 opens on 18 with its rows."""
    old_bin = Path(os.environ["VNREPORTS_PG16_BINDIR"])
    server = EmbeddedWarehouse(tmp_path / "wh", port=free_port())
    server.data_dir.mkdir()
    server.credentials_file.write_text("pw-of-16\n")
    server.pgdata.mkdir(mode=0o700)
    server._give_to_system_user(server.pgdata, old_bin)
    pwfile = tmp_path / "pw"
    pwfile.write_text("pw-of-16\n")
    pwfile.chmod(0o644)  # readable by the system user that runs initdb as root
    server._run("initdb", ["-D", str(server.pgdata), "-U", "postgres", f"--pwfile={pwfile}",
                           "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
                           "--locale=C.UTF-8"], bin_path=old_bin)
    server.log_file.touch()
    if server._system_user():
        import pwd

        entry = pwd.getpwnam(server._system_user())
        os.chown(server.log_file, entry.pw_uid, entry.pw_gid)
    server._run("pg_ctl", ["-D", str(server.pgdata), "-l", str(server.log_file), "-w", "-o",
                           f"-h 127.0.0.1 -p {server.port} -k {server.pgdata}", "start"], bin_path=old_bin)
    server._ensure_database(server.port)
    with psycopg.connect(server.url(server.port)) as conn:
        conn.execute("CREATE TABLE t (name text)")
        conn.execute("INSERT INTO t VALUES ('Xã Đức Giang')")
    assert server.data_version() == 16
    print(server.upgrade(old_bin))  # stops the old server, pg_upgrade, keeps pgdata.pg16
    assert server.data_version() == 18 and (server.data_dir / "pgdata.pg16" / "PG_VERSION").exists()
    url = server.start()
    try:
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT name, lower(name) FROM t").fetchall() == [("Xã Đức Giang", "xã đức giang")]
            assert conn.execute("SHOW server_version").fetchone()[0].startswith("18.")
    finally:
        server.stop()
