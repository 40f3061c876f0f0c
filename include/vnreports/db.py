"""Connections to the warehouse and its landing schema."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

# Serialises schema changes across concurrent tasks (any constant works; it names the lock).
SCHEMA_LOCK_KEY = 7_411_001


def sqlalchemy_url(url: str | URL) -> URL:
    """Accept postgres://, postgresql:// or postgresql+driver:// and use psycopg 3."""
    parsed = make_url(str(url).replace("postgres://", "postgresql://", 1)) if isinstance(url, str) else url
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"the warehouse must be PostgreSQL, got {parsed.get_backend_name()!r}")
    return parsed.set(drivername="postgresql+psycopg")


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    return create_engine(sqlalchemy_url(url), pool_pre_ping=True, future=True)


def warehouse_ddl() -> str:
    return resources.files("vnreports").joinpath("sql/warehouse.sql").read_text(encoding="utf-8")


def ensure_schema(engine: Engine) -> None:
    """Create schemas and landing tables if missing. Safe to run from parallel tasks."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        conn.exec_driver_sql(warehouse_ddl())
