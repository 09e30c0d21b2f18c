"""Reference data kept in the process for a short while: rows every request reads and an administrator changes a
few times a year (the holidays behind every deadline, the service catalogue behind every new request).

A :class:`ProcessMemo` keeps what it loaded for ``seconds``. A save or delete of one of its models in this
process empties it at once, and again when that transaction commits (a request that read the old row meanwhile
must not keep it). Other processes see the change within ``seconds``: no older than a form an operator loaded a
moment before. Django's cache framework would need a shared server (Redis, memcached) to do better across
processes, which the two-command setup does not have; its per-process backend pickles every value and knows
nothing of model signals.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, ClassVar, Generic, TypeVar

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

V = TypeVar("V")


class ProcessMemo(Generic[V]):
    every: ClassVar[list[ProcessMemo[Any]]] = []

    def __init__(self, name: str, *, seconds: float, models: tuple[type[Model], ...], limit: int = 1024) -> None:
        self.name, self.seconds, self.limit = name, seconds, limit
        self.clock: Callable[[], float] = time.monotonic
        self._held: dict[Hashable, tuple[float, V]] = {}
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model)  # held weakly: for as long as this memo lives
        ProcessMemo.every.append(self)

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """What ``load()`` gave for ``key`` less than ``seconds`` ago, else ``load()`` now (and kept)."""
        held = self._held.get(key)
        now = self.clock()
        if held is not None and now - held[0] < self.seconds:
            return held[1]
        value = load()
        if len(self._held) >= self.limit:
            self._held.clear()
        self._held[key] = (now, value)
        return value

    def forget(self, key: Hashable | None = None) -> None:
        """Drop ``key``, or everything."""
        if key is None:
            self._held.clear()
        else:
            self._held.pop(key, None)

    def _changed(self, **kwargs: Any) -> None:
        self.forget()
        transaction.on_commit(self.forget, using=kwargs.get("using"))

    @classmethod
    def forget_all(cls) -> None:
        """Tests roll back without signals: each starts from what its own database holds."""
        for memo in cls.every:
            memo.forget()
