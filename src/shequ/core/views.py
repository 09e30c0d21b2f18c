"""Sign-in, the home page, preferences, the audit log and the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from shequ.core import actions, audit, queries, registry, signin
from shequ.core.choices import MessageStatus, TaskStatus
from shequ.core.errors import NotFound
from shequ.core.excel import personal_data_xlsx
from shequ.core.forms import AuditFilterForm, PhoneCodeForm, PhoneForm, StaffLoginForm
from shequ.core.http import AuthedRequest
from shequ.core.models import AuditEntry, OutboxMessage, Task, User
from shequ.core.scopes import can
from shequ.core.tasks import TASK_KINDS


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "core/error.html", {"message": _("Too many attempts. Please wait a minute and try again.")},
                  status=429)


def _wait_page(request: HttpRequest, seconds: int) -> HttpResponse:
    minutes = max(1, (seconds + 59) // 60)
    response = render(request, "core/error.html", {"message": _(
        "Too many attempts. Please try again in %(minutes)d minutes.") % {"minutes": minutes}}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@method_decorator(ratelimit(key="ip", rate=settings.LOGIN_RATE, method="POST", block=True), name="post")
class StaffLoginView(auth_views.LoginView):
    """User name and password; guesses are limited per account and address (see shequ/core/signin.py)."""

    form_class = StaffLoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        limiter = signin.SigninLimiter(signin.PASSWORD, request.POST.get("username", ""), request)
        wait = limiter.wait_seconds()
        if wait:
            return _wait_page(request, wait)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            limiter.succeeded()
        elif request.POST.get("username"):
            limiter.failed()
        return response


@ratelimit(key="ip", rate=settings.LOGIN_RATE, method="POST", block=True)
def resident_login(request: HttpRequest) -> HttpResponse:
    """Phone number, then the six-digit code sent to it.

    Codes are texted at most a few times an hour and a day per number, and guesses are limited per number
    and address; every answer is the same whether or not the number belongs to a resident.
    """
    posted = request.method == "POST"
    step = request.POST.get("step", "phone") if posted else "phone"
    # Forms are bound only to what was posted: the page opens blank, not with "this field is required".
    phone_form = PhoneForm(request.POST if posted and step == "phone" else None)
    code_form = PhoneCodeForm(request.POST if posted and step == "code" else None)
    if request.method == "POST" and step == "phone" and phone_form.is_valid():
        phone = phone_form.cleaned_data["phone"]
        wait = signin.login_code_wait_seconds(phone, request)
        if wait:
            return _wait_page(request, wait)
        actions.send_login_code(phone=phone)
        # The same answer whether or not the number is registered, so numbers cannot be probed.
        messages.info(request, _("If this number belongs to a registered resident, a code has been sent to it."))
        code_form = PhoneCodeForm(initial={"phone": phone})
        step = "code"
    elif request.method == "POST" and step == "code" and code_form.is_valid():
        limiter = signin.SigninLimiter(signin.LOGIN_CODE, code_form.cleaned_data["phone"], request)
        wait = limiter.wait_seconds()
        if wait:
            return _wait_page(request, wait)
        user = actions.use_login_code(phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"])
        if user is not None:
            limiter.succeeded()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("portal:home")
        limiter.failed()
        code_form.add_error("code", _("The code is wrong or has expired."))
    return render(request, "core/resident_login.html", {"phone_form": phone_form, "code_form": code_form,
                                                        "step": step, "demo": settings.DEMO})


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """A member of staff's desk: her role's work as counts by urgency (待办, 即将超时, 已逾期, 预警), each linking
    to the list it counts, then her desks (her menu). Both come from the registry: this page names no app."""
    if request.user.is_resident:
        return redirect("portal:home")
    work: dict[str, dict[str, Any]] = {}
    for entry in registry.counts_for(request.user):  # in the order of Urgency
        group = work.setdefault(entry.urgency, {"urgency": registry.Urgency(entry.urgency), "counts": []})
        group["counts"].append({"key": entry.key, "label": entry.label, "value": entry.count(request.user),
                                "url": entry.url(request.user)})
    # Her desks are the menu's entries (``nav_groups``, from the context processor) shown large, but this one.
    return render(request, "core/home.html", {"work": list(work.values()), "home_url_name": "core:home"})


@require_POST
def toggle_large_text(request: HttpRequest) -> HttpResponse:
    """Large text for elders; kept on the account, or in a cookie before login."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.user.is_authenticated:
        user = cast(User, request.user)
        actions.set_preferences(actor=user, large_text=not user.large_text)
    else:
        turned_on = request.COOKIES.get("large_text") != "1"
        response.set_cookie("large_text", "1" if turned_on else "0", max_age=365 * 86400, samesite="Lax")
    return response


def _health_ids(entries: Iterable[AuditEntry]) -> list[int]:
    return [entry.pk for entry in entries if entry.category == audit.HEALTH]


@login_required
def api_tokens(request: AuthedRequest) -> HttpResponse:
    """The user's API tokens (an administrator's page also lists her staff's), each revocable at once."""
    tokens = queries.api_tokens(request.user)
    if request.method == "POST":
        chosen = request.POST.get("revoke", "")
        token = tokens.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if token is None:
            raise NotFound()
        actions.revoke_api_token(actor=request.user, token=token)
        messages.success(request, _("The token was revoked; it no longer works."))
        return redirect("core:api_tokens")
    return render(request, "core/api_tokens.html", {"tokens": tokens[:200]})


@login_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    """The audit log in the categories the user may read; a read or an export of health entries is audited."""
    if not can(request.user, AuditEntry, "view"):
        raise NotFound()
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    exporting = request.GET.get("format") == "xlsx"
    entries = queries.audit_entries(request.user, action="export" if exporting else "view", **filters)
    if exporting:
        health: list[int] = []

        def rows() -> Iterator[tuple[Any, ...]]:
            for e in entries.iterator(chunk_size=2000):
                if e.category == audit.HEALTH:
                    health.append(e.pk)
                shown = audit.opened(e)
                yield (e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), e.actor_label, e.event, e.object_type,
                       e.object_id, e.object_repr, str(shown.before or ""), str(shown.after or ""), shown.reason,
                       e.ip_address or "")

        headers = [_("Time"), _("By"), _("Event"), _("Object type"), _("Object id"), _("Object"),
                   _("Before"), _("After"), _("Reason"), _("IP address")]
        # The workbook is built in full before the response returns, so the health entries are all listed here.
        response = personal_data_xlsx(actor=request.user, what="core.auditentry", filename="audit-log.xlsx",
                                      title=_("Audit log"), headers=headers, rows=rows(), filters=filters,
                                      reason=request.GET.get("reason", ""))
        actions.record_audit_read(actor=request.user, entry_ids=health, via="export")
        return response
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.shown = audit.opened(entry)  # type: ignore[attr-defined]
    actions.record_audit_read(actor=request.user, entry_ids=_health_ids(page), via="web")
    return render(request, "core/audit_log.html", {"form": form, "page": page})


def _own_task(request: AuthedRequest, pk: int) -> Task:
    """The user's task; one whose runner died is failed first, so the page does not wait for ever."""
    task = queries.own_tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise NotFound()
    if task.status == TaskStatus.RUNNING and task.heartbeat_at is not None and (
            task.heartbeat_at < timezone.now() - actions.TASK_STALLED_AFTER):
        try:
            actions.fail_stalled_tasks(pk=task.pk)
        except DatabaseError:  # the database is busy (SQLite under a long write): the next poll tries again
            return task
        task.refresh_from_db()
    return task


@login_required
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A background task's progress (the page follows it until it ends), then its result."""
    task = _own_task(request, pk)
    kind = TASK_KINDS.get(task.kind)
    return render(request, "core/task.html", {
        "task": task, "kind": kind, "stage": kind.stages.get(task.stage, "") if kind else "",
        "result": task.result,
    })


@login_required
def task_status(request: AuthedRequest, pk: int) -> JsonResponse:
    """What the task page polls: status, stage and counts."""
    task = _own_task(request, pk)
    kind = TASK_KINDS.get(task.kind)
    return JsonResponse({
        "status": task.status, "finished": task.finished, "stage": str(kind.stages.get(task.stage, "")) if kind else "",
        "done": task.done, "total": task.total, "percent": task.percent,
    })


@login_required
def outbox(request: AuthedRequest) -> HttpResponse:
    """Messages queued, sent and failed in the administrator's sub-district; failed ones can be sent again.
    Recipients are masked, and the text of a sensitive message (a login code, a health notice) is never shown."""
    if not can(request.user, OutboxMessage, "view"):
        raise NotFound()
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    messages_ = queries.outbox_messages(request.user, status=status)
    page = Paginator(messages_, 50).get_page(request.GET.get("page"))
    return render(request, "core/outbox.html", {
        "page": page, "status": status, "statuses": MessageStatus.choices,
        "can_retry": can(request.user, OutboxMessage, "change"),
    })


@login_required
@require_POST
def outbox_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    message = queries.outbox_messages(request.user).filter(pk=pk).first()
    if message is None:
        raise NotFound()
    actions.retry_message(actor=request.user, message=message)
    messages.success(request, _("The message is queued again."))
    return redirect(f"{reverse('core:outbox')}?status={MessageStatus.FAILED}")
