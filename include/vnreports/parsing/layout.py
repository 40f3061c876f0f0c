"""Layout: a document as the parser reads it, whatever the file type.

A PDF is laid out from its chars (parser._pdf_layout, OCR for scans); a Word document or an
Excel workbook from its structure (office.py). Metadata, tables and sentence facts are then read
from this form by the same code (parser._read_layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import PageText
from .pdftext import Line
from .tables import Fragment


@dataclass
class Layout:
    pages: list[PageText]
    page_lines: dict[int, list[Line]]  # text lines of each page, tables' text included (PDF)
    fragments: list[Fragment]  # table grids, in reading order
    page_chars: dict[int, list[Any]]  # a PDF page's chars, for tables that lost their layout
    page_widths: dict[int, float]
    producer: str | None = None
    scans: Any = None  # parser._Scans of a PDF: OCRed pages make their figures doubtful
    # Word and Excel state their tables: no table is recovered from the flow of text lines; and
    # their lines and cells have an order, not a place on paper: no boxes in the provenance
    from_structure: bool = False
