"""The service centre at scale, on PostgreSQL: the open-queue page and the month's assessment page with a million
residents and 500,000 historical requests, p50/p95, against the raw SQL of each page's main query.

    createdb -h 127.0.0.1 -U postgres -T shequ_bench1m shequ_affairs1m     # a copy of the 1M-resident registry
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_affairs1m \\
        .venv/bin/python bench/affairs_bench.py --requests 500000 --runs 30
    # measure again without adding requests:
    DATABASE_URL=… .venv/bin/python bench/affairs_bench.py --reuse

The database must hold a registry built by ``bench/population_bench.py`` (the demo sub-district and its staff).
The script migrates it, builds the demo service centre (departments, catalogue, members) if absent, and adds
--requests historical requests spread over the last 18 months, in every state (accepted … closed, merged),
each with its steps (accepted, dispatched, started, resolved, confirmed, closed), generated inside PostgreSQL
by one ``INSERT … SELECT`` per table (no rows cross the wire: faster still than COPY). Then, as the
sub-district clerk and as a committee worker, it requests (Django test client: middleware, scope, query,
template) the open-queue page and the assessment page of one whole month --runs times, and runs the raw SQL of
each page's main query as many times, and prints p50/p95 and the page/SQL ratio. Target: p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_MS = 300
MONTHS = 18


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


def _service_centre() -> None:
    from shequ.affairs.demo import build_service_centre
    from shequ.affairs.models import Department
    from shequ.core.models import Compound, Neighborhood, User

    if Department.objects.exists():
        return
    admin = User.objects.get(username="admin")
    users = {u.username: u for u in User.objects.exclude(role="resident")}
    build_service_centre(admin=admin, users=users, neighborhoods=list(Neighborhood.objects.order_by("id")),
                         compounds=list(Compound.objects.order_by("id")), seed=20261124,
                         today=dt.date.today(), password_hash=admin.password, requests=0)


# One request per row of generate_series; r1…r5 are its dice. Its state follows its age: the last ten days
# hold every state, older requests are mostly done (a few still open and overdue, 1% merged).
_REQUESTS_SQL = """
INSERT INTO affairs_servicerequest (
    number, token, channel, service_id, is_emergency, description, subdistrict_id, neighborhood_id, compound_id,
    address, caller_name, caller_phone, caller_phone_index, created_by_id, status, department_id, assignee_id,
    created_at, updated_at, dispatched_at, started_at, resolved_at, confirmed_at, closed_at, due_at, resolution,
    satisfaction, satisfaction_comment, reopen_count, merged_into_id)
SELECT 'H' || lpad(g::text, 11, '0'), gen_random_uuid(), (ARRAY['hotline','counter','portal','api'])[1 + (g %% 4)],
    s.id, s.is_emergency, %(texts)s::text[] || '', %(subdistrict)s, c.neighborhood_id, c.id, c.name, '', '', '',
    %(operator)s, st.status, CASE WHEN st.status = 'accepted' THEN NULL ELSE s.department_id END,
    CASE WHEN st.status <> 'accepted' AND r4 < 0.7 THEN %(assignees)s::int[] || 0 END,
    t.created, t.created,
    CASE WHEN st.status <> 'accepted' THEN t.created + interval '1 hour' * (1 + r3 * 4) END,
    CASE WHEN st.status NOT IN ('accepted', 'dispatched', 'merged') THEN t.created + interval '1 hour' * (5 + r3 * 8)
    END,
    CASE WHEN st.status IN ('resolved', 'confirmed', 'closed') THEN t.created + interval '1 hour' * (8 + r5 * 24 * 9)
    END,
    CASE WHEN st.status IN ('confirmed', 'closed') AND r4 < 0.8 THEN t.created + interval '1 hour' * (8 + r5 * 216 + 20)
    END,
    CASE WHEN st.status = 'closed' THEN t.created + interval '1 hour' * (8 + r5 * 216 + 48) END,
    t.created + interval '1 day' * s.days,
    CASE WHEN st.status IN ('resolved', 'confirmed', 'closed') THEN '已处理' ELSE '' END,
    CASE WHEN st.status IN ('confirmed', 'closed') AND r4 < 0.8 THEN 1 + floor(r2 * 5)::int END, '',
    CASE WHEN r4 > 0.97 THEN 1 ELSE 0 END,
    CASE WHEN st.status = 'merged' THEN %(anchor)s::bigint END
FROM (
    SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
           1 + floor(random() * %(n_services)s)::int AS si, 1 + floor(random() * %(n_compounds)s)::int AS ci
    FROM generate_series(1, %(n)s) AS g
) AS d
CROSS JOIN LATERAL (SELECT now() - interval '1 day' * (%(days)s * power(d.r1, 1.0)) AS created) AS t
CROSS JOIN LATERAL (
    SELECT sv.id, sv.is_emergency, sv.department_id,
           CASE WHEN sv.sla_unit = 'hours' THEN sv.sla_amount / 24.0 ELSE sv.sla_amount * 1.4 END AS days
    FROM affairs_service AS sv WHERE sv.id = (%(services)s::int[])[d.si]
) AS s
CROSS JOIN LATERAL (
    SELECT cp.id, cp.name, cp.neighborhood_id FROM core_compound AS cp WHERE cp.id = (%(compounds)s::int[])[d.ci]
) AS c
CROSS JOIN LATERAL (SELECT CASE
    WHEN t.created > now() - interval '10 days' THEN
        (ARRAY['accepted','dispatched','in_progress','returned','resolved','confirmed','closed'])
        [1 + floor(r2 * 7)::int]
    WHEN r3 < 0.01 THEN 'merged'
    WHEN r3 < 0.02 THEN (ARRAY['dispatched','in_progress'])[1 + floor(r2 * 2)::int]
    ELSE (ARRAY['resolved','confirmed','closed','closed'])[1 + floor(r2 * 4)::int] END AS status) AS st
"""

# The steps a request in that state went through, at its recorded times.
_STEPS_SQL = """
INSERT INTO affairs_requeststep (request_id, kind, from_status, to_status, actor_id, at, note, department_id,
                                 assignee_id)
SELECT r.id, x.kind, x.from_status, x.to_status, %(operator)s, x.at, '', x.department_id, x.assignee_id
FROM affairs_servicerequest AS r
CROSS JOIN LATERAL (VALUES
    ('created', '', 'accepted', r.created_at, NULL::bigint, NULL::bigint),
    ('dispatched', 'accepted', 'dispatched', r.dispatched_at, r.department_id, r.assignee_id),
    ('started', 'dispatched', 'in_progress', r.started_at, NULL, NULL),
    ('resolved', 'in_progress', 'resolved', r.resolved_at, NULL, NULL),
    ('confirmed', 'resolved', 'confirmed', r.confirmed_at, NULL, NULL),
    ('closed', 'confirmed', 'closed', r.closed_at, NULL, NULL)
) AS x (kind, from_status, to_status, at, department_id, assignee_id)
WHERE r.number LIKE 'H%%' AND x.at IS NOT NULL
"""


def _add_requests(n: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from shequ.affairs import samples
    from shequ.affairs.models import DepartmentMember, Service, ServiceRequest
    from shequ.core.models import Compound, User

    operator = User.objects.get(username="hotline")
    anchor = ServiceRequest.objects.filter(number="H-ANCHOR").first()
    first_service = Service.objects.order_by("id").first()
    assert first_service is not None
    if anchor is None:
        now = timezone.now()
        anchor = ServiceRequest.objects.create(
            number="H-ANCHOR", channel="hotline", service=first_service, description="merge target",
            subdistrict_id=operator.subdistrict_id, created_at=now, due_at=now, created_by=operator)
    services = list(Service.objects.order_by("id").values_list("id", flat=True))
    compounds = list(Compound.objects.filter(neighborhood__subdistrict_id=operator.subdistrict_id)
                     .order_by("id").values_list("id", flat=True))
    assignees = list(DepartmentMember.objects.values_list("user_id", flat=True).distinct())
    texts = [s.text for s in samples.generate(200, seed=1, training=False)]
    params: dict[str, Any] = {
        "texts": "{}", "subdistrict": operator.subdistrict_id, "operator": operator.pk, "anchor": anchor.pk,
        "services": services, "n_services": len(services), "compounds": compounds, "n_compounds": len(compounds),
        "days": MONTHS * 30.4, "n": n, "assignees": assignees,
    }
    sql = (_REQUESTS_SQL
           .replace("%(texts)s::text[] || ''", "(%(texts)s::text[])[1 + (g %% 200)]")
           .replace("%(assignees)s::int[] || 0", f"(%(assignees)s::int[])[1 + (g %% {len(assignees)})]"))
    params["texts"] = texts
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        made = cursor.rowcount
        cursor.execute(_STEPS_SQL, {"operator": operator.pk})
        steps = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE affairs_servicerequest")
        cursor.execute("VACUUM ANALYZE affairs_requeststep")
    print(f"added {made:,} requests and {steps:,} steps in {time.perf_counter() - started:.0f} s")


def _time(fn: Any, runs: int) -> list[float]:
    fn()  # warm up: imports, template loading, the plan cache
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _raw(sql: str, params: Any) -> Any:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--requests", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="measure only; add no requests")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("give the PostgreSQL DATABASE_URL of a copy of a population_bench registry")
    _setup(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from shequ.affairs import assessment, queries
    from shequ.affairs.choices import Status
    from shequ.affairs.models import ServiceRequest
    from shequ.core.models import User
    from shequ.core.scopes import can
    from shequ.population.models import Person

    logging.getLogger("shequ.sms").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    _service_centre()
    if not args.reuse:
        _add_requests(args.requests)
    people = Person.objects.count()
    total = ServiceRequest.objects.count()
    open_count = ServiceRequest.objects.filter(status__in=queries.OPEN_STATUSES).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM affairs_requeststep")
        steps = cursor.fetchone()[0]
    print(f"database: {people:,} people, {total:,} requests ({open_count:,} open), {steps:,} steps; "
          f"load average {os.getloadavg()[0]:.1f}")

    month_start, month_end = assessment.month_bounds(timezone.localdate() - dt.timedelta(days=60))
    clerk = User.objects.get(username="clerk")
    committee = User.objects.filter(role="committee").order_by("id").first()
    assert committee is not None
    missed = []
    rows = []
    for who in (clerk, committee):
        client = Client()
        client.force_login(who)
        queue_qs = queries.queue(who)
        queue_sql, queue_params = queue_qs[:30].query.sql_with_params()
        begin, finish = assessment._bounds(month_start, month_end)
        month_qs = (queries.requests(who).filter(created_at__gte=begin, created_at__lt=finish)
                    .exclude(status=Status.MERGED))
        month_sql, month_params = (month_qs.order_by().values("department_id", "department__name")
                                   .annotate(**assessment._figures(timezone.now())).query.sql_with_params())
        url = f"/affairs/assessment/?start={month_start:%Y-%m-%d}&end={month_end:%Y-%m-%d}"

        def page(path: str, client: Client = client) -> Any:
            def run() -> None:
                response = client.get(path)
                assert response.status_code == 200, response.status_code

            return run

        def assess(who: User = who) -> Any:
            return lambda: assessment.assess(who, month_start, month_end)

        # A committee worker has no assessment page (no export permission): her figures are timed without it.
        exports = can(who, ServiceRequest, "export")
        for label, page_fn, raw_fn in (
            ("open queue", page("/affairs/requests/"), _raw(queue_sql, queue_params)),
            (f"assessment {month_start:%Y-%m}" + ("" if exports else " (function)"), page(url) if exports
             else assess(), _raw(month_sql, month_params)),
        ):
            pages = _time(page_fn, args.runs)
            raws = _time(raw_fn, args.runs)
            p50, p95 = statistics.median(pages), _percentile(pages, 0.95)
            r50, r95 = statistics.median(raws), _percentile(raws, 0.95)
            rows.append((f"{who.username} ({who.role})", label, p50, p95, r50, r95))
            if p95 >= TARGET_MS:
                missed.append(f"{who.username} {label}")
    print(f"{'user':20} {'page':31} {'page p50':>9} {'p95':>7} {'SQL p50':>8} {'p95':>7} {'page/SQL p50':>13}")
    for user, label, p50, p95, r50, r95 in rows:
        print(f"{user:20} {label:31} {p50:8.1f}ms {p95:6.1f}ms {r50:7.1f}ms {r95:6.1f}ms {p50 / max(r50, 0.01):12.1f}x")
    print(f"load average now {os.getloadavg()[0]:.1f}")
    print(f"target p95 < {TARGET_MS} ms: " + ("met" if not missed else "MISSED: " + ", ".join(missed)))


if __name__ == "__main__":
    main()
