"""`make bench-batch`: the real DAG over a month of reports, seconds per stage, at several sizes.

    python -m vnreports.batch_benchmark --sizes 25,50,100,200 [--pages 35] [--keep DIR]

For each size N: a fresh local folder with its own embedded warehouse, an inbox holding the four
sample reports and N-4 synthetic district reports (vnreports.synthetic: distinct GSO units,
periods and values, about --pages pages each), then `vnreports run` exactly as `make run` runs it
(a local scheduler with LocalExecutor, a task more than the cores). Airflow's own record of the run
(task_instance: each task's duration) gives the seconds per stage, summed over the mapped tasks
(so with two cores a stage's seconds can exceed the wall time); the run is then repeated with
nothing new (which `vnreports run` runs in process). Printed: pages, wall time, seconds per stage and per report, parse pages/s, and the ratio of
seconds per report at each size to the smallest size's (linear cost keeps it near 1.0).
Generating the synthetic PDFs is not timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from vnreports import config

from vnreports.cli import STAGES, stage_of


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _page_count(folder: Path) -> int:
    import pypdfium2

    total = 0
    for pdf in folder.glob("*.pdf"):
        doc = pypdfium2.PdfDocument(str(pdf))
        total += len(doc)
        doc.close()
    return total


def _run(env: dict[str, str], log: Path) -> tuple[float, str]:
    vnreports = str(Path(sys.executable).with_name("vnreports"))
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as fh:
        result = subprocess.run([vnreports, "run"], env=env, stdout=subprocess.PIPE, stderr=fh, text=True)
        fh.write(result.stdout)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"vnreports run failed (exit {result.returncode}); see {log}")
    url = result.stdout.strip().splitlines()[-1].removeprefix("WAREHOUSE_URL=")
    return elapsed, url


def _stage_seconds(url: str) -> tuple[dict[str, float], dict[str, int]]:
    """Sum of task durations per stage in the latest run of the DAG (Airflow's metadata: the
    `airflow` database beside the embedded warehouse)."""
    from sqlalchemy.engine import make_url

    from vnreports.cli import latest_run_tasks

    airflow_url = make_url(url).set(drivername="postgresql+psycopg", database="airflow")
    tasks = latest_run_tasks({"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_url.render_as_string(hide_password=False)})
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for t in tasks:
        seconds[stage_of(t["task_id"])] += t["seconds"]
        counts[stage_of(t["task_id"])] += 1
    return dict(seconds), dict(counts)


def measure(n: int, pages: int, workdir: Path) -> dict:
    from vnreports.synthetic import write_reports

    local = workdir / f"n{n}"
    inbox = local / "inbox"
    inbox.mkdir(parents=True)
    for sample in sorted(config.SAMPLE_REPORTS_DIR.glob("*.pdf"))[:n]:
        shutil.copy2(sample, inbox / sample.name)
    write_reports(inbox, max(0, n - 4), pages=pages, seed=n)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WAREHOUSE_URL"))}
    env.update(VNREPORTS_LOCAL_DIR=str(local), REPORTS_INBOX=str(inbox), WAREHOUSE_PORT=str(_free_port()),
               REPORTS_SETTLE_SECONDS="0")
    log = local / "bench.log"
    try:
        wall, url = _run(env, log)
        seconds, tasks = _stage_seconds(url)
        again, _ = _run(env, log)
    finally:
        subprocess.run([str(Path(sys.executable).with_name("vnreports")), "warehouse", "stop"], env=env,
                       capture_output=True)
    return {"n": n, "pages": _page_count(inbox), "wall": wall, "again": again, "seconds": seconds, "tasks": tasks}


def format_table(results: list[dict]) -> str:
    base = results[0]
    head = ["N", "pages", "wall s", "s/report", "x first"] + [f"{s} s" for s in STAGES if s != "other"] + [
        "parse pages/s", "nothing new s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in results:
        per = r["wall"] / r["n"]
        cells = [str(r["n"]), str(r["pages"]), f"{r['wall']:.0f}", f"{per:.2f}", f"{per / (base['wall'] / base['n']):.2f}"]
        cells += [f"{r['seconds'].get(s, 0):.0f}" for s in STAGES if s != "other"]
        parse = r["seconds"].get("parse", 0)
        cells += [f"{r['pages'] / parse:.1f}" if parse else "-", f"{r['again']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Per report (stage seconds / N), and the ratio to the first size:")
    for s in STAGES:
        if s == "other":
            continue
        per = [r["seconds"].get(s, 0) / r["n"] for r in results]
        ratio = [p / per[0] if per[0] else float("nan") for p in per]
        lines.append(f"  {s:15s} " + "  ".join(f"N={r['n']}: {p:.2f} ({q:.2f}x)" for r, p, q in zip(results, per, ratio)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vnreports.batch_benchmark", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="25,50,100,200", help="comma-separated numbers of reports (default: %(default)s)")
    ap.add_argument("--pages", type=int, default=35, help="pages of each synthetic report (default: %(default)s)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the runs' folders here (default: a temporary folder)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="vnreports-bench-"))
    results = []
    for n in sizes:
        print(f"N={n}: generating and running ...", flush=True)
        results.append(measure(n, args.pages, workdir))
        r = results[-1]
        print(f"N={n}: {r['pages']} pages, {r['wall']:.0f} s, nothing new {r['again']:.0f} s", flush=True)
    print(format_table(results))
    if args.keep is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
