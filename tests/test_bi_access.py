"""Read-only BI access (vnreports.access): the bi_reader role on the real embedded PostgreSQL.

The marts are built by the real dbt project (vnreports.transform.run_dbt) on a fresh database:
first before the role exists (dbt must still build), then again after prepare_step, so every
marts table is a rebuilt one. BI sessions connect over TCP with a password, like a BI tool.
"""

from __future__ import annotations

import logging
import threading
import uuid

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import create_database, drop_database
from vnreports import config
from vnreports.access import bi_reader_password, bi_reader_url, embedded_warehouse_for, ensure_bi_reader
from vnreports.db import ensure_schema, get_engine
from vnreports.warehouse_server import EmbeddedWarehouse


def unique_role() -> str:
    return f"bi_t_{uuid.uuid4().hex[:10]}"


def drop_role(admin_url: str, role: str) -> None:
    """Best effort: the test databases holding the role's privileges are dropped first."""
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    except psycopg.Error:
        pass


@pytest.fixture()
def bi_role(warehouse_url):
    """A new role name for one test, dropped after the test's databases (list it before
    fresh_database: fixtures are torn down in reverse order)."""
    role = unique_role()
    yield role
    drop_role(admin(warehouse_url), role)


def admin(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def connect_as(url: str, role: str, password: str | None) -> psycopg.Connection:
    return psycopg.connect(bi_reader_url(url, role, password), autocommit=True, connect_timeout=10)


def denied(conn: psycopg.Connection, sql: str) -> type[Exception] | None:
    """The error class `sql` raises (None when it runs)."""
    try:
        conn.execute(sql)
    except psycopg.Error as error:
        return type(error)
    return None


@pytest.fixture(scope="module")
def built(tmp_path_factory, warehouse_url):
    """A fresh database with the real marts, built by dbt before and after prepare_step.

    Yields (url, role, password)."""
    from vnreports.pipeline import prepare_step
    from vnreports.transform import run_dbt

    role, password = unique_role(), "first-" + uuid.uuid4().hex
    mp = pytest.MonkeyPatch()
    mp.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path_factory.mktemp("local")))  # dbt target and logs
    mp.setenv("BI_READER_ROLE", role)
    mp.setenv("BI_READER_PASSWORD", password)
    url = create_database(warehouse_url)
    try:
        ensure_schema(get_engine(url))
        # The role does not exist yet: dbt's grants to it are skipped, the build goes on.
        run_dbt(url, ["seed"])
        run_dbt(url, ["run"])
        status = prepare_step(url)
        assert status["bi_reader"] == {"role": role, "created": True, "login": True, "password_set": True}
        # A rebuild after the role exists: every marts table is dropped and created again by dbt.
        run_dbt(url, ["run"])
        yield url, role, password
    finally:
        mp.undo()
        drop_database(url)
        drop_role(admin(warehouse_url), role)


def relations(url: str, schema: str) -> list[str]:
    with get_engine(url).connect() as conn:
        return list(conn.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :s ORDER BY 1"),
            {"s": schema}).scalars())


def test_bi_reader_reads_every_marts_table_and_view_after_a_rebuild(built):
    url, role, password = built
    names = relations(url, "marts")
    assert {"dim_admin_unit", "dim_period"} <= set(names)
    with connect_as(url, role, password) as conn:
        for name in names:
            conn.execute(f'SELECT * FROM marts."{name}" LIMIT 1').fetchall()
        assert conn.execute("SELECT current_user").fetchone()[0] == role


def test_dbt_grants_alone_keep_a_rebuilt_mart_readable(built, tmp_path):
    """Without the default privileges, dbt's +grants config still grants SELECT on rebuild."""
    from vnreports.transform import run_dbt

    url, role, password = built
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'ALTER DEFAULT PRIVILEGES IN SCHEMA marts REVOKE SELECT ON TABLES FROM "{role}"')
    try:
        run_dbt(url, ["run", "--select", "dim_period+"])  # + : the views on it too (dbt drops them)
        with connect_as(url, role, password) as conn:
            for name in relations(url, "marts"):  # dim_period and the views on it, rebuilt
                conn.execute(f'SELECT * FROM marts."{name}" LIMIT 1').fetchall()
    finally:
        ensure_bi_reader(engine, role, password)


def test_bi_reader_cannot_read_private_schemas(built):
    url, role, password = built
    with connect_as(url, role, password) as conn:
        for schema in ("raw", "staging", "marts_internal", "reference"):
            names = relations(url, schema)
            assert names, f"nothing in schema {schema} to try"
            for name in names[:3]:
                assert denied(conn, f'SELECT * FROM {schema}."{name}" LIMIT 1') is errors.InsufficientPrivilege, (
                    f"{schema}.{name} is readable")


def test_bi_sessions_are_read_only_with_a_statement_timeout(built):
    url, role, password = built
    with connect_as(url, role, password) as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == config.DEFAULT_BI_READER_STATEMENT_TIMEOUT
        assert denied(conn, "DELETE FROM marts.dim_period") is errors.ReadOnlySqlTransaction


def test_bi_reader_has_no_write_or_create_privilege(built):
    """Even after switching its sessions to read-write, the role can change nothing."""
    url, role, password = built
    with connect_as(url, role, password) as conn:
        conn.execute("SET default_transaction_read_only = off")
        writes = {
            "insert": "INSERT INTO marts.dim_period SELECT * FROM marts.dim_period LIMIT 1",
            "update": "UPDATE marts.dim_period SET period_key = period_key",
            "delete": "DELETE FROM marts.dim_period",
            "truncate": "TRUNCATE marts.dim_period",
            "create in marts": "CREATE TABLE marts.bi_probe (x int)",
            "view in marts": "CREATE VIEW marts.bi_probe AS SELECT 1 AS x",
            "create in public": "CREATE TABLE public.bi_probe (x int)",
            "create schema": "CREATE SCHEMA bi_probe",
            "drop": "DROP TABLE marts.dim_period",
            "write raw": "DELETE FROM raw.report_file",
        }
        outcome = {what: denied(conn, sql) for what, sql in writes.items()}
    assert outcome == {what: errors.InsufficientPrivilege for what in writes}, outcome


def test_ensure_is_idempotent(built):
    url, role, password = built
    engine = get_engine(url)
    first = ensure_bi_reader(engine, role, password)
    second = ensure_bi_reader(engine, role, password)
    assert not first.created and not second.created and second.login
    with connect_as(url, role, password) as conn:
        conn.execute("SELECT count(*) FROM marts.dim_period").fetchone()


def test_concurrent_ensure_from_parallel_tasks(bi_role, warehouse_url, fresh_database):
    """Four tasks at once, on two databases of one server, create the same new role."""
    role, password = bi_role, uuid.uuid4().hex
    other = create_database(warehouse_url)
    try:
        urls = [fresh_database, other, fresh_database, other]
        for url in set(urls):
            ensure_schema(get_engine(url))
        barrier = threading.Barrier(len(urls))
        results, failures = [], []

        def task(url: str) -> None:
            barrier.wait()
            try:
                results.append(ensure_bi_reader(get_engine(url), role, password))
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)

        threads = [threading.Thread(target=task, args=(url,)) for url in urls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not failures, failures
        assert len(results) == 4 and all(r.login for r in results)
        for url in set(urls):
            with connect_as(url, role, password) as conn:
                assert conn.execute("SELECT has_schema_privilege('marts', 'USAGE')").fetchone()[0]
    finally:
        drop_database(other)


def test_password_comes_from_configuration_and_a_change_is_applied(bi_role, fresh_database, monkeypatch):
    from vnreports.pipeline import prepare_step

    role = bi_role
    monkeypatch.setenv("BI_READER_ROLE", role)
    monkeypatch.setenv("BI_READER_PASSWORD", "old-" + uuid.uuid4().hex)
    prepare_step(fresh_database)
    with connect_as(fresh_database, role, config.bi_reader_password()) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == role
    old = config.bi_reader_password()
    monkeypatch.setenv("BI_READER_PASSWORD", "new-" + uuid.uuid4().hex)
    status = prepare_step(fresh_database)["bi_reader"]
    assert status["created"] is False and status["password_set"] is True
    connect_as(fresh_database, role, config.bi_reader_password()).close()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect_as(fresh_database, role, old)
    with get_engine(fresh_database).connect() as conn:  # the clear password is not stored
        stored = conn.execute(text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}).scalar()
    assert stored.startswith("SCRAM-SHA-256$")


def test_without_a_password_an_external_warehouse_gets_a_nologin_role(bi_role, fresh_database, monkeypatch,
                                                                      tmp_path, caplog):
    from vnreports.pipeline import prepare_step

    role = bi_role
    monkeypatch.setenv("BI_READER_ROLE", role)
    monkeypatch.delenv("BI_READER_PASSWORD", raising=False)
    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(tmp_path))  # no embedded warehouse here
    assert bi_reader_password(fresh_database) is None
    with caplog.at_level(logging.WARNING, logger="vnreports.access"):
        status = prepare_step(fresh_database)["bi_reader"]
    assert status == {"role": role, "created": True, "login": False, "password_set": False}
    assert any("NOLOGIN" in r.getMessage() and "BI_READER_PASSWORD" in r.getMessage() for r in caplog.records)
    with get_engine(fresh_database).connect() as conn:
        assert conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar() is False
    # Grants are in place; a password configured later lets BI tools in.
    monkeypatch.setenv("BI_READER_PASSWORD", "later-" + uuid.uuid4().hex)
    assert prepare_step(fresh_database)["bi_reader"]["login"] is True
    connect_as(fresh_database, role, config.bi_reader_password()).close()


def test_embedded_warehouse_generates_the_bi_password_once(bi_role, embedded_warehouse, fresh_database, monkeypatch,
                                                           tmp_path):
    """`make run` on a fresh machine: no BI_READER_PASSWORD, the embedded warehouse's own file."""
    from vnreports.pipeline import prepare_step

    server, _ = embedded_warehouse
    role = bi_role
    monkeypatch.setenv("BI_READER_ROLE", role)
    monkeypatch.delenv("BI_READER_PASSWORD", raising=False)
    # A project-local folder whose embedded warehouse is the session's server (same superuser password).
    local = tmp_path / "local"
    (local / "warehouse").mkdir(parents=True)
    (local / "warehouse" / "credentials").write_text(server.credentials_file.read_text())
    monkeypatch.setenv("VNREPORTS_LOCAL_DIR", str(local))
    found = embedded_warehouse_for(fresh_database)
    assert found is not None and found.data_dir == local / "warehouse"
    status = prepare_step(fresh_database)["bi_reader"]
    assert status["login"] is True
    secret_file = local / "warehouse" / "bi_reader_credentials"
    generated = secret_file.read_text().strip()
    assert len(generated) >= 24 and (secret_file.stat().st_mode & 0o777) == 0o600
    assert bi_reader_password(fresh_database) == generated  # once: the same on every run
    with connect_as(fresh_database, role, generated) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == role
    # Concurrent first use: every caller gets the one password written.
    fresh = EmbeddedWarehouse(tmp_path / "other")
    passwords: list[str] = []
    threads = [threading.Thread(target=lambda: passwords.append(fresh.bi_reader_password())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(passwords)) == 1 and len(passwords) == 8
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == ["bi_reader_credentials"]


def test_role_name_is_checked():
    with pytest.raises(ValueError, match="BI_READER_ROLE"):
        config.validate_role_name('bi"; drop table x; --')


def test_summary_prints_the_bi_url_just_before_the_warehouse_url(built, monkeypatch, capsys):
    from vnreports import cli

    url, role, password = built
    monkeypatch.setenv("WAREHOUSE_URL", url)
    cli.main(["summary"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == f"WAREHOUSE_URL={url}"
    assert lines[-2] == f"BI_READER_URL={bi_reader_url(url, role, password)}"
    cli.main(["warehouse", "bi-url"])
    printed = capsys.readouterr().out.strip()
    assert printed == lines[-2].removeprefix("BI_READER_URL=")
    with psycopg.connect(printed) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == role


def test_a_pipeline_user_without_createrole_still_loads(bi_role, fresh_database, monkeypatch, caplog):
    """On an external server the pipeline's user may not manage roles: an error is logged,
    prepare_step does not stop the run."""
    from vnreports.pipeline import prepare_step

    pipeline_user, password = bi_role, uuid.uuid4().hex
    with get_engine(fresh_database).begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {pipeline_user} LOGIN PASSWORD '{password}'")
        conn.exec_driver_sql(f'ALTER DATABASE "{make_url(fresh_database).database}" OWNER TO {pipeline_user}')
    url = make_url(fresh_database).set(username=pipeline_user, password=password).render_as_string(
        hide_password=False)
    bi = unique_role()  # never created
    monkeypatch.setenv("BI_READER_ROLE", bi)
    monkeypatch.setenv("BI_READER_PASSWORD", "x" + uuid.uuid4().hex)
    with caplog.at_level(logging.ERROR, logger="vnreports.pipeline"):
        assert prepare_step(url)["bi_reader"] == {"role": bi, "error": "insufficient_privilege"}
    assert any("CREATEROLE" in r.getMessage() for r in caplog.records)
    with get_engine(url).connect() as conn:  # the landing schema is there all the same
        assert conn.execute(text("SELECT to_regclass('raw.report_file') IS NOT NULL")).scalar()
    get_engine(url).dispose()
