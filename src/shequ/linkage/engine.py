"""The linkage model: source records (clinic encounters, health records) → registry persons.

Pure data code on DuckDB and Splink, no Django: the Django side (:mod:`shequ.linkage.actions`) and the
benchmark (``bench/linkage_bench.py``) both call :func:`link`.

1. **Features** (SQL, :func:`prepare`): the ID number normalised (full-width digits, spaces, lower-case x)
   and checked (GB 11643 check character and birth date); an invalid ID gets *repair candidates* — the
   IDs one digit substitution or one adjacent transposition away whose check character is right —
   and a candidate that is a registry ID becomes the record's ``id_key``. Birth date and sex are also read
   from the ID. The name in characters and in toneless pinyin (a homophone or a variant character
   has the same pinyin). The address normalised to road+lane (compound), building and room (dwelling).
2. **Deterministic** matches first: a valid ID equal to a registry ID with the name or its pinyin agreeing.
3. **Probabilistic** (Splink, Fellegi–Sunter) for every other record against the whole registry, with the
   Chinese-aware comparisons above; the best candidate per record is linked above ``auto_weight``, sent to
   clerical review between ``review_weight`` and ``auto_weight``, left unmatched below.
4. Clerical **decisions** from earlier runs win over the model: a pair decided "match" is linked, a pair
   decided "non-match" is never proposed again.

The SQL is written for DuckDB; ``docs/linkage.md`` shows how the same model runs on Spark.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from shequ.core.text import pinyin_full

MODEL_PATH = Path(__file__).with_name("fixtures") / "model.json"
AUTO_WEIGHT = 9.0
REVIEW_WEIGHT = 4.0
# When the runner-up is this close to the best candidate, a person must choose between them.
AMBIGUITY_GAP = 4.0
MIN_PRIOR_POPULATION = 10_000

_TRACE = bool(os.environ.get("SHEQU_LINKAGE_TRACE"))
Progress = Callable[[float, str], None]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_FULL_WIDTH = "０１２３４５６７８９ｘＸ"
_HALF_WIDTH = "0123456789XX"


def _norm_id_sql(col: str) -> str:
    # Most IDs are already clean; the CASE spares them the string rewriting.
    slow = (
        f"nullif(upper(replace(replace(replace(translate(coalesce({col}, ''), '{_FULL_WIDTH}', '{_HALF_WIDTH}'),"
        f" ' ', ''), '-', ''), '\u3000', '')), '')"
    )
    return f"CASE WHEN regexp_full_match({col}, '[0-9]{{17}}[0-9X]') THEN {col} ELSE {slow} END"


def _norm_address_sql(col: str) -> str:
    """City/district prefix dropped; full-width digits and spaces folded only where there are some."""
    prefix = "'^(上海市)?([^路弄号]{1,4}区)?'"
    folded = f"replace(replace(translate({col}, '０１２３４５６７８９', '0123456789'), ' ', ''), '\u3000', '')"
    return (f"regexp_replace(CASE WHEN regexp_matches({col}, '[０-９ \u3000]') THEN {folded} ELSE {col} END,"
            f" {prefix}, '')")


@dataclass
class Thresholds:
    auto_weight: float = AUTO_WEIGHT
    review_weight: float = REVIEW_WEIGHT
    ambiguity_gap: float = AMBIGUITY_GAP


@dataclass
class LinkResult:
    """One row per source record: the chosen registry person (if any), the stage and the status."""

    table: pa.Table  # record_id, person_id, match_weight, match_probability, stage, status, runner_up_weight
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        statuses = self.table.column("status").to_pylist()
        return {status: statuses.count(status) for status in ("linked", "review", "unmatched")}


def _ddl(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run a statement and drain its result (DuckDB refuses new work while a result is pending)."""
    started = time.perf_counter()
    con.execute(sql).fetchall()
    if _TRACE:
        print(f"{time.perf_counter() - started:6.2f} s  {' '.join(sql.split())[:90]}")


def connect(memory_limit: str = "3GB", threads: int = 2) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    _ddl(con, f"SET memory_limit = '{memory_limit}'")
    _ddl(con, f"SET threads = {int(threads)}")
    _ddl(con, "SET preserve_insertion_order = false")
    _ddl(con, "SET enable_progress_bar = false")
    return con


def _pinyin_table(names: Iterable[str]) -> pa.Table:
    """Pinyin of each distinct name, one character at a time: names are few characters from a small set,
    so a per-character table is far faster than pypinyin per name and reads each character alike
    on both sides, which is what matching needs."""
    readings: dict[str, str] = {}
    rows: dict[str, list[str]] = {"name_n": [], "name_py": [], "surname_py": [], "initials": []}
    for name in names:
        syllables = []
        for ch in name:
            reading = readings.get(ch)
            if reading is None:
                reading = readings[ch] = pinyin_full(ch)
            syllables.append(reading)
        rows["name_n"].append(name)
        rows["name_py"].append("".join(syllables))
        rows["surname_py"].append(syllables[0] if syllables else "")
        rows["initials"].append("".join(s[:1] for s in syllables))
    return pa.table(rows, schema=pa.schema([(k, pa.string()) for k in rows]))


def _weighted_sum_sql(first17_int: str) -> str:
    """GB 11643's weighted sum of the first 17 digits, from them read as one integer (no per-digit strings)."""
    return " + ".join(f"(({first17_int} // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(_WEIGHTS))


_W = "[" + ", ".join(map(str, _WEIGHTS)) + "]"
# Index of a check character in '10X98765432': the weighted sum mod 11 an ID with it must have.
_TARGET = "(instr('10X98765432', substr(id_raw, 18, 1)) - 1)"


def prepare(con: duckdb.DuckDBPyConnection, registry: Any, sources: Any) -> None:
    """Feature tables ``reg_f`` and ``src_f`` (same columns) from ``registry`` and ``sources`` (Arrow tables
    or anything DuckDB can scan), with ``uid`` = person_id / record_id."""
    con.register("registry_in", registry)
    con.register("sources_in", sources)
    for side, table, key in (("reg", "registry_in", "person_id"), ("src", "sources_in", "record_id")):
        _ddl(con, f"""
            CREATE OR REPLACE TEMP TABLE {side}_base AS
            WITH n AS (
                SELECT {key} AS uid,
                       nullif(replace(replace(trim(coalesce(name, '')), '\u3000', ''), ' ', ''), '') AS name_n,
                       CAST(birth_date AS DATE) AS birth_date,
                       nullif(upper(coalesce(sex, '')), '') AS sex,
                       {_norm_id_sql('id_number')} AS id_raw,
                       nullif(regexp_replace(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'),
                              '^86(1[0-9]{{10}})$', '\\1'), '') AS phone,
                       regexp_extract({_norm_address_sql('address')},
                                      '^([^0-9]+[0-9]+弄)([0-9]+)?(号楼|号|幢)?([0-9]+)?',
                                      ['compound', 'building', 'sep', 'room']) AS a
                FROM {table}
            ), i AS (
                SELECT *, CASE WHEN regexp_full_match(id_raw, '[0-9]{{17}}[0-9X]')
                               THEN TRY_CAST(substr(id_raw, 1, 17) AS BIGINT) END AS first17
                FROM n
            )
            SELECT uid, name_n, birth_date, sex, id_raw, phone, first17,
                   coalesce(first17 IS NOT NULL
                            AND substr('10X98765432', ({_weighted_sum_sql('first17')}) % 11 + 1, 1)
                                = substr(id_raw, 18, 1)
                            AND try_strptime(substr(id_raw, 7, 8), '%Y%m%d') IS NOT NULL
                            AND substr(id_raw, 7, 4) BETWEEN '1880' AND '2100', false) AS id_valid,
                   nullif(a.compound, '') AS compound_key,
                   CASE WHEN a.building <> '' THEN a.compound || a.building END AS building_key,
                   CASE WHEN a.building <> '' AND a.sep <> '' AND a.room <> ''
                        THEN a.compound || a.building || '-' || a.room END AS dwelling_key
            FROM i
        """)
    names = con.execute(
        "SELECT DISTINCT name_n FROM reg_base WHERE name_n IS NOT NULL UNION "
        "SELECT DISTINCT name_n FROM src_base WHERE name_n IS NOT NULL"
    ).fetchall()
    con.register("pinyin_in", _pinyin_table(row[0] for row in names))
    _ddl(con, "CREATE OR REPLACE TEMP TABLE pinyin AS SELECT * FROM pinyin_in")
    con.unregister("pinyin_in")

    # Repair candidates of invalid source IDs: the single-digit substitutions (the check character
    # recomputed too) and adjacent transpositions whose weighted sum gives the right check character,
    # found by arithmetic on the sum before any string is built, then kept if they are registry IDs.
    _ddl(con, "CREATE OR REPLACE TEMP TABLE reg_ids AS SELECT id_raw AS id_norm, uid FROM reg_base WHERE id_valid")
    _ddl(con, f"""
        CREATE OR REPLACE TEMP TABLE src_invalid AS
        SELECT uid, id_raw, {_weighted_sum_sql('first17')} AS total, {_TARGET} AS target,
               [CAST((first17 // (10 ** (17 - i))::BIGINT) % 10 AS INTEGER) FOR i IN range(1, 18)] AS digits
        FROM src_base
        WHERE NOT id_valid AND first17 IS NOT NULL
    """)
    _ddl(con, f"""
        CREATE OR REPLACE TEMP TABLE src_repairs AS
        WITH candidates AS (
            SELECT uid, substr(id_raw, 1, p) || CAST(d AS VARCHAR) || substr(id_raw, p + 2) AS cand
            FROM src_invalid, range(0, 17) AS t(p), range(0, 10) AS u(d)
            WHERE d <> digits[p + 1]
              AND ((total + {_W}[p + 1] * (d - digits[p + 1])) % 11 + 11) % 11 = target
            UNION ALL
            SELECT uid, substr(id_raw, 1, 17) || substr('10X98765432', total % 11 + 1, 1) AS cand
            FROM src_invalid
            UNION ALL
            SELECT uid, substr(id_raw, 1, p) || substr(id_raw, p + 2, 1) || substr(id_raw, p + 1, 1)
                        || substr(id_raw, p + 3) AS cand
            FROM src_invalid, range(0, 16) AS t(p)
            WHERE digits[p + 1] <> digits[p + 2]
              AND ((total + ({_W}[p + 1] - {_W}[p + 2]) * (digits[p + 2] - digits[p + 1])) % 11 + 11) % 11 = target
            UNION ALL
            SELECT uid, substr(id_raw, 1, 16) || substr(id_raw, 18, 1) || substr(id_raw, 17, 1) AS cand
            FROM src_invalid WHERE substr(id_raw, 18, 1) <> 'X'
        )
        SELECT f.uid, min(f.cand) AS id_key, CASE WHEN count(DISTINCT f.cand) > 1 THEN max(f.cand) END AS id_key2
        FROM candidates f JOIN reg_ids r ON r.id_norm = f.cand
        GROUP BY f.uid
    """)
    for side in ("reg", "src"):
        repairs = "LEFT JOIN src_repairs x ON x.uid = b.uid" if side == "src" else ""
        key2 = "x.id_key2" if side == "src" else "NULL"
        fix = "x.id_key" if side == "src" else "NULL"
        _ddl(con, f"""
            CREATE OR REPLACE TEMP TABLE {side}_f AS
            WITH k AS (
                SELECT b.* REPLACE (coalesce(b.birth_date, CAST(try_strptime(substr(
                           CASE WHEN b.id_valid THEN b.id_raw ELSE {fix} END, 7, 8), '%Y%m%d') AS DATE)) AS birth_date),
                       {fix} AS id_fix, {key2} AS id_fix2,
                       CASE WHEN b.id_valid THEN b.id_raw ELSE {fix} END AS id_key
                FROM {side}_base b {repairs}
            )
            SELECT k.uid, k.name_n, p.name_py, p.surname_py, p.initials,
                   CASE WHEN id_valid THEN id_raw END AS id_norm,
                   k.id_key,
                   coalesce(k.id_fix2, k.id_key) AS id_key2,
                   (NOT id_valid AND id_fix IS NOT NULL) AS id_repaired,
                   k.birth_date,
                   CAST(date_diff('day', DATE '1900-01-01', k.birth_date) AS INTEGER) AS dob_days,
                   year(k.birth_date) AS dob_year,
                   CASE WHEN day(k.birth_date) <= 12
                        THEN make_date(year(k.birth_date), day(k.birth_date), month(k.birth_date)) END AS dob_swapped,
                   coalesce(k.sex, CASE WHEN TRY_CAST(substr(k.id_key, 17, 1) AS INTEGER) % 2 = 1 THEN 'M'
                                        WHEN k.id_key IS NOT NULL THEN 'F' END) AS sex,
                   k.phone, k.compound_key, k.building_key, k.dwelling_key
            FROM k LEFT JOIN pinyin p ON p.name_n = k.name_n
        """)


def _comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def level(sql: str, label: str) -> Any:
        return cll.CustomLevel(sql, label_for_charts=label)

    return [
        cl.CustomComparison(output_column_name="id_number", comparison_levels=[
            cll.NullLevel("id_key"),
            level("id_key_l = id_key_r AND NOT id_repaired_l AND NOT id_repaired_r", "valid ID equal"),
            level("id_key_l = id_key_r OR id_key2_l = id_key2_r", "ID equal after checksum repair"),
            level("substr(id_key_l, 7, 11) = substr(id_key_r, 7, 11)", "birth date and sequence equal"),
            cll.ElseLevel(),
        ]),
        cl.CustomComparison(output_column_name="name", comparison_levels=[
            cll.NullLevel("name_n"),
            level("name_n_l = name_n_r", "same characters"),
            level("name_py_l = name_py_r", "same pinyin (homophone or variant)"),
            level("surname_py_l = surname_py_r AND levenshtein(name_py_l, name_py_r) <= 2", "pinyin close"),
            level("initials_l = initials_r", "same initials"),
            cll.ElseLevel(),
        ]),
        cl.CustomComparison(output_column_name="birth_date", comparison_levels=[
            cll.NullLevel("dob_days"),
            level("dob_days_l = dob_days_r", "same day"),
            level("dob_swapped_l = birth_date_r OR birth_date_l = dob_swapped_r", "day and month swapped"),
            level("abs(dob_days_l - dob_days_r) <= 1", "a day off"),
            level("dob_year_l = dob_year_r", "same year"),
            cll.ElseLevel(),
        ]),
        cl.CustomComparison(output_column_name="sex", comparison_levels=[
            cll.NullLevel("sex"), level("sex_l = sex_r", "same sex"), cll.ElseLevel(),
        ]),
        cl.CustomComparison(output_column_name="phone", comparison_levels=[
            cll.NullLevel("phone"), level("phone_l = phone_r", "same phone"), cll.ElseLevel(),
        ]),
        cl.CustomComparison(output_column_name="address", comparison_levels=[
            cll.NullLevel("compound_key"),
            level("dwelling_key_l = dwelling_key_r", "same dwelling"),
            level("building_key_l = building_key_r", "same building"),
            level("compound_key_l = compound_key_r", "same compound"),
            cll.ElseLevel(),
        ]),
    ]


BLOCKING_RULES = [
    "l.id_key = r.id_key",
    "l.id_key2 = r.id_key2",
    "l.name_py = r.name_py AND l.dob_days = r.dob_days",
    "l.name_py = r.name_py AND l.phone = r.phone",
    "l.phone = r.phone AND l.dob_days = r.dob_days",
    "l.surname_py = r.surname_py AND l.dob_days = r.dob_days AND l.sex = r.sex",
    "l.name_py = r.name_py AND l.dwelling_key = r.dwelling_key",
    "l.name_py = r.name_py AND l.dob_year = r.dob_year AND l.sex = r.sex",
    "l.initials = r.initials AND l.dob_days = r.dob_days AND l.sex = r.sex",
]


def settings(probability_two_random_records_match: float = 1e-6) -> dict[str, Any]:
    from splink import SettingsCreator

    creator = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=[{"blocking_rule": rule} for rule in BLOCKING_RULES],
        probability_two_random_records_match=probability_two_random_records_match,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    return creator.get_settings("duckdb").as_dict()


def _linker(con: duckdb.DuckDBPyConnection, model: dict[str, Any], left: str, right: str) -> Any:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register(left, dataset_display_name=left), db_api.register(right, dataset_display_name=right)]
    return Linker(frames, model, log_level=None, validate_settings=False)


def train(registry: Any, sources: Any, out: Path = MODEL_PATH, seed: int = 1) -> dict[str, Any]:
    """Estimate u by random sampling and m by EM (blocked on the ID, then on name+birth date); save JSON."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    con = connect()
    prepare(con, registry, sources)
    linker = _linker(con, settings(), "src_f", "reg_f")
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        "l.id_key = r.id_key", record_sample_proportion=1.0, fix_probability_two_random_records_match=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        "l.name_py = r.name_py AND l.dob_days = r.dob_days", record_sample_proportion=1.0,
        fix_probability_two_random_records_match=True)
    model = regularise(linker.misc.save_model_to_json())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, ensure_ascii=False, indent=1))
    return model


# Synthetic data has no error the generator did not put in, so EM learns that some levels never occur
# among matches (m ≈ 1e-60). Real sources have such errors (a child seen under a parent's ID, a married
# name): no level may be impossible, and levels never observed get a small share.
M_FLOOR = 1e-3


def regularise(model: dict[str, Any]) -> dict[str, Any]:
    for comparison in model["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        for level in levels:
            level["m_probability"] = max(level.get("m_probability") or 0.0, M_FLOOR)
            level["u_probability"] = max(level.get("u_probability") or 0.0, 1e-7)
        for key in ("m_probability", "u_probability"):
            total = sum(level[key] for level in levels)
            for level in levels:
                level[key] = level[key] / total
    return model


def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    return json.loads(path.read_text())


def link(
    registry: Any,
    sources: Any,
    *,
    model: dict[str, Any] | None = None,
    thresholds: Thresholds | None = None,
    decisions: dict[tuple[int, int], bool] | None = None,
    progress: Progress | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> LinkResult:
    """Link every source record to at most one registry person.

    ``registry``: person_id, name, sex, birth_date, id_number, phone, address.
    ``sources``: record_id and the same columns. ``decisions``: (record_id, person_id) → match?
    """
    logging.getLogger("splink").setLevel(logging.WARNING)
    thresholds = thresholds or Thresholds()
    decisions = decisions or {}
    report = progress or (lambda fraction, message: None)
    model = dict(model or load_model())
    con = con or connect()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    report(0.05, "features")
    prepare(con, registry, sources)
    seconds["features"] = time.perf_counter() - clock

    report(0.35, "deterministic")
    clock = time.perf_counter()
    decided = pa.table({
        "record_id": pa.array([k[0] for k in decisions], pa.int64()),
        "person_id": pa.array([k[1] for k in decisions], pa.int64()),
        "is_match": pa.array(list(decisions.values()), pa.bool_()),
    })
    con.register("decided", decided)
    # A deterministic pair a person has decided against is dropped; its record goes on to the model.
    _ddl(con, """
        CREATE OR REPLACE TEMP TABLE det AS
        SELECT s.uid AS record_id, min(r.uid) AS person_id
        FROM src_f s JOIN reg_f r ON r.id_norm = s.id_norm
        ANTI JOIN decided d ON d.record_id = s.uid AND d.person_id = r.uid
        WHERE s.id_norm IS NOT NULL AND (s.name_n = r.name_n OR s.name_py = r.name_py)
        GROUP BY s.uid
    """)
    _ddl(con, "CREATE OR REPLACE TEMP TABLE residual AS SELECT * FROM src_f ANTI JOIN det ON det.record_id = src_f.uid")
    seconds["deterministic"] = time.perf_counter() - clock

    report(0.45, "probabilistic")
    clock = time.perf_counter()
    registry_size = con.execute("SELECT count(*) FROM reg_f").fetchone()[0] or 1  # type: ignore[index]
    # Each source record is about one person at most: the prior odds are one in the registry's size
    # (at least a sub-district's worth, so that a handful of people does not make every pair look alike).
    model["probability_two_random_records_match"] = 1.0 / max(registry_size, MIN_PRIOR_POPULATION)
    residual_size = con.execute("SELECT count(*) FROM residual").fetchone()[0]  # type: ignore[index]
    if residual_size:
        linker = _linker(con, model, "residual", "reg_f")
        predictions = linker.inference.predict(
            threshold_match_weight=min(thresholds.review_weight, 0.0) - 10, warning_mode="never")
        _ddl(con, f"""
            CREATE OR REPLACE TEMP TABLE pairs AS
            SELECT CASE WHEN source_dataset_l = 'residual' THEN uid_l ELSE uid_r END AS record_id,
                   CASE WHEN source_dataset_l = 'residual' THEN uid_r ELSE uid_l END AS person_id,
                   match_weight, match_probability
            FROM {predictions.physical_name}
        """)
    else:
        _ddl(con, "CREATE OR REPLACE TEMP TABLE pairs (record_id BIGINT, person_id BIGINT, "
                    "match_weight DOUBLE, match_probability DOUBLE)")
    seconds["probabilistic"] = time.perf_counter() - clock

    report(0.85, "decisions")
    clock = time.perf_counter()
    _ddl(con, f"""
        CREATE OR REPLACE TEMP TABLE result AS
        WITH candidates AS (
            SELECT p.record_id, p.person_id, p.match_weight, p.match_probability, 'probabilistic' AS stage
            FROM pairs p ANTI JOIN decided d ON d.record_id = p.record_id AND d.person_id = p.person_id
            WHERE p.record_id NOT IN (SELECT record_id FROM decided WHERE is_match)
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY match_weight DESC, person_id) AS rank,
                      lead(match_weight) OVER (PARTITION BY record_id ORDER BY match_weight DESC, person_id)
                          AS runner_up_weight
            FROM candidates
        ), best AS (
            SELECT record_id, person_id, match_weight, match_probability, stage, runner_up_weight,
                   CASE WHEN match_weight >= {thresholds.auto_weight}
                             AND coalesce(runner_up_weight, -1e9) < match_weight - {thresholds.ambiguity_gap}
                        THEN 'linked'
                        WHEN match_weight >= {thresholds.review_weight} THEN 'review'
                        ELSE 'unmatched' END AS status
            FROM ranked WHERE rank = 1
        ), chosen AS (
            SELECT record_id, person_id, NULL::DOUBLE AS match_weight, 1.0::DOUBLE AS match_probability,
                   'deterministic' AS stage, NULL::DOUBLE AS runner_up_weight, 'linked' AS status
            FROM det WHERE det.record_id NOT IN (SELECT record_id FROM decided WHERE is_match)
            UNION ALL
            SELECT d.record_id, d.person_id, NULL, 1.0, 'decision', NULL, 'linked' FROM decided d WHERE d.is_match
            UNION ALL
            SELECT b.* FROM best b WHERE b.record_id NOT IN (SELECT record_id FROM decided WHERE is_match)
        )
        SELECT s.uid AS record_id,
               CASE WHEN c.status IN ('linked', 'review') THEN c.person_id END AS person_id,
               c.match_weight, c.match_probability, coalesce(c.stage, 'none') AS stage,
               c.runner_up_weight, coalesce(c.status, 'unmatched') AS status
        FROM src_f s LEFT JOIN chosen c ON c.record_id = s.uid
        -- One row per record even if two pairs of it were ever decided "same person".
        QUALIFY row_number() OVER (PARTITION BY s.uid ORDER BY c.stage = 'decision' DESC, c.person_id) = 1
    """)
    table = con.execute("SELECT * FROM result ORDER BY record_id").to_arrow_table()
    seconds["decisions"] = time.perf_counter() - clock
    report(1.0, "done")
    return LinkResult(table=table, seconds=seconds)
