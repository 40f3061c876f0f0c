"""The embedded warehouse: a real PostgreSQL from the pgserver wheel, under a project-local folder.

pgserver's own server wrapper listens on a unix socket only; BI tools (Superset, Metabase,
Power BI) need TCP, so we drive the same bundled binaries with pg_ctl ourselves and listen on
127.0.0.1. Password authentication is on for TCP; the generated password is kept in
<data_dir>/credentials (mode 600), never in code.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

with warnings.catch_warnings():
    # pgserver asks platformdirs for a runtime dir at import; without XDG_RUNTIME_DIR it warns.
    warnings.simplefilter("ignore")
    from pgserver._commands import POSTGRES_BIN_PATH

DEFAULT_PORT = 55432
DATABASE = "warehouse"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; pgserver uses this system user in that case.
SYSTEM_USER_WHEN_ROOT = "pgserver"


class WarehouseServerError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class EmbeddedWarehouse:
    data_dir: Path
    port: int | None = None  # None: WAREHOUSE_PORT or DEFAULT_PORT; 0: any free port

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "credentials"

    @property
    def bi_reader_credentials_file(self) -> Path:
        """Generated password of the read-only BI role (used when BI_READER_PASSWORD is unset)."""
        return self.data_dir / "bi_reader_credentials"

    def bi_reader_password(self) -> str:
        """The BI role's generated password: created once (mode 600), then always the same.

        Safe when several tasks ask at once: the file appears atomically (link of a complete
        temporary file), so every caller reads the same password."""
        target = self.bi_reader_credentials_file
        if not target.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.data_dir, prefix=".bi_reader.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(24) + "\n")
                os.chmod(tmp, 0o600)
                try:
                    os.link(tmp, target)
                except FileExistsError:
                    pass  # another task won; use its password
            finally:
                os.unlink(tmp)
        return target.read_text().strip()

    def _system_user(self) -> str | None:
        return SYSTEM_USER_WHEN_ROOT if os.geteuid() == 0 else None

    def _run(self, tool: str, args: list[str]) -> str:
        command = [str(POSTGRES_BIN_PATH / tool), *args]
        result = subprocess.run(
            command, capture_output=True, text=True, user=self._system_user(), timeout=120
        )
        if result.returncode != 0:
            raise WarehouseServerError(
                f"{tool} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                f"\nlog: {self.log_file}"
            )
        return result.stdout

    def _password(self) -> str:
        return self.credentials_file.read_text().strip()

    def running_port(self) -> int | None:
        """Port of the server running on this data folder, or None."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            pid, port = int(lines[0]), int(lines[3])
            os.kill(pid, 0)
        except (IndexError, ValueError, ProcessLookupError):
            return None
        except PermissionError:  # alive, owned by another user
            pass
        return port

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.credentials_file.write_text(secrets.token_urlsafe(24) + "\n")
        self.credentials_file.chmod(0o600)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        user = self._system_user()
        if user:
            from pgserver.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            entry = ensure_user_exists(user)
            # The system user must reach both the data folder and the bundled binaries,
            # wherever the project was cloned (mktemp -d folders are 0700).
            ensure_prefix_permissions(self.pgdata)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        with tempfile.NamedTemporaryFile("w", suffix=".pw", delete=False) as pwfile:
            pwfile.write(self._password() + "\n")
        os.chmod(pwfile.name, 0o644)  # readable by the postgres system user for initdb only
        try:
            self._run(
                "initdb",
                [
                    "-D", str(self.pgdata), "-U", SUPERUSER, f"--pwfile={pwfile.name}",
                    "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--encoding=UTF8", "--locale=C.UTF-8",  # lower() must fold Vietnamese letters
                ],
            )
        finally:
            os.unlink(pwfile.name)

    def start(self) -> str:
        """Start (or reuse) the server and make sure the warehouse database exists. Returns its URL."""
        port = self.running_port()
        if port is None:
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            port = self.port if self.port is not None else int(os.environ.get("WAREHOUSE_PORT", DEFAULT_PORT))
            port = port or _free_port()
            if _port_in_use(port):
                raise WarehouseServerError(
                    f"port {port} on 127.0.0.1 is taken by another program; set WAREHOUSE_PORT to a free port"
                )
            self.log_file.touch()
            if self._system_user():
                import pwd

                entry = pwd.getpwnam(self._system_user())
                os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
            self._run(
                "pg_ctl",
                [
                    "-D", str(self.pgdata), "-l", str(self.log_file), "-w", "-t", "60",
                    "-o", f"-h 127.0.0.1 -p {port} -k {self.pgdata}",
                    "start",
                ],
            )
        self._ensure_database(port)
        return self.url(port)

    def stop(self) -> bool:
        if self.running_port() is None:
            return False
        self._run("pg_ctl", ["-D", str(self.pgdata), "-m", "fast", "-w", "stop"])
        return True

    def url(self, port: int | None = None, database: str = DATABASE) -> str:
        port = port or self.running_port()
        if port is None:
            raise WarehouseServerError(f"the embedded warehouse in {self.data_dir} is not running")
        return URL.create(
            "postgresql", username=SUPERUSER, password=self._password(),
            host="127.0.0.1", port=port, database=database,
        ).render_as_string(hide_password=False)

    def _ensure_database(self, port: int) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg.connect(self.url(port, "postgres"), autocommit=True)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        with conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
