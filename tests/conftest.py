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

# The inbox of the session's `vnreports run` (sample_run): beside the samples that `run` copies in,
CORRUPT_NAME = "hỏng; bản 'cắt cụt'.pdf"  # a truncated PDF; Vietnamese letters, quotes and ';' in its name
DUPLICATE_NAME = "bản sao báo cáo tỉnh.pdf"  # a second name for the province report
# and one area before and after the reorganisation of 2025-07-01: district Hạ Lang in 2024,
# the commune Xã Hạ Lang (01558, three of its old communes) in 2026
REFORM_TITLE = "Tình hình thực hiện nhiệm vụ 6 tháng đầu năm; phương hướng, nhiệm vụ 6 tháng cuối năm {y}"
REFORM_REPORTS = (("huyện Hạ Lang 6 tháng 2024.pdf", "HUYỆN HẠ LANG", 2024),
                  ("xã Hạ Lang 6 tháng 2026.pdf", "XÃ HẠ LANG", 2026))

# Every table and view of these schemas is the warehouse's content (warehouse_rows) ...
WAREHOUSE_SCHEMAS = ("raw", "staging", "marts", "marts_internal", "reference")
# ... less the columns whose values differ between two runs of the same inbox (found by loading
# one inbox twice with `vnreports run` into two databases and comparing every column):
#   - clock times: when a file was discovered, parsed, validated, changed status, loaded, when the
#     marts were built, and the marts' "last received" time (max(discovered_at));
#   - dag_run_id: the run's id carries its start time (and a run may be scheduled or manual);
#   - load_signature: md5 over the report's parsed_at (fct_indicator_observation), so a clock time;
#   - result_json: Great Expectations' full result, which holds its own run id and time;
#   - validation_id, build_id: serial keys numbered in the order the validate tasks finished
#     (under Celery the workers' order, not the inbox's).
VOLATILE_COLUMNS = frozenset({
    "discovered_at", "parsed_at", "validated_at", "status_at", "loaded_at", "built_at", "last_received_at",
    "dag_run_id", "load_signature", "result_json", "validation_id", "build_id",
})


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


def skip_or_fail_without(package: str, needed_by: str):
    """A Debian package the suite needs is missing: skip, or fail under CI=true (where `make test`
    installs it as root and the tests needing it must run)."""
    reason = (f"{package} is not installed (Debian: apt-get install {package}; `make test` installs it "
              "when run as root)")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: CI must run {needed_by}")
    pytest.skip(reason)


def require_tesseract() -> None:
    """Skip (fail under CI=true) a test that needs OCR when Tesseract or its Vietnamese model is
    missing."""
    from vnreports.parsing import ocr

    if ocr.unavailable_reason():
        skip_or_fail_without("tesseract-ocr tesseract-ocr-vie", "the OCR tests")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(env: dict[str, str], *args: str):
    import subprocess
    import sys

    vnreports = str(Path(sys.executable).with_name("vnreports"))
    return subprocess.run([vnreports, *args], env=env, capture_output=True, text=True, timeout=1200)


def warehouse_rows(url: str) -> dict:
    """Every row of every table and view of WAREHOUSE_SCHEMAS, without VOLATILE_COLUMNS: a
    Counter of rows (as reprs) per relation."""
    from collections import Counter

    import psycopg

    rows = {}
    with psycopg.connect(url) as conn:
        relations = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1, 2",
            (list(WAREHOUSE_SCHEMAS),)).fetchall()
        for schema, name in relations:
            cursor = conn.execute(f'SELECT * FROM "{schema}"."{name}"')
            keep = [i for i, column in enumerate(cursor.description) if column.name not in VOLATILE_COLUMNS]
            rows[f"{schema}.{name}"] = Counter(tuple(repr(row[i]) for i in keep) for row in cursor.fetchall())
    return rows


def write_sample_inbox_extras(inbox: Path) -> None:
    """The files sample_run's inbox holds beside the samples."""
    import shutil

    from tests.test_admin_reform import _report_pdf

    data = PROVINCE_REPORT.read_bytes()
    (inbox / CORRUPT_NAME).write_bytes(data[: len(data) // 3])
    shutil.copy2(PROVINCE_REPORT, inbox / DUPLICATE_NAME)
    for name, header, year in REFORM_REPORTS:
        _report_pdf(inbox / name, header, f"Hạ Lang, ngày 18 tháng 6 năm {year}", REFORM_TITLE.format(y=year),
                    ["Tổng đàn trâu có 1.250 con, tăng 20 con so với cùng kỳ."])


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """`vnreports run` (what `make run` calls) from nothing over the samples plus a broken, a
    duplicate and two reorganisation reports: its own embedded warehouse, a local Airflow with
    LocalExecutor. One per session: tests/test_end_to_end.py reads it, tests/test_celery.py
    compares a CeleryExecutor run of the same inbox to `rows`, taken before any test touched it."""
    from sqlalchemy import create_engine

    local = tmp_path_factory.mktemp("local")
    inbox = local / "inbox"
    inbox.mkdir()
    write_sample_inbox_extras(inbox)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WAREHOUSE_URL"))}
    env.update(VNREPORTS_LOCAL_DIR=str(local), WAREHOUSE_PORT=str(free_port()),
               REPORTS_SETTLE_SECONDS="0.5")
    first = run_cli(env, "run")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-5000:]
    url = first.stdout.strip().splitlines()[-1].removeprefix("WAREHOUSE_URL=")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        yield {"env": env, "first": first, "url": url, "engine": engine, "inbox": inbox, "local": local,
               "rows": warehouse_rows(url)}
    finally:
        engine.dispose()
        run_cli(env, "warehouse", "stop")


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
