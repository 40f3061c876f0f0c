"""PDF parser of Vietnamese socio-economic reports: ``parse_report(path) -> ParsedReport``."""

from .model import (
    FieldSource,
    Footnote,
    IndicatorTable,
    IndicatorValue,
    NarrativeFact,
    PageText,
    PartWhole,
    ParsedReport,
    ReportMetadata,
    ReportParseError,
    StatedRatio,
    TableCell,
    TableColumn,
    TableRow,
    UnresolvedMention,
    ValueChange,
)
from .parser import PARSER_VERSION, parse_report

__all__ = [
    "PARSER_VERSION",
    "FieldSource",
    "Footnote",
    "IndicatorTable",
    "IndicatorValue",
    "NarrativeFact",
    "PageText",
    "PartWhole",
    "ParsedReport",
    "ReportMetadata",
    "ReportParseError",
    "StatedRatio",
    "TableCell",
    "TableColumn",
    "TableRow",
    "UnresolvedMention",
    "ValueChange",
    "parse_report",
]
