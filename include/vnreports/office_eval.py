"""`make eval`'s Word and Excel figures: the same reports as PDF, as a Word file, as an Excel annex.

    python -m vnreports.office_eval

The generated reports of tests/fixtures (never samples: the reportlab district report with its
merged two-row table header, and the three narrative reports with sentences, footnotes, Word's
page breaks and a table) are written as PDF and as .docx (the reportlab one also as an .xlsx and
an .xls annex: title rows above the table, merged header cells, figures as formatted numbers).
Each file is parsed; the PDF's reading is the reference. Printed per file: metadata fields equal
to the PDF's, table figures equal (row, column, header path, meaning, value), sentence facts
equal (figure, indicator, unit, scenario, period, sentence), footnotes equal, and the figures
the PDF has that the file does not (missed) or the file has that the PDF does not (extra).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from vnreports.scan_eval import METADATA_FIELDS


def _table_figures(report) -> set[tuple]:
    return {(v.table_index, v.row_index, v.col_index, v.indicator_name, v.value_number, v.role, v.scenario,
             v.period_start, v.period_end, v.measure_unit, tuple(report.tables[v.table_index].columns[v.col_index].header_path))
            for v in report.values}


def _sentence_facts(report) -> set[tuple]:
    return {(f.value_text, f.value, f.indicator_text, f.unit, f.scenario, f.period_start, f.period_end, f.sentence)
            for f in report.narrative_facts}


def compare(reference, other) -> dict:
    tables_ref, tables_other = _table_figures(reference), _table_figures(other)
    facts_ref, facts_other = _sentence_facts(reference), _sentence_facts(other)
    notes = lambda r: [(n.number, n.text.replace(" ", "")) for n in r.footnotes]  # noqa: E731 - PDF small print loses spaces
    return {
        "metadata": sum(getattr(other.metadata, f) == getattr(reference.metadata, f) for f in METADATA_FIELDS),
        "tables": (len(tables_ref & tables_other), len(tables_ref), len(tables_other - tables_ref)),
        "facts": (len(facts_ref & facts_other), len(facts_ref), len(facts_other - facts_ref)),
        "footnotes": notes(reference) == notes(other),
    }


def run(folder: Path) -> list[tuple[str, str, dict]]:
    from tests.fixtures import edge_pdfs, narrative_pdfs, office_docs
    from vnreports.parsing import parse_report

    rows = []
    reference = parse_report(edge_pdfs.reportlab_report(folder / "reportlab.pdf"))
    for kind, make in (("docx", office_docs.docx_report), ("xlsx", office_docs.xlsx_annex), ("xls", office_docs.xls_annex)):
        rows.append(("reportlab", kind, compare(reference, parse_report(make(folder / f"reportlab.{kind}")))))
    for name, spec in (("quan_ba", narrative_pdfs.QUAN_BA), ("con_cuong", narrative_pdfs.CON_CUONG),
                       ("binh_gia", narrative_pdfs.BINH_GIA)):
        reference = parse_report(narrative_pdfs.build(name, folder / f"{name}.pdf").path)
        rows.append((name, "docx", compare(reference, parse_report(office_docs.docx_of_spec(spec, folder / f"{name}.docx")))))
    return rows


def format_rows(rows: list[tuple[str, str, dict]]) -> str:
    out = ["report       file  metadata  table figures (equal/PDF, extra)  sentence facts (equal/PDF, extra)  footnotes"]
    total = {"tables": [0, 0, 0], "facts": [0, 0, 0], "metadata": 0}
    for report, kind, r in rows:
        t, f = r["tables"], r["facts"]
        out.append(f"{report:<12} {kind:<5} {r['metadata']:>2}/{len(METADATA_FIELDS)}    {t[0]:>4}/{t[1]:<4} {t[2]:>3} extra"
                   f"{'':<17}{f[0]:>4}/{f[1]:<4} {f[2]:>3} extra{'':<17}{'same' if r['footnotes'] else 'DIFFER'}")
        for k in ("tables", "facts"):
            total[k] = [a + b for a, b in zip(total[k], r[k])]
        total["metadata"] += r["metadata"]
    out.append(f"all: metadata {total['metadata']}/{len(rows) * len(METADATA_FIELDS)}, table figures "
               f"{total['tables'][0]}/{total['tables'][1]} (+{total['tables'][2]} extra), sentence facts "
               f"{total['facts'][0]}/{total['facts'][1]} (+{total['facts'][2]} extra)")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vnreports-office-eval-") as tmp:
        print(format_rows(run(Path(tmp))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
