"""What the parser returns: plain dataclasses, independent of PDF library and database.

The loader (vnreports.staging) writes these to the staging tables one-to-one, so every
field here has a column there. Page numbers are 1-based. Bounding boxes are pdfplumber
coordinates (x0, top, x1, bottom) in PDF points, top-left origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

BBox = tuple[float, float, float, float]

# Administrative levels of the reporting unit.
ADMIN_LEVELS = ("province", "district", "commune")

# Document types, keyed by the heading word of the document.
DOC_TYPES = ("bao_cao", "ke_hoach", "nghi_quyet", "quyet_dinh", "to_trinh", "other")

# Period types of a figure or a report.
PERIOD_TYPES = ("month", "quarter", "first_half", "second_half", "nine_months", "year")

# What a table column holds.
COLUMN_ROLES = (
    "row_label",  # "TT", "STT": I / 1 / - / + / 4.1
    "indicator",  # "Chỉ tiêu", "Nội dung"
    "unit",  # "Đơn vị tính", "ĐVT"
    "value",  # a figure for one scenario and period
    "ratio",  # a stated ratio between two value columns, in percent
    "verdict",  # "Đạt" / "Không đạt" / "Vượt KH"
    "note",  # "Ghi chú"
    "other",
)

# Scenario of a value column. Ratios carry the scenarios they compare.
SCENARIOS = ("actual", "estimate", "plan", "target")

# The base of a stated ratio ("so với KH" -> plan, "so với cùng kỳ" / an earlier year's
# actual -> previous_period; otherwise the denominator column's scenario).
RATIO_BASES = ("plan", "previous_period", "actual", "estimate", "target")


@dataclass
class FieldSource:
    """Where a metadata field was read: page, the text it came from, and the rule that found it."""

    page: int | None
    text: str
    method: str


@dataclass
class ReportMetadata:
    issuer_name: str | None = None  # as written, e.g. "UBND tỉnh Cao Bằng"
    admin_unit_code: str | None = None  # GSO code of the unit the report is about: "04", "040", "01234"
    admin_unit_name: str | None = None  # official GSO name, e.g. "Tỉnh Cao Bằng"
    admin_level: str | None = None  # one of ADMIN_LEVELS
    doc_type: str | None = None  # one of DOC_TYPES
    doc_number: str | None = None  # "2960/BC-UBND"; "/BC-UBND" when the number is blank
    issue_date: date | None = None  # NULL when missing or contradictory, never guessed
    title: str | None = None
    period_type: str | None = None  # reporting period of the actual figures, one of PERIOD_TYPES
    period_start: date | None = None
    period_end: date | None = None
    plan_year: int | None = None  # the year the plan part of the report is for, if any
    sources: dict[str, FieldSource] = field(default_factory=dict)  # field name -> where it came from


@dataclass
class PageText:
    page_no: int
    text: str  # NFC
    extraction: str  # "text" (no table on page) or "table+text"
    width: float = 0.0
    height: float = 0.0


@dataclass
class TableColumn:
    col_index: int  # 0-based, leaf column of the merged header
    header_path: list[str]  # header texts from top to leaf, NFC, single-spaced, e.g. ["Năm 2022", "KH 2022"]
    column_number: str | None  # the numbering row label, e.g. "7=6/4", or None
    role: str  # one of COLUMN_ROLES
    scenario: str | None = None  # for value columns: one of SCENARIOS
    period_year: int | None = None  # year the column refers to
    period_type: str | None = None  # one of PERIOD_TYPES (None means the report's own period)
    period_start: date | None = None
    period_end: date | None = None
    plan_issuer: str | None = None  # "HĐND", "UBND tỉnh" when stated
    ratio_numerator_col: int | None = None  # for ratio columns: col_index of the numerator
    ratio_denominator_col: int | None = None
    ratio_base: str | None = None  # for ratio columns: one of RATIO_BASES


@dataclass
class TableCell:
    row_index: int  # 0-based within the body of the logical table (header rows excluded)
    col_index: int
    page: int
    text: str  # raw cell text, NFC, wrapped lines joined by a single space
    bbox: BBox | None


@dataclass
class TableRow:
    row_index: int
    page: int
    row_label: str | None  # "I", "1", "-", "+", "4.1", or None
    indicator_name: str | None
    measure_unit: str | None
    parent_path: list[str]  # indicator names of the ancestors, outermost first
    is_section: bool  # a heading row with no values of its own


@dataclass
class IndicatorTable:
    table_index: int  # 0-based within the report
    pages: list[int]  # pages the logical table spans
    caption: str | None  # title text above the table, if any
    header_rows: list[list[str | None]]  # the raw header grid as read
    columns: list[TableColumn]
    rows: list[TableRow]
    cells: list[TableCell]  # every body cell, empty ones included (text "")
    # "ruled" (ruling lines), "aligned" (text aligned in columns) or "flowed" (a table that lost
    # its layout: header and rows flowed line by line from the left margin; cells recovered from
    # the order of the words, the blanks between them, units, verdicts and stated ratios)
    detection: str


@dataclass
class IndicatorValue:
    """One figure read from an indicator table cell, with its meaning and provenance."""

    table_index: int
    row_index: int
    col_index: int
    page: int
    indicator_name: str
    row_path: list[str]  # parent_path + [indicator_name]
    measure_unit: str | None
    role: str  # "value" or "ratio" (see COLUMN_ROLES)
    scenario: str | None
    period_type: str | None
    period_start: date | None
    period_end: date | None
    plan_issuer: str | None
    value_number: Decimal | None  # parsed number; None for text values
    value_text: str | None  # text values such as "Đảm bảo", ranges "16-32"
    raw_text: str
    bbox: BBox | None
    # For ratios: what the figure is compared with, one of RATIO_BASES.
    ratio_base: str | None = None


@dataclass
class ParsedReport:
    file_name: str
    sha256: str
    page_count: int
    producer: str | None
    metadata: ReportMetadata
    pages: list[PageText]
    tables: list[IndicatorTable]
    values: list[IndicatorValue]
    warnings: list[str] = field(default_factory=list)


class ReportParseError(Exception):
    """The file cannot be parsed as a report. The message names the file and the reason."""
