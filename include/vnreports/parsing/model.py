"""What the parser returns: plain dataclasses, independent of PDF library and database.

The loader (vnreports.staging) writes these to the staging tables one-to-one, so every
field here has a column there. Page numbers are 1-based. Bounding boxes are pdfplumber
coordinates (x0, top, x1, bottom) in PDF points, top-left origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

BBox = tuple[float, float, float, float]

# Administrative levels of the reporting unit.
ADMIN_LEVELS = ("province", "district", "commune")

# Document types, keyed by the heading word of the document.
DOC_TYPES = ("bao_cao", "ke_hoach", "nghi_quyet", "quyet_dinh", "to_trinh", "other")

# Period types of a figure or a report. "months_to_date" is January to the end of month N of a
# year ("5 tháng", "10 tháng năm 2022", "11 tháng đầu năm"); 3, 6, 9 and 12 months keep their own
# types (quarter 1, first_half, nine_months, year).
PERIOD_TYPES = ("month", "quarter", "first_half", "second_half", "nine_months", "months_to_date", "year")

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
    extraction: str  # "text" (no table on page) or "table+text"; "ocr" / "table+ocr": read from the page image
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
    # why the parser is unsure of the figure (an OCR reading below the confidence threshold):
    # held back from the BI tier as NarrativeFact.doubts are (vnreports.confidence)
    doubts: list[str] = field(default_factory=list)


# What a stated ratio in a sentence compares with: RATIO_BASES plus the plan's issuer when the
# sentence names it ("dự toán HĐND huyện" -> plan_hdnd, "KH UBND tỉnh giao" -> plan_ubnd_tinh)
# and a budget estimate without issuer ("dự toán giao" -> estimate_budget).
NARRATIVE_RATIO_BASES = RATIO_BASES + ("plan_hdnd", "plan_ubnd_tinh", "plan_ubnd", "estimate_budget")
CHANGE_KINDS = ("absolute", "percent", "percentage_points")


@dataclass
class StatedRatio:
    """A ratio the sentence states: "bằng 103,39% dự toán HĐND huyện" -> 103.39, plan_hdnd."""

    value: Decimal  # in percent
    base: str  # one of NARRATIVE_RATIO_BASES
    base_text: str  # the words naming the base, as written ("" when the sentence names none)


@dataclass
class ValueChange:
    """A change the sentence states: "tăng 92 con", "giảm 52,6%", "giảm 5,01%" of a rate."""

    value: Decimal  # always >= 0; the sign is in direction
    unit: str | None  # "%" for percent and percentage points
    direction: str  # "increase" | "decrease"
    kind: str  # one of CHANGE_KINDS; a percent change of a rate is percentage_points


@dataclass
class PartWhole:
    """A part of a whole that is not actual-vs-plan: "03/19 xã đạt 19 tiêu chí"."""

    numerator: Decimal
    denominator: Decimal
    unit: str | None


@dataclass
class NarrativeFact:
    """One indicator figure stated in a sentence (body text or footnote), with provenance."""

    fact_index: int  # 0-based within the report, in reading order
    page: int  # page of the figure (a sentence may start on the page before)
    sentence: str  # the sentence or clause, NFC, single-spaced, footnote markers removed
    span: tuple[int, int]  # [start, end) of the figure's mention within sentence
    indicator_text: str  # as written; an elliptical name carries its inherited head: "Cây ngô - Sản lượng"
    value: Decimal | None  # the figure; None for a part/whole or a change-only statement
    value_text: str | None  # the number as written, "7.111" / "6.885,52"
    unit: str | None  # as written, single-spaced: "ha", "tạ/ha", "nghìn con", "%"
    scenario: str  # one of SCENARIOS
    period_type: str | None  # one of PERIOD_TYPES
    period_start: date | None
    period_end: date | None
    as_of_date: date | None = None  # a stock "tính đến 31/5/2021"
    admin_unit_code: str | None = None  # GSO code of a unit named in the sentence; None = the report's unit
    admin_unit_text: str | None = None  # that unit as written
    stated_ratios: list[StatedRatio] = field(default_factory=list)
    change: ValueChange | None = None
    part_of: PartWhole | None = None
    plan_value: Decimal | None = None  # the plan of an actual/plan fraction "7.111/7220 con"
    footnote: int | None = None  # footnote number when the sentence is a footnote's
    indicator_code: str | None = None  # catalog code (see vnreports.catalog), None when unmatched
    match_method: str | None = None  # "exact" | "alias" | "fuzzy" | None
    match_score: float | None = None
    # why the parser itself is unsure of this fact ("two counts joined by '/'", "period not
    # stated"): a fact with doubts is held back from the BI tier (vnreports.confidence)
    doubts: list[str] = field(default_factory=list)


@dataclass
class UnresolvedMention:
    """A number with a unit in running text that could not be made a fact: kept for review."""

    page: int
    sentence: str
    text: str  # the mention as written, e.g. "35,4 ha"
    span: tuple[int, int]  # within sentence
    reason: str  # why it is not a fact
    footnote: int | None = None


@dataclass
class Footnote:
    """A footnote, separated from the body text, linked to its marker."""

    number: int
    page: int  # page where the footnote text starts
    text: str  # NFC, single-spaced, without its leading number
    marker_page: int | None  # page of the marker in the body, None when not found
    marker_context: str | None  # a few words before the marker, for review


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
    narrative_facts: list[NarrativeFact] = field(default_factory=list)
    unresolved_mentions: list[UnresolvedMention] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    # the running text the narrative facts were read from (textflow.Paragraph), for review and
    # for the exhaustive truth spans of the evaluation
    paragraphs: list[Any] = field(default_factory=list)


class ReportParseError(Exception):
    """The file cannot be parsed as a report. The message names the file and the reason."""
