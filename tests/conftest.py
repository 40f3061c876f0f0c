"""Shared fixtures: a real embedded PostgreSQL per test session, never a mock."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_REPORTS = PROJECT_ROOT / "include" / "sample_reports"
PROVINCE_REPORT = SAMPLE_REPORTS / "001_66b76ee94201d24e.pdf"


PYTHON_VERSIONS_TESTS = "tests/test_python_versions.py"


def pytest_collection_modifyitems(session, config, items):
    """The other Pythons' check runs in the background from the start; its test, which only
    collects the results, goes last."""
    ours = [item for item in items if item.nodeid.startswith(PYTHON_VERSIONS_TESTS)]
    if ours:
        items[:] = [item for item in items if not item.nodeid.startswith(PYTHON_VERSIONS_TESTS)] + ours


def pytest_collection_finish(session):
    versions = {item.callspec.params["version"] for item in session.items
                if item.nodeid.startswith(PYTHON_VERSIONS_TESTS) and hasattr(item, "callspec")}
    if versions:
        from tests import python_versions

        session.config.python_version_runs = python_versions.start_background(
            python_versions.local_dir() / "pyversions" / "runs", sorted(versions))


def pytest_sessionfinish(session):
    """Background checks still running when the suite stops (interrupted, -x): stopped."""
    import signal

    for process, _out in getattr(session.config, "python_version_runs", {}).values():
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def embedded_warehouse(tmp_path_factory):
    """A fresh embedded PostgreSQL for the session; yields (server, url)."""
    from vnreports.warehouse_server import EmbeddedWarehouse

    server = EmbeddedWarehouse(tmp_path_factory.mktemp("warehouse"), port=free_port())
    url = server.start()
    yield server, url
    server.stop()


@pytest.fixture(scope="session")
def warehouse_url(embedded_warehouse) -> str:
    return embedded_warehouse[1]


def _admin_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def create_database(warehouse_url: str) -> str:
    """A new empty database on the session server; returns its URL."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_url(warehouse_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(warehouse_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    from vnreports.db import get_engine

    get_engine.cache_clear()  # disposes nothing by itself: FORCE ends leftover sessions
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture()
def fresh_database(warehouse_url):
    """A new empty database for one test."""
    url = create_database(warehouse_url)
    yield url
    drop_database(url)
