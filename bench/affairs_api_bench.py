"""Creating service requests over the REST API, on PostgreSQL: requests per second and latency p50/p95.

    createdb -h 127.0.0.1 -U postgres shequ_bench_affairs
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_bench_affairs \\
        .venv/bin/python bench/affairs_api_bench.py --residents 3000 --requests 2000

**The database named by DATABASE_URL is wiped** (its public schema dropped) and the demo sub-district built
with --residents people (which includes the demo service centre). Then one client, in this process, POSTs
--requests requests to /api/v1/service-requests/ through DRF's test client: the whole Django stack (middleware,
token-less session authentication, role check, validation, ``actions.create_request`` with the caller matched
by phone through the blind index, the deadline in working days, the RequestStep, the audit entry, the commit
and the on-commit text message to the log) but no HTTP server or network. It prints requests/s and p50/p95
latency, against a baseline: ``bulk_create`` of the same number of ServiceRequest rows (the bare insert cost),
as a ratio. The issue's target is ≥ 200 requests/s on the 2-core build machine; the HTTP server (gunicorn)
and several clients at once are not measured here.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_PER_SECOND = 200


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    if not (ROOT / "var" / "secrets" / "SHEQU_FIELD_KEYS").exists() and not os.environ.get("SHEQU_FIELD_KEYS"):
        os.environ["SHEQU_TESTING"] = "1"  # development keys: a benchmark holds no real data
    import django

    django.setup()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--residents", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("give a PostgreSQL DATABASE_URL (its public schema is dropped)")
    _setup(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from shequ.affairs import workdays
    from shequ.affairs.choices import Channel
    from shequ.affairs.models import Service, ServiceRequest
    from shequ.affairs.samples import generate
    from shequ.core.models import User
    from shequ.demo import builder
    from shequ.population.models import Person

    logging.getLogger("shequ.sms").setLevel(logging.WARNING)  # the log backend would print every message
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    builder.build(residents=args.residents, seed=args.seed)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"demo with {args.residents} residents built in {time.perf_counter() - started:.0f} s")

    rng = random.Random(args.seed)
    operator = User.objects.get(username="hotline")
    client = APIClient()
    client.force_authenticate(operator)
    phones = [p.phone for p in Person.objects.exclude(phone_index="").order_by("id")[:2000]]
    dwellings = list(Person.objects.filter(dwelling__isnull=False).values_list("dwelling_id", flat=True)[:2000])
    samples = generate(args.requests, seed=args.seed, training=False)
    bodies = [{"service": s.code, "description": s.text, "channel": "hotline", "caller_phone": rng.choice(phones),
               "dwelling": rng.choice(dwellings)} for s in samples]
    client.post("/api/v1/service-requests/", bodies[0], format="json")  # warm up (imports, caches)
    latencies = []
    began = time.perf_counter()
    for body in bodies:
        t0 = time.perf_counter()
        response = client.post("/api/v1/service-requests/", body, format="json")
        latencies.append(time.perf_counter() - t0)
        if response.status_code != 201:
            sys.exit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    elapsed = time.perf_counter() - began
    rate = len(bodies) / elapsed

    services = {s.code: s for s in Service.objects.all()}
    now = timezone.now()
    rows = [ServiceRequest(number=f"B{i:012d}", channel=Channel.API, service=services[s.code], description=s.text,
                           subdistrict_id=operator.subdistrict_id, created_at=now,
                           due_at=workdays.due_at(services[s.code], now)) for i, s in enumerate(samples)]
    t0 = time.perf_counter()
    ServiceRequest.objects.bulk_create(rows, batch_size=1000)
    bulk_rate = len(rows) / (time.perf_counter() - t0)

    print(f"API create: {len(bodies)} requests in {elapsed:.1f} s = {rate:.0f}/s; "
          f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {_percentile(latencies, 0.95) * 1000:.1f} ms")
    print(f"baseline bulk_create of the same rows: {bulk_rate:.0f}/s; API/baseline = {rate / bulk_rate:.1%}")
    print(f"target ≥ {TARGET_PER_SECOND}/s: {'met' if rate >= TARGET_PER_SECOND else 'MISSED'}")


if __name__ == "__main__":
    main()
