"""Background tasks: queued by a page, run once by the worker, followed by their starter alone."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from shequ.core import actions
from shequ.core.models import AuditEntry, Task, User
from shequ.core.tasks import TASK_KINDS, TaskKind
from tests.conftest import login

runs_seen: list[int] = []


def count_to_three(task: Task, progress: actions.TaskProgress) -> dict[str, Any]:
    for n in range(1, 4):
        progress("counting", n, 3)
    runs_seen.append(task.pk)
    return {"counted": 3, "payload": actions.task_payload(task).decode() if task.payload is not None else None}


def refuse(task: Task, progress: actions.TaskProgress) -> dict[str, Any]:
    from shequ.core.errors import Invalid

    raise Invalid("the file names no compound")


def crash(task: Task, progress: actions.TaskProgress) -> dict[str, Any]:
    raise RuntimeError("bug")


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("count_to_three", "refuse", "crash"):
        monkeypatch.setitem(TASK_KINDS, f"test.{name}", TaskKind(
            name=f"test.{name}", function=f"tests.core.test_tasks.{name}", title="Test",
            result_template="core/home.html", stages={"counting": "Counting"}))
    runs_seen.clear()


def test_a_started_task_waits_then_runs_once_and_keeps_its_result(alice: User) -> None:
    task = actions.start_task(actor=alice, kind="test.count_to_three", payload=b"rows")

    assert task.status == "queued"
    assert AuditEntry.objects.filter(event=actions.TASK_STARTED, object_id=str(task.pk)).exists()
    finished = actions.run_next_task()

    assert finished is not None and finished.pk == task.pk
    assert finished.status == "succeeded" and finished.result == {"counted": 3, "payload": "rows"}
    assert (finished.done, finished.total, finished.stage) == (3, 3, "counting")
    assert finished.payload is None and finished.finished_at is not None
    assert actions.run_next_task() is None and runs_seen == [task.pk]


def test_tasks_run_in_the_order_they_were_started(alice: User, bob: User) -> None:
    first = actions.start_task(actor=bob, kind="test.count_to_three")
    second = actions.start_task(actor=alice, kind="test.count_to_three", payload=b"")

    assert [actions.run_next_task(), actions.run_next_task()] == [first, second]
    assert runs_seen == [first.pk, second.pk]
    assert Task.objects.filter(status="succeeded").count() == 2


def test_a_refused_task_fails_with_the_message_for_the_user(alice: User) -> None:
    actions.start_task(actor=alice, kind="test.refuse", payload=b"secret rows")

    task = actions.run_next_task()

    assert task is not None and task.status == "failed" and task.error == "the file names no compound"
    assert task.payload is None


def test_a_crashing_task_fails_without_showing_the_exception(alice: User) -> None:
    actions.start_task(actor=alice, kind="test.crash")

    task = actions.run_next_task()

    assert task is not None and task.status == "failed" and "bug" not in task.error and task.error


def test_a_task_whose_worker_died_is_failed_after_a_long_silence(alice: User) -> None:
    task = actions.start_task(actor=alice, kind="test.count_to_three", payload=b"x")
    Task.objects.filter(pk=task.pk).update(status="running",
                                           heartbeat_at=timezone.now() - actions.TASK_STALLED_AFTER * 2)
    fresh = actions.start_task(actor=alice, kind="test.count_to_three")
    Task.objects.filter(pk=fresh.pk).update(status="running", heartbeat_at=timezone.now())

    assert actions.fail_stalled_tasks() == 1

    task.refresh_from_db()
    fresh.refresh_from_db()
    assert task.status == "failed" and task.payload is None and fresh.status == "running"


def test_the_task_page_follows_progress_and_shows_the_starter_only(client: Any, alice: User, bob: User) -> None:
    task = actions.start_task(actor=alice, kind="test.count_to_three")
    Task.objects.filter(pk=task.pk).update(status="running", stage="counting", done=1, total=4)

    login(client, alice)
    page = client.get(reverse("core:task", args=[task.pk])).content.decode()
    status = client.get(reverse("core:task_status", args=[task.pk])).json()

    assert 'class="task-progress"' in page and 'value="25"' in page and "Counting" in page
    assert status == {"status": "running", "finished": False, "stage": "Counting", "done": 1, "total": 4,
                      "percent": 25}
    login(client, bob)
    assert client.get(reverse("core:task", args=[task.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("core:task_status", args=[task.pk])).status_code == 302


@pytest.mark.django_db(transaction=True)  # the worker recycles connections, which ends a test's transaction
def test_shequ_worker_once_runs_the_queued_tasks(alice: User) -> None:
    task = actions.start_task(actor=alice, kind="test.count_to_three")

    call_command("worker", "--once")

    task.refresh_from_db()
    assert task.status == "succeeded"


def test_the_task_page_fails_a_task_whose_runner_died(client: Any, alice: User) -> None:
    task = actions.start_task(actor=alice, kind="test.count_to_three", payload=b"rows")
    Task.objects.filter(pk=task.pk).update(status="running",
                                           heartbeat_at=timezone.now() - actions.TASK_STALLED_AFTER * 2)

    status = login(client, alice).get(reverse("core:task_status", args=[task.pk])).json()

    task.refresh_from_db()
    assert status["status"] == "failed" and status["finished"] is True
    assert task.status == "failed" and task.error and task.payload is None
    assert task.error in client.get(reverse("core:task", args=[task.pk])).content.decode()


def wait_for_a_heartbeat(task: Task, progress: actions.TaskProgress) -> dict[str, Any]:
    """A task that reports no progress for longer than its lease: only the heartbeat thread keeps it alive."""
    old = timezone.now() - actions.TASK_STALLED_AFTER * 2
    Task.objects.filter(pk=task.pk).update(heartbeat_at=old)
    renewed = threading.Event()
    deadline = time.monotonic() + 30
    while not renewed.wait(0.05) and time.monotonic() < deadline:
        if Task.objects.filter(pk=task.pk, heartbeat_at__gt=old).exists():
            renewed.set()
    return {"stalled_meanwhile": actions.fail_stalled_tasks(), "renewed": renewed.is_set()}


@pytest.mark.django_db(transaction=True)  # the heartbeat thread writes through its own connection
def test_a_running_task_keeps_its_lease_while_its_runner_lives_even_without_progress(
        alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "TASK_HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setitem(TASK_KINDS, "test.wait", TaskKind(
        name="test.wait", function="tests.core.test_tasks.wait_for_a_heartbeat", title="Test",
        result_template="core/home.html", stages={}))
    actions.start_task(actor=alice, kind="test.wait")

    task = actions.run_next_task()

    assert task is not None and task.status == "succeeded"
    assert task.result == {"stalled_meanwhile": 0, "renewed": True}


def die(task: Task, progress: actions.TaskProgress) -> dict[str, Any]:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer ends a runner
    return {}


RUNNER = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from shequ.core import actions
from shequ.core.models import User
from shequ.core.tasks import TASK_KINDS, TaskKind
TASK_KINDS["test.die"] = TaskKind(name="test.die", function="tests.core.test_tasks.die", title="Test",
                                  result_template="core/home.html", stages={})
actions.start_task(actor=User.objects.create(username="runner", role="clerk"), kind="test.die", payload=b"rows")
actions.run_next_task()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="kills a process")
def test_a_task_whose_runner_process_was_killed_is_failed_by_another_process(tmp_path: Path) -> None:
    database = tmp_path / "shequ.sqlite3"
    env = {**os.environ, "SHEQU_TESTING": "1", "SHEQU_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
           "shequ.settings", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("PYTEST_XDIST_WORKER", None)
    root = Path(__file__).resolve().parents[2]

    runner = subprocess.run([sys.executable, "-c", RUNNER], env=env, cwd=root, capture_output=True,  # noqa: S603
                            timeout=300, check=False)
    assert runner.returncode == -signal.SIGKILL, runner.stderr.decode()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT status FROM core_task").fetchall() == [("running",)]
        # The lease runs out: nothing renews the heartbeat of a task whose runner is gone.
        db.execute("UPDATE core_task SET heartbeat_at = '2000-01-01 00:00:00'")

    worker = subprocess.run([sys.executable, "-m", "shequ.cli", "worker", "--once"], env=env, cwd=root,
                            capture_output=True, timeout=300, check=False)

    assert worker.returncode == 0, worker.stderr.decode()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT status, payload IS NULL FROM core_task").fetchall() == [("failed", 1)]
    assert "stalled" in worker.stderr.decode()
