"""An Excel annex and the report it belongs to.

Offices send a report's tables as a workbook beside the report ("15-BC-UBND.pdf" and
"15-BC-UBND phụ lục.xlsx"). An annex whose title rows state its unit and period ("(Kèm theo Báo
cáo số 15/BC-UBND ngày ... của UBND huyện ...)") stands alone (parsing/office.py). One that does
not is joined to its report by the number in the file names: the report is the one other report
file (PDF or Word) in the same folder whose name carries a number of the annex's name, and the
annex takes the unit, period, date and number its report states (parse_report's `linked`).
Reading the report's file, not the warehouse, keeps this independent of the order in which
parallel parse tasks run.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

WORKBOOK_KINDS = frozenset({"xlsx", "xls"})
_NUMBER = re.compile(r"(?<!\d)\d+(?!\d)")


def name_numbers(name: str) -> set[int]:
    """The numbers in a file name, years (1900-2100) left out: "BC 15 tháng 5 năm 2022" -> {15, 5}."""
    return {n for n in map(int, _NUMBER.findall(name)) if not 1900 <= n <= 2100}


def needs_its_report(parsed) -> bool:
    """An annex that did not say its unit or its period."""
    return parsed.metadata.admin_unit_code is None or parsed.metadata.period_start is None


def report_of(annex: Path) -> Path | None:
    """The report file an annex belongs to, when exactly one in its folder shares a number of
    its name; None otherwise (no number, none, or several: ambiguous, not guessed)."""
    from vnreports.ingest import file_kind, is_readable_kind

    numbers = name_numbers(annex.stem)
    if not numbers:
        return None
    candidates = [
        p for p in sorted(annex.parent.iterdir())
        if p != annex and p.is_file() and name_numbers(p.stem) & numbers
        and is_readable_kind(kind := file_kind(p)) and kind not in WORKBOOK_KINDS
    ]
    if len(candidates) > 1:
        log.warning("%s: %d report files share a number with its name (%s); not joined to any",
                    annex.name, len(candidates), ", ".join(p.name for p in candidates))
    return candidates[0] if len(candidates) == 1 else None
