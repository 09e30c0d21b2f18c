"""Writes of the core app: accounts, one-time login codes, background tasks and retries of outgoing messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit, crypto, outbox
from shequ.core.choices import MessageStatus, TaskStatus, TextSize
from shequ.core.errors import Conflict, DomainError, Invalid, NotFound
from shequ.core.models import ApiToken, Compound, LoginCode, Neighborhood, OutboxMessage, Subdistrict, Task, User
from shequ.core.roles import Role
from shequ.core.scopes import get_visible

USER_CREATED = "core.user_created"
USER_CHANGED = "core.user_changed"
LOGIN_CODE_SENT = "core.login_code_sent"
LOGIN_CODE_USED = "core.login_code_used"
PREFERENCES_CHANGED = "core.preferences_changed"
TASK_STARTED = "core.task_started"
PERSONAL_DATA_EXPORTED = "core.personal_data_exported"
AUDIT_HEALTH_READ = "core.audit_health_read"
MESSAGE_RETRIED = "core.message_retried"
API_TOKEN_ISSUED = "core.api_token_issued"  # noqa: S105 (an event name)
API_TOKEN_REVOKED = "core.api_token_revoked"  # noqa: S105
MAX_CODE_ATTEMPTS = 5
# While a task runs, a thread beside it renews its heartbeat this often (its lease), whatever the task is doing;
# a running task whose heartbeat is older than TASK_STALLED_AFTER lost its runner, and any process may fail it.
TASK_HEARTBEAT_SECONDS = 30.0
TASK_STALLED_AFTER = dt.timedelta(minutes=5)

logger = logging.getLogger("shequ.tasks")


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
    phone: str = "",
    subdistrict: Subdistrict | None = None,
    neighborhood: Neighborhood | None = None,
    compound: Compound | None = None,
) -> User:
    """A staff member at a level of the tree, or a resident account (linked to a Person by population)."""
    if role not in Role.values:
        raise Invalid(_("Unknown role: %(role)s") % {"role": role}, field="role")
    if User.objects.filter(username=username).exists():
        raise Invalid(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    if neighborhood is not None:
        subdistrict = neighborhood.subdistrict
    if compound is not None:
        neighborhood = compound.neighborhood
        subdistrict = neighborhood.subdistrict
    if role != Role.RESIDENT and subdistrict is None:
        raise Invalid(_("A member of staff must belong to a sub-district."), field="subdistrict")
    user = User(
        username=username, role=role, full_name=full_name, phone=phone,
        subdistrict=subdistrict, neighborhood=neighborhood, compound=compound,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(
        actor=actor, event=USER_CREATED, obj=user,
        after={"role": role, "subdistrict": subdistrict, "neighborhood": neighborhood, "compound": compound},
        subdistrict_id=subdistrict.pk if subdistrict else None,
    )
    return user


@transaction.atomic
def set_preferences(*, actor: User, large_text: bool | None = None, text_size: str | None = None) -> User:
    """Large-text mode (长辈版) and, within it, the text size; what is not given stays as it is."""
    wanted = {"large_text": large_text, "text_size": text_size}
    changed = {name: value for name, value in wanted.items() if value is not None}
    if "text_size" in changed and changed["text_size"] not in TextSize.values:
        raise Invalid(_("Choose a text size."), field="text_size")
    before = {name: getattr(actor, name) for name in changed}
    for name, value in changed.items():
        setattr(actor, name, value)
    actor.save(update_fields=list(changed))
    audit.record(actor=actor, event=PREFERENCES_CHANGED, obj=actor, before=before, after=changed)
    return actor


def _code_hash(user_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"login-code:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def send_login_code(*, phone: str) -> bool:
    """Text a six-digit code to a resident's phone. Answers the same whether or not the number is known."""
    index = User._meta.get_field("phone_index").index_for(phone)  # type: ignore[attr-defined]
    user = User.objects.filter(phone_index=index, is_active=True).first() if index else None
    if user is None:
        return False
    code = f"{secrets.randbelow(1_000_000):06d}"
    login_code = LoginCode.objects.create(
        user=user, code_hash=_code_hash(user.pk, code),
        expires_at=timezone.now() + dt.timedelta(seconds=settings.LOGIN_CODE_SECONDS),
    )
    audit.record(actor=user, event=LOGIN_CODE_SENT, obj=user)
    minutes = settings.LOGIN_CODE_SECONDS // 60
    text = _("Your Shequ login code is %(code)s, valid for %(minutes)d minutes. Do not tell anyone.") % {
        "code": code, "minutes": minutes,
    }
    # The worker sends it within about a second; a code that could not go out before it expires is not sent.
    outbox.enqueue(channel="sms", to=user.phone, text=text, event=LOGIN_CODE_SENT, obj=user,
                   subdistrict_id=user.subdistrict_id, expires_at=login_code.expires_at)
    return True


@transaction.atomic
def use_login_code(*, phone: str, code: str) -> User | None:
    """The user if ``code`` is the latest unexpired code for ``phone``; each wrong guess counts."""
    index = User._meta.get_field("phone_index").index_for(phone)  # type: ignore[attr-defined]
    user = User.objects.filter(phone_index=index, is_active=True).first() if index else None
    if user is None:
        return None
    login_code = (
        LoginCode.objects.select_for_update()
        .filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    if login_code is None or login_code.attempts >= MAX_CODE_ATTEMPTS:
        return None
    if not hmac.compare_digest(login_code.code_hash, _code_hash(user.pk, code.strip())):
        login_code.attempts += 1
        login_code.save(update_fields=["attempts"])
        return None
    login_code.used_at = timezone.now()
    login_code.save(update_fields=["used_at"])
    audit.record(actor=user, event=LOGIN_CODE_USED, obj=user)
    return user


@transaction.atomic
def record_export(*, actor: User, what: str, rows: int, filters: dict[str, Any] | None = None, reason: str = "",
                  category: str = audit.GENERAL) -> None:
    """An export of personal data is audited like a reveal: who, what, how many rows, with which filters, why."""
    audit.record(actor=actor, event=PERSONAL_DATA_EXPORTED, reason=reason.strip(), category=category,
                 after={"what": what, "rows": rows, "filters": {k: v for k, v in (filters or {}).items() if v}})


@transaction.atomic
def record_audit_read(*, actor: User, entry_ids: list[int], via: str) -> None:
    """A read of health entries of the audit log is itself audited (an auditor's, say), as a general entry so
    that the administrators see who read health entries, without seeing the entries."""
    if entry_ids:
        audit.record(actor=actor, event=AUDIT_HEALTH_READ, category=audit.GENERAL,
                     after={"entries": entry_ids[:200], "count": len(entry_ids), "via": via})


@transaction.atomic
def retry_message(*, actor: User, message: OutboxMessage) -> OutboxMessage:
    """An administrator sends a failed message again: it is queued at once, with a fresh round of attempts."""
    message = get_visible(OutboxMessage.objects.select_for_update(), actor, "change", pk=message.pk)
    if message.status != MessageStatus.FAILED:
        raise Conflict(_("Only a message that failed can be sent again."))
    now = timezone.now()
    if (message.expires_at is not None and message.expires_at <= now) or not message.body:
        raise Conflict(_("This message has expired; it is no use sending it now."))
    before = {"status": message.status, "attempts": message.attempts}
    message.status, message.next_attempt_at = MessageStatus.QUEUED, now
    message.max_attempts = message.attempts + outbox.MAX_ATTEMPTS
    message.save(update_fields=["status", "next_attempt_at", "max_attempts"])
    audit.record(actor=actor, event=MESSAGE_RETRIED, obj=message, before=before,
                 after={"status": message.status, "event": message.event}, subdistrict_id=message.subdistrict_id)
    return message


# API tokens ----------------------------------------------------------------------------------------------------


def api_token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256. Tokens are 256 random bits, so no key or slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, actor: User, user: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user`` (the actor herself, having just given her password); returns it once."""
    if actor.pk != user.pk:
        raise NotFound()
    if not user.is_active:
        raise Invalid(_("This account is not active."))
    token = secrets.token_urlsafe(32)
    lifetime = dt.timedelta(days=days if days is not None else settings.API_TOKEN_DAYS)
    record = ApiToken.objects.create(user=user, name=name.strip()[:80], prefix=token[:8],
                                     digest=api_token_digest(token), expires_at=timezone.now() + lifetime)
    audit.record(actor=actor, event=API_TOKEN_ISSUED, obj=record,
                 after={"user": user.username, "prefix": record.prefix, "expires_at": record.expires_at})
    return record, token


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Stop a token working now: its owner may, and an administrator over the owner's place."""
    from shequ.core.scopes import get_visible

    if token.user_id == actor.pk:
        found = ApiToken.objects.select_for_update().get(pk=token.pk)
    else:
        found = get_visible(ApiToken.objects.select_for_update(), actor, "change", pk=token.pk)
    if found.revoked_at is not None:
        return found
    found.revoked_at = timezone.now()
    found.revoked_by = actor
    found.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(actor=actor, event=API_TOKEN_REVOKED, obj=found,
                 before={"revoked_at": None}, after={"user": found.user.username, "revoked_at": found.revoked_at},
                 subdistrict_id=found.user.subdistrict_id)
    return found


def describe_user(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "is_active": user.is_active}


# Background tasks ---------------------------------------------------------------------------------------------


@transaction.atomic
def start_task(*, actor: User, kind: str, params: dict[str, Any] | None = None, payload: bytes | None = None) -> Task:
    """Queue work for ``shequ worker``. ``payload`` (an uploaded file) is stored encrypted until the task runs."""
    from shequ.core.tasks import TASK_KINDS

    if kind not in TASK_KINDS:
        raise Invalid(_("Unknown kind of task: %(kind)s") % {"kind": kind})
    params = {"language": translation.get_language() or settings.LANGUAGE_CODE, **(params or {})}
    task = Task.objects.create(
        kind=kind, created_by=actor, subdistrict_id=actor.subdistrict_id, params=params,
        payload=crypto.encrypt_bytes(payload) if payload is not None else None,
    )
    audit.record(actor=actor, event=TASK_STARTED, obj=task,
                 after={"kind": kind, **{k: v for k, v in params.items() if k != "language"}})
    return task


class TaskProgress:
    """Handed to a task's function: ``progress(stage, done, total)``; stored at most twice a second.

    Progress reported inside the task's own transaction is seen by the page only when it commits,
    which is why a task reports a stage before it starts a long transaction.
    """

    MIN_INTERVAL = 0.5

    def __init__(self, task: Task) -> None:
        self.task = task
        self._last_saved = 0.0
        self._last_stage = ""

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_saved < self.MIN_INTERVAL and done < total:
            return
        self._last_saved, self._last_stage = now, stage
        Task.objects.filter(pk=self.task.pk).update(stage=stage, done=done, total=total, heartbeat_at=timezone.now())


def _claim_next_task() -> Task | None:
    # A conditional UPDATE claims the task: of two workers racing for it, one updates a row, the other none.
    while True:
        candidate = (Task.objects.filter(status=TaskStatus.QUEUED).order_by("created_at", "pk")
                     .values_list("pk", flat=True).first())
        if candidate is None:
            return None
        now = timezone.now()
        if Task.objects.filter(pk=candidate, status=TaskStatus.QUEUED).update(
                status=TaskStatus.RUNNING, started_at=now, heartbeat_at=now):
            return Task.objects.select_related("created_by").get(pk=candidate)


def _finish_task(task: Task, *, status: str, result: dict[str, Any] | None = None, error: str = "") -> None:
    Task.objects.filter(pk=task.pk).update(status=status, result=result, error=error, payload=None,
                                           finished_at=timezone.now(), heartbeat_at=timezone.now())


def run_next_task() -> Task | None:
    """Run the oldest queued task to its end; the task (finished), or None when none was waiting.

    A :class:`DomainError` from the task's function fails it with that message for the user; any
    other error fails it with a general message (the details go to the worker's log).
    """
    from shequ.core.tasks import TASK_KINDS

    task = _claim_next_task()
    if task is None:
        return None
    language = task.params.get("language") or settings.LANGUAGE_CODE
    with translation.override(language), _Heartbeat(task.pk):
        try:
            kind = TASK_KINDS.get(task.kind)
            if kind is None:
                raise Invalid(_("Unknown kind of task: %(kind)s") % {"kind": task.kind})
            result = kind.load()(task, TaskProgress(task))
        except DomainError as exc:
            _finish_task(task, status=TaskStatus.FAILED, error=str(exc.message))
        except Exception:
            logger.exception("task %s (%s) failed", task.pk, task.kind)
            _finish_task(task, status=TaskStatus.FAILED,
                         error=_("The task stopped with an unexpected error; nothing of it was saved. "
                                 "The administrators' log has the details."))
        else:
            _finish_task(task, status=TaskStatus.SUCCEEDED, result=result)
    task.refresh_from_db()
    return task


class _Heartbeat:
    """Renews a running task's lease from a thread of its own, every :data:`TASK_HEARTBEAT_SECONDS`.

    The heartbeat says the runner is alive, not that the task made progress: a long read or write that reports
    nothing keeps its task, and a runner that was killed (out of memory, a deploy) stops renewing at once.
    A renewal that fails (SQLite busy under a long write) is skipped; the next one tries again.
    """

    def __init__(self, task_pk: int) -> None:
        self.task_pk = task_pk
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"task-{task_pk}-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(TASK_HEARTBEAT_SECONDS):
                try:
                    Task.objects.filter(pk=self.task_pk, status=TaskStatus.RUNNING).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.debug("heartbeat of task %s skipped", self.task_pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections


def fail_stalled_tasks(*, pk: int | None = None) -> int:
    """Fail running tasks whose runner died (no heartbeat within the lease), so their pages stop waiting.

    Any process may call it: the worker at each turn of its loop, and the task page for the task it shows
    (``pk``). The update is conditional, so of several processes only one fails a task, and a task whose
    runner renewed its lease meanwhile is left running.
    """
    cutoff = timezone.now() - TASK_STALLED_AFTER
    with translation.override(settings.LANGUAGE_CODE):
        message = _("The background worker stopped while running this task; start it again.")
    stalled = Task.objects.filter(status=TaskStatus.RUNNING, heartbeat_at__lt=cutoff)
    if pk is not None:
        stalled = stalled.filter(pk=pk)
    count = stalled.update(status=TaskStatus.FAILED, error=message, payload=None, finished_at=timezone.now())
    if count:
        logger.warning("%d stalled tasks failed (no heartbeat since %s)", count, cutoff.isoformat())
    return count


def task_payload(task: Task) -> bytes:
    """The uploaded file of a task, decrypted; only while the task has not finished."""
    if task.payload is None:
        raise NotFound(_("The uploaded file of this task is no longer kept."))
    return crypto.decrypt_bytes(task.payload)
