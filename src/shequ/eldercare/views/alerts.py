"""Pages about care alerts: the committee worker's care desk, an alert's page with its timeline and the forms that
work it (take on, pass on, close), an elder's rule settings and the tuning suggestion's "apply", and the elder's
own page behind her portal tile ("I'm fine" and the one-button call). Thin: parse, call one action or query."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can
from shequ.eldercare.actions import alerts as actions
from shequ.eldercare.actions import roll as roll_actions
from shequ.eldercare.choices import LADDER, AlertOutcome, FalseAlarmCause, LadderStep
from shequ.eldercare.models import Alert, CareRecipient
from shequ.eldercare.queries import alerts as queries
from shequ.eldercare.queries import roll as roll_queries
from shequ.eldercare.queries import tuning
from shequ.eldercare.queries import visits as visit_queries
from shequ.eldercare.rules import RULE_LABELS, thresholds_for


def _require(request: AuthedRequest, action: str = "view") -> None:
    if request.user.is_resident or not can(request.user, Alert, action):
        raise NotFound()


def _form_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


# The desk lists the most overdue visits; the overdue-visits page has them all.
DESK_OVERDUE_VISITS = 10


# The care desk ------------------------------------------------------------------------------------------------------

@login_required
def desk(request: AuthedRequest) -> HttpResponse:
    """关爱工作台: her elders by risk, the open alerts with their rung and deadline, overdue visits, sensors
    offline."""
    _require(request)
    now = timezone.now()
    alerts = list(queries.open_alerts(request.user))
    for alert in alerts:
        alert.summary = actions.alert_summary(alert)  # type: ignore[attr-defined]
    return render(request, "eldercare/desk.html", {
        "elders": queries.elders_by_risk(request.user, now=now),
        "alerts": alerts,
        "offline": queries.sensors_offline(request.user),
        "ladder_size": len(LADDER),
        "overdue_visits": visit_queries.overdue_visits(request.user, now)[:DESK_OVERDUE_VISITS],
        "now": now,
    })


# One alert ----------------------------------------------------------------------------------------------------------

class TakeOnForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False,
                           help_text=gettext_lazy("What you are doing, e.g. “going round now”."))


class PassOnForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("What was tried"), max_length=300,
                           help_text=gettext_lazy("E.g. “called twice, no answer”."),
                           error_messages={"required": gettext_lazy("Say what was tried before passing the alert "
                                                                    "on.")})


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("What happened"), choices=AlertOutcome.choices)
    cause = forms.ChoiceField(label=gettext_lazy("Why it was a false alarm"), required=False,
                              choices=[("", "—"), *FalseAlarmCause.choices],
                              help_text=gettext_lazy("Needed for a false alarm: it tunes her rules."))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == AlertOutcome.FALSE_ALARM and not data.get("cause"):
            self.add_error("cause", _("Say why it was a false alarm."))
        return data


def _alert(request: AuthedRequest, pk: int, action: str = "view") -> Alert:
    _require(request, action)
    found = queries.alert(request.user, pk, action)
    if found is None:
        raise NotFound()
    return found


def _alert_page(request: AuthedRequest, alert: Alert, **bound: forms.Form) -> HttpResponse:
    steps = list(queries.steps(request.user, alert))
    return render(request, "eldercare/alert_detail.html", {
        "alert": alert, "recipient": alert.recipient, "steps": steps,
        "findings": [(actions.rule_label(code), actions.describe(code, alert.figures.get(code)))
                     for code in alert.rules],
        "ladder": [(index + 1, step.label, step == alert.step) for index, step in enumerate(LADDER)],
        "ladder_size": len(LADDER),
        "can_work": alert.is_open and queries.may_work_alerts(request.user),
        "at_top": alert.step == LadderStep.EMERGENCY,
        "take_on_form": bound.get("take_on_form") or TakeOnForm(),
        "pass_on_form": bound.get("pass_on_form") or PassOnForm(),
        "close_form": bound.get("close_form") or CloseForm(),
    })


@login_required
def alert_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _alert_page(request, _alert(request, pk))


def _work(request: AuthedRequest, pk: int, form_class: type[forms.Form], name: str,
          act: Any, done: str) -> HttpResponse:
    alert = _alert(request, pk, "change")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(alert, form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, done)
            return redirect("eldercare:alert_detail", pk=alert.pk)
    return _alert_page(request, alert, **{name: form})


@login_required
@require_POST
def alert_take_on(request: AuthedRequest, pk: int) -> HttpResponse:
    return _work(request, pk, TakeOnForm, "take_on_form",
                 lambda alert, data: actions.take_on(actor=request.user, alert=alert, note=data["note"]),
                 _("Taken on: the alert now waits for what you find."))


@login_required
@require_POST
def alert_pass_on(request: AuthedRequest, pk: int) -> HttpResponse:
    return _work(request, pk, PassOnForm, "pass_on_form",
                 lambda alert, data: actions.pass_on(actor=request.user, alert=alert, note=data["note"]),
                 _("Passed on to the next step."))


@login_required
@require_POST
def alert_close(request: AuthedRequest, pk: int) -> HttpResponse:
    return _work(request, pk, CloseForm, "close_form",
                 lambda alert, data: actions.close(actor=request.user, alert=alert, outcome=data["outcome"],
                                                   cause=data["cause"], note=data["note"]),
                 _("The alert is closed."))


# Rule settings and tuning -------------------------------------------------------------------------------------------

# The words for each rule's settings (the rule's dataclass field names).
FIELD_LABELS: dict[str, Any] = {
    "min_m3": gettext_lazy("Least water in 12 h (m³)"),
    "min_openings": gettext_lazy("Fewest door openings in 24 h"),
    "hours": gettext_lazy("Hours without movement (at most 24)"),
    "max_m3": gettext_lazy("Most water in 24 h (m³)"),
    "slots": gettext_lazy("Readings with water flowing in 24 h"),
    "minutes": gettext_lazy("Minutes a smoke alarm counts"),
}


class RuleSettingsForm(forms.Form):
    """One "on" box and the settings of every rule, each beside the sub-district's value; what equals the
    sub-district's value is not kept as the elder's own. Validated through the rules' own ``with_overrides``."""

    def __init__(self, *args: Any, recipient: CareRecipient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = recipient.person.subdistrict.code if recipient.person.subdistrict_id else None
        self.defaults = thresholds_for(code)
        self.subdistrict_code = code
        current = tuning.current_thresholds(recipient)
        self.groups: list[tuple[str, str, list[tuple[str, Any]]]] = []
        for rule_code, label in RULE_LABELS.items():
            rule_now, rule_default = getattr(current, rule_code), getattr(self.defaults, rule_code)
            names: list[tuple[str, Any]] = []
            for item in dataclasses.fields(rule_default):
                name = f"{rule_code}__{item.name}"
                default = getattr(rule_default, item.name)
                if item.name == "enabled":
                    self.fields[name] = forms.BooleanField(label=_("On"), required=False,
                                                           initial=rule_now.enabled)
                elif isinstance(default, int) and not isinstance(default, bool):
                    self.fields[name] = forms.IntegerField(label=FIELD_LABELS.get(item.name, item.name),
                                                           min_value=0, initial=getattr(rule_now, item.name))
                else:
                    self.fields[name] = forms.FloatField(label=FIELD_LABELS.get(item.name, item.name),
                                                         initial=getattr(rule_now, item.name))
                names.append((name, default))
            self.groups.append((rule_code, str(label), names))

    def overrides(self) -> dict[str, dict[str, Any]]:
        """The settings that differ from the sub-district's, as ``{rule: {field: value}}``."""
        result: dict[str, dict[str, Any]] = {}
        for rule_code, _label, names in self.groups:
            for name, default in names:
                value = self.cleaned_data.get(name)
                if value is None or value == default:
                    continue
                result.setdefault(rule_code, {})[name.split("__", 1)[1]] = value
        return result

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        hours = data.get("no_motion__hours")
        if hours is not None and hours > tuning.NO_MOTION_MAX_HOURS:
            self.add_error("no_motion__hours", _("The motion rule can look back at most 24 h."))
            return data
        try:
            thresholds_for(self.subdistrict_code, self.overrides())
        except (ValueError, TypeError) as error:
            self.add_error(None, str(error))
        return data

    def rows(self) -> list[tuple[str, str, list[tuple[forms.BoundField, Any]]]]:
        return [(rule_code, label, [(self[name], default) for name, default in names])
                for rule_code, label, names in self.groups]


def _elder(request: AuthedRequest, pk: int, action: str = "view") -> CareRecipient:
    if request.user.is_resident or not can(request.user, CareRecipient, action):
        raise NotFound()
    found = roll_queries.elder(request.user, pk, action)
    if found is None:
        raise NotFound()
    return found


@login_required
def rule_settings(request: AuthedRequest, pk: int) -> HttpResponse:
    """The elder's own rule settings, each rule beside the sub-district's values."""
    recipient = _elder(request, pk, "change")
    form = RuleSettingsForm(request.POST or None, recipient=recipient)
    if request.method == "POST" and form.is_valid():
        try:
            roll_actions.set_rule_overrides(actor=request.user, recipient=recipient, overrides=form.overrides())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Her rule settings are saved."))
            return redirect("eldercare:elder_detail", pk=recipient.pk)
    return render(request, "eldercare/rule_settings.html", {"form": form, "recipient": recipient,
                                                            "rows": form.rows()})


def suggestions_for(user: Any, recipient: CareRecipient) -> list[tuning.Suggestion]:
    """The tuning suggestions shown on the elder's page (staff who may change her record)."""
    if user.is_resident or not can(user, CareRecipient, "change"):
        return []
    return tuning.for_elder(recipient)


@login_required
@require_POST
def tuning_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    """Apply one tuning suggestion to the elder's rule settings (audited by the action)."""
    recipient = _elder(request, pk, "change")
    key = request.POST.get("key", "")
    found = next((item for item in tuning.for_elder(recipient) if item.key == key and item.changes_a_rule), None)
    if found is None:
        messages.error(request, _("That suggestion no longer applies."))
    else:
        try:
            roll_actions.set_rule_overrides(actor=request.user, recipient=recipient,
                                            overrides=tuning.merged(recipient.rule_overrides, found.change))
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Applied: %(what)s") % {"what": found.text})
    return redirect("eldercare:elder_detail", pk=recipient.pk)


# The elder's own page -----------------------------------------------------------------------------------------------

def call_number(recipient: CareRecipient | None) -> str:
    """The number her one-button call rings: her committee worker's, else the sub-district's hotline."""
    worker = recipient.worker if recipient is not None else None
    return (getattr(worker, "phone", "") or "") or settings.SHEQU_HOTLINE


@login_required
def my_care(request: AuthedRequest) -> HttpResponse:
    """The elder's own page (her portal tile): "I'm fine" when the community is looking for her, her next
    visit, the one-button call."""
    recipient = queries.my_recipient(request.user)
    if recipient is None:
        raise NotFound()
    now = timezone.now()
    return render(request, "eldercare/my_care.html", {
        "recipient": recipient, "alert": queries.my_open_alert(request.user),
        "next_visit": queries.next_visit(recipient, now), "call_number": call_number(recipient),
    })


@login_required
@require_POST
def im_fine(request: AuthedRequest) -> HttpResponse:
    """Her "I'm fine": settles her pending check (at the emergency rung, her word goes on the record)."""
    if queries.my_recipient(request.user) is None:
        raise NotFound()
    alert = actions.elder_is_fine(actor=request.user)
    if alert is not None and alert.is_open:
        messages.success(request, _("We have told the community you are fine. Help is already on its way: "
                                    "please open the door when they come."))
    else:
        messages.success(request, _("We have told the community: you are fine."))
    return redirect("eldercare:my_care")
