"""The server is killed (SIGKILL, no goodbye) while top-up desks stream top-ups; after a restart every
top-up a desk was told succeeded is in the ledger exactly once, retries credit nothing twice, and
the books balance. PostgreSQL only: the server runs in its own processes against the test database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from shequ.cards import actions, queries
from shequ.cards.choices import WalletKind
from shequ.cards.models import Card, Transaction
from shequ.cards.reconciliation import check_books
from shequ.core.models import User

BIN = Path(sys.executable).parent
AMOUNT = 100
CLIENTS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {**os.environ, "SHEQU_TESTING": "1",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    env.pop("PYTEST_XDIST_WORKER", None)
    server = subprocess.Popen(  # noqa: S603 (our own venv's granian, as shequ serve runs it; fixed arguments)
        [str(BIN / "granian"), "--interface", "wsgi", "shequ.wsgi:application", "--host", "127.0.0.1", "--port",
         str(port), "--workers", "2", "--blocking-threads", "2", "--workers-kill-timeout", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # An open port is not a ready server: granian listens before its workers have loaded Django, and a
    # connection taken then can be reset. Ready means a worker answered an HTTP request.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return server
        except urllib.error.HTTPError:
            return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("the server did not start")


def _kill(server: subprocess.Popen[bytes]) -> None:
    """Kill the server's whole process group and wait until no member is left alive: a worker still dying
    would hold the listening socket, and the restarted server's first connections could land on it."""
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive_in_group(server.pid):
        time.sleep(0.05)


def _alive_in_group(group: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state not in {"Z", "X"}:
            return True
    return False


def _pay(port: int, token: str, card: Card, key: str) -> int:
    body = json.dumps({"card": card.number, "amount_fen": AMOUNT, "idempotency_key": key})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/terminal/top-up/", data=body.encode(),
                                     headers={"Authorization": f"Terminal {token}",
                                              "Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our own local server)
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _pay_until_answered(port: int, token: str, card: Card, key: str) -> int:
    """A till resends a top-up whose connection dropped, with the same key, until the server answers."""
    for _attempt in range(5):
        try:
            return _pay(port, token, card, key)
        except OSError:
            time.sleep(0.2)
    return _pay(port, token, card, key)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_acknowledged_top_up_survives_a_killed_server_and_the_books_balance(
        postgres_only: None, card: Card, clerk: User, admin: User) -> None:
    cash_box = actions.system_account(admin.subdistrict_id, "cash_box", "desk-1")
    terminal, token = actions.register_terminal(actor=admin, name="desk", kind="top_up_desk", account=cash_box)
    actions.record_cash(actor=clerk, amount_fen=1_000_000, cash_box=cash_box)
    port = _free_port()
    server = _start_server(port)
    acknowledged: set[str] = set()
    attempted: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def stream(client: int) -> None:
        for n in range(10_000):
            if stop.is_set():
                return
            key = f"c{client}-{n}"
            with lock:
                attempted.add(key)
            try:
                status = _pay(port, token, card, key)
            except OSError:
                return  # the server died under this request: not acknowledged
            if status == 201:
                with lock:
                    acknowledged.add(key)

    clients = [threading.Thread(target=stream, args=(i,)) for i in range(CLIENTS)]
    for thread in clients:
        thread.start()
    try:
        while len(acknowledged) < 40:
            time.sleep(0.01)
        _kill(server)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)

    server = _start_server(port)
    try:
        # The tills retry everything they were not told succeeded; the ledger must not charge them twice.
        retried = {key: _pay_until_answered(port, token, card, key) for key in sorted(attempted - acknowledged)}
        assert set(retried.values()) <= {200, 201}
        again = _pay_until_answered(port, token, card, sorted(acknowledged)[0])
        assert again == 200
    finally:
        _kill(server)

    posted = set(Transaction.objects.filter(terminal=terminal).values_list("idempotency_key", flat=True))
    assert {f"t{terminal.pk}:{key}" for key in acknowledged} <= posted
    assert len(posted) == len(attempted)
    assert queries.balances(card)[WalletKind.CASH] == AMOUNT * len(attempted)
    assert queries.account_total(cash_box) == 1_000_000 - AMOUNT * len(attempted)
    report = check_books()
    assert report.ok, report.problems()
