"""Logical table -> IndicatorTable (columns, rows, cells) and IndicatorValue facts."""

from __future__ import annotations

import re

from .columns import ReportContext, classify_columns
from .model import IndicatorTable, IndicatorValue, TableCell, TableColumn, TableRow
from .numbers import parse_cell_value
from .rows import RowInput, build_rows, label_rank
from .tables import GCell, LogicalTable, header_paths
from .textutil import is_roman

VALUE_ROLES = ("value", "ratio")


def _region_text(rows: list[list[GCell]], r: int, c: int) -> str:
    """Text of the merged region covering (r, c) in the body (vertical merges)."""
    g = rows[r][c]
    if g.origin:
        return g.text
    for rr in range(r - 1, -1, -1):
        h = rows[rr][c]
        if h.region == g.region and h.origin:
            return h.text
    return ""


def _is_label_like(t: str) -> bool:
    t = t.strip()
    return bool(t) and len(t) <= 7 and (label_rank(t) < 80 or is_roman(t.rstrip(".")))


def _fill_roles_from_content(cols: list[TableColumn], body: list[list[GCell]]) -> None:
    """For columns the header does not explain, guess the role from what the cells hold."""
    n = len(cols)
    stats = []
    for c in range(n):
        texts = [row[c].text for row in body if c < len(row) and row[c].origin and row[c].text]
        num = sum(1 for t in texts if parse_cell_value(t).kind in ("number", "range"))
        lab = sum(1 for t in texts if _is_label_like(t))
        avg = sum(len(t) for t in texts) / len(texts) if texts else 0.0
        stats.append((len(texts), num, lab, avg))
    roles = {c.role for c in cols}
    if "indicator" not in roles:
        cands = [
            c
            for c in range(min(n, 4))
            if cols[c].role == "other" and stats[c][0] and stats[c][1] < 0.5 * stats[c][0] and stats[c][3] >= 8
        ]
        if cands:
            best = max(cands, key=lambda c: stats[c][3])
            cols[best].role = "indicator"
    ind = next((c.col_index for c in cols if c.role == "indicator"), None)
    if "row_label" not in roles and ind is not None and ind > 0:
        c = ind - 1
        cnt, num, lab, avg = stats[c]
        if cols[c].role == "other" and cnt and lab >= 0.7 * cnt:
            cols[c].role = "row_label"
    if "unit" not in roles and ind is not None and ind + 1 < n:
        c = ind + 1
        cnt, num, lab, avg = stats[c]
        if cols[c].role == "other" and cnt and num == 0 and avg <= 15:
            cols[c].role = "unit"
    for c in range(n):
        cnt, num, lab, avg = stats[c]
        if cols[c].role == "other" and not cols[c].header_path and cnt and num >= 0.5 * cnt and c != ind:
            cols[c].role = "value"


def build_indicator_table(
    t: LogicalTable, table_index: int, ctx: ReportContext
) -> tuple[IndicatorTable, list[IndicatorValue]] | None:
    """None when the table is not an indicator table (no indicator column or no figures)."""
    if not t.body:
        return None
    ncols = max(len(r) for r in t.body)
    paths = header_paths(t.header, t.numbering_idx, ncols)
    numbering: list[str | None] = [None] * ncols
    if t.numbering_idx is not None:
        row = t.header[t.numbering_idx]
        numbering = [(row[c].text or None) if c < len(row) and row[c].origin else None for c in range(ncols)]
    cols = classify_columns(paths, numbering, ctx)
    if t.detection in ("aligned", "flowed") and not any(c.role in VALUE_ROLES for c in cols):
        # no ruling and no header naming the figures: too weak to emit facts from
        return None
    _fill_roles_from_content(cols, t.body)

    ind = next((c.col_index for c in cols if c.role == "indicator"), None)
    lab = next((c.col_index for c in cols if c.role == "row_label"), None)
    unit = next((c.col_index for c in cols if c.role == "unit"), None)
    vcols = [c for c in cols if c.role in VALUE_ROLES]
    if ind is None or not vcols:
        return None

    inputs = []
    for r, row in enumerate(t.body):
        has_values = any(c.col_index < len(row) and row[c.col_index].origin and row[c.col_index].text for c in vcols)
        inputs.append(
            RowInput(
                page=t.body_pages[r],
                label=row[lab].text if lab is not None and row[lab].origin else "",
                name=row[ind].text if row[ind].origin else "",
                unit=_region_text(t.body, r, unit) if unit is not None else "",
                has_values=has_values,
            )
        )
    rows = build_rows(inputs)

    cells: list[TableCell] = []
    values: list[IndicatorValue] = []
    for r, row in enumerate(t.body):
        page = t.body_pages[r]
        for c in range(ncols):
            g = row[c] if c < len(row) else None
            text = g.text if g is not None and g.origin else ""
            bbox = tuple(round(v, 2) for v in g.bbox) if g is not None and g.origin and g.bbox else None
            cpage = g.page if g is not None and g.origin and g.page else page
            cells.append(TableCell(r, c, cpage, text, bbox))  # type: ignore[arg-type]
        trow = rows[r]
        if not trow.indicator_name:
            continue
        for col in vcols:
            c = col.col_index
            g = row[c] if c < len(row) else None
            if g is None or not g.origin or not g.text:
                continue
            cv = parse_cell_value(g.text)
            if cv.kind == "empty":  # "-" placeholders: the cell is kept, but it is no figure
                continue
            period_type, start, end = col.period_type, col.period_start, col.period_end
            if period_type is None and start is None:
                period_type, start, end = ctx.period_type, ctx.period_start, ctx.period_end
            values.append(
                IndicatorValue(
                    table_index=table_index,
                    row_index=r,
                    col_index=c,
                    page=g.page or page,
                    indicator_name=trow.indicator_name,
                    row_path=trow.parent_path + [trow.indicator_name],
                    measure_unit="%" if col.role == "ratio" else trow.measure_unit,
                    role=col.role,
                    scenario=col.scenario,
                    period_type=period_type,
                    period_start=start,
                    period_end=end,
                    plan_issuer=col.plan_issuer,
                    ratio_base=col.ratio_base if col.role == "ratio" else None,
                    value_number=cv.number,
                    value_text=cv.text,
                    raw_text=g.text,
                    bbox=tuple(round(v, 2) for v in g.bbox) if g.bbox else None,  # type: ignore[arg-type]
                )
            )

    header_rows = [[(g.text if g.origin else None) for g in hr] for hr in t.header]
    it = IndicatorTable(
        table_index=table_index,
        pages=t.pages,
        caption=t.caption,
        header_rows=header_rows,
        columns=cols,
        rows=rows,
        cells=cells,
        detection=t.detection,
    )
    return it, values


def section_of(rows: list[TableRow], row_index: int) -> str | None:
    """Name of the nearest group heading (I / II / A) at or above a row, if any (not in parent_path)."""
    for r in range(row_index, -1, -1):
        tr = rows[r]
        if tr.is_section and tr.row_label and (is_roman(tr.row_label) or re.fullmatch(r"[A-ZĐ]", tr.row_label)):
            return tr.indicator_name
    return None
