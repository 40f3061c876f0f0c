"""Read-only access for BI tools: the `bi_reader` role.

The role may log in and read every table and view in schema `marts`, nothing else: no usage of
raw, staging, marts_internal or reference, no writes, no CREATE anywhere, every transaction
read-only by default, and a statement timeout so a runaway dashboard query cannot hold the
warehouse. Tables dbt creates later in `marts` are readable too: by the default privileges set
here for the role that runs dbt, and by the `+grants` config of the marts models
(dbt_project.yml), so the grants survive dbt's rebuilds.

The password comes from configuration (BI_READER_PASSWORD), never from code; for the embedded
warehouse without one, a random password is generated once and kept beside the warehouse's own
credentials. Without a password (an external warehouse, BI_READER_PASSWORD unset) the role is
created NOLOGIN and a warning says so.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url

from vnreports import config

log = logging.getLogger(__name__)

# Serialises role changes of concurrent tasks on one database (advisory locks are per database;
# tasks on other databases of the same server are handled by retrying, see ensure_bi_reader).
ACCESS_LOCK_KEY = 7_411_002
# Schemas the BI role must never reach. marts_internal and reference are created by dbt.
PRIVATE_SCHEMAS = ("raw", "staging", "marts_internal", "reference")
BI_SCHEMA = "marts"
# SQLSTATEs a concurrent CREATE/ALTER/GRANT on the same role can raise: duplicate_object,
# unique_violation (pg_authid index), internal_error ("tuple concurrently updated"),
# serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = {"42710", "23505", "XX000", "40001", "40P01"}


@dataclass(frozen=True)
class BiReaderStatus:
    role: str
    created: bool  # this call created the role
    login: bool  # the role can log in (it has a password from configuration)
    password_set: bool  # this call (re)set the password

    def as_dict(self) -> dict:
        return {"role": self.role, "created": self.created, "login": self.login,
                "password_set": self.password_set}


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _encrypted_password(raw_conn, role: str, password: str) -> str:
    """A SCRAM verifier computed client-side by libpq, so the clear password is never sent to
    the server (nor written to its log by log_statement)."""
    pgconn = raw_conn.pgconn
    return pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()


def ensure_bi_reader(engine: Engine, role: str | None = None, password: str | None = None,
                     statement_timeout: str | None = None, attempts: int = 8) -> BiReaderStatus:
    """Create or update the read-only BI role and its grants. Idempotent; safe from parallel tasks.

    `password` None: an existing role keeps its login and password untouched; a new role is
    created NOLOGIN (with a warning). A password is (re)applied on every call, so a changed
    BI_READER_PASSWORD takes effect on the next run.
    """
    role = config.validate_role_name(role or config.bi_reader_role())
    timeout = statement_timeout or config.bi_reader_statement_timeout()
    for attempt in range(1, attempts + 1):
        try:
            return _ensure_once(engine, role, password, timeout)
        except Exception as error:  # noqa: BLE001 - filtered on SQLSTATE just below
            sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
            if sqlstate not in RETRYABLE_SQLSTATES or attempt == attempts:
                raise
            log.info("bi role %s: concurrent change (%s), retrying", role, sqlstate)
            time.sleep(random.uniform(0.05, 0.3) * attempt)
    raise AssertionError("unreachable")


def _ensure_once(engine: Engine, role: str, password: str | None, timeout: str) -> BiReaderStatus:
    r = _quote_ident(role)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACCESS_LOCK_KEY})
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {BI_SCHEMA}")
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        created = False
        if not exists:
            created = True
            # A concurrent task on another database may win the race: duplicate_object or
            # unique_violation, retried by the caller (this transaction is rolled back).
            conn.exec_driver_sql(
                f"CREATE ROLE {r} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            )
        login = bool(conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"),
                                  {"r": role}).scalar())
        if password:
            verifier = _encrypted_password(conn.connection.driver_connection, role, password)
            conn.exec_driver_sql(f"ALTER ROLE {r} LOGIN PASSWORD {_quote_literal(verifier)}")
            login = True
        elif created:
            log.warning(
                "BI role %s created NOLOGIN: no password is configured. Set BI_READER_PASSWORD "
                "(and run the pipeline again) to let BI tools log in as %s.", role, role)
        else:
            log.warning("BI_READER_PASSWORD is not set: role %s keeps its current login%s.",
                        role, "" if login else " (NOLOGIN: BI tools cannot log in)")
        # Session defaults: every transaction read-only, bounded statements and idle transactions.
        conn.exec_driver_sql(f"ALTER ROLE {r} SET default_transaction_read_only = on")
        conn.exec_driver_sql(f"ALTER ROLE {r} SET statement_timeout = {_quote_literal(timeout)}")
        conn.exec_driver_sql(f"ALTER ROLE {r} SET idle_in_transaction_session_timeout = '10min'")
        database = conn.execute(text("SELECT current_database()")).scalar()
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {_quote_ident(database)} TO {r}")
        # marts: read everything there now, and everything the role running dbt creates later.
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {BI_SCHEMA} FROM {r}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {BI_SCHEMA} TO {r}")
        conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {BI_SCHEMA} TO {r}")
        conn.exec_driver_sql(
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER "
            f"ON ALL TABLES IN SCHEMA {BI_SCHEMA} FROM {r}")
        conn.exec_driver_sql(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {BI_SCHEMA} GRANT SELECT ON TABLES TO {r}")
        # Everything else stays closed (nothing is granted; revoking keeps it so after manual grants).
        present = set(conn.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname = ANY(:names)"),
            {"names": [*PRIVATE_SCHEMAS, "public"]}).scalars())
        for schema in PRIVATE_SCHEMAS:
            if schema in present:
                conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {_quote_ident(schema)} FROM {r}")
                conn.exec_driver_sql(
                    f"REVOKE ALL ON ALL TABLES IN SCHEMA {_quote_ident(schema)} FROM {r}")
        if "public" in present:
            conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA public FROM {r}")
            if conn.execute(text("SELECT has_schema_privilege(:r, 'public', 'CREATE')"),
                            {"r": role}).scalar():
                log.warning(
                    "role %s can CREATE in schema public through PUBLIC (PostgreSQL before 15); "
                    "run REVOKE CREATE ON SCHEMA public FROM PUBLIC to close it", role)
    status = BiReaderStatus(role=role, created=created, login=login, password_set=bool(password))
    log.info("BI role ready: %s", status.as_dict())
    return status


def bi_reader_url(warehouse_url: str, role: str | None = None, password: str | None = None) -> str:
    """The warehouse URL with the BI role's user name and password (password omitted if unknown)."""
    role = role or config.bi_reader_role()
    url: URL = make_url(str(warehouse_url).replace("postgres://", "postgresql://", 1))
    url = url.set(drivername="postgresql", username=role, password=password)
    return url.render_as_string(hide_password=False)


def embedded_warehouse_for(warehouse_url: str):
    """The project's embedded warehouse when `warehouse_url` points at it, else None.

    Recognised by its superuser password, which only the embedded server's credentials file holds
    (the Airflow tasks see the embedded server through WAREHOUSE_URL too)."""
    from vnreports.warehouse_server import EmbeddedWarehouse

    server = EmbeddedWarehouse(config.local_dir() / "warehouse")
    if not server.credentials_file.exists():
        return None
    url = make_url(str(warehouse_url).replace("postgres://", "postgresql://", 1))
    try:
        matches = url.password is not None and url.password == server._password()
    except OSError:
        return None
    return server if matches else None


def bi_reader_password(warehouse_url: str, server=None) -> str | None:
    """BI_READER_PASSWORD; else, for the embedded warehouse, its generated BI password; else None."""
    configured = config.bi_reader_password()
    if configured:
        return configured
    server = server or embedded_warehouse_for(warehouse_url)
    return server.bi_reader_password() if server is not None else None
