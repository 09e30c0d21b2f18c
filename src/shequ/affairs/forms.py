from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.affairs import queries
from shequ.affairs.choices import Channel, DepartmentKind, HolidayKind, SlaUnit, Status
from shequ.affairs.models import Department, Service
from shequ.core.models import Compound, User
from shequ.core.queries import compounds, find_dwelling

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"})


def _services(user: User) -> Any:
    return queries.catalogue(user.subdistrict_id)


class ServiceRequestForm(forms.Form):
    """Hotline or counter intake: who calls, about what, where."""

    channel = forms.ChoiceField(label=_("Channel"), choices=[(Channel.HOTLINE, Channel.HOTLINE.label),
                                                             (Channel.COUNTER, Channel.COUNTER.label)])
    caller_phone = forms.CharField(label=_("Caller number"), max_length=20, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
                                   help_text=_("Matched to a resident of the registry when the number is known."))
    caller_name = forms.CharField(label=_("Caller name"), max_length=50, required=False)
    description = forms.CharField(label=_("What is the request?"), widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=4000)
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False,
                                     help_text=_("Leave empty to take the suggested service."))
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(), required=False)
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    room = forms.CharField(label=_("Room"), max_length=20, required=False)
    address = forms.CharField(label=_("Other address"), max_length=200, required=False)
    department = forms.ModelChoiceField(label=_("Dispatch at once to"), queryset=Department.objects.none(),
                                        required=False)

    def __init__(self, *args: Any, user: User, suggested: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["service"].queryset = _services(user)  # type: ignore[attr-defined]
        self.fields["compound"].queryset = compounds(user)  # type: ignore[attr-defined]
        self.fields["department"].queryset = queries.departments(user)  # type: ignore[attr-defined]
        # Values the check step filled in from what it found: marked, in words and on the input, for the
        # operator to confirm or change.
        self.suggested = [name for name in suggested if name in self.fields]
        for name in self.suggested:
            field = self.fields[name]
            field.help_text = _("Suggested by the check: confirm or change it.")
            field.widget.attrs.update({"class": "is-suggested", "data-suggested": "1"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["dwelling"] = None
        if data.get("compound") and data.get("building") and data.get("room"):
            dwelling = find_dwelling(self.user, compound=data["compound"], building=data["building"].strip(),
                                     room=data["room"].strip())
            if dwelling is None:
                raise forms.ValidationError(_("There is no such room in this compound."))
            data["dwelling"] = dwelling
        return data


class PortalRequestForm(forms.Form):
    """A resident's own request on her phone: the address is hers from the registry."""

    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    description = forms.CharField(label=_("What is the request?"), widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=4000)

    def __init__(self, *args: Any, subdistrict_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = queries.catalogue(subdistrict_id)  # type: ignore[attr-defined]


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, phone or text"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All open")), *Status.choices], required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    state = forms.ChoiceField(label=_("Whose turn"), required=False, choices=[
        ("", _("Anyone's")), ("to_dispatch", _("To dispatch")), ("to_handle", _("To handle in my department"))])
    due = forms.ChoiceField(label=_("Deadline"), required=False, choices=[
        ("", _("Any deadline")), ("soon", _("Due within a working day")), ("overdue", _("Overdue"))])

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = queries.departments(user)  # type: ignore[attr-defined]


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = queries.departments(user)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            affairs_memberships__department__in=departments).distinct().order_by("full_name", "username")


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False)


class RatingForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"), coerce=int, widget=forms.RadioSelect,
        choices=[(5, _("5 · Very satisfied")), (4, _("4 · Satisfied")), (3, _("3 · Acceptable")),
                 (2, _("2 · Dissatisfied")), (1, _("1 · Very dissatisfied"))],
    )
    comment = forms.CharField(label=_("Comment"), widget=TEXTAREA, required=False, max_length=2000)


class MergeForm(forms.Form):
    numbers = forms.CharField(label=_("Numbers of the duplicates"), help_text=_("Separated by spaces or commas."))
    note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False)


class ServiceForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.CharField(label=_("Category"), max_length=50)
    department = forms.ModelChoiceField(label=_("Responsible department"), queryset=Department.objects.none())
    description = forms.CharField(label=_("Description"), widget=TEXTAREA, required=False)
    materials = forms.CharField(label=_("Materials to bring"), widget=TEXTAREA, required=False,
                                help_text=_("One item per line."))
    sla_amount = forms.IntegerField(label=_("Time limit"), min_value=1)
    sla_unit = forms.ChoiceField(label=_("Time limit unit"), choices=SlaUnit.choices)
    is_emergency = forms.BooleanField(label=_("Emergency"), required=False)
    linked_departments = forms.ModelMultipleChoiceField(
        label=_("Emergency linkage departments"), queryset=Department.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    ack_minutes = forms.IntegerField(label=_("Minutes to acknowledge"), min_value=1, initial=15)
    keywords = forms.CharField(label=_("Keywords"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("department", "linked_departments"):
            self.fields[name].queryset = queries.departments(user)  # type: ignore[attr-defined]


class DepartmentForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=DepartmentKind.choices)
    compounds = forms.ModelMultipleChoiceField(label=_("Compounds served"), queryset=Compound.objects.none(),
                                               required=False, widget=forms.CheckboxSelectMultiple)
    duty_phone = forms.CharField(label=_("Duty phone"), max_length=20, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compounds"].queryset = compounds(user)  # type: ignore[attr-defined]


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=HolidayKind.choices)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Only check, do not import"), required=False)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until (not included)"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end"):
            if data["end"] <= data["start"]:
                raise forms.ValidationError(_("The period must end after it starts."))
            if (data["end"] - data["start"]).days > 366:
                raise forms.ValidationError(_("Choose a period of at most a year."))
        return data


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Member of staff"), queryset=User.objects.none())
    is_supervisor = forms.BooleanField(label=_("Supervisor (receives escalations)"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(subdistrict_id=user.subdistrict_id or 0, is_active=True).exclude(role="resident")
            .order_by("username"))
