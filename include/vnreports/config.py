"""Where things live. Every path can be overridden by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

# include/vnreports/config.py -> repository root
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def local_dir() -> Path:
    """Project-local state: embedded warehouse data, Airflow home, inbox, GX data docs."""
    return Path(os.environ.get("VNREPORTS_LOCAL_DIR", PROJECT_ROOT / ".local")).resolve()


def airflow_warehouse_url() -> str:
    """The warehouse as Airflow tasks and triggers find it: the Airflow connection named by
    WAREHOUSE_CONN_ID (default `warehouse`: AIRFLOW_CONN_WAREHOUSE or the UI), else WAREHOUSE_URL.
    Only called where Airflow runs (airflow.sdk imported here, not at import)."""
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(os.environ.get("WAREHOUSE_CONN_ID", "warehouse"))
    except Exception:  # connection not defined: fall back to the plain variable
        return os.environ["WAREHOUSE_URL"]
    from sqlalchemy.engine import URL

    return URL.create(
        "postgresql", username=conn.login, password=conn.password, host=conn.host,
        port=conn.port, database=conn.schema,
    ).render_as_string(hide_password=False)


def inbox_dir() -> Path:
    return Path(os.environ.get("REPORTS_INBOX", local_dir() / "inbox")).resolve()


def dbt_project_dir() -> Path:
    return Path(os.environ.get("DBT_PROJECT_DIR", PROJECT_ROOT / "dbt_project")).resolve()


def gx_docs_dir() -> Path:
    return local_dir() / "gx"


def export_dir() -> Path:
    """Open-data exports of the marts (vn_reports_export): VNREPORTS_EXPORT_DIR, default .local/exports."""
    return Path(os.environ.get("VNREPORTS_EXPORT_DIR") or local_dir() / "exports").resolve()


SAMPLE_REPORTS_DIR = PROJECT_ROOT / "include" / "sample_reports"
DAGS_DIR = PROJECT_ROOT / "dags"
PLUGINS_DIR = PROJECT_ROOT / "plugins"


# --- Read-only BI access (see vnreports.access) ---------------------------------------------
DEFAULT_BI_READER_ROLE = "bi_reader"
DEFAULT_BI_READER_STATEMENT_TIMEOUT = "5min"


def validate_role_name(name: str) -> str:
    """A plain lower-case PostgreSQL identifier (it is also written unquoted in dbt's GRANTs)."""
    import re

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name or ""):
        raise ValueError(f"BI_READER_ROLE must be a lower-case identifier ([a-z_][a-z0-9_]*), got {name!r}")
    return name


def bi_reader_role() -> str:
    """The BI tools' read-only role: BI_READER_ROLE, default bi_reader."""
    return validate_role_name(os.environ.get("BI_READER_ROLE") or DEFAULT_BI_READER_ROLE)


def bi_reader_password() -> str | None:
    """BI_READER_PASSWORD from the environment (or .env through docker compose); None if unset."""
    return os.environ.get("BI_READER_PASSWORD") or None


def bi_reader_statement_timeout() -> str:
    """statement_timeout of BI sessions (PostgreSQL syntax: '5min', '90s', '300000')."""
    return os.environ.get("BI_READER_STATEMENT_TIMEOUT") or DEFAULT_BI_READER_STATEMENT_TIMEOUT
