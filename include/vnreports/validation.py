"""Great Expectations validation of parsed reports' staging rows.

``validate_report`` reads the report's rows from ``staging.report``, ``staging.indicator_value``,
``staging.report_page`` and ``staging.narrative_fact`` into pandas frames, runs one GX suite per
frame, records one ``raw.validation_run`` row per suite (history: a rerun appends rows), and
refreshes the GX Data Docs site. It never touches ``raw.report_file``: the caller sets the report's status from the
returned ``ValidationOutcome`` (``success`` False => quarantine, ``reason`` says why).
``validate_reports`` does the same for many reports with one run of each suite's batch form over
all their rows; only the reports it flags run the suites alone (see "Batches" below).

GX objects live in a file-mode GX project (default ``config.gx_docs_dir()``, i.e. ``.local/gx``):

    pandas Data Source ``vnreports_staging``
      one dataframe Data Asset per staging table, each with a whole-dataframe Batch Definition
    Expectation Suites ``report_metadata``, ``indicator_values``, ``report_pages``, ``narrative_facts``
      and their batch forms ``batch_<suite>`` (a Data Asset ``batch_<table>`` each)
    one Validation Definition and one Checkpoint per suite:
      a Checkpoint passes the same ``batch_parameters`` to all its Validation Definitions, and
      each suite needs its own dataframe, so a single Checkpoint cannot run them all.

Every object is created with get-or-add / ``add_or_update`` so that reruns, new processes and a
changed suite definition all work against an existing project. Writing suites, checkpoints
and Data Docs runs under an exclusive file lock, because the file stores write files in place
and parallel Airflow tasks share the directory; validation runs only add result files and
share the lock. In the pipeline, a report's checkpoints store results only, and one
``build_data_docs`` per DAG run renders their pages and the index.

``great_expectations`` takes seconds to import, so it is imported on first use, not when this
module is imported (DAG files can import this module cheaply).
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import pandas as pd
from sqlalchemy import Engine, text

from vnreports import config
from vnreports.parsing.model import (
    ADMIN_LEVELS,
    CHANGE_KINDS,
    DOC_TYPES,
    NARRATIVE_RATIO_BASES,
    PERIOD_TYPES,
    RATIO_BASES,
    SCENARIOS,
)

if TYPE_CHECKING:
    from great_expectations.checkpoint import Checkpoint
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext

log = logging.getLogger(__name__)

DATASOURCE_NAME = "vnreports_staging"
DOCS_SITE_NAME = "local_site"  # the site a new file-mode GX project is scaffolded with

SUITE_REPORT = "report_metadata"
SUITE_VALUES = "indicator_values"
SUITE_PAGES = "report_pages"
SUITE_NARRATIVE = "narrative_facts"

# suite -> staging table it checks (also the Data Asset name)
SUITE_TABLES = {
    SUITE_REPORT: "report",
    SUITE_VALUES: "indicator_value",
    SUITE_PAGES: "report_page",
    SUITE_NARRATIVE: "narrative_fact",
}

# The marts suite (validate_marts): one suite per frame read from schema marts after dbt.
MARTS_DATASOURCE_NAME = "vnreports_marts"
SUITE_MARTS_DIMENSIONS = "marts_dimensions"
SUITE_MARTS_VALUES = "marts_fct_indicator_value"
SUITE_MARTS_OBSERVATIONS = "marts_fct_indicator_observation"
SUITE_MARTS_PLAN = "marts_plan_vs_actual"
# suite -> Data Asset name (the frame it checks)
MARTS_SUITE_TABLES = {
    SUITE_MARTS_DIMENSIONS: "marts_dimensions",
    SUITE_MARTS_VALUES: "marts_fct_indicator_value",
    SUITE_MARTS_OBSERVATIONS: "marts_fct_indicator_observation",
    SUITE_MARTS_PLAN: "marts_mart_plan_vs_actual",
}
MARTS_DIMENSIONS = {  # dimension -> key column
    "dim_admin_unit": "admin_unit_key",  # a code repeats across the 2022 and 2025 generations
    "dim_period": "period_key",
    "dim_indicator": "indicator_code",
    "dim_scenario": "scenario",
    "dim_report": "report_id",
}
# batch forms of the report suites (validate_reports) -> Data Asset name
BATCH_SUITE_TABLES = {f"batch_{name}": f"batch_{table}" for name, table in SUITE_TABLES.items()}
ALL_SUITE_TABLES = {**SUITE_TABLES, **MARTS_SUITE_TABLES}

# Column types the frames are normalised to before validation. pandas.read_sql infers dtypes
# from the values it sees, so an all-NULL or empty column would otherwise come back as object
# (and numeric columns as Decimal/float depending on the rows): normalising keeps the
# expectations' comparisons stable whatever the report contains.
_INT_COLUMNS = {"page_count", "plan_year", "table_index", "row_index", "col_index", "page_no",
                "fact_index", "footnote_no", "span_start", "span_end", "sentence_chars"}
_FLOAT_COLUMNS = {"value_number", "x0", "top", "x1", "bottom", "width", "height", "match_score",
                  "change_value", "part_numerator", "part_denominator", "plan_value",
                  "min_ratio_value"}
_DATE_COLUMNS = {"issue_date", "period_start", "period_end", "as_of_date"}

INDICATOR_VALUE_REQUIRED_COLUMNS = (
    "report_id",
    "table_index",
    "row_index",
    "col_index",
    "page_no",
    "indicator_name",
    "measure_unit",
    "role",
    "scenario",
    "value_number",
    "value_text",
    "raw_text",
)

NARRATIVE_FACT_REQUIRED_COLUMNS = (
    "report_id",
    "fact_index",
    "page_no",
    "sentence",
    "span_start",
    "span_end",
    "indicator_text",
    "value_number",
    "measure_unit",
    "scenario",
    "change_value",
    "part_numerator",
    "part_denominator",
    "plan_value",
)

REPORT_REQUIRED_COLUMNS = (
    "report_id",
    "file_name",
    "page_count",
    "admin_unit_code",
    "admin_level",
    "doc_type",
    "issue_date",
    "period_type",
    "period_start",
    "period_end",
    "plan_year",
)

# pandas dtypes the frames are normalised to (see _read_frame), by kind
_FLOAT_TYPES = ("float64", "Float64Dtype")
_INT_TYPES = ("Int64Dtype", "int64", "Int64")
_DATETIME_TYPES = ("datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]")

# GSO codes: 2 digits province, 3 district, 5 commune
GSO_CODE_REGEX = r"^[0-9]{2}(?:[0-9](?:[0-9]{2})?)?$"
ADMIN_LEVEL_BY_CODE_LENGTH = {2: "province", 3: "district", 5: "commune"}

# A cell text that is only a number (digits, separators, sign, percent): a figure not parsed.
NUMBER_TEXT_REGEX = r"^\s*[-+]?\d[\d.,\s]*%?\s*$"

# Units (normalised) whose figures may be negative or are not counts: money (a balance, a
# deficit), percentages (growth) and percentage points. Every other known unit counts or
# measures something (people, households, animals, communes, hectares, tonnes, ...) and a
# figure of it is >= 0 (a change is stored apart: change_value / change_direction).
_MONEY_WORDS = ("đồng", "USD")
_SIGNED_UNITS = {"%", "điểm phần trăm"}
_TIME_UNITS = {"năm", "tháng", "ngày", "vụ/năm"}

_GX_LOCK = threading.Lock()  # one GX run at a time per process (the file lock is per process)
_PROJECTS: dict[Path, _GxProject] = {}


@dataclass
class ValidationOutcome:
    report_id: str
    success: bool  # False => the report must be quarantined
    evaluated: int  # expectations evaluated, all suites
    # one dict per failed expectation: expectation, column, kwargs, observed, table, suite,
    # severity, the suite's description when it has one and, for a conditional expectation,
    # condition (e.g. "role == 'ratio'")
    failed: list[dict] = field(default_factory=list)
    reason: str | None = None  # one line naming the failing expectations; None on success
    warnings: list[dict] = field(default_factory=list)  # failed warning-level expectations
    data_docs_index: str | None = None  # path of the Data Docs index.html


@dataclass
class MartsValidationOutcome:
    """The marts suite's verdict. The marts are already built, so nothing is quarantined:
    success False means an error-level expectation failed (the DAG task fails, naming them)."""

    success: bool
    evaluated: int
    failed: list[dict] = field(default_factory=list)  # failed error-level expectations
    reason: str | None = None  # one line naming the failed error-level expectations
    warnings: list[dict] = field(default_factory=list)  # failed warning-level expectations
    ratio_mismatches: int = 0  # rows of mart_plan_vs_actual with ratio_status 'mismatch'
    data_docs_index: str | None = None

    def as_dict(self) -> dict:
        return {
            "success": self.success,
            "evaluated": self.evaluated,
            "failed": [f["expectation"] + (f" on {f['column']}" if f.get("column") else "") for f in self.failed],
            "warnings": [w["expectation"] + (f" on {w['column']}" if w.get("column") else "") for w in self.warnings],
            "ratio_mismatches": self.ratio_mismatches,
            "reason": self.reason,
            "data_docs_index": self.data_docs_index,
        }


class MartsValidationError(RuntimeError):
    """An error-level expectation of the marts suite failed (the message names them)."""


# --------------------------------------------------------------------------------------------
# Suites
# --------------------------------------------------------------------------------------------


def _figure_expectations(gxe: Any, Column: Any, *, table: bool) -> list[Any]:
    """Checks shared by table figures (staging.indicator_value) and narrative facts, on the
    columns load_frames derives: unknown_unit, unit_class, period bounds.

    Severities: a negative count or quantity (unit_class 'nonnegative': people, households,
    animals, communes, hectares, tonnes, ...) and a figure period that ends before it starts
    are certainly misreads (the parser never reads a sign into a narrative number, and a change
    is stored apart, in change_value), so they quarantine. An unknown unit, a share outside
    0..100 (the catalog match decides what is a share, and matches can be fuzzy) and a period
    outside the report's coverage are plausibility checks: the report loads, flagged."""
    origin = "table figure" if table else "fact"
    value_rows = Column("role") == "value" if table else None

    def cond(extra: Any) -> Any:
        return extra if value_rows is None else value_rows & extra

    return [
        gxe.ExpectColumnValuesToBeInTypeList(
            column="value_number", type_list=list(_FLOAT_TYPES), description="values are numbers"
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="unknown_unit",
            severity="warning",
            description=f"every {origin}'s unit is a known unit (catalog, unit conversions, unit lexicon)",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="value_number",
            min_value=0,
            row_condition=cond(Column("unit_class") == "nonnegative"),
            description=f"counts and quantities (con, hộ, người, xã, ha, tấn, ...) are >= 0",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="value_number",
            min_value=0,
            max_value=100,
            row_condition=cond(Column("unit_class") == "share"),
            severity="warning",
            description="shares and rates the catalog marks is_rate (not growth or indices) lie in 0..100",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end",
            column_B="period_start",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description=f"a {origin}'s period_start <= period_end",
        ),
        # The report's coverage: its period, the previous year (comparison columns, "so với
        # cùng kỳ") and the next year or the plan year (plan columns, the plan part).
        gxe.ExpectColumnValuesToBeBetween(
            column="period_start",
            min_value={"$PARAMETER": "coverage_start"},
            max_value={"$PARAMETER": "coverage_end"},
            severity="warning",
            description=f"a {origin}'s period lies in the report's coverage",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="period_end",
            min_value={"$PARAMETER": "coverage_start"},
            max_value={"$PARAMETER": "coverage_end"},
            severity="warning",
            description=f"a {origin}'s period lies in the report's coverage",
        ),
    ]


def build_suites() -> dict[str, Any]:
    """The four expectation suites, by name. Expectations are error level (critical: the report
    is quarantined) unless they say severity="warning" (the report loads with the warning)."""""
    _prepare_gx_env()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    report = gx.ExpectationSuite(
        name=SUITE_REPORT,
        meta={"table": "staging.report"},
        expectations=[
            gxe.ExpectTableRowCountToEqual(value=1, description="exactly one staging.report row"),
            gxe.ExpectColumnValuesToNotBeNull(column="report_id"),
            gxe.ExpectColumnValuesToMatchRegex(
                column="report_id",
                regex=r"^[0-9a-f]{64}$",
                description="report_id is the SHA-256 of the file as 64 lowercase hex digits",
            ),
            gxe.ExpectColumnValuesToBeBetween(column="page_count", min_value=1),
            gxe.ExpectColumnValuesToNotBeNull(
                column="admin_unit_code", description="the report's administrative unit was resolved"
            ),
            gxe.ExpectColumnValuesToMatchRegex(column="admin_unit_code", regex=GSO_CODE_REGEX),
            gxe.ExpectColumnValuesToBeInSet(column="admin_level", value_set=list(ADMIN_LEVELS)),
            gxe.ExpectColumnValuesToNotBeNull(column="period_type"),
            gxe.ExpectColumnValuesToBeInSet(column="period_type", value_set=list(PERIOD_TYPES)),
            gxe.ExpectColumnValuesToNotBeNull(column="period_start"),
            gxe.ExpectColumnValuesToNotBeNull(column="period_end"),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="period_end",
                column_B="period_start",
                or_equal=True,
                # a missing bound is reported by the not-null expectations above
                ignore_row_if="either_value_is_missing",
                description="period_start <= period_end",
            ),
            gxe.ExpectColumnValuesToBeInSet(column="doc_type", value_set=list(DOC_TYPES)),
            gxe.ExpectTableColumnsToMatchSet(
                column_set=list(REPORT_REQUIRED_COLUMNS), exact_match=False,
                description="staging.report has the columns the marts read",
            ),
            gxe.ExpectColumnValuesToBeInTypeList(
                column="period_start", type_list=list(_DATETIME_TYPES),
                description="the reporting period is a date",
            ),
            # A code of the right shape that the GSO list does not have would break every
            # relationship test of the marts (dim_admin_unit): the unit was not resolved.
            gxe.ExpectColumnValuesToBeNull(
                column="unknown_admin_unit",
                description="the report's admin unit is in the GSO list (dim_admin_unit)",
            ),
            # admin_level as the code's length says it (2 province, 3 district, 5 commune): a
            # mismatch puts the report in the wrong row of the completeness grid, the figures
            # themselves are fine.
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A="admin_level",
                column_B="admin_level_of_code",
                ignore_row_if="either_value_is_missing",
                severity="warning",
                description="admin_level agrees with the admin unit code's level",
            ),
        ],
    )

    values = gx.ExpectationSuite(
        name=SUITE_VALUES,
        meta={"table": "staging.indicator_value"},
        expectations=[
            # A warning: reports without an indicator table (monthly reports, plans) are valid,
            # their figures are narrative facts. min_table_values is 1 when the report has no
            # narrative fact either (no figures at all: tables or text not read), else 0.
            gxe.ExpectTableRowCountToBeBetween(
                min_value={"$PARAMETER": "min_table_values"},
                severity="warning",
                description="a report with no figures at all is suspicious (tables not read)",
            ),
            gxe.ExpectTableColumnsToMatchSet(
                column_set=list(INDICATOR_VALUE_REQUIRED_COLUMNS), exact_match=False
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="indicator_name"),
            gxe.ExpectColumnValuesToBeInSet(column="role", value_set=["value", "ratio"]),
            # scenario: one of SCENARIOS; NULL is allowed only for ratio columns
            gxe.ExpectColumnValuesToBeInSet(column="scenario", value_set=list(SCENARIOS)),
            gxe.ExpectColumnValuesToNotBeNull(
                column="scenario",
                row_condition=Column("role") != "ratio",
                description="every non-ratio figure has a scenario (actual/estimate/plan/target)",
            ),
            # A stated ratio must say what it compares with, or BI cannot label it.
            gxe.ExpectColumnValuesToBeInSet(
                column="ratio_base",
                value_set=list(RATIO_BASES),
                row_condition=Column("role") == "ratio",
                description="every ratio names its base (plan, previous_period, ...)",
            ),
            # A warning: an unlabelled "So sánh (%)" column still carries a real figure; it loads
            # as ratio_to_unknown for curation.
            gxe.ExpectColumnValuesToNotBeNull(
                column="ratio_base",
                row_condition=Column("role") == "ratio",
                severity="warning",
                description="every ratio names its base",
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="raw_text"),
            gxe.ExpectColumnValuesToBeBetween(column="page_no", min_value=1),
            # A cell read as neither a number nor a text value is an unparsed value.
            gxe.ExpectColumnValuesToNotBeNull(
                column="value_number",
                row_condition=Column("value_text").is_null(),
                description="every figure has value_number or value_text",
            ),
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["table_index", "row_index", "col_index"],
                description="one figure per table cell",
            ),
            # Percent figures (measure_unit '%') of value columns are shares (0..100), growth
            # rates (>= -100: a quantity cannot fall by more than all of it) or indices against
            # the same period / the plan, which in these reports stay in the tens to hundreds.
            # 1000 % (ten times) leaves room for genuine outliers such as a small base, while a
            # value beyond it almost always means a misread cell (merged digits, a lost decimal
            # comma "105,3" -> 1053) or a misassigned unit.
            gxe.ExpectColumnValuesToBeBetween(
                column="value_number",
                min_value=-100,
                max_value=1000,
                row_condition=(Column("role") == "value") & (Column("measure_unit") == "%"),
                description="percent figures lie in -100..1000",
            ),
            # Ratio columns ("TH/KH (%)", "so với cùng kỳ (%)") divide two non-negative figures
            # of the same indicator; a negative ratio means a misread sign or column.
            gxe.ExpectColumnValuesToBeBetween(
                column="value_number",
                min_value=0,
                row_condition=Column("role") == "ratio",
                description="ratios are >= 0",
            ),
            *_figure_expectations(gxe, Column, table=True),
            gxe.ExpectColumnValuesToBeInTypeList(
                column="page_no", type_list=list(_INT_TYPES), description="page numbers are integers"
            ),
            # A cell that looks like a number but was kept as text: the parser did not read it
            # (the figure is lost to the marts, the text is kept).
            gxe.ExpectColumnValuesToNotMatchRegex(
                column="value_text",
                regex=NUMBER_TEXT_REGEX,
                row_condition=Column("value_number").is_null(),
                severity="warning",
                description="a numeric cell was parsed as a number",
            ),
            # Two columns of one row stating the same scenario, period and base: the marts keep
            # one of them (fct_indicator_value), the header was probably misread.
            gxe.ExpectColumnValuesToBeUnique(
                column="fact_key",
                severity="warning",
                description="one figure per row, role, scenario, period, ratio base and plan issuer",
            ),
        ],
    )

    pages = gx.ExpectationSuite(
        name=SUITE_PAGES,
        meta={"table": "staging.report_page"},
        expectations=[
            # page_count comes from staging.report at run time (a suite parameter)
            gxe.ExpectTableRowCountToEqual(
                value={"$PARAMETER": "page_count"},
                description="one staging.report_page row per page of the PDF",
            ),
            # max_page_no = max(page_count, 1): a missing or invalid page_count is reported by
            # report_metadata; here it must not make min > max (GX raises on that).
            gxe.ExpectColumnValuesToBeBetween(
                column="page_no", min_value=1, max_value={"$PARAMETER": "max_page_no"}
            ),
            # text_chars = non-whitespace characters of the page text (added by this module):
            # at least one page must carry text. The parser already rejects image-only scans.
            gxe.ExpectColumnMaxToBeBetween(
                column="text_chars", min_value=1, description="some page has text"
            ),
            gxe.ExpectTableRowCountToBeBetween(min_value=1, description="the report has pages"),
        ],
    )
    # staging.narrative_fact, with columns derived in load_frames: sentence_chars (length of the
    # sentence), min_ratio_value and unknown_ratio_bases (over stated_ratios), unknown_admin_unit
    # (an admin_unit_code the GSO list does not have). Error level: what provenance needs
    # (sentence, page, span) and every value the marts' tests constrain (scenario, ratio base,
    # change kind, admin unit), so a bad fact quarantines its report instead of failing the
    # dbt build of every report. Warning level: plausibility of the figures.
    narrative = gx.ExpectationSuite(
        name=SUITE_NARRATIVE,
        meta={"table": "staging.narrative_fact"},
        expectations=[
            gxe.ExpectTableColumnsToMatchSet(
                column_set=list(NARRATIVE_FACT_REQUIRED_COLUMNS), exact_match=False
            ),
            gxe.ExpectColumnValuesToMatchRegex(
                column="sentence", regex=r"\S", description="every fact has a non-empty sentence"
            ),
            gxe.ExpectColumnValuesToMatchRegex(
                column="indicator_text", regex=r"\S", description="every fact names its indicator"
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="page_no",
                min_value=1,
                max_value={"$PARAMETER": "max_page_no"},
                description="the fact's page is a page of the report",
            ),
            gxe.ExpectColumnValuesToBeBetween(column="span_start", min_value=0),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="span_end",
                column_B="span_start",
                or_equal=False,
                description="the figure's mention is a non-empty span",
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="sentence_chars",
                column_B="span_end",
                or_equal=True,
                description="the span lies within the sentence",
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="scenario"),
            gxe.ExpectColumnValuesToBeInSet(column="scenario", value_set=list(SCENARIOS)),
            gxe.ExpectColumnValuesToBeInSet(column="period_type", value_set=list(PERIOD_TYPES)),
            gxe.ExpectColumnValuesToNotBeNull(
                column="value_number",
                row_condition=Column("part_numerator").is_null() & Column("change_value").is_null()
                & Column("min_ratio_value").is_null(),
                # ("tổng thu ngân sách đạt 70,47% dự toán": a named indicator's ratio, its figure not stated)
                description="every fact states a value, a part/whole, a change or a ratio",
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="unknown_ratio_bases",
                description="every stated ratio's base is one of NARRATIVE_RATIO_BASES",
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="min_ratio_value", min_value=0, description="stated ratios are >= 0"
            ),
            gxe.ExpectColumnValuesToBeInSet(column="change_direction", value_set=["increase", "decrease"]),
            gxe.ExpectColumnValuesToBeInSet(column="change_kind", value_set=list(CHANGE_KINDS)),
            gxe.ExpectColumnValuesToNotBeNull(
                column="change_direction",
                row_condition=Column("change_value").is_not_null(),
                description="every change says whether it is an increase or a decrease",
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="change_value", min_value=0, description="a change is >= 0 (the sign is its direction)"
            ),
            gxe.ExpectColumnValuesToBeNull(
                column="unknown_admin_unit",
                description="a unit named in a sentence is in the GSO list (dim_admin_unit)",
            ),
            # Plausibility (warnings): the figure loads, flagged for review.
            gxe.ExpectColumnValuesToBeBetween(
                column="value_number",
                min_value=-100,
                max_value=1000,
                row_condition=Column("measure_unit") == "%",
                severity="warning",
                description="percent figures lie in -100..1000",
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="part_denominator",
                column_B="part_numerator",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                severity="warning",
                description="a part is not larger than its whole",
            ),
            gxe.ExpectColumnValuesToBeUnique(
                column="fact_index", description="one fact per fact_index (no duplicate facts)"
            ),
            # The same mention (page, sentence, span) made two facts: counted twice in the
            # observations. A report can repeat a sentence, so a warning.
            gxe.ExpectColumnValuesToBeUnique(
                column="mention_key",
                severity="warning",
                description="one fact per mention (page, sentence, span)",
            ),
            *_figure_expectations(gxe, Column, table=False),
            gxe.ExpectColumnValuesToBeBetween(
                column="as_of_date",
                min_value={"$PARAMETER": "coverage_start"},
                max_value={"$PARAMETER": "coverage_end"},
                severity="warning",
                description="a stock's as-of date lies in the report's coverage",
            ),
        ],
    )
    return {s.name: s for s in (report, values, pages, narrative)}


def build_marts_suites() -> dict[str, Any]:
    """The marts suites, by name (frames from load_marts_frames).

    Error level (the task fails): keys unique and not null, every fact row joins every
    dimension (missing_dim_* columns hold the key that does not join), the seed-backed
    dimensions are not empty. Warning level: unit mixing per indicator (real reports write
    "Bác sỹ" for a per-10,000 figure, or a per-ha value in "Triệu đồng": the figures load,
    the mix is for curation), a stated ratio that disagrees with the plan and outcome of its
    own statement beyond rounding and truncation (mart_plan_vs_actual.ratio_status 'mismatch':
    the report's own inconsistency, counted; a truncated ratio, or one whose statement has no
    plan, is not warned on), facts without an admin unit or period (dbt warns on them too).
    """
    _prepare_gx_env()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    def joins(dimensions: list[str], what: str) -> list[Any]:
        return [
            gxe.ExpectColumnValuesToBeNull(
                column=f"missing_{dim}",
                description=f"every {what} row joins {dim.removesuffix('_compared')}"
                + (" (the scenario compared)" if dim.endswith("_compared") else ""),
            )
            for dim in dimensions
        ]

    dimensions = gx.ExpectationSuite(
        name=SUITE_MARTS_DIMENSIONS,
        meta={"table": "marts.dim_admin_unit, dim_period, dim_indicator, dim_scenario, dim_report"},
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="key", description="dimension keys are not null"),
            *[
                gxe.ExpectColumnValuesToBeUnique(
                    column="key",
                    row_condition=Column("dimension") == dim,
                    description=f"{dim}.{key} is unique",
                )
                for dim, key in MARTS_DIMENSIONS.items()
            ],
            gxe.ExpectColumnDistinctValuesToContainSet(
                column="dimension",
                value_set=["dim_admin_unit", "dim_indicator", "dim_scenario"],
                description="the seed-backed dimensions (GSO list, catalog, scenarios) are not empty",
            ),
        ],
    )
    values = gx.ExpectationSuite(
        name=SUITE_MARTS_VALUES,
        meta={"table": "marts.fct_indicator_value"},
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="value_id"),
            gxe.ExpectColumnValuesToBeUnique(column="value_id", description="value_id is unique"),
            gxe.ExpectColumnValuesToBeUnique(
                column="fact_id", description="each statement is kept for at most one value"
            ),
            gxe.ExpectColumnValuesToBeUnique(
                column="grain_key",
                description="one value per admin unit, period, indicator, scenario and scenario compared",
            ),
            *joins(["dim_admin_unit", "dim_period", "dim_indicator", "dim_scenario",
                    "dim_scenario_compared", "dim_report"], "fct_indicator_value"),
            gxe.ExpectColumnValuesToBeNull(
                column="unit_mix",
                row_condition=Column("role") == "value",
                severity="warning",
                description="one unit per indicator: its canonical unit where converted, else the"
                " unit as written (normalised)",
            ),
        ],
    )
    observations = gx.ExpectationSuite(
        name=SUITE_MARTS_OBSERVATIONS,
        meta={"table": "marts.fct_indicator_observation"},
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="fact_id"),
            gxe.ExpectColumnValuesToBeUnique(column="fact_id", description="fact_id is unique"),
            *joins(["dim_admin_unit", "dim_period", "dim_reporting_period", "dim_indicator",
                    "dim_scenario", "dim_scenario_compared", "dim_report"], "fct_indicator_observation"),
            gxe.ExpectColumnValuesToNotBeNull(
                column="admin_unit_code", severity="warning", description="every statement has an admin unit"
            ),
            gxe.ExpectColumnValuesToNotBeNull(
                column="period_key", severity="warning", description="every statement has a period"
            ),
        ],
    )
    plan = gx.ExpectationSuite(
        name=SUITE_MARTS_PLAN,
        meta={"table": "marts.mart_plan_vs_actual"},
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="plan_vs_actual_id"),
            gxe.ExpectColumnValuesToBeUnique(column="plan_vs_actual_id", description="plan_vs_actual_id is unique"),
            *joins(["dim_admin_unit", "dim_period", "dim_indicator", "dim_scenario"], "mart_plan_vs_actual"),
            gxe.ExpectColumnValuesToBeNull(
                column="ratio_mismatch",
                severity="warning",
                description="a stated ratio agrees with the plan and outcome of its own statement"
                " (sentence or table row) within rounding or truncation (ratio_status <> 'mismatch')",
            ),
        ],
    )
    return {s.name: s for s in (dimensions, values, observations, plan)}


# --------------------------------------------------------------------------------------------
# GX project (file context) — created once per process and docs directory
# --------------------------------------------------------------------------------------------


@dataclass
class _GxProject:
    context: AbstractDataContext
    root: Path
    checkpoints: dict[str, Checkpoint]
    marts_checkpoints: dict[str, Checkpoint]
    batch_checkpoints: dict[str, Checkpoint]  # the batch forms of the report suites
    report_suites: dict[str, Any]  # build_suites(), as the project was written from


def _prepare_gx_env() -> None:
    # No usage statistics from pipeline runs (and no network calls from workers).
    os.environ["GX_ANALYTICS_ENABLED"] = "False"


@contextmanager
def _project_lock(root: Path, shared: bool = False) -> Iterator[None]:
    """Serialise GX work on one project directory across threads and processes.

    shared: for runs that only add new files (a validation result per run id) and read the
    suites; they may run side by side in parallel Airflow tasks. Writing suites, checkpoints
    and Data Docs takes the lock alone."""
    root.mkdir(parents=True, exist_ok=True)
    with _GX_LOCK, open(root / ".vnreports.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _get_project(root: Path, may_write: bool = True) -> _GxProject | None:
    """The file-mode GX project at ``root`` with our data source, suites and checkpoints.

    Call with the project lock held: alone (exclusive) when it may be written, shared when
    may_write is False, which returns None if the project must be (re)written first. Cached per
    process; creating it is idempotent.
    """
    project = _PROJECTS.get(root)
    if project is not None:
        return project

    _prepare_gx_env()
    import great_expectations as gx

    # context_root_dir: the GX project is the directory itself (great_expectations.yml,
    # expectations/, checkpoints/, uncommitted/data_docs/local_site/index.html).
    context = gx.get_context(mode="file", context_root_dir=root)
    report_suites, marts_suites = build_suites(), build_marts_suites()
    suites_of_batches = batch_suites(report_suites)
    # Rewriting the suites (add_or_update) makes every other process's copy of them stale (GX
    # refuses to run a checkpoint whose suite "has changed since it was last saved"), so the
    # project is written only when our definitions differ from the ones it was written with.
    stamp = root / ".vnreports-definitions.sha256"
    fingerprint = _definitions_fingerprint(report_suites, marts_suites, suites_of_batches)
    checkpoints = marts_checkpoints = batch_checkpoints = None
    if stamp.is_file() and stamp.read_text().strip() == fingerprint:
        try:
            checkpoints = {n: context.checkpoints.get(f"vnreports_{n}") for n in report_suites}
            marts_checkpoints = {n: context.checkpoints.get(f"vnreports_{n}") for n in marts_suites}
            batch_checkpoints = {n: context.checkpoints.get(f"vnreports_{n}") for n in suites_of_batches}
        except Exception:  # noqa: BLE001 - a damaged or partial project: write it again
            log.warning("GX project at %s incomplete; writing its suites and checkpoints again", root)
            checkpoints = marts_checkpoints = batch_checkpoints = None
    if checkpoints is None or marts_checkpoints is None or batch_checkpoints is None:
        if not may_write:
            return None
        _disable_progress_bars(context)
        # Report checkpoints store their results only; their Data Docs pages are built in one go
        # (build_data_docs): rebuilding the site's index after every suite of every report cost
        # more than the validation itself and grew with the history.
        checkpoints = _add_checkpoints(context, DATASOURCE_NAME, report_suites, SUITE_TABLES, update_docs=False)
        marts_checkpoints = _add_checkpoints(context, MARTS_DATASOURCE_NAME, marts_suites, MARTS_SUITE_TABLES)
        # the batch forms name the reports their failures come from (validate_reports)
        batch_checkpoints = _add_checkpoints(
            context, DATASOURCE_NAME, suites_of_batches, BATCH_SUITE_TABLES, update_docs=False,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["report_id"],
                           "return_unexpected_index_query": False})
        stamp.write_text(fingerprint + "\n")
    project = _GxProject(context=context, root=root, checkpoints=checkpoints, marts_checkpoints=marts_checkpoints,
                         batch_checkpoints=batch_checkpoints, report_suites=report_suites)
    _PROJECTS[root] = project
    return project


def _definitions_fingerprint(report_suites: dict[str, Any], marts_suites: dict[str, Any],
                             suites_of_batches: dict[str, Any]) -> str:
    """What the GX project is written from: suites, their tables, the checkpoints' actions."""
    import hashlib

    payload = {
        "report": {n: s.to_json_dict() for n, s in report_suites.items()},
        "marts": {n: s.to_json_dict() for n, s in marts_suites.items()},
        "batch": {n: s.to_json_dict() for n, s in suites_of_batches.items()},
        "tables": [SUITE_TABLES, MARTS_SUITE_TABLES, BATCH_SUITE_TABLES],
        "checkpoints": "report: no actions; marts: update_data_docs; batch: COMPLETE by report_id",
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _add_checkpoints(
    context: AbstractDataContext, datasource_name: str, suites: dict[str, Any], tables: dict[str, str],
    update_docs: bool = True, result_format: dict | None = None,
) -> dict[str, Checkpoint]:
    """Get-or-add the pandas data source, per suite its dataframe asset, batch definition,
    suite, validation definition and checkpoint (with the Data Docs action when update_docs)."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    if datasource_name in context.data_sources.all():
        datasource = context.data_sources.get(datasource_name)
    else:
        datasource = context.data_sources.add_pandas(name=datasource_name)

    checkpoints = {}
    for suite_name, suite in suites.items():
        table = tables[suite_name]
        if table in datasource.get_asset_names():
            asset = datasource.get_asset(table)
        else:
            asset = datasource.add_dataframe_asset(name=table)
        try:
            batch_definition = asset.get_batch_definition(table)
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe(table)

        suite = context.suites.add_or_update(suite)
        validation_definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        checkpoints[suite_name] = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"vnreports_{suite_name}",
                validation_definitions=[validation_definition],
                actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE_NAME])] if update_docs else [],
                # SUMMARY: observed values, unexpected counts and up to 20 unexpected values
                result_format=result_format or {"result_format": "SUMMARY", "partial_unexpected_count": 20},
            )
        )
    return checkpoints


def _disable_progress_bars(context: AbstractDataContext) -> None:
    """No tqdm bars in task logs (stored in great_expectations.yml, so written once)."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    current = context.variables.progress_bars
    if current is None or current.get("globally", True) or current.get("metric_calculations", True):
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.save()


def _docs_index_path(project: _GxProject) -> Path:
    urls = project.context.get_docs_sites_urls(site_name=DOCS_SITE_NAME, only_if_exists=False)
    url = urls[0]["site_url"] if urls else None
    if url and url.startswith("file://"):
        return Path(unquote(urlparse(url).path))
    return project.root / "uncommitted" / "data_docs" / DOCS_SITE_NAME / "index.html"


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------


def _read_frame(conn, sql: str, report_ids: list[str], **params: Any) -> pd.DataFrame:
    df = pd.read_sql_query(text(sql), conn, params={"report_ids": report_ids, **params})
    for col in df.columns:
        if col in _INT_COLUMNS:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
        elif col in _FLOAT_COLUMNS:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        elif col in _DATE_COLUMNS:
            df[col] = pd.to_datetime(df[col], errors="coerce")
    return df


# report_id is char(64): compared as such, the primary keys' indexes serve the lookup
_THESE_REPORTS = "report_id = ANY(CAST(:report_ids AS char(64)[]))"


def load_frames(engine: Engine, report_id: str) -> dict[str, pd.DataFrame]:
    """The report's staging rows as frames, keyed by suite name (one consistent snapshot)."""
    return _load_frames(engine, [report_id])


def _plain_columns(conn, table: str, alias: str) -> str:
    """The select list of a staging table's columns but its jsonb ones: the suites check none
    of them (stated ratios through derived columns), and decoding them cost most of reading."""
    names = conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'staging'"
        " AND table_name = :t AND data_type <> 'jsonb' ORDER BY ordinal_position"), {"t": table}).scalars()
    return ", ".join(f'{alias}."{n}"' for n in names)


def _key_sql(alias: str, columns: list[str]) -> str:
    """SQL of the columns' values as text joined with '|' (NULL as ''): a row's key, as
    compared for uniqueness (dates as YYYY-MM-DD)."""
    return "concat_ws('|', " + ", ".join(f"coalesce({alias}.{c}::text, '')" for c in columns) + ")"


def _load_frames(engine: Engine, report_ids: list[str]) -> dict[str, pd.DataFrame]:
    """The staging rows of these reports as frames, keyed by suite name (one consistent
    snapshot), with the columns the suites check that the tables do not hold."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        report = _read_frame(
            conn,
            f"SELECT * FROM staging.report WHERE {_THESE_REPORTS} ORDER BY report_id",
            report_ids,
        )
        # fact_key: two figures of one row stating the same scenario, period and base
        fact_key = _key_sql("v", ["source_kind", "table_index", "row_index", "role", "scenario", "period_start",
                                  "period_end", "ratio_base", "plan_issuer"])
        values = _read_frame(
            conn,
            f"SELECT {_plain_columns(conn, 'indicator_value', 'v')}, {fact_key} AS fact_key"
            f" FROM staging.indicator_value AS v WHERE v.{_THESE_REPORTS}"
            " ORDER BY v.report_id, v.table_index, v.row_index, v.col_index",
            report_ids,
        )
        pages = _read_frame(
            conn,
            "SELECT report_id, page_no, extraction, width, height,"
            " length(regexp_replace(text, '\\s', '', 'g')) AS text_chars"
            f" FROM staging.report_page WHERE {_THESE_REPORTS} ORDER BY report_id, page_no",
            report_ids,
        )
        # mention_key: the same mention (page, sentence, span) made into two facts
        mention_key = _key_sql("n", ["page_no", "footnote_no", "span_start", "span_end", "sentence"])
        narrative = _read_frame(
            conn,
            f"SELECT {_plain_columns(conn, 'narrative_fact', 'n')}, length(n.sentence) AS sentence_chars,"
            " (SELECT min((e ->> 'value')::numeric) FROM jsonb_array_elements("
            "   CASE WHEN jsonb_typeof(n.stated_ratios) = 'array' THEN n.stated_ratios"
            "   ELSE '[]'::jsonb END) AS e) AS min_ratio_value,"
            " (SELECT string_agg(DISTINCT coalesce(e ->> 'base', 'NULL'), ',') FROM jsonb_array_elements("
            "   CASE WHEN jsonb_typeof(n.stated_ratios) = 'array' THEN n.stated_ratios"
            "   ELSE '[]'::jsonb END) AS e"
            "   WHERE (e ->> 'base') IS NULL OR NOT ((e ->> 'base') = ANY(:bases))) AS unknown_ratio_bases,"
            f" {mention_key} AS mention_key"
            f" FROM staging.narrative_fact AS n WHERE n.{_THESE_REPORTS} ORDER BY n.report_id, n.fact_index",
            report_ids,
            bases=list(NARRATIVE_RATIO_BASES),
        )
    narrative["unknown_admin_unit"] = _unknown_admin_units(narrative["admin_unit_code"])
    _add_unit_columns(narrative)
    _add_unit_columns(values)
    report["unknown_admin_unit"] = _unknown_admin_units(report["admin_unit_code"])
    report["admin_level_of_code"] = pd.Series(
        [ADMIN_LEVEL_BY_CODE_LENGTH.get(len(c.strip())) if isinstance(c, str) else None
         for c in report["admin_unit_code"]],
        index=report.index, dtype="object",
    )
    # report_id is char(64): PostgreSQL pads it, keep the value as stored
    return {SUITE_REPORT: report, SUITE_VALUES: values, SUITE_PAGES: pages, SUITE_NARRATIVE: narrative}


@lru_cache(maxsize=1)
def known_units() -> frozenset[str]:
    """The known set of measure units, normalised (catalog.normalise_unit): the catalog's
    canonical units, both sides of unit_conversions.csv and the narrative unit lexicon."""
    from vnreports.catalog import indicators, load_catalog, normalise_unit
    from vnreports.parsing.narrative import _UNITS as NARRATIVE_UNITS

    units = {"%", "điểm phần trăm"}
    units.update(i.canonical_unit for i in indicators() if i.canonical_unit)
    units.update(u for pair in load_catalog().conversions for u in pair)
    units.update(normalise_unit(u) for u in NARRATIVE_UNITS)
    units.discard(None)
    return frozenset(units)


@lru_cache(maxsize=1)
def _unit_atoms() -> frozenset[str]:
    """Parts of the known units ("triệu đồng/người/năm" -> triệu đồng, người, năm)."""
    return frozenset(part for u in known_units() for part in u.split("/")) | _TIME_UNITS


def is_known_unit(unit: str | None) -> bool:
    """A normalised unit is known when it is in known_units() or every part of a compound
    unit is a part of a known one ("triệu đồng/ha/năm")."""
    if not unit:
        return True  # no unit is not an unknown unit
    return unit in known_units() or all(p in _unit_atoms() for p in unit.split("/"))


@lru_cache(maxsize=1)
def _share_codes() -> frozenset[str]:
    """Catalog indicators in percent that are shares or rates of a whole (is_rate), not growth
    rates or indices: 0..100."""
    from vnreports.catalog import indicators

    return frozenset(
        i.code for i in indicators()
        if i.is_rate and i.canonical_unit == "%" and "growth" not in i.code and "index" not in i.code
    )


def unit_class(unit: str | None, indicator_code: str | None) -> str | None:
    """'share' (a catalogued rate in percent), 'percent', 'signed' (money, percentage points),
    'nonnegative' (counts and quantities) or None (no unit / unknown unit)."""
    if not unit or not is_known_unit(unit):
        return None
    if unit == "%":
        return "share" if indicator_code in _share_codes() else "percent"
    if unit in _SIGNED_UNITS or any(w in unit.split("/")[0] for w in _MONEY_WORDS):
        return "signed"
    return "nonnegative"


def _add_unit_columns(df: pd.DataFrame) -> None:
    """unknown_unit (the normalised unit when it is not known, else None) and unit_class."""
    from vnreports.catalog import normalise_unit

    # once per distinct unit and (unit, indicator): a batch of reports repeats a few dozen units
    normalised: dict[Any, str | None] = {}
    classes: dict[tuple[str | None, str | None], str | None] = {}
    units = []
    for u in df.get("measure_unit", []):
        if u not in normalised:
            normalised[u] = normalise_unit(u) if isinstance(u, str) else None
        units.append(normalised[u])
    codes = df["indicator_code"] if "indicator_code" in df else pd.Series([None] * len(df), index=df.index)
    df["unknown_unit"] = pd.Series(
        [u if u and not is_known_unit(u) else None for u in units], index=df.index, dtype="object"
    )
    unit_classes = []
    for u, c in zip(units, codes):
        key = (u, c if isinstance(c, str) else None)
        if key not in classes:
            classes[key] = unit_class(*key)
        unit_classes.append(classes[key])
    df["unit_class"] = pd.Series(unit_classes, index=df.index, dtype="object")


def coverage(report: pd.DataFrame) -> tuple[datetime, datetime]:
    """The dates a report's figures may be about: from 1 January of the year before its period
    starts (comparison columns, "so với cùng kỳ năm trước") to 31 December of the year after
    its period ends or of its plan year, whichever is later (plan columns, the plan part).
    Without a reporting period (report_metadata fails on that) any date is accepted."""
    if len(report) != 1 or pd.isna(report["period_start"].iloc[0]) or pd.isna(report["period_end"].iloc[0]):
        return datetime(1900, 1, 1), datetime(2999, 12, 31)
    start, end = report["period_start"].iloc[0], report["period_end"].iloc[0]
    last_year = end.year + 1
    plan_year = report["plan_year"].iloc[0] if "plan_year" in report else None
    if plan_year is not None and not pd.isna(plan_year):
        last_year = max(last_year, int(plan_year))
    return datetime(start.year - 1, 1, 1), datetime(last_year, 12, 31)


def _unknown_admin_units(codes: pd.Series) -> pd.Series:
    """The code where it is set and not in the GSO list (the seed of dim_admin_unit), else None."""
    from vnreports.parsing.admin_units import known_code

    return pd.Series(
        [c if isinstance(c, str) and c.strip() and not known_code(c.strip()) else None for c in codes],
        index=codes.index,
        dtype="object",
    )


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    """Make a GX result storable as PostgreSQL jsonb: no NaN/Infinity, no NUL characters."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, str):
        return value.replace("\x00", "")
    if value is pd.NaT or value is pd.NA:  # before datetime: NaT is one (a report with no period)
        return None
    if isinstance(value, datetime) and value == datetime(value.year, value.month, value.day):
        return value.date().isoformat()  # a DATE column read as datetime64
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int)):
        return value
    if value is pd.NaT or value is pd.NA:
        return None
    try:  # numpy scalars
        return _json_safe(value.item())
    except AttributeError:
        return str(value)


def _exception_message(exception_info: dict | None) -> str | None:
    """The error of an expectation that raised. GX stores it flat ({"raised_exception": ...})
    or, when a metric failed, keyed by metric id ({"MetricConfigurationID(...)": {...}})."""
    if not exception_info:
        return None
    if exception_info.get("raised_exception"):
        return exception_info.get("exception_message") or "exception"
    for info in exception_info.values():
        if isinstance(info, dict) and info.get("raised_exception"):
            return info.get("exception_message") or "exception"
    return None


def _observed(result: dict, exception_info: dict | None) -> Any:
    """What GX saw for a failed expectation, compactly."""
    error = _exception_message(exception_info)
    if error:
        return {"exception": error}
    res = result or {}
    if "observed_value" in res:
        return res["observed_value"]
    observed = {
        k: res[k]
        for k in ("element_count", "unexpected_count", "unexpected_percent", "partial_unexpected_list")
        if k in res
    }
    return observed or None


def _failed_expectations(suite_name: str, result: ExpectationSuiteValidationResult) -> list[dict]:
    failed = []
    for exp in result.results:
        if exp.success:
            continue
        config = exp.expectation_config
        # JSON form: row conditions as dicts, suite parameters resolved to this run's values
        kwargs = dict(config.to_json_dict().get("kwargs") or {}) if config is not None else {}
        kwargs.pop("batch_id", None)
        column = kwargs.get("column") or kwargs.get("column_list")
        if column is None and "column_A" in kwargs:
            column = [kwargs["column_A"], kwargs["column_B"]]
        entry = {
            "expectation": config.type if config is not None else None,
            "column": column,
            "kwargs": kwargs,
            "observed": _observed(exp.result, exp.exception_info),
            "table": ALL_SUITE_TABLES[suite_name],
            "suite": suite_name,
            "severity": _severity(config),
        }
        if getattr(config, "description", None):  # the plain words the data-quality page shows
            entry["description"] = config.description
        if kwargs.get("row_condition"):
            entry["condition"] = _condition_text(kwargs["row_condition"])
        failed.append(entry)
    return _json_safe(failed)


def _severity(config: Any) -> str:
    """'critical' (quarantines the report) or 'warning' / 'info' (loads with a flag)."""
    severity = getattr(config, "severity", None)
    return str(getattr(severity, "value", severity) or "critical").lower()


def _condition_text(row_condition: Any) -> str:
    """A row_condition as SQL-like text, e.g. "(role == 'value' AND measure_unit == '%')"."""
    from great_expectations.expectations.row_conditions import (
        AndCondition,
        ComparisonCondition,
        NullityCondition,
        OrCondition,
        deserialize_row_condition,
    )

    def render(c: Any) -> str:
        if isinstance(c, ComparisonCondition):
            return f"{c.column.name} {c.operator} {c.parameter!r}"
        if isinstance(c, NullityCondition):
            return f"{c.column.name} IS {'NULL' if c.is_null else 'NOT NULL'}"
        if isinstance(c, (AndCondition, OrCondition)):
            joiner = " AND " if isinstance(c, AndCondition) else " OR "
            return "(" + joiner.join(render(x) for x in c.conditions) + ")"
        return str(c)

    try:
        return render(deserialize_row_condition(row_condition))
    except Exception:  # an unexpected shape: still say something
        return json.dumps(row_condition, default=str)


def _describe_failure(f: dict) -> str:
    text_ = f["expectation"]
    column = f["column"]
    if column is not None:
        text_ += f" on {','.join(column) if isinstance(column, list) else column}"
    if f.get("condition"):
        text_ += f" where {f['condition']}"
    observed = f["observed"]
    if isinstance(observed, dict) and "exception" in observed:
        return f"{text_} (error: {observed['exception']})"
    if isinstance(observed, dict) and "unexpected_count" in observed:
        sample = observed.get("partial_unexpected_list") or []
        shown = ", ".join(_short(v) for v in sample[:3])
        more = ", …" if len(sample) > 3 else ""
        return (
            f"{text_} ({observed['unexpected_count']} of {observed.get('element_count', '?')}"
            f" rows unexpected: {shown}{more})"
        )
    return f"{text_} (observed {_short(observed)})"


def _short(value: Any, limit: int = 60) -> str:
    s = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _make_reason(failures_by_suite: dict[str, list[dict]]) -> str | None:
    parts = [
        f"GX suite {suite} failed: " + "; ".join(_describe_failure(f) for f in failures)
        for suite, failures in failures_by_suite.items()
        if failures
    ]
    return " | ".join(parts) or None


def _record_runs(engine: Engine, report_id: str, dag_run_id: str | None, rows: list[dict]) -> None:
    _record_many_runs(engine, dag_run_id, [(report_id, row) for row in rows])


def _record_many_runs(engine: Engine, dag_run_id: str | None, rows: list[tuple[str, dict]]) -> None:
    """raw.validation_run rows: (report_id, suite row) pairs, in one transaction."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO raw.validation_run"
                " (report_id, suite_name, success, evaluated, failed, failed_expectations,"
                "  result_json, dag_run_id)"
                " VALUES (:report_id, :suite_name, :success, :evaluated, :failed,"
                "  CAST(:failed_expectations AS jsonb), CAST(:result_json AS jsonb), :dag_run_id)"
            ),
            [
                {
                    "report_id": report_id,
                    "dag_run_id": dag_run_id,
                    **row,
                    "failed_expectations": json.dumps(row["failed_expectations"], allow_nan=False),
                    "result_json": json.dumps(row["result_json"], allow_nan=False),
                }
                for report_id, row in rows
            ],
        )


# --------------------------------------------------------------------------------------------
# Batches: one GX run screens many reports
# --------------------------------------------------------------------------------------------

# GX's cost is per expectation run (about 1 s for a report's ~75), hardly per row: a month of
# 200 reports is validated by running each suite once over all their rows (the "batch form" of
# the suite), which names the reports whose rows fail an expectation (result_format COMPLETE
# with report_id as index column). Those reports, and only those, then run the report suites
# proper (validate_report), so their verdicts, failures and Data Docs pages are exactly what a
# report validated alone gets; a report the batch form passes passes every report suite, which
# is what the batch form is built to guarantee (below) and the tests check against
# validate_report.

BATCH_SUITE_PREFIX = "batch_"
# the per-report frame of a batch: one row per report with the report suite's columns, the
# report's expectation parameters (param__<name>) and its rows per suite (rows__<suite>)
_PARAM = "param__"

# Row-wise expectations: a report's rows pass them in a batch exactly as alone.
_ROW_WISE = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
})
# Whole-table expectations that hold for a batch exactly when for each of its reports: the
# frames' columns and dtypes are the same whatever rows they hold (_read_frame normalises them).
_SCHEMA = frozenset({"expect_table_columns_to_match_set", "expect_column_values_to_be_in_type_list"})


def _rows_column(suite: str) -> str:
    """The per-report frame's column of a report's rows in a suite's frame."""
    return f"rows__{suite}"


def _max_column(suite: str, column: str) -> str:
    """The per-report frame's column of the maximum of a column of a suite's frame."""
    return f"max__{suite}__{column}"


def _maxima(report_suites: dict[str, Any]) -> dict[str, list[str]]:
    """Suite -> the columns whose per-report maximum a report suite checks."""
    return {name: [e.column for e in suite.expectations if e.expectation_type == "expect_column_max_to_be_between"]
            for name, suite in report_suites.items()}


def _parameter(value: Any) -> str | None:
    return value.get("$PARAMETER") if isinstance(value, dict) else None


def _bound_checks(gxe: Any, column: str, low: Any, high: Any, *, condition: Any = None,
                  description: str | None = None) -> list[Any]:
    """column >= low and column <= high, each bound a literal or a suite parameter; a parameter
    is the report's column param__<name>, compared row by row."""
    common = {"row_condition": condition} if condition is not None else {}
    checks = []
    literal = {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None and _parameter(v) is None}
    if literal:
        checks.append(gxe.ExpectColumnValuesToBeBetween(column=column, **literal, **common, description=description))
    for bound, a_is_column in ((low, True), (high, False)):
        name = _parameter(bound)
        if name is None:
            continue
        a, b = (column, _PARAM + name) if a_is_column else (_PARAM + name, column)
        checks.append(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing", **common,
            description=description))
    return checks


def batch_suites(report_suites: dict[str, Any]) -> dict[str, Any]:
    """The batch form of the report suites: suite name -> a suite over the rows of many reports
    that fails on a report's rows wherever the report suite would fail for that report.

    Row-wise expectations stay; a bound that is a suite parameter becomes a comparison with the
    report's parameter column; uniqueness is within a report; whole-table checks of a report
    (row counts, a column's maximum) become checks of the per-report frame (rows__<suite>,
    max__<suite>__<column>). An expectation of another kind raises: give it a batch form
    before using it."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    forms: dict[str, list[Any]] = {name: [] for name in report_suites}
    for suite_name, suite in report_suites.items():
        for e in suite.expectations:
            kind, condition = e.expectation_type, getattr(e, "row_condition", None)
            kwargs = e.dict(exclude_none=True, exclude={"id", "meta", "notes", "rendered_content", "batch_id",
                                                        "result_format", "catch_exceptions", "severity",
                                                        "windows", "condition_parser"})
            if kind in _SCHEMA and not kwargs.get("exact_match", False):
                forms[suite_name].append(type(e)(**kwargs))
            elif kind == "expect_column_values_to_be_between":
                forms[suite_name].extend(_bound_checks(
                    gxe, e.column, e.min_value, e.max_value, condition=condition, description=e.description))
            elif kind in _ROW_WISE and not any(_parameter(v) for v in kwargs.values()):
                forms[suite_name].append(type(e)(**kwargs))
            elif kind == "expect_column_values_to_be_unique":
                forms[suite_name].append(gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["report_id", e.column], ignore_row_if="any_value_is_missing",
                    **({"row_condition": condition} if condition is not None else {}), description=e.description))
            elif kind == "expect_compound_columns_to_be_unique":
                forms[suite_name].append(gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["report_id", *e.column_list], ignore_row_if=e.ignore_row_if,
                    **({"row_condition": condition} if condition is not None else {}), description=e.description))
            elif kind == "expect_table_row_count_to_equal" and condition is None:
                forms[SUITE_REPORT].extend(_bound_checks(
                    gxe, _rows_column(suite_name), e.value, e.value, description=e.description))
            elif kind == "expect_table_row_count_to_be_between" and condition is None:
                forms[SUITE_REPORT].extend(_bound_checks(
                    gxe, _rows_column(suite_name), e.min_value, e.max_value, description=e.description))
            elif kind == "expect_column_max_to_be_between" and condition is None:
                column = _max_column(suite_name, e.column)
                forms[SUITE_REPORT].append(gxe.ExpectColumnValuesToNotBeNull(column=column))  # no rows, no max
                forms[SUITE_REPORT].extend(_bound_checks(gxe, column, e.min_value, e.max_value,
                                                         description=e.description))
            else:
                raise ValueError(f"suite {suite_name}: no batch form for {kind} ({kwargs})")
    return {BATCH_SUITE_PREFIX + name: gx.ExpectationSuite(name=BATCH_SUITE_PREFIX + name,
                                                           meta={"batch_form_of": name}, expectations=checks)
            for name, checks in forms.items()}


def _report_parameters(report: pd.DataFrame, narrative_facts: int) -> dict[str, Any]:
    """A report's expectation parameters from its staging.report rows (normally one)."""
    page_count = 0  # unknown: report_metadata fails on the missing row / page_count
    if len(report) == 1 and pd.notna(report["page_count"].iloc[0]):
        page_count = int(report["page_count"].iloc[0])
    coverage_start, coverage_end = coverage(report)
    return {
        "page_count": page_count,
        "max_page_no": max(page_count, 1),
        # table figures are only expected when the text yielded none
        "min_table_values": 0 if narrative_facts else 1,
        "coverage_start": coverage_start,
        "coverage_end": coverage_end,
    }


def _batch_frames(frames: dict[str, pd.DataFrame], report_ids: list[str],
                  maxima: dict[str, list[str]]) -> dict[str, pd.DataFrame]:
    """The batch suites' frames: every frame with its reports' parameters as columns; the
    report frame one row per report with, besides, its rows per suite and the per-report
    maxima the batch suites check (maxima: suite -> columns, _maxima)."""
    report = frames[SUITE_REPORT]
    facts = frames[SUITE_NARRATIVE]["report_id"].value_counts()
    params = pd.DataFrame([
        {"report_id": rid, **{_PARAM + k: v for k, v in
                              _report_parameters(report[report["report_id"] == rid], int(facts.get(rid, 0))).items()}}
        for rid in report_ids])
    params["report_id"] = params["report_id"].astype("object")
    for name, frame in frames.items():
        params[_rows_column(name)] = params["report_id"].map(frame["report_id"].value_counts()).fillna(0).astype("int64")
        for column in maxima.get(name, []):
            params[_max_column(name, column)] = params["report_id"].map(frame.groupby("report_id")[column].max())
    out = {}
    for name, frame in frames.items():
        if name == SUITE_REPORT:
            # every report of the batch has its row, the ones without a staging.report row too
            extra = params[["report_id"]].merge(frame, on="report_id", how="left") if len(frame) else params[["report_id"]]
            out[name] = extra.merge(params, on="report_id", how="left")
        else:
            out[name] = frame.merge(params[["report_id", *[c for c in params if c.startswith(_PARAM)]]],
                                    on="report_id", how="left")
    return out


def _flagged_reports(result: ExpectationSuiteValidationResult, report_ids: list[str]) -> set[str]:
    """The reports a failed batch expectation names (all of them when it names none)."""
    flagged: set[str] = set()
    for r in result.results:
        if r.success:
            continue
        rows = (r.result or {}).get("unexpected_index_list")
        if not rows or not all(isinstance(row, dict) and "report_id" in row for row in rows):
            return set(report_ids)
        flagged.update(row["report_id"] for row in rows)
    return flagged


def _passed_rows(report_suites: dict[str, Any], screened: dict[str, str]) -> dict[str, dict]:
    """A raw.validation_run row per report suite for a report the batch passed: every expectation
    of the suite evaluated and successful; result_json says which batch run showed it."""
    rows = {}
    for name, suite in report_suites.items():
        results = [{"expectation_config": {"type": e.expectation_type, "kwargs": _json_safe(e.configuration.kwargs),
                                           "description": e.description},
                    "success": True} for e in suite.expectations]
        n = len(results)
        rows[name] = {
            "suite_name": name, "success": True, "evaluated": n, "failed": 0, "failed_expectations": [],
            "result_json": {"suite_name": name, "success": True, "results": results,
                            "statistics": {"evaluated_expectations": n, "successful_expectations": n,
                                           "unsuccessful_expectations": 0, "success_percent": 100.0},
                            "meta": {"validated_in_batch": screened}},
        }
    return rows


def validate_reports(
    engine: Engine, report_ids: list[str], dag_run_id: str | None = None, docs_dir: Path | None = None,
) -> dict[str, ValidationOutcome]:
    """validate_report for many reports, by one run of each suite's batch form over all their
    rows; the reports it flags are validated alone. Returns each report's outcome (as
    validate_report's; Data Docs pages are left to build_data_docs)."""
    report_ids = list(dict.fromkeys(report_ids))
    if len(report_ids) <= 1:  # alone, the batch form would only add a run
        return {rid: validate_report(engine, rid, dag_run_id, docs_dir, build_docs=False) for rid in report_ids}
    root = Path(docs_dir or config.gx_docs_dir()).resolve()
    project = _project(root)
    frames = _load_frames(engine, report_ids)
    # char(64) values come back as stored; the batch keys them as given
    for frame in frames.values():
        frame["report_id"] = frame["report_id"].str.strip()
    batch = _batch_frames(frames, report_ids, _maxima(project.report_suites))

    from great_expectations.core.run_identifier import RunIdentifier

    run_name = _run_name("batch", dag_run_id)
    flagged: set[str] = set(report_ids) - set(frames[SUITE_REPORT]["report_id"])
    with _project_lock(root, shared=True):
        run_id = RunIdentifier(run_name=run_name)
        for suite_name, checkpoint in project.batch_checkpoints.items():
            (definition,) = checkpoint.validation_definitions
            result = definition.run(
                checkpoint_id=checkpoint.id,
                batch_parameters={"dataframe": batch[suite_name.removeprefix(BATCH_SUITE_PREFIX)]},
                result_format=checkpoint.result_format,
                run_id=run_id,
            )
            flagged |= _flagged_reports(result, report_ids)
    log.info("batch validation of %d report(s): %d flagged, validated alone", len(report_ids), len(flagged))

    outcomes = {rid: validate_report(engine, rid, dag_run_id, docs_dir, build_docs=False)
                for rid in report_ids if rid in flagged}
    passed = [rid for rid in report_ids if rid not in flagged]
    if passed:
        template = _passed_rows(project.report_suites, {"run_name": run_name, "reports": len(report_ids)})
        _record_many_runs(engine, dag_run_id, [(rid, row) for rid in passed for row in template.values()])
        evaluated = sum(row["evaluated"] for row in template.values())
        index = _docs_index_path(project)
        for rid in passed:
            outcomes[rid] = ValidationOutcome(report_id=rid, success=True, evaluated=evaluated,
                                              data_docs_index=str(index) if index.exists() else None)
    return {rid: outcomes[rid] for rid in report_ids}


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def validate_report(
    engine: Engine,
    report_id: str,
    dag_run_id: str | None = None,
    docs_dir: Path | None = None,
    build_docs: bool = True,
) -> ValidationOutcome:
    """Run the GX suites on a report's staging rows; record the runs; refresh Data Docs.

    Appends one raw.validation_run row per suite (so a rerun adds history). Does not change
    raw.report_file. Raises if GX or the database fails (that is a task failure, not a
    data-quality verdict). build_docs=False leaves the Data Docs pages to one
    build_data_docs call for the whole DAG run (the pipeline does that).
    """
    frames = load_frames(engine, report_id)
    parameters = _report_parameters(frames[SUITE_REPORT], len(frames[SUITE_NARRATIVE]))

    root = Path(docs_dir or config.gx_docs_dir()).resolve()
    _prepare_gx_env()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (ExpectationSuiteIdentifier,
                                                                             ValidationResultIdentifier)

    rows: list[dict] = []
    failures_by_suite: dict[str, list[dict]] = {}
    evaluated_total = 0
    project = _project(root)
    run_identifiers = []
    with _project_lock(root, shared=True):
        # One run id for all suites, named after the report and the DAG run.
        run_name = _run_name(report_id.strip(), dag_run_id)
        run_id = RunIdentifier(run_name=run_name)
        for suite_name, checkpoint in project.checkpoints.items():
            (definition,) = checkpoint.validation_definitions
            result = definition.run(
                checkpoint_id=checkpoint.id,
                batch_parameters={"dataframe": frames[suite_name]},
                expectation_parameters=parameters,
                result_format=checkpoint.result_format,
                run_id=run_id,
            )
            identifier = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=definition.suite.name),
                run_id=run_id, batch_identifier=result.batch_id)
            run_identifiers.append(identifier)
            rows.append(_suite_row(suite_name, result))
            failures_by_suite[suite_name] = rows[-1]["failed_expectations"]
            evaluated_total += rows[-1]["evaluated"]
    if build_docs:
        with _project_lock(root):
            _build_docs(project, run_identifiers)
    index = _docs_index_path(project)

    _record_runs(engine, report_id, dag_run_id, rows)

    failures = [f for fs in failures_by_suite.values() for f in fs]
    failed = [f for f in failures if f["severity"] == "critical"]
    warnings = [f for f in failures if f["severity"] != "critical"]
    critical_by_suite = {suite: [f for f in fs if f["severity"] == "critical"]
                         for suite, fs in failures_by_suite.items()}
    success = not failed
    outcome = ValidationOutcome(
        report_id=report_id,
        success=success,
        evaluated=evaluated_total,
        failed=failed,
        reason=None if success else (_make_reason(critical_by_suite) or "GX validation failed"),
        warnings=warnings,
        data_docs_index=str(index) if index.exists() else None,
    )
    log.info(
        "validated %s: success=%s evaluated=%d failed=%d%s",
        report_id, success, evaluated_total, len(failed), f" — {outcome.reason}" if outcome.reason else "",
    )
    return outcome


def _project(root: Path) -> _GxProject:
    """The GX project to validate with. Loading a current project only reads it: under the
    shared lock, so that parallel validate tasks do not queue behind each other's runs;
    writing it takes the lock alone."""
    with _project_lock(root, shared=True):
        project = _get_project(root, may_write=False)
    if project is None:
        with _project_lock(root):
            project = _get_project(root)
    return project


def _run_name(subject: str, dag_run_id: str | None) -> str:
    """GX run name: which report (or "marts") and DAG run, shown in the Data Docs index and a
    directory name under uncommitted/validations/. GX refuses '/' in it and Data Docs links
    break on '?', '#', so it keeps to safe characters (raw.validation_run keeps the exact
    dag_run_id)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", subject + (f"__{dag_run_id}" if dag_run_id else ""))


def _build_docs(project: _GxProject, result_identifiers: list) -> None:
    """Data Docs pages of these validation results (and of their suites), then the index once.
    Call with the project lock held."""
    if not result_identifiers:
        return
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    suites = {ExpectationSuiteIdentifier(name=i.expectation_suite_identifier.name) for i in result_identifiers}
    project.context.build_data_docs(
        site_names=[DOCS_SITE_NAME], resource_identifiers=[*result_identifiers, *suites], build_index=True
    )


def build_data_docs(dag_run_id: str, docs_dir: Path | None = None) -> dict:
    """The Data Docs pages of every report validated in one DAG run, and the site index, built
    once (the pipeline's validate tasks run with build_docs=False). Returns the index path and
    the number of validation results rendered."""
    root = Path(docs_dir or config.gx_docs_dir()).resolve()
    _prepare_gx_env()
    suffix = "__" + _run_name("", dag_run_id).removeprefix("__")
    with _project_lock(root):
        project = _get_project(root)
        keys = [k for k in project.context.validation_results_store.list_keys()
                if str(k.run_id.run_name).endswith(suffix) and not str(k.run_id.run_name).startswith("marts__")]
        _build_docs(project, keys)
    index = _docs_index_path(project)
    log.info("Data Docs: %d validation result(s) of run %s; index %s", len(keys), dag_run_id, index)
    return {"results": len(keys), "data_docs_index": str(index) if index.exists() else None}


def _suite_row(suite_name: str, result: ExpectationSuiteValidationResult) -> dict:
    stats = result.statistics or {}
    failed = _failed_expectations(suite_name, result)
    return {
        "suite_name": suite_name,
        "success": bool(result.success),
        "evaluated": int(stats.get("evaluated_expectations") or len(result.results)),
        "failed": int(stats.get("unsuccessful_expectations") or len(failed)),
        "failed_expectations": failed,
        "result_json": _json_safe(result.to_json_dict()),
    }


# --------------------------------------------------------------------------------------------
# The marts, after dbt
# --------------------------------------------------------------------------------------------


def _missing(column: str, dim: str, key: str, *, nullable: bool = False) -> str:
    """SQL: the fact's key when it does not join the dimension, else NULL (an anti-join per row,
    written with NOT EXISTS so that a duplicated dimension key cannot multiply fact rows)."""
    null_ok = f"{column} IS NOT NULL AND " if nullable else ""
    return (
        f"CASE WHEN {null_ok}NOT EXISTS (SELECT 1 FROM marts.{dim} d WHERE d.{key} = f.{column.split('.')[-1]})"
        f" THEN coalesce(f.{column.split('.')[-1]}::text, 'NULL') END"
    )


def load_marts_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """The marts as frames for the marts suites, keyed by suite name (one snapshot)."""
    dims_sql = " UNION ALL ".join(
        f"SELECT '{dim}' AS dimension, {key}::text AS key FROM marts.{dim}"
        for dim, key in MARTS_DIMENSIONS.items()
    ) + " ORDER BY 1, 2"  # as the other reads: the same order whatever the plan
    values_sql = f"""
        SELECT f.value_id, f.fact_id, f.role, f.indicator_code, f.measure_unit, f.canonical_unit,
               f.value_canonical IS NOT NULL AS is_converted,
               concat_ws('|', f.admin_unit_key, f.period_key, f.indicator_code, f.scenario,
                         coalesce(f.ratio_of_scenario, '')) AS grain_key,
               {_missing("admin_unit_key", "dim_admin_unit", "admin_unit_key")} AS missing_dim_admin_unit,
               {_missing("period_key", "dim_period", "period_key")} AS missing_dim_period,
               {_missing("indicator_code", "dim_indicator", "indicator_code")} AS missing_dim_indicator,
               {_missing("scenario", "dim_scenario", "scenario")} AS missing_dim_scenario,
               CASE WHEN f.ratio_of_scenario IS NOT NULL AND NOT EXISTS (SELECT 1 FROM marts.dim_scenario d
                         WHERE d.scenario = f.ratio_of_scenario) THEN f.ratio_of_scenario END
                   AS missing_dim_scenario_compared,
               {_missing("report_id", "dim_report", "report_id")} AS missing_dim_report
          FROM marts.fct_indicator_value f
         ORDER BY f.value_id"""
    observations_sql = f"""
        SELECT f.fact_id, f.admin_unit_code, f.period_key,
               {_missing("admin_unit_key", "dim_admin_unit", "admin_unit_key", nullable=True)} AS missing_dim_admin_unit,
               {_missing("period_key", "dim_period", "period_key", nullable=True)} AS missing_dim_period,
               CASE WHEN f.reporting_period_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM marts.dim_period d
                         WHERE d.period_key = f.reporting_period_key) THEN f.reporting_period_key END
                   AS missing_dim_reporting_period,
               {_missing("indicator_code", "dim_indicator", "indicator_code")} AS missing_dim_indicator,
               {_missing("scenario", "dim_scenario", "scenario")} AS missing_dim_scenario,
               CASE WHEN f.ratio_of_scenario IS NOT NULL AND NOT EXISTS (SELECT 1 FROM marts.dim_scenario d
                         WHERE d.scenario = f.ratio_of_scenario) THEN f.ratio_of_scenario END
                   AS missing_dim_scenario_compared,
               {_missing("report_id", "dim_report", "report_id")} AS missing_dim_report
          FROM marts.fct_indicator_observation f
         ORDER BY f.fact_id"""
    plan_sql = f"""
        SELECT f.plan_vs_actual_id, f.admin_unit_code, f.period_key, f.indicator_code, f.plan_scenario,
               f.is_ratio_mismatch, f.ratio_status,
               {_missing("admin_unit_key", "dim_admin_unit", "admin_unit_key")} AS missing_dim_admin_unit,
               {_missing("period_key", "dim_period", "period_key")} AS missing_dim_period,
               {_missing("indicator_code", "dim_indicator", "indicator_code")} AS missing_dim_indicator,
               CASE WHEN NOT EXISTS (SELECT 1 FROM marts.dim_scenario d WHERE d.scenario = f.plan_scenario)
                    THEN coalesce(f.plan_scenario, 'NULL') END AS missing_dim_scenario,
               CASE WHEN f.ratio_status = 'mismatch' THEN
                    concat(f.admin_unit_code, ' ', f.period_key, ' ', f.indicator_code, ': stated ',
                           round(f.stated_ratio_pct, 2), '% vs computed ', round(f.computed_ratio_pct, 2),
                           '% (tolerance ', round(f.ratio_tolerance_pp, 2), ' pp) of ', f.outcome_scenario, ' ',
                           f.outcome_value, ' ', f.outcome_unit, ' / plan ', f.plan_value, ' ', f.plan_unit,
                           ' - ', f.stated_ratio_report_file, ' p. ', f.stated_ratio_page, ': ',
                           left(f.stated_ratio_statement, 300)) END AS ratio_mismatch
          FROM marts.mart_plan_vs_actual f
         ORDER BY f.plan_vs_actual_id"""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        # Every row is read: a scan and a sort, not the primary key's index, which fetches the
        # wide fact rows in key order one by one (observations at 200 reports: 5-9 s -> 2.7 s
        # for the four reads, the same rows in the same order).
        conn.execute(text("SET LOCAL enable_indexscan = off"))
        frames = {
            SUITE_MARTS_DIMENSIONS: pd.read_sql_query(text(dims_sql), conn),
            SUITE_MARTS_VALUES: pd.read_sql_query(text(values_sql), conn),
            SUITE_MARTS_OBSERVATIONS: pd.read_sql_query(text(observations_sql), conn),
            SUITE_MARTS_PLAN: pd.read_sql_query(text(plan_sql), conn),
        }
    frames[SUITE_MARTS_VALUES]["unit_mix"] = _unit_mix(frames[SUITE_MARTS_VALUES])
    return frames


def _unit_mix(values: pd.DataFrame) -> pd.Series:
    """Per value row (role 'value'): "indicator: unit + unit" when the indicator's values are in
    more than one unit, else None. A value's unit is the indicator's canonical unit where it was
    converted, else its unit as written (normalised, so "HTX" and "hợp tác xã" are one)."""
    from vnreports.catalog import normalise_unit

    if values.empty:
        return pd.Series([], dtype="object")
    units = [
        canonical if converted else normalise_unit(unit) if isinstance(unit, str) else None
        for canonical, converted, unit in zip(values["canonical_unit"], values["is_converted"], values["measure_unit"])
    ]
    frame = pd.DataFrame({"code": values["indicator_code"], "role": values["role"], "unit": units})
    by_code = (
        frame[frame["role"] == "value"]
        .groupby("code")["unit"]
        .agg(lambda us: sorted({u or "(no unit)" for u in us}))
    )
    mixed = {code: f"{code}: {' + '.join(us)}" for code, us in by_code.items() if len(us) > 1}
    return pd.Series([mixed.get(c) for c in values["indicator_code"]], index=values.index, dtype="object")


def _record_marts_runs(engine: Engine, dag_run_id: str | None, rows: list[dict]) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO raw.marts_validation_run"
                " (suite_name, success, evaluated, failed, warnings, failed_expectations,"
                "  result_json, dag_run_id)"
                " VALUES (:suite_name, :success, :evaluated, :failed, :warnings,"
                "  CAST(:failed_expectations AS jsonb), CAST(:result_json AS jsonb), :dag_run_id)"
            ),
            [
                {
                    "dag_run_id": dag_run_id,
                    **row,
                    "warnings": sum(1 for f in row["failed_expectations"] if f["severity"] != "critical"),
                    "failed_expectations": json.dumps(row["failed_expectations"], allow_nan=False),
                    "result_json": json.dumps(row["result_json"], allow_nan=False),
                }
                for row in rows
            ],
        )


def validate_marts(
    engine: Engine, dag_run_id: str | None = None, docs_dir: Path | None = None
) -> MartsValidationOutcome:
    """Run the marts suites on the marts dbt built; record the runs; refresh Data Docs.

    Appends one raw.marts_validation_run row per suite. Nothing is quarantined (the marts are
    published): the caller fails its task when ``success`` is False. Raises if GX or the
    database fails.
    """
    frames = load_marts_frames(engine)
    root = Path(docs_dir or config.gx_docs_dir()).resolve()
    _prepare_gx_env()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (ExpectationSuiteIdentifier,
                                                                             ValidationResultIdentifier)

    rows: list[dict] = []
    with _project_lock(root):
        project = _get_project(root)
        run_name = _run_name("marts", dag_run_id)
        run_id = RunIdentifier(run_name=run_name)
        for suite_name, checkpoint in project.marts_checkpoints.items():
            checkpoint_result = checkpoint.run(batch_parameters={"dataframe": frames[suite_name]}, run_id=run_id)
            (result,) = checkpoint_result.run_results.values()
            rows.append(_suite_row(suite_name, result))
        index = _docs_index_path(project)

    _record_marts_runs(engine, dag_run_id, rows)

    failures = [f for row in rows for f in row["failed_expectations"]]
    failed = [f for f in failures if f["severity"] == "critical"]
    warnings = [f for f in failures if f["severity"] != "critical"]
    critical_by_suite = {
        row["suite_name"]: [f for f in row["failed_expectations"] if f["severity"] == "critical"] for row in rows
    }
    plan = frames[SUITE_MARTS_PLAN]
    outcome = MartsValidationOutcome(
        success=not failed,
        evaluated=sum(row["evaluated"] for row in rows),
        failed=failed,
        reason=None if not failed else (_make_reason(critical_by_suite) or "GX marts validation failed"),
        warnings=warnings,
        ratio_mismatches=int((plan["ratio_status"] == "mismatch").sum()) if len(plan) else 0,
        data_docs_index=str(index) if index.exists() else None,
    )
    log.info(
        "validated the marts: success=%s evaluated=%d failed=%d warnings=%d ratio mismatches=%d%s",
        outcome.success, outcome.evaluated, len(failed), len(warnings), outcome.ratio_mismatches,
        f" — {outcome.reason}" if outcome.reason else "",
    )
    return outcome
