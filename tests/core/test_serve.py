"""``shequ serve``, the second half of ``make demo``: it migrates a new database, serves pages and the API over
HTTP with Granian, runs the task worker beside the web workers (starting it again when it dies), and stops both
when told to."""

from __future__ import annotations

import contextlib
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


def _start_serve(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """``shequ serve`` in a session of its own (as a terminal runs it), answering pages."""
    port = _free_port()
    env = {**os.environ, "SHEQU_TESTING": "1", "SHEQU_DATA_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'shequ.sqlite3'}"}
    env.pop("PYTEST_XDIST_WORKER", None)
    server = subprocess.Popen(  # noqa: S603 (our own venv's entry point, fixed arguments)
        [str(BIN / "shequ"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
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
    return server, port


def _worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    return [pid for pid, command in _descendants(server.pid) if "shequ.cli worker" in command]


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or "Z" in _state(pid):
            return True
        time.sleep(0.1)
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _stop(server: subprocess.Popen[bytes], workers: list[int]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_serve_migrates_serves_restarts_a_dead_task_worker_and_stops_both(tmp_path: Path) -> None:
    server, port = _start_serve(tmp_path)
    workers: list[int] = []
    try:
        workers = _worker_pids(server)
        assert len(workers) == 1, _descendants(server.pid)

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
        workers += restarted

        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=90)[0].decode()
        assert f"http://127.0.0.1:{port}/" in output
        assert "GET /login/" in output  # the access log
        assert f"the task worker (pid {workers[0]}) exited with code -9" in output
        assert not Path(f"/proc/{restarted[0]}").exists(), "the task worker outlived the server"
    finally:
        _stop(server, workers)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_ctrl_c_stops_the_server_and_its_worker_without_starting_the_worker_again(tmp_path: Path) -> None:
    server, _port = _start_serve(tmp_path)
    workers = _worker_pids(server)
    try:
        assert len(workers) == 1
        os.killpg(server.pid, signal.SIGINT)  # what the terminal sends to the foreground group on Ctrl+C
        try:
            output = server.communicate(timeout=90)[0].decode()
        except subprocess.TimeoutExpired:
            tree = _descendants(server.pid)
            states = {pid: _state(pid) for pid, _ in [(server.pid, ""), *tree]}
            sigign = Path(f"/proc/{server.pid}/status").read_text().split("SigIgn:")[1].split()[0]
            server.kill()
            raise AssertionError(f"still running: {tree} {states} SigIgn={sigign} "
                                 f"out={server.communicate()[0].decode()[-3000:]}") from None
        assert "starting it again" not in output
        assert _gone_within(workers[0], 10), "the task worker outlived the server"
    finally:
        _stop(server, workers)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_a_worker_whose_server_was_killed_stops_by_itself(tmp_path: Path) -> None:
    server, _port = _start_serve(tmp_path)
    workers = _worker_pids(server)
    try:
        assert len(workers) == 1
        os.kill(server.pid, signal.SIGKILL)  # no chance to stop the worker
        server.wait()
        assert _gone_within(workers[0], 15), "the task worker kept running without its server"
    finally:
        _stop(server, workers)
