"""A random audit of what the BI views publish, judged by hand against the source.

    python -m vnreports.audit draw --n 80 --seed 11 --out tests/truth/audit/<date>.json
    python -m vnreports.audit score tests/truth/audit/<date>.json

`draw` takes a seeded random sample of marts.indicator_values (every published value: table
cells and sentence figures alike) with everything a judge needs: the value, unit, indicator as
published, scenario, period, admin unit, and where it was read (file, page, sentence or table
path, text as written). The judge reads each against the PDF and fills ``judgement``:
``{"value": true, "indicator": true, "scenario": true, "period": true, "admin_unit": true,
"note": "..."}``. `score` prints the counts per dimension and all five.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlalchemy import text

DIMENSIONS = ("value", "indicator", "scenario", "period", "admin_unit")


def draw(url: str, n: int, seed: float, source_kind: str | None = None) -> list[dict]:
    from vnreports.db import get_engine

    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(:s)"), {"s": seed})
        rows = conn.execute(text("""
            SELECT value_id, value, value_text, measure_unit, indicator_code, indicator_name, indicator_text,
                   is_catalogued, scenario, scenario_label_en, ratio_of_scenario, period_label, period_label_iso,
                   as_of_date, admin_unit_code, admin_unit_name, source_kind, sentence, indicator_path,
                   raw_text, report_file, source_page
              FROM (SELECT * FROM marts.indicator_values
                     WHERE CAST(:kind AS text) IS NULL OR source_kind = CAST(:kind AS text) ORDER BY value_id) AS v
             ORDER BY random() LIMIT :n"""), {"n": n, "kind": source_kind}).mappings().all()
    return [{k: (str(v) if v is not None and not isinstance(v, (str, int, bool)) else v) for k, v in r.items()}
            | {"judgement": None} for r in rows]


def score(path: Path) -> dict:
    items = json.loads(path.read_text(encoding="utf-8"))["items"]
    judged = [i for i in items if i.get("judgement")]
    out = {"judged": len(judged)}
    for d in DIMENSIONS:
        out[d] = sum(bool(i["judgement"].get(d)) for i in judged)
    out["all_five"] = sum(all(i["judgement"].get(d) for d in DIMENSIONS) for i in judged)
    for kind in ("table", "narrative"):
        sub = [i for i in judged if i["source_kind"] == kind]
        out[f"all_five_{kind}"] = f"{sum(all(i['judgement'].get(d) for d in DIMENSIONS) for i in sub)}/{len(sub)}"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vnreports.audit", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--n", type=int, default=80)
    d.add_argument("--seed", type=float, default=0.11)
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--source-kind", choices=["table", "narrative"], help="only values read from tables / sentences")
    s = sub.add_parser("score")
    s.add_argument("file", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "draw":
        from vnreports.cli import warehouse_url

        items = draw(warehouse_url(start=False), args.n, args.seed, args.source_kind)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"seed": args.seed, "n": args.n, "source_kind": args.source_kind, "items": items}, ensure_ascii=False,
                                       indent=1) + "\n", encoding="utf-8")
        print(f"{len(items)} published values written to {args.out}")
    else:
        print(json.dumps(score(args.file), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
