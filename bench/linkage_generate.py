"""Write a synthetic registry and source records with known truth (see shequ.linkage.synthetic).

    .venv/bin/python bench/linkage_generate.py --people 100000 --records 100000 --out var/linkage/100k
    # → registry.parquet, sources.parquet (add --csv for CSV files too)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shequ.linkage.synthetic import generate


def write(rows: list[dict[str, object]], path: Path, csv: bool) -> None:
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, path.with_suffix(".parquet"))
    if csv:
        pacsv.write_csv(table, path.with_suffix(".csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=None, help="source records (default: as many as people)")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--out", type=Path, default=Path("var/linkage"))
    parser.add_argument("--csv", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    population = generate(args.people, args.records, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    registry = [{k: v for k, v in p.items() if k != "household_phone"} for p in population.people]
    write(registry, args.out / "registry", args.csv)
    write(population.records, args.out / "sources", args.csv)
    print(f"{len(registry)} people, {len(population.records)} source records in {args.out} "
          f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
