"""The front door and the desks: how long each role's home takes to render, beside a trivial page.

Builds the demo sub-district (``--residents`` people) in a temporary SQLite database, or uses ``DATABASE_URL``
(its tables are dropped and rebuilt), signs in as the demo users and renders, through Django's test client
(no network, no server), each of:

- the sign-in page (the baseline: a template and a form, no query);
- the public home ``/`` (notices, hotline);
- a resident's home ``/me/`` (her tiles: requests, card, loans, health, volunteering);
- the staff desk ``/desk/`` of the administrator, a clerk and a committee worker (every count of the role);
- the leadership dashboard ``/dashboard/`` (every figure for a day and a month, 12-month trends).

For each it prints the median and the 90th percentile of ``--repeat`` renders in milliseconds, the number of SQL
queries of one render, and the median as a multiple of the baseline's, measured in the same run.

    .venv/bin/python bench/pages_bench.py --residents 5000 --repeat 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="shequ-pages-bench-"))
    os.environ.setdefault("SHEQU_TESTING", "1")
    os.environ.setdefault("SHEQU_DATA_DIR", str(work))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from shequ.core.models import User
    from shequ.demo import builder

    settings.ALLOWED_HOSTS = ["*"]
    call_command("flush" if connection.vendor == "postgresql" else "migrate", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    builder.build(residents=args.residents)
    print(f"demo sub-district with {args.residents} residents built in {time.perf_counter() - started:.0f} s "
          f"({connection.vendor})")

    def client_for(username: str | None) -> Client:
        client = Client()
        if username is not None:
            client.force_login(User.objects.get(username=username))
        return client

    resident = User.objects.filter(role="resident").order_by("pk").first()
    pages = [
        ("sign-in page (baseline)", None, "/login/"),
        ("public home /", None, "/"),
        ("resident home /me/", resident.username if resident else None, "/me/"),
        ("administrator's desk", "admin", "/desk/"),
        ("clerk's desk", "clerk", "/desk/"),
        ("committee worker's desk", "huashan", "/desk/"),
        ("leadership dashboard", "admin", "/dashboard/"),
    ]
    results = []
    for label, username, path in pages:
        client = client_for(username)
        assert client.get(path).status_code == 200, (label, path)  # warm the template cache
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):  # type: ignore[no-untyped-def]
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path)
        times = []
        for _ in range(args.repeat):
            tick = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - tick) * 1000)
        times.sort()
        results.append((label, statistics.median(times), times[int(len(times) * 0.9) - 1], len(executed)))

    baseline = results[0][1]
    print(f"\n{'page':28} {'p50 ms':>8} {'p90 ms':>8} {'queries':>8} {'× baseline':>11}")
    for label, median, p90, count in results:
        print(f"{label:28} {median:8.1f} {p90:8.1f} {count:8d} {median / baseline:11.1f}")


if __name__ == "__main__":
    main()
