"""PDF parser of Vietnamese socio-economic reports: ``parse_report(path) -> ParsedReport``."""

from .model import (
    FieldSource,
    IndicatorTable,
    IndicatorValue,
    PageText,
    ParsedReport,
    ReportMetadata,
    ReportParseError,
    TableCell,
    TableColumn,
    TableRow,
)
from .parser import PARSER_VERSION, parse_report

__all__ = [
    "PARSER_VERSION",
    "FieldSource",
    "IndicatorTable",
    "IndicatorValue",
    "PageText",
    "ParsedReport",
    "ReportMetadata",
    "ReportParseError",
    "TableCell",
    "TableColumn",
    "TableRow",
    "parse_report",
]
