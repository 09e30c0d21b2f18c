"""Background work, run by ``shequ worker``: periodic jobs, and tasks that users start.

A periodic job is a plain function that takes no arguments and returns a count for the log. Jobs
must be safe to run twice (they are: each marks what it has done), so several workers do no harm.

A task kind (:data:`TASK_KINDS`) is work a user starts from a page, such as an import: a function
``run(task, progress) -> dict`` whose result the task page shows with the kind's template, and
which calls ``progress(stage, done, total)`` as it goes. Tasks are queued and run by
:mod:`shequ.core.actions` (``start_task``, ``run_next_task``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: str  # dotted path, imported when run
    every_seconds: int
    # Runs in its own thread of the worker, so that it never waits behind a long task or job.
    own_thread: bool = False

    def load(self) -> Callable[[], int]:
        return import_string(self.function)


PERIODIC_JOBS = [
    # A resident at the sign-in page waits for her code: the outbox is polled every second.
    PeriodicJob("send queued messages", "shequ.core.outbox.deliver_due", 1, own_thread=True),
    PeriodicJob("expire residence permits", "shequ.population.tasks.expire_permits", 3600),
    PeriodicJob("count the people for the dynamics page", "shequ.population.tasks.recount_population", 60),
    PeriodicJob("remind permit holders", "shequ.population.tasks.remind_expiring_permits", 3600),
    PeriodicJob("reconcile the card ledger", "shequ.cards.tasks.reconcile_books", 86400),
    PeriodicJob("cancel cards of people who left", "shequ.cards.tasks.cancel_cards_of_departed", 3600),
    PeriodicJob("remind readers of overdue books", "shequ.library.tasks.remind_overdue", 3600),
    PeriodicJob("pass on uncollected library holds", "shequ.library.tasks.expire_uncollected_holds", 3600),
    PeriodicJob("escalate overdue requests", "shequ.affairs.tasks.escalate_overdue", 300),
    PeriodicJob("escalate unacknowledged emergencies", "shequ.affairs.tasks.escalate_unacknowledged", 60),
    # Safety ingest: a device silent past three heartbeats is offline (and raises its alarm); old events go.
    PeriodicJob("mark silent devices offline", "shequ.safety.actions.ingest.mark_silent_devices_offline", 30),
    PeriodicJob("prune old device events", "shequ.safety.actions.ingest.prune_events", 3600),
    # Door credentials that the registry's signals missed, and QR codes past their 90 days.
    PeriodicJob("sweep door credentials", "shequ.safety.actions.credentials.sweep", 300),
    # Eldercare: the care roll follows the registry (moves, deaths, birthdays of 80); re-assessments due are listed.
    PeriodicJob("refresh the care roll", "shequ.eldercare.tasks.refresh_care_roll", 86400),
    # The rules over every elder's home sensors, and the alert ladder's deadlines.
    PeriodicJob("watch elders living alone", "shequ.eldercare.tasks.watch_elders", 60, own_thread=True),
    PeriodicJob("release culture-room no-shows", "shequ.culture.tasks.release_no_shows", 60),
]


@dataclass(frozen=True)
class TaskKind:
    name: str
    function: str  # dotted path of run(task, progress) -> dict, imported when run
    title: Promise | str
    result_template: str  # renders ``result`` (the dict the function returned) on the task page
    stages: dict[str, Promise | str]  # stage key -> what the page says while the task is in it

    def load(self) -> Callable[..., dict]:
        return import_string(self.function)


TASK_KINDS: dict[str, TaskKind] = {kind.name: kind for kind in [
    TaskKind(
        name="population.import_people",
        function="shequ.population.tasks.run_import",
        title=_("Import residents"),
        result_template="population/_import_result.html",
        stages={"reading": _("Reading the file"), "checking": _("Checking rows"), "writing": _("Saving")},
    ),
    TaskKind(
        name="linkage.run",
        function="shequ.linkage.tasks.run_linkage",
        title=_("Record linkage"),
        result_template="linkage/_run_result.html",
        stages={"reading": _("Reading records"), "linking": _("Linking"), "writing": _("Saving")},
    ),
    TaskKind(
        name="library.import_catalogue",
        function="shequ.library.tasks.run_import",
        title=_("Import the catalogue"),
        result_template="library/_import_result.html",
        stages={"reading": _("Reading the file"), "writing": _("Saving")},
    ),
    TaskKind(
        name="affairs.import_services",
        function="shequ.affairs.tasks.run_import",
        title=_("Import the service catalogue"),
        result_template="affairs/_import_result.html",
        stages={"reading": _("Reading the file")},
    ),
    TaskKind(
        name="linkage.import_batch",
        function="shequ.linkage.tasks.run_import",
        title=_("Import records to link"),
        result_template="linkage/_import_result.html",
        stages={"reading": _("Reading the file"), "writing": _("Saving")},
    ),
    TaskKind(
        name="safety.import_devices",
        function="shequ.safety.importing.run_import",
        title=_("Import devices"),
        result_template="safety/_device_import_result.html",
        stages={"reading": _("Reading the file"), "writing": _("Saving")},
    ),
]}
