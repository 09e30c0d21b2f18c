"""Benchmark of card payments: meals bought over the terminal HTTP API by 16 concurrent canteen tills
on PostgreSQL, beside pgbench's built-in tpcb-like transaction with 16 clients on the same database in
the same run.

    createdb -h 127.0.0.1 -U postgres shequ_cards_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_cards_bench \\
        .venv/bin/python bench/cards_bench.py --seconds 20 --diners 3000

The database named by DATABASE_URL is wiped (its public schema dropped). It builds one sub-district,
4 canteens with 4 tills each (16 terminals with their own tokens), menus for --days days and --diners
elders with a card and cash on it, starts granian as ``shequ serve`` does (--workers × --threads) and streams
``POST /api/v1/terminal/meals/`` from 16 client threads (one per till, keep-alive connections, a new
idempotency key per meal, days spread so the daily limit is never the bottleneck). It prints meals/s and
p50/p99 latency, then pgbench tpcb-like (-c 16) tps on the same server, the ratio, and whether the books
balance afterwards. Targets: p99 < 100 ms, meals/s at least 25% of pgbench's tps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BIN = Path(sys.executable).parent

TILLS = 16
CANTEENS = 4
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.25


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ["SHEQU_TESTING"] = "1"  # development keys: a benchmark holds no real data
    import django

    django.setup()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def build(diners: int, days: int) -> tuple[list[str], list[str], dict[int, dict[dt.date, int]], list[int]]:
    """The world: returns till tokens, card numbers, canteen → day → menu item id, and the till → canteen map."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from shequ.cards import actions as card_actions
    from shequ.cards.models import Card, Entry, Transaction, Wallet
    from shequ.core import actions as core_actions
    from shequ.core.idnumbers import make as make_id
    from shequ.core.models import Building, Compound, Dwelling, Neighborhood, Subdistrict
    from shequ.core.roles import Role
    from shequ.dining import actions as dining_actions
    from shequ.population.models import Person

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    subdistrict = Subdistrict.objects.create(code="310105002", name="江苏路街道", district="长宁区", city="上海市")
    neighborhood = Neighborhood.objects.create(subdistrict=subdistrict, code="310105002001", name="华山居民区")
    compound = Compound.objects.create(neighborhood=neighborhood, name="华山小区", address="华山路1088弄")
    building = Building.objects.create(compound=compound, number="1号")
    dwelling = Dwelling.objects.create(building=building, room="101", label="华山路1088弄1号101室")
    admin = core_actions.create_user(actor=None, username="bench-admin", role=Role.ADMIN, full_name="Bench",
                                     subdistrict=subdistrict)
    today = timezone.localdate()
    people = [Person(name=f"老人{i}", sex="F", birth_date=dt.date(1940 + i % 25, 1 + i % 12, 1 + i % 28),
                     id_number=make_id("310105", dt.date(1940 + i % 25, 1 + i % 12, 1 + i % 28), i % 999 + 1, "F"),
                     residence_type="registered", subdistrict=subdistrict, neighborhood=neighborhood,
                     compound=compound, dwelling=dwelling) for i in range(diners)]
    Person.objects.bulk_create(people, batch_size=1000)
    from shequ.cards import numbers

    cards = [Card(number=numbers.new_number(), person=p, subdistrict=subdistrict)
             for p in Person.objects.all()]
    Card.objects.bulk_create(cards, batch_size=1000)
    cash_box = card_actions.system_account(subdistrict.pk, "cash_box")
    wallets, transactions = [], []
    start_cash = 1_000_000
    for card in cards:
        for kind in ("cash", "meal_subsidy", "charity_points", "time_bank"):
            wallets.append(Wallet(card=card, kind=kind, balance=start_cash if kind == "cash" else 0))
        transactions.append(Transaction(kind="top_up", card=card, subdistrict=subdistrict, actor=admin))
    Wallet.objects.bulk_create(wallets, batch_size=2000)
    Transaction.objects.bulk_create(transactions, batch_size=2000)
    cash = {w.card_id: w for w in Wallet.objects.filter(kind="cash")}
    entries = []
    for txn in transactions:
        entries.append(Entry(transaction=txn, wallet=cash[txn.card_id], amount=start_cash, balance_after=start_cash))
        entries.append(Entry(transaction=txn, account=cash_box, amount=-start_cash))
    Entry.objects.bulk_create(entries, batch_size=4000)

    tokens, till_canteen, menus = [], [], {}
    for c in range(CANTEENS):
        canteen = dining_actions.create_canteen(actor=admin, name=f"长者食堂{c + 1}", neighborhood=neighborhood)
        operator = core_actions.create_user(actor=None, username=f"op{c}", role=Role.CANTEEN, full_name="op",
                                            subdistrict=subdistrict)
        dining_actions.add_operator(actor=admin, canteen=canteen, user=operator)
        menus[c] = {}
        for d in range(days):
            day = today - dt.timedelta(days=d)
            menu = dining_actions.set_menu(actor=operator, canteen=canteen, day=day,
                                           items=[("套餐", 1500, "lunch")])
            menus[c][day] = menu.items.get().pk
        for _t in range(TILLS // CANTEENS):
            _terminal, token = card_actions.register_terminal(actor=admin, name=f"till-{c}-{_t}",
                                                              kind="canteen_till", account=canteen.account)
            tokens.append(token)
            till_canteen.append(c)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return tokens, [c.number for c in cards], menus, till_canteen


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "SHEQU_TESTING": "1"}
    server = subprocess.Popen(  # noqa: S603 (our own venv's granian, as shequ serve runs it; fixed arguments)
        [str(BIN / "granian"), "--interface", "wsgi", "shequ.wsgi:application", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers), "--blocking-threads", str(threads), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("granian did not start")


def stream(port: int, tokens: list[str], cards: list[str], menus: dict[int, dict[dt.date, int]],
           till_canteen: list[int], seconds: float) -> tuple[int, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    days = sorted(next(iter(menus.values())))
    # Each (card, day) pair is used at most twice over all tills: the daily limit never refuses.
    plan = [(card, day) for day in days for card in cards for _twice in range(2)]
    cursor = iter(plan)

    def till(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Terminal {tokens[index]}", "Content-Type": "application/json"}
        canteen = till_canteen[index]
        n = 0
        while time.monotonic() < deadline:
            with lock:
                pair = next(cursor, None)
            if pair is None:
                return
            card, day = pair
            when = dt.datetime.combine(day, dt.time(12, 0)).astimezone().isoformat()
            body = json.dumps({"card": card, "item": menus[canteen][day], "idempotency_key": f"{index}-{n}",
                               "occurred_at": when})
            n += 1
            started = time.perf_counter()
            conn.request("POST", "/api/v1/terminal/meals/", body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[answer.status] = statuses.get(answer.status, 0) + 1

    threads = [threading.Thread(target=till, args=(i,)) for i in range(len(tokens))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return int(time.monotonic() - started), latencies, statuses


def pgbench(database_url: str, seconds: int, scale: int) -> float:
    url = urlparse(database_url)
    args = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    database = url.path.lstrip("/")
    subprocess.run(["pgbench", *args, "-i", "-q", "-s", str(scale), database], check=True,  # noqa: S603, S607
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = subprocess.run(["pgbench", *args, "-c", "16", "-j", "2", "-T", str(seconds), "-b", "tpcb-like",  # noqa: S603, S607
                             database], check=True, capture_output=True, text=True)
    found = re.search(r"tps = ([0-9.]+)", result.stdout)
    if not found:
        raise SystemExit(result.stdout + result.stderr)
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--diners", type=int, default=3000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pgbench-scale", type=int, default=16)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://… (the database is wiped)")
    _setup(database_url)
    built = time.perf_counter()
    tokens, cards, menus, till_canteen = build(args.diners, args.days)
    print(f"built {len(cards)} cards, {len(tokens)} tills in {time.perf_counter() - built:.1f} s", flush=True)
    port = _free_port()
    server = serve(database_url, port, args.workers, args.threads)
    try:
        elapsed, latencies, statuses = stream(port, tokens, cards, menus, till_canteen, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    ok = statuses.get(201, 0)
    rate = ok / max(elapsed, 1)
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    print(f"meals over HTTP, {len(tokens)} tills, granian {args.workers}×{args.threads}: {ok} in {elapsed} s = "
          f"{rate:.0f} meals/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms, mean {statistics.fmean(latencies):.1f} ms; "
          f"statuses {statuses}")
    tps = pgbench(database_url, int(args.seconds), args.pgbench_scale)
    print(f"pgbench tpcb-like, 16 clients: {tps:.0f} tps")
    print(f"ratio meals/s : pgbench tps = {rate / tps:.2f} (target ≥ {TARGET_RATIO:.2f}); "
          f"p99 {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms)")
    from shequ.cards.reconciliation import check_books

    report = check_books()
    print(f"books balance: {report.ok} ({report.entries} entries, {report.transactions} transactions)"
          + ("" if report.ok else f" {report.problems()[:5]}"))


if __name__ == "__main__":
    main()
