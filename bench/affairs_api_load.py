"""Creating service requests over HTTP under load: the platform's server on PostgreSQL, concurrent clients.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_affairs1m \\
        .venv/bin/python bench/affairs_api_load.py --workers 2 --clients 6 --seconds 15
    # the same against gunicorn's sync workers (what shequ serve ran before Granian), in the same run:
    DATABASE_URL=… .venv/bin/python bench/affairs_api_load.py --workers 2 --clients 6 --seconds 15 --compare

The database must hold the demo sub-district with its service centre (e.g. the one ``affairs_bench.py`` built:
a million residents, 500,000 requests); the requests this script creates stay in it. It starts Granian with
``shequ.wsgi:application`` and --workers processes (as ``shequ serve`` does, without the task worker and the
access log), gives the hotline operator an API token, and runs --clients threads, each with its own keep-alive
connection (stdlib ``http.client``), for --seconds:

1. baseline: ``GET /api/v1/services/<code>/`` (an authenticated read of one catalogue row: middleware, token
   check, role check, one query, JSON) — what the same server and clients manage for a trivial request;
2. ``POST /api/v1/service-requests/`` with a hotline request (a random service and text, a registry resident's
   phone number, which the platform matches through the blind index, and her dwelling).

It prints requests/s and p50/p95 latency of each, the CPU each process spent per request (the server's
workers, every PostgreSQL process, the load generator), the POST/GET ratio and the load average. With
--compare it then does the same with gunicorn. Target: ≥ 200 creates/s on the 2-core build machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far, and of their children that have ended (Linux /proc), for
    the share of each part. A database connection that closes mid-run (they live 60 s) is counted in the
    postmaster that reaped it, so list the processes afresh at each reading."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def _processes(named: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith(named):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _children(pid: int) -> list[int]:
    return [pid, *(int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]


def _load(port: int, token: str, clients: int, seconds: float, request: Any) -> tuple[int, float, list[float], int]:
    """``request(rng)`` gives (method, path, body); returns (done, elapsed, latencies in ms, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        bad = 0
        while time.perf_counter() < stop:
            method, path, body = request(rng)
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if response.status >= 300:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), time.perf_counter() - began, latencies, failures[0]


def hotline_workload(callers: int) -> tuple[str, str, Callable[[random.Random], dict[str, Any]]]:
    """The hotline operator's API token, a service code for the GET baseline, and a maker of request bodies: a
    random service and text, and one of ``callers`` registry residents' phone numbers with her dwelling."""
    from shequ.affairs.models import Service
    from shequ.affairs.samples import generate
    from shequ.core.actions import issue_api_token
    from shequ.core.models import User
    from shequ.population.models import Person

    operator = User.objects.get(username="hotline")
    token = issue_api_token(actor=operator, user=operator, name="bench")[1]
    people = Person.objects.filter(dwelling__isnull=False).exclude(phone_index="").order_by("id")[:callers]
    calls = [(person.phone, person.dwelling_id) for person in people]
    texts = generate(500, seed=7, training=False)
    code = Service.objects.order_by("id").values_list("code", flat=True)[0]

    def body(rng: random.Random) -> dict[str, Any]:
        text = rng.choice(texts)
        phone, dwelling = rng.choice(calls)
        return {"service": text.code, "description": text.text, "channel": "hotline", "caller_phone": phone,
                "dwelling": dwelling}

    return token, code, body


def _server_argv(server: str, port: int, workers: int, threads: int) -> list[str]:
    if server == "granian":  # as shequ serve runs it
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "shequ.wsgi:application", "--host",
                "127.0.0.1", "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
                "--log-level", "warning"]
    return [sys.executable, "-m", "gunicorn", "shequ.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), "--timeout", "120", "--log-level", "warning"]


def measure(server_name: str, args: argparse.Namespace, token: str, get: Any, post: Any, probe_path: str,
            ) -> dict[str, float]:
    """Start ``server_name`` with the platform, warm it up, load it with GETs then POSTs; requests/s of each."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        _server_argv(server_name, args.port, args.workers, args.threads), env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {}
    try:
        for _ in range(200):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                probe.request("GET", probe_path, headers={"Authorization": f"Token {token}"})
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.25)
        else:
            sys.exit(f"{server_name} did not answer")
        _load(args.port, token, args.clients, 2, get)  # warm up every worker
        _load(args.port, token, args.clients, 2, post)
        load_before = os.getloadavg()[0]
        print(f"{server_name}, {args.workers} workers × {args.threads} thread(s), {args.clients} clients:")
        for label, request in (("GET one service (baseline)", get), ("POST create request", post)):
            before = (_cpu_seconds(_children(server.pid)), _cpu_seconds(_processes("postgres")), time.process_time())
            done, elapsed, latencies, failures = _load(args.port, token, args.clients, args.seconds, request)
            after = (_cpu_seconds(_children(server.pid)), _cpu_seconds(_processes("postgres")), time.process_time())
            server_ms, db_ms, client_ms = ((b - a) * 1000 / max(done, 1) for a, b in zip(before, after, strict=True))
            results[label] = done / elapsed
            print(f"  {label:28} {done:6} in {elapsed:4.1f} s = {done / elapsed:6.0f}/s; "
                  f"p50 {statistics.median(latencies):6.1f} ms, p95 {_percentile(latencies, 0.95):6.1f} ms; "
                  f"{failures} failed")
            print(f"  {'':28} CPU per request: {server_name} {server_ms:.2f} ms, PostgreSQL {db_ms:.2f} ms, "
                  f"load generator {client_ms:.2f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"  POST/GET = {results['POST create request'] / results['GET one service (baseline)']:.1%}; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads running Django in each worker")
    parser.add_argument("--compare", action="store_true", help="then measure gunicorn's sync workers too")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--port", type=int, default=18731)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("give the PostgreSQL DATABASE_URL of a database with the demo service centre")
    _setup(args.database_url)

    token, code, body = hotline_workload(callers=2000)

    def get(rng: random.Random) -> tuple[str, str, None]:
        return "GET", f"/api/v1/services/{code}/", None

    def post(rng: random.Random) -> tuple[str, str, bytes]:
        return "POST", "/api/v1/service-requests/", json.dumps(body(rng)).encode()

    rate = measure("granian", args, token, get, post, f"/api/v1/services/{code}/")["POST create request"]
    if args.compare:
        before = measure("gunicorn", args, token, get, post, f"/api/v1/services/{code}/")["POST create request"]
        print(f"creates/s: granian / gunicorn = {rate / before:.2f}")
    print(f"target ≥ {TARGET_PER_SECOND} creates/s: {'met' if rate >= TARGET_PER_SECOND else 'MISSED'}")


if __name__ == "__main__":
    main()
