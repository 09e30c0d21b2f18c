"""Pages about who is cared for: the care roll with its filters, an elder's page (reasons, consent, contacts
masked with an audited reveal, assessments, away periods, pairing) and the forms that change them; a volunteer's
own pairs. Thin: parse, call one action or query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.scopes import can, get_visible
from shequ.eldercare.actions import roll as actions
from shequ.eldercare.choices import visits_per_week
from shequ.eldercare.models import CareRecipient, EmergencyContact
from shequ.eldercare.queries import alerts as alert_queries
from shequ.eldercare.queries import roll as queries
from shequ.eldercare.queries import visits as visit_queries
from shequ.eldercare.views import alerts as alert_views
from shequ.eldercare.views.forms import (
    AddToRollForm,
    AssessmentForm,
    AwayForm,
    ConsentFormForm,
    ContactForm,
    PairingForm,
    ReasonForm,
    RollFilterForm,
)
from shequ.population.models import Person

PAGE_SIZE = 30


def _require(request: AuthedRequest, action: str = "view", model: Any = CareRecipient) -> None:
    if request.user.is_resident or not can(request.user, model, action):
        raise NotFound()


def _elder(request: AuthedRequest, pk: int, action: str = "view") -> CareRecipient:
    _require(request, action)
    found = queries.elder(request.user, pk, action)
    if found is None:
        raise NotFound()
    return found


def _form_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@login_required
def roll(request: AuthedRequest) -> HttpResponse:
    """The care roll of the user's area, filtered by reason, grade, worker, away now and re-assessment due."""
    _require(request)
    form = RollFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    found = queries.roll(request.user, reason=data.get("reason") or "", grade=data.get("grade"),
                         worker=data.get("worker"), away_now=bool(data.get("away_now")),
                         reassessment_due=bool(data.get("reassessment_due")), q=data.get("q") or "")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    away = set(CareRecipient.objects.away_on(timezone.localdate()).filter(
        pk__in=[recipient.pk for recipient in page]).values_list("pk", flat=True))
    return render(request, "eldercare/roll.html", {
        "form": form, "page": page, "away": away, "due_before": queries.reassessment_due_before(),
        "can_change": can(request.user, CareRecipient, "change"),
    })


@login_required
@require_POST
def roll_refresh(request: AuthedRequest) -> HttpResponse:
    """Refresh the roll of the user's sub-district from the registry now (the daily job does it too)."""
    _require(request, "change")
    result = actions.refresh_roll(actor=request.user)
    messages.success(request, _("The roll is up to date: %(joined)d joined, %(left)d left, %(on_roll)d on it.")
                     % {"joined": result.joined, "left": result.left, "on_roll": result.on_roll})
    return redirect("eldercare:roll")


@login_required
def elder_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk)
    revealed = request.session.pop(f"eldercare-revealed-{recipient.pk}", None)
    assessments = list(queries.assessments(request.user, recipient))
    latest = assessments[0] if assessments else None
    next_visit = visit_queries.next_visit_due(recipient)
    return render(request, "eldercare/elder_detail.html", {
        "recipient": recipient, "person": recipient.person,
        "consent": queries.consent_in_force(recipient),
        "contacts": queries.contacts(request.user, recipient),
        "assessments": assessments, "latest": latest,
        "visits_per_week": visits_per_week(latest.grade if latest else None),
        "reassessment_due": latest is not None and latest.valid_until <= queries.reassessment_due_before(),
        "away_periods": queries.away_periods(request.user, recipient)[:20],
        "away_now": CareRecipient.objects.away_on(timezone.localdate()).filter(pk=recipient.pk).exists(),
        "can_change": can(request.user, CareRecipient, "change"),
        "can_reveal": can(request.user, EmergencyContact, "reveal"),
        "revealed": revealed, "reason_form": ReasonForm(),
        "tuning": alert_views.suggestions_for(request.user, recipient),
        "alerts": alert_queries.elder_alerts(request.user, recipient),
        "next_visit": next_visit, "visit_overdue": next_visit is not None and next_visit < timezone.localdate(),
        "visits": visit_queries.visits(request.user, recipient)[:10],
    })


def _form_page(request: AuthedRequest, *, form: forms.Form, title: str, recipient: CareRecipient | None,
               save: Callable[[dict[str, Any]], Any], done: str) -> HttpResponse:
    """The shape of every form here: on a valid POST, call the action; its error goes back onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, done)
            if recipient is None:
                return redirect("eldercare:roll")
            return redirect("eldercare:elder_detail", pk=recipient.pk)
    return render(request, "eldercare/form.html", {"form": form, "title": title, "recipient": recipient})


@login_required
def elder_find(request: AuthedRequest) -> HttpResponse:
    """Find a resident by name to put her on the roll by hand."""
    _require(request, "add")
    q = request.GET.get("q", "")[:50]
    return render(request, "eldercare/elder_find.html", {"q": q, "people": queries.people_to_add(request.user, q)})


@login_required
def elder_add(request: AuthedRequest, person_pk: int) -> HttpResponse:
    """Put a resident on the roll by hand, with her reasons (reached from the roll or her registry page)."""
    _require(request, "add")
    person = get_visible(Person.objects.all(), request.user, "view", pk=person_pk)
    form = AddToRollForm(request.POST or None)

    def save(data: dict[str, Any]) -> Any:
        return actions.add_to_roll(actor=request.user, person=person, reasons=data["reasons"], note=data["note"])

    return _form_page(request, form=form, title=_("Put %(name)s on the care roll") % {"name": person.name},
                      recipient=None, save=save, done=_("%(name)s is on the care roll.") % {"name": person.name})


@login_required
@require_POST
def elder_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk, "change")
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            messages.error(request, _("Say why she leaves the roll."))
        else:
            actions.remove_from_roll(actor=request.user, recipient=recipient, reason=form.cleaned_data["reason"])
            messages.success(request, _("%(name)s has left the care roll.") % {"name": recipient.person.name})
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("eldercare:elder_detail", pk=recipient.pk)


@login_required
def consent_record(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk, "change")
    current = queries.consent_in_force(recipient)
    initial: dict[str, Any] = {"given_on": timezone.localdate()}
    if current is not None:
        initial |= {"sensors": current.sensors, "tell_family": current.tell_family, "form": current.form}
    form = ConsentFormForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> Any:
        return actions.record_consent(actor=request.user, recipient=recipient, sensors=data["sensors"],
                                      tell_family=data["tell_family"], form=data["form"], given_on=data["given_on"])

    return _form_page(request, form=form, title=_("Record consent"), recipient=recipient, save=save,
                      done=_("Consent recorded."))


@login_required
@require_POST
def consent_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk, "change")
    try:
        actions.withdraw_consent(actor=request.user, recipient=recipient, reason=request.POST.get("reason", ""))
        messages.success(request, _("Consent withdrawn."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("eldercare:elder_detail", pk=recipient.pk)


def _contact(request: AuthedRequest, pk: int, action: str) -> EmergencyContact:
    found = queries.contact(request.user, pk, action) if not request.user.is_resident else None
    if found is None:
        raise NotFound()
    return found


@login_required
def contact_add(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk, "change")
    _require(request, "add", EmergencyContact)
    form = ContactForm(request.POST or None, initial={"order": recipient.contacts.count() + 1})

    def save(data: dict[str, Any]) -> Any:
        return actions.add_contact(actor=request.user, recipient=recipient, **data)

    return _form_page(request, form=form, title=_("Add an emergency contact"), recipient=recipient, save=save,
                      done=_("Contact added."))


@login_required
def contact_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk, "change")
    initial = {"name": contact.name, "relationship": contact.relationship, "order": contact.order,
               "may_be_told": contact.may_be_told, "note": contact.note}
    form = ContactForm(request.POST or None, initial=initial)
    # The phone is never put back into the page: left empty, it stays as it is.
    form.fields["phone"].required = False
    form.fields["phone"].help_text = _("Now %(masked)s; leave empty to keep it.") % {"masked": contact.phone_masked}

    def save(data: dict[str, Any]) -> Any:
        changes = {key: value for key, value in data.items() if key != "phone" or value}
        return actions.change_contact(actor=request.user, contact=contact, **changes)

    return _form_page(request, form=form, title=_("Edit the emergency contact"), recipient=contact.recipient,
                      save=save, done=_("Contact saved."))


@login_required
@require_POST
def contact_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk, "change")
    actions.remove_contact(actor=request.user, contact=contact)
    messages.success(request, _("Contact removed."))
    return redirect("eldercare:elder_detail", pk=contact.recipient_id)


@login_required
@require_POST
def contact_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """A contact's full phone, once, on the elder's page; audited with the reason given."""
    contact = _contact(request, pk, "reveal")
    try:
        value = actions.reveal_contact_phone(actor=request.user, contact=contact,
                                             reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        request.session[f"eldercare-revealed-{contact.recipient_id}"] = {"contact": contact.pk, "value": value}
    return redirect("eldercare:elder_detail", pk=contact.recipient_id)


@login_required
def assessment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk, "change")
    form = AssessmentForm(request.POST or None, initial={"assessed_on": timezone.localdate()})

    def save(data: dict[str, Any]) -> Any:
        return actions.record_assessment(actor=request.user, recipient=recipient, **data)

    return _form_page(request, form=form, title=_("Record a care assessment"), recipient=recipient, save=save,
                      done=_("Assessment recorded."))


@login_required
def away_add(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk, "change")
    form = AwayForm(request.POST or None, initial={"starts_on": timezone.localdate()})

    def save(data: dict[str, Any]) -> Any:
        return actions.set_away(actor=request.user, recipient=recipient, **data)

    return _form_page(request, form=form, title=_("Mark her away"), recipient=recipient, save=save,
                      done=_("Marked away: the rules pause for her."))


@login_required
@require_POST
def away_back(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request, "change")
    period = queries.away_period(request.user, pk, "change")
    if period is None:
        raise NotFound()
    try:
        actions.mark_back(actor=request.user, period=period)
        messages.success(request, _("Marked back home."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("eldercare:elder_detail", pk=period.recipient_id)


@login_required
def pairing(request: AuthedRequest, pk: int) -> HttpResponse:
    recipient = _elder(request, pk, "change")
    form = PairingForm(request.POST or None, user=request.user,
                       initial={"worker": recipient.worker, "volunteer": recipient.volunteer})

    def save(data: dict[str, Any]) -> Any:
        warning = visit_queries.pairing_warning(data["volunteer"], recipient)
        paired = actions.pair(actor=request.user, recipient=recipient, worker=data["worker"],
                              volunteer=data["volunteer"])
        if warning:
            messages.warning(request, warning)
        return paired

    return _form_page(request, form=form, title=_("Worker and volunteer"), recipient=recipient, save=save,
                      done=_("Pairing saved."))


@login_required
def my_pairs(request: AuthedRequest) -> HttpResponse:
    """A volunteer's own elders: name, address and next visit due (overdue marked), with "start visit" — what a
    visit needs, nothing more."""
    if not request.user.is_resident:
        raise NotFound()
    return render(request, "eldercare/my_pairs.html", {"pairs": visit_queries.my_pairs(request.user),
                                                       "door_visits": alert_queries.door_visits(request.user)})
