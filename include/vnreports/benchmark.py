"""Parser speed on the sample reports, against pdfplumber's full table machinery.

    python -m vnreports.benchmark [--repeat N] [PDF ...]
    python -m vnreports.benchmark --dag-parse [--repeat N]

For each PDF (default: include/sample_reports/*.pdf) it times
  baseline      pdfplumber on every page: page.find_tables() + page.extract_tables()
                + page.extract_text() (default settings; the PDF opened fresh each run)
  parse_report  vnreports.parsing.parse_report (text lines, ruled or aligned tables where the
                page has them, metadata, indicator values)
and prints pages, seconds per report and pages per second for both, totals, and the speed-up
(baseline seconds / parse_report seconds; above 1 means parse_report is faster). With
--repeat N every measurement is run N times and the median is shown. Runs are interleaved
(baseline, then parse_report, per file) so that machine load hits both alike; one untimed run
of each on the first file comes first (the parser's lookups load once per process, as in a warm
Airflow worker). It only prints figures; there are no assertions.

--dag-parse times instead what Airflow's DAG processor does with dags/: a fresh
DagBag(dag_folder=dags/) load in a new Python process per run (imports of Airflow, Cosmos and the
DAG's modules included, as in a processor's first parse), and, within one process, the reload of
the DAG file alone (what each later parse costs); it prints the medians and the number of tasks.
The dbt manifest is made fresh first, so no run includes `dbt parse`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import pdfplumber

from vnreports.parsing import PARSER_VERSION, parse_report

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "include" / "sample_reports"


def baseline(path: Path) -> int:
    """pdfplumber's full table machinery plus text on every page; returns the page count."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.find_tables()
            page.extract_tables()
            page.extract_text()
            page.close()
        return len(pdf.pages)


def ours(path: Path) -> int:
    return parse_report(path).page_count


def _timed(fn, path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    pages = fn(path)
    return time.perf_counter() - start, pages


def machine_note() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, pdfplumber {pdfplumber.__version__}, parser {PARSER_VERSION}"
    )


def run(pdfs: list[Path], repeat: int) -> list[dict]:
    # Both warm, as in an Airflow worker (vnreports.warm_airflow): the parser's lookups (the GSO
    # lists, the indicator catalog: about 0.5 s, once per process) and pdfminer's are loaded by
    # one untimed run of each on the first file.
    baseline(pdfs[0])
    ours(pdfs[0])
    rows = []
    for path in pdfs:
        base_times, our_times, pages = [], [], 0
        for _ in range(repeat):
            t, pages = _timed(baseline, path)
            base_times.append(t)
            t, _ = _timed(ours, path)
            our_times.append(t)
        rows.append(
            {
                "report": path.name,
                "pages": pages,
                "baseline_s": statistics.median(base_times),
                "ours_s": statistics.median(our_times),
            }
        )
    return rows


def format_rows(rows: list[dict]) -> str:
    width = max([len(r["report"]) for r in rows] + [len("total")]) + 2
    head = (
        f"{'report':<{width}}{'pages':>6}{'baseline s':>12}{'pages/s':>9}"
        f"{'parse_report s':>16}{'pages/s':>9}{'speed-up':>10}"
    )
    lines = [head, "-" * len(head)]

    def line(label: str, pages: int, b: float, o: float) -> str:
        return (
            f"{label:<{width}}{pages:>6}{b:>12.2f}{pages / b:>9.1f}"
            f"{o:>16.2f}{pages / o:>9.1f}{b / o:>9.2f}x"
        )

    for r in rows:
        lines.append(line(r["report"], r["pages"], r["baseline_s"], r["ours_s"]))
    lines.append("-" * len(head))
    pages = sum(r["pages"] for r in rows)
    lines.append(line("total", pages, sum(r["baseline_s"] for r in rows), sum(r["ours_s"] for r in rows)))
    return "\n".join(lines)


_DAG_PARSE_CHILD = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    bag = DagBag(dag_folder=sys.argv[1])
    times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "errors": {str(k): str(v)[-500:] for k, v in bag.import_errors.items()},
                  "tasks": {dag_id: len(dag.tasks) for dag_id, dag in bag.dags.items()}}))
"""


def dag_parse(repeat: int, dags_dir: Path = ROOT / "dags") -> dict:
    """Seconds of DagBag(dag_folder=dags_dir) loads: `first` in a fresh process each (median of
    `repeat` processes), `again` a second load within each of those processes (median), and the
    number of tasks per DAG."""
    import json
    import subprocess
    import tempfile

    from vnreports.transform import dbt_manifest_path

    dbt_manifest_path()  # fresh manifest: the figures never include a `dbt parse`
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False"}
        env.setdefault("AIRFLOW_HOME", home)
        first, again, tasks = [], [], {}
        for _ in range(repeat):  # each process: a first load, then the same file again
            out = subprocess.run([sys.executable, "-c", _DAG_PARSE_CHILD, str(dags_dir), "2"],
                                 env=env, capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            if result["errors"]:
                raise SystemExit(f"import errors: {result['errors']}")
            first.append(result["times"][0])
            again.extend(result["times"][1:])
            tasks = result["tasks"]
    return {"first_s": statistics.median(first), "again_s": statistics.median(again), "tasks": tasks}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vnreports.benchmark", description="Parser speed vs pdfplumber's table machinery.")
    ap.add_argument("pdfs", nargs="*", type=Path, help="PDFs to time (default: the sample reports)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is shown (default: 1)")
    ap.add_argument("--dag-parse", action="store_true", help="time parsing dags/ (DagBag load) instead of the parser")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.dag_parse:
        repeat = max(args.repeat, 3)
        figures = dag_parse(repeat)
        print(f"DAG parse {datetime.now().isoformat(timespec='minutes')}, {repeat} runs (median shown)")
        print(f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}")
        for dag_id, count in figures["tasks"].items():
            print(f"{dag_id}: {count} tasks")
        print(f"DagBag(dag_folder=dags/) in a fresh process: {figures['first_s']:.2f} s")
        print(f"DagBag(dag_folder=dags/) again in the same process: {figures['again_s']:.2f} s")
        return 0
    pdfs = args.pdfs or sorted(SAMPLES_DIR.glob("*.pdf"))
    if not pdfs:
        ap.error(f"no PDFs (looked in {SAMPLES_DIR})")

    print(f"Benchmark {datetime.now().isoformat(timespec='minutes')}, repeat={args.repeat} (median shown)")
    print(f"Machine: {machine_note()}")
    print("baseline = pdfplumber find_tables() + extract_tables() + extract_text() on every page")
    print()
    print(format_rows(run(pdfs, args.repeat)))
    print("speed-up = baseline s / parse_report s (above 1: parse_report is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
