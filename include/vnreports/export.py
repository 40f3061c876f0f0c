"""Open-data export of marts.indicator_values: one CSV and one Parquet file per reporting period.

Written by the DAG vn_reports_export each time the ingest DAG publishes rebuilt marts (the asset
marts.indicator_values), or for one period on a manual run. Every period is written again on each
event, not only the periods of the reports the run loaded: the mart also changes when a catalog
decision, a reprocessed report or a dbt model changes, and all periods take seconds.

Idempotent: the same mart gives byte-identical files (rows ordered by value_id), each written to
a temporary file beside it and renamed over the old one (a reader sees the old file or the new,
never a part), and a full export removes the files of periods the mart no longer has.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path

from vnreports import config

log = logging.getLogger(__name__)

TABLE = "indicator_values"
FORMATS = ("csv", "parquet")

# PostgreSQL type OIDs -> Parquet column types. numeric becomes a double (every Parquet reader
# has it, and it holds the 15 significant digits reports never exceed); the CSV keeps the exact
# decimal text. Anything not listed is written as its text.
_BOOL, _INT2, _INT4, _INT8, _FLOAT4, _FLOAT8, _NUMERIC = 16, 21, 23, 20, 700, 701, 1700
_DATE, _TIMESTAMP, _TIMESTAMPTZ = 1082, 1114, 1184


class UnknownPeriodError(ValueError):
    """A period asked for that marts.indicator_values does not have."""


def _arrow_type(oid: int):
    import pyarrow as pa

    return {
        _BOOL: pa.bool_(), _INT2: pa.int16(), _INT4: pa.int32(), _INT8: pa.int64(),
        _FLOAT4: pa.float32(), _FLOAT8: pa.float64(), _NUMERIC: pa.float64(), _DATE: pa.date32(),
        _TIMESTAMP: pa.timestamp("us"), _TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
    }.get(oid, pa.string())


def _arrow_values(rows: list[tuple], index: int, arrow_type, oid: int) -> list:
    import pyarrow as pa

    values = [row[index] for row in rows]
    if oid == _NUMERIC:
        return [None if v is None else float(v) for v in values]
    if arrow_type == pa.string():
        return [v if v is None or isinstance(v, str) else str(v) for v in values]
    return values


def csv_text(value) -> str:
    """A value as the CSV writes it: empty for NULL, true/false, ISO dates, exact decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def period_file_stem(period_key: str) -> str:
    """`indicator_values_year_2022-01-01_2022-12-31` for period `year:2022-01-01:2022-12-31`."""
    return f"{TABLE}_" + re.sub(r"[^A-Za-z0-9._-]", "_", period_key)


def _replace_atomically(target: Path, write) -> None:
    """write(path) into a temporary file beside target, flushed to disk, then renamed over it."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _write_period(folder: Path, period_key: str, columns: list[str], oids: list[int], rows: list[tuple]) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    stem = period_file_stem(period_key)
    csv_path, parquet_path = folder / f"{stem}.csv", folder / f"{stem}.parquet"

    def write_csv(path: Path) -> None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([csv_text(v) for v in row] for row in rows)

    def write_parquet(path: Path) -> None:
        schema = pa.schema([pa.field(name, _arrow_type(oid)) for name, oid in zip(columns, oids)])
        arrays = [pa.array(_arrow_values(rows, i, schema.field(i).type, oid), type=schema.field(i).type)
                  for i, oid in enumerate(oids)]
        pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)

    _replace_atomically(csv_path, write_csv)
    _replace_atomically(parquet_path, write_parquet)
    return [csv_path, parquet_path]


def export_indicator_values(warehouse_url: str, out_dir: Path | None = None,
                            periods: list[str] | None = None) -> dict:
    """Write marts.indicator_values as <out_dir>/indicator_values/<stem>.csv and .parquet, one pair
    per period (period_file_stem). periods: period keys (`year:2022-01-01:2022-12-31`) or ISO labels
    (`2022`, `2022-H1`, `2022-03`) to write; None writes every period and removes the files of
    periods no longer in the mart. Raises UnknownPeriodError when a period asked for has no rows.

    Returns {"dir", "files" (paths written), "rows" (per period key), "removed" (paths)}."""
    from vnreports.db import get_engine

    folder = (out_dir or config.export_dir()) / TABLE
    folder.mkdir(parents=True, exist_ok=True)
    where, params = "", {}
    if periods is not None:
        where = "WHERE period_key = ANY(%(periods)s) OR period_label_iso = ANY(%(periods)s)"
        params = {"periods": list(periods)}
    files: list[Path] = []
    rows_per_period: dict[str, int] = {}
    seen_labels: set[str] = set()
    raw = get_engine(warehouse_url).raw_connection()
    try:
        pg = raw.driver_connection
        # one statement, so every file comes from one state of the mart; a server-side cursor,
        # so the mart is read in batches
        with pg.transaction(), pg.cursor(name="export_indicator_values") as cursor:
            cursor.itersize = 5000
            cursor.execute(f"SELECT * FROM marts.{TABLE} {where} ORDER BY period_key, value_id", params)
            columns = [d.name for d in cursor.description]
            oids = [d.type_code for d in cursor.description]
            key_at, label_at = columns.index("period_key"), columns.index("period_label_iso")
            for period_key, group in groupby(cursor, key=lambda row: row[key_at]):
                rows = list(group)
                seen_labels.add(rows[0][label_at])
                files += _write_period(folder, period_key, columns, oids, rows)
                rows_per_period[period_key] = len(rows)
    finally:
        raw.close()
    if periods is not None:
        missing = [p for p in periods if p not in rows_per_period and p not in seen_labels]
        if missing:
            raise UnknownPeriodError(
                f"no rows in marts.{TABLE} for period {', '.join(map(repr, missing))}; "
                "give a period_key (e.g. 'year:2022-01-01:2022-12-31') or period_label_iso (e.g. '2022', "
                "'2022-H1') of the mart")
    removed = []
    if periods is None:  # a full export: files of periods the mart no longer has go
        written = {p.name for p in files}
        for path in sorted(folder.glob(f"{TABLE}_*")):
            if path.suffix.lstrip(".") in FORMATS and path.name not in written:
                path.unlink()
                removed.append(path)
    log.info("exported %d period(s), %d row(s) of marts.%s to %s%s", len(rows_per_period),
             sum(rows_per_period.values()), TABLE, folder, f"; removed {len(removed)} stale file(s)" if removed else "")
    return {"dir": str(folder), "files": [str(p) for p in files], "rows": rows_per_period,
            "removed": [str(p) for p in removed]}
