"""Benchmark of the resident registry on PostgreSQL: import rate, search latency, population dynamics.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench \\
        .venv/bin/python bench/population_bench.py --residents 1000000

The database named by DATABASE_URL is wiped (every table in its public schema is dropped) unless
--reuse is given, in which case an already built demo is measured again. It prints:

(a) the platform's bulk path (the demo builder's ``bulk_create`` of people, which encrypts ID numbers
    and phones, computes blind indexes and pinyin in ``pre_save``) in rows/s, against PostgreSQL
    ``COPY`` of the very same prepared rows (ciphertexts and indexes already computed) into a table of
    the same shape (same indexes, constraints and foreign keys), as a ratio;
(b) search latency p50/p95 over --queries queries per kind (name prefix, full pinyin, pinyin initials,
    ID number, phone) through ``population.queries.search_people(...)[:30]``, against the raw SQL that
    query compiles to, as a sub-district administrator and as a committee worker;
(c) the population dynamics page (through the test client, p50/p95 of 20 runs) for both users, beside
    the recount behind it that the worker runs (``population.actions.count_population``).

Between (a) and (b) it also measures the clerk's real import path (skip it with --import-rows 0):
(a2) an .xlsx of --import-rows new residents (valid, unique ID numbers of divisions the demo never uses,
    addresses of existing dwellings, the headers of the import template) is imported by the sub-district
    administrator through ``population.importing.import_people`` end to end (reading, checking, writing
    people, households, residences, life events, tags and the audit entry), in rows/s, split into reading,
    checking and writing, against PostgreSQL ``COPY`` of the very person rows it wrote into an empty table of
    the same shape, as a ratio. The imported people stay in the database; every run numbers its file
    (``population_bench-NNNN.xlsx``, from the audit log) and takes ID numbers no earlier run took.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

TARGET_IMPORT_RATIO = 0.30
TARGET_SEARCH_P95_MS = 50.0
TARGET_DYNAMICS_MS = 300.0


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    secrets = ROOT / "var" / "secrets" / "SHEQU_FIELD_KEYS"
    if not secrets.exists() and not os.environ.get("SHEQU_FIELD_KEYS"):
        os.environ["SHEQU_TESTING"] = "1"  # development keys: a benchmark holds no real data
    import django

    django.setup()


def _ms(seconds: float) -> float:
    return seconds * 1000


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def reset_and_build(residents: int, seed: int) -> Any:
    from django.core.management import call_command
    from django.db import connection

    from shequ.demo import builder

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    last = [started]

    def progress(message: str) -> None:
        now = time.perf_counter()
        if now - last[0] > 15 or "居民区" in message:
            print(f"  [{now - started:7.1f} s] {message.strip()}", flush=True)
            last[0] = now

    result = builder.build(residents=residents, seed=seed, progress=progress)
    vacuum()
    return result


def vacuum() -> None:
    """What autovacuum would soon do after a bulk load: statistics and the visibility map."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE {time.perf_counter() - started:.1f} s", flush=True)


def checkpoint() -> None:
    """Start the next timed write just after a checkpoint. The first change to a page after a checkpoint writes
    the whole page to the write-ahead log, so whichever of the import and its COPY baselines ran first after one
    paid for pages the next ones then found already logged."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def copy_rate(table: str = "population_person", where: str = "") -> tuple[int, float]:
    """COPY the rows of ``table`` (already encrypted and indexed) into an empty table of the same shape.

    ``where`` (SQL, e.g. ``id > 123``) copies only those rows.
    """
    from django.db import connection

    source = f"(SELECT * FROM {table} WHERE {where})" if where else table

    copy_table = f"bench_copy_{table}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {copy_table}")
        cursor.execute(f"CREATE TABLE {copy_table} (LIKE {table} INCLUDING ALL)")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {copy_table} ADD {definition}")
        raw = cursor.connection  # psycopg 3 connection
        with tempfile.TemporaryFile() as spool:
            with raw.cursor().copy(f"COPY {source} TO STDOUT") as out:
                for block in out:
                    spool.write(block)
            spool.seek(0)
            started = time.perf_counter()
            with raw.cursor().copy(f"COPY {copy_table} FROM STDIN") as into:
                while block := spool.read(1 << 20):
                    into.write(block)
            cursor.execute("SELECT count(*) FROM " + copy_table)
            rows = cursor.fetchone()[0]
            elapsed = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {copy_table}")
    return rows, elapsed


def copy_rate_into_registry(where: str) -> tuple[int, float]:
    """COPY the person rows ``where`` selects back into ``population_person`` itself, as new rows.

    The same rows into the same table: a million rows and every index, as the import met them (an
    empty table's indexes are tiny, which flatters COPY). The copies get new ids and a blind index
    no real row can have (hex never holds a 'z'), autocommit includes the commit as the import's
    timing does, and they are deleted again afterwards (not timed).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM population_person LIMIT 0")
        columns = [column.name for column in cursor.description]
        select = []
        for column in columns:
            if column == "id":
                select.append("nextval(pg_get_serial_sequence('population_person', 'id'))")
            elif column == "id_number_index":
                select.append("CASE WHEN id_number_index = '' THEN '' ELSE 'z' || left(id_number_index, 31) END")
            else:
                select.append(column)
        raw = cursor.connection
        with tempfile.TemporaryFile() as spool:
            with raw.cursor().copy(f"COPY (SELECT {', '.join(select)} FROM population_person WHERE {where}) "
                                   "TO STDOUT") as out:
                for block in out:
                    spool.write(block)
            spool.seek(0)
            started = time.perf_counter()
            with raw.cursor().copy(f"COPY population_person ({', '.join(columns)}) FROM STDIN") as into:
                while block := spool.read(1 << 20):
                    into.write(block)
            elapsed = time.perf_counter() - started
        cursor.execute("DELETE FROM population_person WHERE id_number_index LIKE 'z%%'")
        rows = cursor.rowcount
    return rows, elapsed


def copy_rate_of_everything_written(last_pk: int) -> tuple[int, float]:
    """COPY every row the import wrote (its people, their residences and life events) back into the same tables.

    The import's rows are taken out of the database (COPY TO, not timed), deleted inside one transaction (not
    timed), COPYed back with the same ids and values (timed), and the transaction is rolled back, so the
    database is left as it was.

    The registry's foreign keys are deferred to the commit (Django makes them ``DEFERRABLE INITIALLY
    DEFERRED``), and a rolled-back transaction never checks them; a ``COPY`` on its own, in autocommit, checks
    every one. So the constraints are made immediate first: ``COPY`` pays for the same checks the import pays
    at its commit. The commit's flush of the write-ahead log is still not in ``COPY``'s time (the import's
    time includes its own), which favours ``COPY``.
    """
    from django.db import connection, transaction

    tables = [("population_person", f"id > {int(last_pk)}"),
              ("population_residence", f"person_id > {int(last_pk)}"),
              ("population_lifeevent", f"person_id > {int(last_pk)}")]
    spools = {}
    with connection.cursor() as cursor, contextlib.ExitStack() as files:
        raw = cursor.connection
        for table, where in tables:
            spool = files.enter_context(tempfile.TemporaryFile())
            with raw.cursor().copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as out:
                for block in out:
                    spool.write(block)
            spools[table] = spool
        rows = 0
        with transaction.atomic():
            cursor.execute(f"DELETE FROM population_person_tags WHERE person_id > {int(last_pk)}")
            for table, where in reversed(tables):
                cursor.execute(f"DELETE FROM {table} WHERE {where}")
                rows += cursor.rowcount
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            started = time.perf_counter()
            for table, _where in tables:
                spool = spools[table]
                spool.seek(0)
                with raw.cursor().copy(f"COPY {table} FROM STDIN") as into:
                    while block := spool.read(1 << 20):
                        into.write(block)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
    return rows, elapsed


# The clerk's import path --------------------------------------------------------------------------------------

IMPORT_PREFIX = "population_bench-"
# Division codes the demo builder never uses (it uses 310101…310115 and its MIGRANT_DIVISIONS), so the ID
# numbers made here cannot collide with the demo's; runs do not collide with each other (see import_id).
IMPORT_SHANGHAI = ["310113", "310114", "310116", "310117", "310118", "310120", "310151"]
IMPORT_MIGRANT = [
    ("340102", "安徽省合肥市瑶海区"),
    ("320106", "江苏省南京市鼓楼区"),
    ("330102", "浙江省杭州市上城区"),
    ("410102", "河南省郑州市中原区"),
    ("610113", "陕西省西安市雁塔区"),
]
IMPORT_FIRST_BIRTH = (1950, 1, 1)
IMPORT_BIRTH_DAYS = 20_000  # birth dates 1950-01-01 … 2004-10
IMPORT_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
IMPORT_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌宇浩晨欣怡子涵佳琪雨轩梓萱俊峰"


def import_id(k: int, division: str) -> tuple[str, Any, str]:
    """The k-th ID number of the bench (k over all runs): a bijection k -> (birth date, sequence) with the sex
    bit in the sequence's parity, so distinct k give distinct numbers whatever ``division`` is."""
    import datetime as dt

    from shequ.core import idnumbers

    pair, female = divmod(k, 2)
    slot, day = divmod(pair, IMPORT_BIRTH_DAYS)
    if slot >= 499:
        raise SystemExit("the bench has used up its ID numbers: rebuild the database")
    birth = dt.date(*IMPORT_FIRST_BIRTH) + dt.timedelta(days=day)
    sex = "F" if female else "M"
    sequence = 2 * slot + 1 + female  # 1…998, odd for men, even for women
    return idnumbers.make(division, birth, sequence, sex), birth, sex


def import_run_number() -> int:
    """How many bench imports the registry already holds (their audit entries cannot be deleted)."""
    from shequ.core.models import AuditEntry
    from shequ.population.actions import PEOPLE_IMPORTED

    return AuditEntry.objects.filter(event=PEOPLE_IMPORTED, after__filename__startswith=IMPORT_PREFIX).count()


def write_import_file(path: Path, actor: Any, rows: int, first_k: int, seed: int) -> None:
    """A clerk's spreadsheet of ``rows`` new residents at existing addresses in the actor's area."""
    import datetime as dt

    from openpyxl import Workbook

    from shequ.core.models import Dwelling
    from shequ.core.queries import compounds
    from shequ.population.importing import TEMPLATE_HEADERS
    from shequ.population.models import Tag

    rng = random.Random(seed + first_k)
    # The importer finds a compound by name within the actor's area: use names that are unique there.
    names: dict[str, list[int]] = {}
    for pk, name in compounds(actor).values_list("pk", "name"):
        names.setdefault(name, []).append(pk)
    unique = [pks[0] for pks in names.values() if len(pks) == 1]
    dwelling_ids = list(Dwelling.objects.filter(building__compound_id__in=unique).values_list("pk", flat=True))
    chosen = rng.sample(dwelling_ids, min(len(dwelling_ids), max(1, rows // 2)))  # about two people per address
    addresses = []
    for start in range(0, len(chosen), 5000):
        addresses += list(
            Dwelling.objects.filter(pk__in=chosen[start : start + 5000]).values_list(
                "building__compound__name", "building__number", "room"
            )
        )
    tags = list(Tag.objects.values_list("name", flat=True))
    today = dt.date.today()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("居民")
    sheet.append(TEMPLATE_HEADERS)
    column = {header: position for position, header in enumerate(TEMPLATE_HEADERS)}
    for k in range(first_k, first_k + rows):
        kind = rng.choices(["户籍", "人户分离", "来沪"], [60, 10, 30])[0]
        if kind == "来沪":
            division, hukou = rng.choice(IMPORT_MIGRANT)
        else:
            division, hukou = rng.choice(IMPORT_SHANGHAI), ""
        id_number, birth, sex = import_id(k, division)
        compound, building, room = rng.choice(addresses)
        moved_in = max(birth, dt.date(1995, 1, 1)) + dt.timedelta(days=rng.randint(0, 9000))
        cells: list[Any] = [""] * len(TEMPLATE_HEADERS)
        cells[column["姓名"]] = rng.choice(IMPORT_SURNAMES) + "".join(
            rng.choice(IMPORT_GIVEN) for _ in range(rng.choice((1, 2, 2)))
        )
        cells[column["证件类型"]] = "身份证"
        cells[column["证件号码"]] = id_number  # text, as clerks keep 18-digit numbers
        cells[column["性别"]] = "男" if sex == "M" else "女"
        cells[column["出生日期"]] = birth
        cells[column["手机"]] = (
            rng.choice(["13", "15", "18", "17", "19"]) + f"{rng.randint(0, 999999999):09d}"
            if rng.random() < 0.9
            else ""
        )
        cells[column["居住类型"]] = kind
        cells[column["小区"]] = compound
        cells[column["楼号"]] = building
        cells[column["室号"]] = room
        cells[column["民族"]] = "汉族"
        cells[column["户籍地址"]] = hukou
        cells[column["标签"]] = rng.choice(tags) if tags and rng.random() < 0.05 else ""
        cells[column["入住日期"]] = min(moved_in, today - dt.timedelta(days=1))
        sheet.append(cells)
    workbook.save(path)


def import_rate(actor: Any, rows: int, seed: int) -> dict[str, Any]:
    """Import a generated spreadsheet through ``import_people`` as ``actor``; time it, split, against COPY."""
    from django.db.models import Max

    from shequ.population import importing
    from shequ.population.models import Person

    run = import_run_number()
    filename = f"{IMPORT_PREFIX}{run:04d}.xlsx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        started = time.perf_counter()
        write_import_file(path, actor, rows, first_k=run * rows, seed=seed)
        made = time.perf_counter() - started
        size = path.stat().st_size
        print(f"  {filename}: {rows:,} rows, {size / 1e6:.1f} MB, made in {made:.1f} s (not timed)", flush=True)
        last_pk = Person.objects.aggregate(last=Max("pk"))["last"] or 0
        marks: dict[str, float] = {}
        read_rows, write = importing.read_rows, importing._write

        def timed_read_rows(*args: Any, **kwargs: Any) -> Any:
            found = read_rows(*args, **kwargs)
            marks["read"] = time.perf_counter()
            return found

        def timed_write(*args: Any, **kwargs: Any) -> Any:
            marks["write"] = time.perf_counter()
            return write(*args, **kwargs)

        importing.read_rows, importing._write = timed_read_rows, timed_write  # type: ignore[assignment]
        checkpoint()
        try:
            started = time.perf_counter()
            result = importing.import_people(actor=actor, file=path, filename=filename)
            ended = time.perf_counter()  # after the commit
        finally:
            importing.read_rows, importing._write = read_rows, write  # type: ignore[assignment]
    figures: dict[str, Any] = {"result": result, "seconds": ended - started}
    if not result.ok:
        return figures
    figures["read"] = marks["read"] - started
    figures["check"] = marks["write"] - marks["read"]
    figures["write"] = ended - marks["write"]
    checkpoint()
    figures["copy_rows"], figures["copy_seconds"] = copy_rate(where=f"id > {int(last_pk)}")
    checkpoint()
    figures["all_copy_rows"], figures["all_copy_seconds"] = copy_rate_of_everything_written(int(last_pk))
    checkpoint()
    figures["registry_copy_rows"], figures["registry_copy_seconds"] = copy_rate_into_registry(
        where=f"id > {int(last_pk)}")
    return figures


def sample_queries(user: Any, count: int, seed: int) -> dict[str, list[str]]:
    """Queries a clerk would type, taken from people in the committee worker's neighborhood."""
    from shequ.population.choices import IdType, PersonStatus
    from shequ.population.models import Person

    rng = random.Random(seed)
    ids = list(
        Person.objects.filter(neighborhood_id=user.neighborhood_id, status=PersonStatus.ACTIVE).values_list(
            "id", flat=True
        )
    )
    chosen = rng.sample(ids, min(len(ids), count * 3))
    people = list(Person.objects.filter(pk__in=chosen))
    rng.shuffle(people)
    chinese = [p for p in people if p.id_type == IdType.RESIDENT_ID]
    mobiles = [p for p in people if len(p.phone or "") == 11]
    return {
        "name prefix": [p.name[:2] for p in chinese[:count]],
        "pinyin full": [p.name_pinyin for p in chinese[:count]],
        "pinyin initials": [p.name_initials for p in chinese[:count]],
        "ID number": [p.id_number for p in chinese[:count]],
        "phone": [p.phone for p in mobiles[:count]],
    }


def time_search(user: Any, queries: list[str]) -> tuple[list[float], list[float], int]:
    from django.db import connection

    from shequ.population.queries import search_people

    orm, raw, hits = [], [], 0
    for query in queries[:5]:  # warm up
        list(search_people(user, query)[:30])
    for query in queries:
        started = time.perf_counter()
        found = list(search_people(user, query)[:30])
        orm.append(time.perf_counter() - started)
        hits += bool(found)
        sql, params = search_people(user, query)[:30].query.sql_with_params()
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            raw.append(time.perf_counter() - started)
    return orm, raw, hits


def time_runs(function: Callable[[], Any], runs: int = 5) -> list[float]:
    function()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shequ_bench")
    )
    parser.add_argument("--reuse", action="store_true", help="measure the demo already in the database")
    parser.add_argument(
        "--import-rows", type=int, default=20_000, help="rows of the spreadsheet imported in (a2); 0 skips it"
    )
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import connection

    from shequ.core.models import User
    from shequ.population.models import Person
    from shequ.population.queries import population_dynamics

    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, database {connection.settings_dict['NAME']}")
    failures = []

    if not args.reuse:
        print(f"Building {args.residents:,} residents (demo builder, seed {args.seed}) …", flush=True)
        result = reset_and_build(args.residents, args.seed)
        rows, seconds = result.timings["person"]
        total_rows = sum(int(r) for r, _s in result.timings.values())
        print(f"  built in {result.seconds:.1f} s; {total_rows:,} rows over all tables")
        platform_rate = rows / seconds
        copy_rows, copy_seconds = copy_rate()
        copy_rate_ = copy_rows / copy_seconds
        ratio = platform_rate / copy_rate_
        print("\n(a) import of people (population_person)")
        print(f"  platform bulk path : {int(rows):>9,} rows in {seconds:7.1f} s = {platform_rate:>9,.0f} rows/s")
        print(f"  PostgreSQL COPY    : {copy_rows:>9,} rows in {copy_seconds:7.1f} s = {copy_rate_:>9,.0f} rows/s")
        print(f"  ratio              : {ratio:.0%} of COPY (target ≥ {TARGET_IMPORT_RATIO:.0%})")
        for table, (n, s) in result.timings.items():
            if n:
                print(f"    {table:<16} {int(n):>10,} rows {s:7.1f} s {n / s if s else 0:>9,.0f} rows/s")
        if ratio < TARGET_IMPORT_RATIO:
            failures.append(f"import {ratio:.0%} of COPY")
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # indexes added since the build
        vacuum()

    if args.import_rows:
        print(f"\n(a2) the clerk's import (importing.import_people, .xlsx) of {args.import_rows:,} new residents")
        figures = import_rate(User.objects.get(username="admin"), args.import_rows, args.seed)
        result, seconds = figures["result"], figures["seconds"]
        if not result.ok:
            print(f"  import refused after {seconds:.1f} s: {len(result.errors):,} errors, e.g.")
            for error in result.errors[:10]:
                print(f"    row {error.row} {error.column} {error.value!r}: {error.message}")
            failures.append("import refused the generated file")
        else:
            rate = result.created / seconds
            copy_rows, copy_seconds = figures["copy_rows"], figures["copy_seconds"]
            copy_rate_ = copy_rows / copy_seconds
            ratio = rate / copy_rate_
            print(
                f"  import_people      : {result.created:>9,} rows in {seconds:7.2f} s = {rate:>9,.0f} rows/s "
                f"({result.households:,} households created)"
            )
            figures["read + check"] = figures["read"] + figures["check"]
            for label, part in (
                ("read (.xlsx)", "read"),
                ("check", "check"),
                ("read + check", "read + check"),
                ("write + commit", "write"),
            ):
                share = figures[part] / seconds
                print(f"    {label:<16} {figures[part]:7.2f} s  {share:4.0%}")
            print(f"  COPY, empty table  : {copy_rows:>9,} rows in {copy_seconds:7.2f} s = {copy_rate_:>9,.0f} rows/s"
                  f"   (import = {ratio:.0%} of it)")
            registry_rows, registry_seconds = figures["registry_copy_rows"], figures["registry_copy_seconds"]
            registry_rate = registry_rows / registry_seconds
            registry_ratio = rate / registry_rate
            print(f"  COPY, the registry : {registry_rows:>9,} rows in {registry_seconds:7.2f} s = "
                  f"{registry_rate:>9,.0f} rows/s   (import = {registry_ratio:.0%} of it)")
            all_rows, all_seconds = figures["all_copy_rows"], figures["all_copy_seconds"]
            same_rows_ratio = all_seconds / seconds  # the same rows both ways: the ratio of the rates
            print(f"  COPY, same rows    : {all_rows:>9,} rows (its people, residences, life events) back into "
                  f"their tables in {all_seconds:7.2f} s = {all_rows / all_seconds:>9,.0f} rows/s; the import wrote "
                  f"them at {all_rows / seconds:,.0f} rows/s (import = {same_rows_ratio:.0%} of it)")
            print(f"  ratio              : {same_rows_ratio:.0%} of COPY of the same rows (target ≥ "
                  f"{TARGET_IMPORT_RATIO:.0%}); per person: {registry_ratio:.0%} of COPY of the person rows into the "
                  f"registry, {ratio:.0%} into an empty table")
            if same_rows_ratio < TARGET_IMPORT_RATIO:
                failures.append(f"clerk's import {same_rows_ratio:.0%} of COPY")
        # The import and the COPY baselines leave new and dead rows that autovacuum would soon tidy; without
        # that, the counts in (c) read the table for pages not yet marked all-visible.
        vacuum()
    people = Person.objects.count()
    print(f"\nRegistry: {people:,} people")

    admin = User.objects.get(username="admin")
    worker = User.objects.get(username="huashan")
    queries = sample_queries(worker, args.queries, args.seed)
    print(f"\n(b) search latency, ms, {args.queries} queries per kind, search_people(...)[:30] vs its raw SQL")
    print(f"  {'user':<10} {'kind':<16} {'ORM p50':>8} {'ORM p95':>8} {'SQL p50':>8} {'SQL p95':>8} {'found':>6}")
    for label, user in (("admin", admin), ("committee", worker)):
        for kind, texts in queries.items():
            orm, raw, hits = time_search(user, texts)
            orm_p95 = _ms(_percentile(orm, 0.95))
            print(
                f"  {label:<10} {kind:<16} {_ms(statistics.median(orm)):8.2f} {orm_p95:8.2f} "
                f"{_ms(statistics.median(raw)):8.2f} {_ms(_percentile(raw, 0.95)):8.2f} {hits:>3}/{len(texts)}",
                flush=True,
            )
            if orm_p95 >= TARGET_SEARCH_P95_MS:
                failures.append(f"search {label} {kind} p95 {orm_p95:.1f} ms")

    print("\n(c) population dynamics: the page as the worker keeps it, against the count behind it")
    from django.test import Client
    from django.urls import reverse

    from shequ.population.actions import count_population, population_counts_stale

    recount = time_runs(count_population, runs=3)
    print(f"  recount of everyone (the worker's job, count_population): p50 {_ms(statistics.median(recount)):.1f} ms"
          f" (runs: {', '.join(f'{_ms(t):.0f}' for t in recount)})")
    check = time_runs(population_counts_stale, runs=20)
    print(f"  the worker's check for changes since (population_counts_stale): "
          f"p50 {_ms(statistics.median(check)):.2f} ms")
    for label, user in (("admin", admin), ("committee", worker)):
        client = Client()
        client.force_login(user)

        def page(client: Client = client) -> None:
            response = client.get(reverse("population:dynamics"))
            assert response.status_code == 200, response.status_code

        times = time_runs(page, runs=20)
        p50, p95 = _ms(statistics.median(times)), _ms(_percentile(times, 0.95))
        function = time_runs(lambda user=user: population_dynamics(user), runs=20)
        print(f"  {label:<10} page p50 {p50:6.1f} ms, p95 {p95:6.1f} ms; population_dynamics() p50 "
              f"{_ms(statistics.median(function)):6.1f} ms; page p95 / recount p50 = "
              f"{p95 / _ms(statistics.median(recount)):.2f}")
        if p95 >= TARGET_DYNAMICS_MS:
            failures.append(f"dynamics {label} p95 {p95:.0f} ms")

    print("\nTargets: import ≥ 30% of COPY, every search p95 < 50 ms, dynamics < 300 ms")
    print("MISSED: " + "; ".join(failures) if failures else "All targets met.")


if __name__ == "__main__":
    main()
