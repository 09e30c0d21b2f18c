"""Linkage quality, time and memory at a given size: our model beside an untuned Splink baseline and an
exact-ID join, on the same generated data with known truth.

    .venv/bin/python bench/linkage_bench.py --people 100000              # records default to as many
    .venv/bin/python bench/linkage_bench.py --people 1000000 --only ours  # one method
    .venv/bin/python bench/linkage_bench.py --train --people 100000 --seed 7   # retrain fixtures/model.json
    .venv/bin/python bench/linkage_bench.py --data var/linkage/1m     # files of linkage_generate.py

Each method runs in a child process of its own, so that its peak resident memory (``ru_maxrss``, which
includes DuckDB's native memory that tracemalloc cannot see) and its time are its own. Time counts from
reading the Parquet files to having one decision per source record. The model is the shipped
``src/shequ/linkage/fixtures/model.json``, trained on a different seed than the one measured.
Targets: F1 ≥ 0.995 with the review queue < 1% of records; 1M × 1M in < 100 s and < 4 GB.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from shequ.linkage import engine
from shequ.linkage.synthetic import Quality, generate, score


def _exact_id(registry: Any, sources: Any) -> tuple[dict[int, int], set[int]]:
    con = engine.connect()
    con.register("r", registry)
    con.register("s", sources)
    rows = con.execute(
        "SELECT s.record_id, min(r.person_id) FROM s JOIN r ON s.id_number = r.id_number "
        "WHERE s.id_number <> '' GROUP BY s.record_id"
    ).fetchall()
    return dict(rows), set()


def _baseline(registry: Any, sources: Any) -> tuple[dict[int, int], set[int]]:
    """Splink as a newcomer would set it up: plain comparisons, no Chinese features, trained by EM."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    con = engine.connect()
    con.register("r_in", registry)
    con.register("s_in", sources)
    for name, table, key in (("reg", "r_in", "person_id"), ("src", "s_in", "record_id")):
        con.execute(
            f"CREATE TABLE {name} AS SELECT {key} AS uid, nullif(name, '') AS name, birth_date, "
            f"nullif(phone, '') AS phone FROM {table}"
        ).fetchall()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        comparisons=[
            cl.NameComparison("name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=[block_on("name"), block_on("birth_date"), block_on("phone")],
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker([db_api.register("src", dataset_display_name="src"),
                     db_api.register("reg", dataset_display_name="reg")], settings, log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    rows = con.execute(f"""
        WITH p AS (
            SELECT CASE WHEN source_dataset_l = 'src' THEN uid_l ELSE uid_r END AS record_id,
                   CASE WHEN source_dataset_l = 'src' THEN uid_r ELSE uid_l END AS person_id, match_probability
            FROM {predictions.physical_name}
        )
        SELECT record_id, arg_max(person_id, match_probability), max(match_probability) FROM p GROUP BY record_id
    """).fetchall()
    linked = {record: person for record, person, p in rows if p >= 0.9}
    review = {record for record, _, p in rows if 0.5 <= p < 0.9}
    return linked, review


def _ours(registry: Any, sources: Any) -> tuple[dict[int, int], set[int]]:
    result = engine.link(registry, sources)
    rows = result.table.select(["record_id", "person_id", "status"]).to_pylist()
    linked = {row["record_id"]: row["person_id"] for row in rows if row["status"] == "linked"}
    review = {row["record_id"] for row in rows if row["status"] == "review"}
    return linked, review


METHODS = {"ours": _ours, "baseline": _baseline, "exact_id": _exact_id}


def _child(method: str, folder: str, queue: Any) -> None:
    started = time.perf_counter()
    registry = pq.read_table(Path(folder) / "registry.parquet")
    sources = pq.read_table(Path(folder) / "sources.parquet").drop_columns(["true_person_id"])
    linked, review = METHODS[method](registry, sources)
    seconds = time.perf_counter() - started
    queue.put((linked, review, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def run(method: str, folder: Path) -> tuple[dict[int, int], set[int], float, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(method, str(folder), queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--only", choices=sorted(METHODS), action="append")
    parser.add_argument("--train", action="store_true", help="retrain the shipped model on this data instead")
    parser.add_argument("--data", type=Path, help="use registry/sources.parquet that linkage_generate.py wrote")
    args = parser.parse_args()

    clock = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or Path(tmp)
        if args.data:
            registry = pq.read_table(folder / "registry.parquet")
            sources = pq.read_table(folder / "sources.parquet")
            print(f"read {registry.num_rows} people × {sources.num_rows} source records from {folder}")
        else:
            import pyarrow as pa

            population = generate(args.people, args.records, seed=args.seed)
            registry = pa.Table.from_pylist([{k: v for k, v in p.items() if k != "household_phone"}
                                             for p in population.people])
            sources = pa.Table.from_pylist(population.records)
            pq.write_table(registry, folder / "registry.parquet")
            pq.write_table(sources, folder / "sources.parquet")
            del population
            print(f"generated {registry.num_rows} people × {sources.num_rows} source records "
                  f"(seed {args.seed}) in {time.perf_counter() - clock:.1f} s")
        truth = dict(zip(sources.column("record_id").to_pylist(), sources.column("true_person_id").to_pylist(),
                         strict=True))
        people = registry.num_rows
        if args.train:
            engine.train(registry, sources.drop_columns(["true_person_id"]))
            print(f"model written to {engine.MODEL_PATH}")
            return
        del registry, sources
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        print(f"{'method':<10} {'precision':>9} {'recall':>8} {'F1':>8} {'review':>8} {'time s':>8} {'peak MB':>8}")
        figures: dict[str, tuple[Quality, float, float]] = {}
        for method in args.only or ["ours", "baseline", "exact_id"]:
            linked, review, seconds, peak_mb = run(method, folder)
            quality = score(linked, review, truth)
            figures[method] = (quality, seconds, peak_mb)
            print(f"{method:<10} {quality.precision:9.4f} {quality.recall:8.4f} {quality.f1:8.4f} "
                  f"{quality.review_share:8.2%} {seconds:8.1f} {peak_mb:8.0f}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if "ours" in figures:
        quality, seconds, peak_mb = figures["ours"]
        for other in ("baseline", "exact_id"):
            if other in figures:
                print(f"ours vs {other}: F1 {quality.f1:.4f} vs {figures[other][0].f1:.4f}, "
                      f"time ×{seconds / max(figures[other][1], 1e-9):.2f}")
        missed = []
        if quality.f1 < 0.995:
            missed.append("F1 ≥ 0.995")
        if quality.review_share >= 0.01:
            missed.append("review < 1%")
        if people >= 1_000_000 and seconds >= 100:
            missed.append("< 100 s at 1M")
        if people >= 1_000_000 and peak_mb >= 4096:
            missed.append("< 4 GB at 1M")
        print("targets missed: " + (", ".join(missed) if missed else "none"))


if __name__ == "__main__":
    main()
