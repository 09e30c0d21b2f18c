"""``shequ serve``, the second half of ``make demo``: it migrates a new database, serves pages and the API over
HTTP with Granian, runs the task worker beside the web workers (starting it again when it dies), and stops both
when told to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from shequ.core.management.commands.serve import split_bind

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process under ``pid`` (started by any of its threads)."""
    found = []
    children = []
    for thread in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += (thread / "children").read_text().split()
        except OSError:  # a thread that ended meanwhile
            continue
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        found.append((int(child), command))
        found += _descendants(int(child))
    return found


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (our own local server)
        return int(answer.status), answer.read().decode()


def test_bind_addresses_split_into_host_and_port() -> None:
    assert split_bind("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert split_bind("0.0.0.0:80") == ("0.0.0.0", 80)  # noqa: S104 (a string under test)
    assert split_bind("[::1]:8080") == ("::1", 8080)
    for wrong in ("8000", "localhost", "127.0.0.1:", ":8000", "host:port"):
        with pytest.raises(CommandError, match="host:port"):
            split_bind(wrong)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_serve_migrates_serves_restarts_a_dead_task_worker_and_stops_both(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SHEQU_TESTING": "1", "SHEQU_DATA_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shequ.sqlite3'}"}
    env.pop("PYTEST_XDIST_WORKER", None)
    server = subprocess.Popen(  # noqa: S603 (our own venv's entry point, fixed arguments)
        [str(BIN / "shequ"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, page = _get(f"http://127.0.0.1:{port}/login/")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "shequ serve did not answer within two minutes"
                time.sleep(0.5)
        assert status == 200 and "<form" in page
        processes = _descendants(server.pid)
        workers = [pid for pid, command in processes if "shequ.cli worker" in command]
        assert len(workers) == 1, processes

        os.kill(workers[0], signal.SIGKILL)  # as the kernel's OOM killer would
        deadline = time.monotonic() + 60
        while True:
            restarted = [pid for pid, command in _descendants(server.pid)
                         if "shequ.cli worker" in command and pid != workers[0]]
            if restarted:
                break
            assert time.monotonic() < deadline, "the dead task worker was not started again within a minute"
            time.sleep(0.2)
        assert len(restarted) == 1

        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        output = server.stdout.read().decode() if server.stdout else ""
        assert f"http://127.0.0.1:{port}/" in output
        assert "GET /login/" in output  # the access log
        assert f"the task worker (pid {workers[0]}) exited with code -9" in output
        assert not Path(f"/proc/{restarted[0]}").exists(), "the task worker outlived the server"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
