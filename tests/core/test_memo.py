"""Reference data kept in the process (core.memo): fresh for its window, emptied by a change made in the process,
and again when that change commits."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core.memo import ProcessMemo
from shequ.core.models import Neighborhood

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def memo() -> Any:
    made: ProcessMemo[str] = ProcessMemo("test-neighborhood-names", seconds=30, models=(Neighborhood,))
    made.clock = Clock()
    yield made
    ProcessMemo.every.remove(made)


def _name(pk: int) -> str:
    return Neighborhood.objects.get(pk=pk).name


def test_a_value_is_kept_for_its_window_then_read_again(memo: Any, org: Any) -> None:
    pk = org.huashan.pk
    assert memo.get(pk, lambda: _name(pk)) == org.huashan.name
    Neighborhood.objects.filter(pk=pk).update(name="新华山")  # as another process would: no signal here
    memo.clock.now += 29
    assert memo.get(pk, lambda: _name(pk)) == org.huashan.name
    memo.clock.now += 2
    assert memo.get(pk, lambda: _name(pk)) == "新华山"


def test_a_save_in_this_process_is_seen_at_once(memo: Any, org: Any) -> None:
    pk = org.huashan.pk
    memo.get(pk, lambda: _name(pk))
    org.huashan.name = "新华山"
    org.huashan.save()
    assert memo.get(pk, lambda: _name(pk)) == "新华山"


def test_what_was_read_before_the_change_committed_is_dropped_at_the_commit(
        memo: Any, org: Any, django_capture_on_commit_callbacks: Any) -> None:
    pk = org.huashan.pk
    with django_capture_on_commit_callbacks(execute=True):
        org.huashan.name = "新华山"
        org.huashan.save()
        memo.get(pk, lambda: "旧华山")  # another request read the row before the commit
    assert memo.get(pk, lambda: _name(pk)) == "新华山"


def test_a_full_memo_starts_again_instead_of_growing(memo: Any) -> None:
    memo.limit = 3
    for key in range(3):
        memo.get(key, lambda: "x")
    memo.get(99, lambda: "y")
    assert memo.get(0, lambda: "reloaded") == "reloaded"
