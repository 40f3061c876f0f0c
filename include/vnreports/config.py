"""Where things live. Every path can be overridden by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

# include/vnreports/config.py -> repository root
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def local_dir() -> Path:
    """Project-local state: embedded warehouse data, Airflow home, inbox, GX data docs."""
    return Path(os.environ.get("VNREPORTS_LOCAL_DIR", PROJECT_ROOT / ".local")).resolve()


def inbox_dir() -> Path:
    return Path(os.environ.get("REPORTS_INBOX", local_dir() / "inbox")).resolve()


def dbt_project_dir() -> Path:
    return Path(os.environ.get("DBT_PROJECT_DIR", PROJECT_ROOT / "dbt_project")).resolve()


def gx_docs_dir() -> Path:
    return local_dir() / "gx"


SAMPLE_REPORTS_DIR = PROJECT_ROOT / "include" / "sample_reports"
DAGS_DIR = PROJECT_ROOT / "dags"
PLUGINS_DIR = PROJECT_ROOT / "plugins"
