"""CPU of one request creation inside Django (no HTTP server, no load generator), against a one-row GET.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_affairs1m \\
        .venv/bin/python bench/affairs_create_cpu.py --requests 300

Uses a database with the demo service centre (the requests it creates stay in it). As the hotline operator,
with her API token, through the Django test client (middleware, DRF, the action, the serializer): first
``GET /api/v1/services/<code>/`` (the baseline), then ``POST /api/v1/service-requests/`` with a registry
resident's phone and dwelling. Prints wall and process CPU time per request of each, and their ratio. The test
client's own cost is in both. Complements ``affairs_api_load.py``, whose figures depend on the host's load.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from collections.abc import Callable

from affairs_api_load import _setup, hotline_workload


def _measure(label: str, call: Callable[[], None], count: int) -> float:
    for _ in range(20):  # warm up
        call()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        call()
    cpu_ms = (time.process_time() - cpu) / count * 1000
    print(f"{label:24} wall {(time.perf_counter() - wall) / count * 1000:6.2f} ms, CPU {cpu_ms:6.2f} ms")
    return cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("give the PostgreSQL DATABASE_URL of a database with the demo service centre")
    _setup(args.database_url)
    logging.getLogger("shequ.sms").setLevel(logging.WARNING)

    from django.test import Client

    token, code, body = hotline_workload(callers=500)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    rng = random.Random(20261125)

    def get() -> None:
        assert client.get(f"/api/v1/services/{code}/").status_code == 200

    def post() -> None:
        response = client.post("/api/v1/service-requests/", json.dumps(body(rng)), content_type="application/json")
        assert response.status_code == 201, response.content

    baseline = _measure("GET one service", get, args.requests)
    create = _measure("POST create request", post, args.requests)
    print(f"create / GET CPU = {create / baseline:.2f}")


if __name__ == "__main__":
    main()
