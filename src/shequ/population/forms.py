from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.models import Compound, Dwelling, Neighborhood, User
from shequ.core.queries import compounds, find_dwelling, neighborhoods
from shequ.population.choices import IdType, LifeEventKind, PermitStatus, PersonStatus, Relationship, ResidenceType, Sex
from shequ.population.models import Tag

DATE = forms.DateInput(attrs={"type": "date"})


class AddressFields(forms.Form):
    """Compound, building and room, turned into a Dwelling inside the user's area."""

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    building = forms.CharField(label=_("Building"), max_length=20, help_text=_("e.g. 12号"))
    room = forms.CharField(label=_("Room"), max_length=20, help_text=_("e.g. 301"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["compound"].queryset = compounds(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("compound") and data.get("building") and data.get("room"):
            dwelling = find_dwelling(self.user, compound=data["compound"], building=data["building"].strip(),
                                     room=data["room"].strip())
            if dwelling is None:
                raise forms.ValidationError(_("There is no such room in this compound."))
            data["dwelling"] = dwelling
        return data


class PersonForm(AddressFields):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False,
                            help_text=_("Taken from the ID number when there is one."))
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE,
                                 help_text=_("Taken from the ID number when there is one."))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    ethnicity = forms.CharField(label=_("Ethnic group"), max_length=20, required=False)
    hukou_address = forms.CharField(label=_("Hukou address"), max_length=150, required=False)
    relationship = forms.ChoiceField(label=_("Relationship to head"), choices=[("", "—"), *Relationship.choices],
                                     required=False)
    new_household = forms.BooleanField(label=_("Start a new household at this address"), required=False,
                                       initial=True)
    started_on = forms.DateField(label=_("Living here since"), required=False, widget=DATE)
    arrival = forms.ChoiceField(
        label=_("How the person comes onto the registry"),
        choices=[(LifeEventKind.MOVE_IN, _("Moved in")), (LifeEventKind.REGISTERED, _("Already living here"))],
        initial=LifeEventKind.MOVE_IN,
        help_text=_("Moves in are counted in the month-by-month population dynamics."),
    )
    tags = forms.ModelMultipleChoiceField(label=_("Tags"), queryset=Tag.objects.all(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    field_order = ["name", "id_type", "id_number", "sex", "birth_date", "phone", "residence_type", "compound",
                   "building", "room", "new_household", "relationship", "arrival", "started_on", "ethnicity",
                   "hukou_address", "tags"]


class PersonEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False,
                                help_text=_("Leave empty to keep the number on record."))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            help_text=_("Leave empty to keep the number on record."))
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    ethnicity = forms.CharField(label=_("Ethnic group"), max_length=20, required=False)
    hukou_address = forms.CharField(label=_("Hukou address"), max_length=150, required=False)
    relationship = forms.ChoiceField(label=_("Relationship to head"), choices=[("", "—"), *Relationship.choices],
                                     required=False)
    tags = forms.ModelMultipleChoiceField(label=_("Tags"), queryset=Tag.objects.all(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Reason for the change"), max_length=200, required=False)


class MoveForm(AddressFields):
    moved_on = forms.DateField(label=_("Date of the move"), widget=DATE)
    new_household = forms.BooleanField(label=_("Start a new household at the new address"), required=False)
    reason = forms.CharField(label=_("Note"), max_length=200, required=False)


class MoveOutForm(forms.Form):
    moved_on = forms.DateField(label=_("Date moved out"), widget=DATE)
    destination = forms.CharField(label=_("Moved to"), max_length=150, required=False)
    reason = forms.CharField(label=_("Note"), max_length=200, required=False)


class DeathForm(forms.Form):
    died_on = forms.DateField(label=_("Date of death"), widget=DATE)
    reason = forms.CharField(label=_("Note"), max_length=200, required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[("id_number", _("ID number")), ("phone", _("Phone")), ("birth_date", _("Date of birth"))],
        widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why do you need to see it?"), max_length=200)


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Name, pinyin, initials, ID, phone or address"),
                                                      "type": "search", "autofocus": True}))
    neighborhood: forms.ModelChoiceField[Neighborhood] = forms.ModelChoiceField(
        label=_("Neighborhood"), queryset=Neighborhood.objects.none(), required=False)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=[("", _("All")), *ResidenceType.choices],
                                       required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *PersonStatus.choices], required=False,
                               initial=PersonStatus.ACTIVE)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False, to_field_name="code")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighborhood"].queryset = neighborhoods(user)  # type: ignore[attr-defined]


class PermitIssueForm(forms.Form):
    number = forms.CharField(label=_("Permit number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)


class PermitFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *PermitStatus.choices], required=False)
    expiring = forms.BooleanField(label=_("Expiring within 30 days"), required=False)
    expired = forms.BooleanField(label=_("Expired and not renewed"), required=False)


def dwelling_of(form: forms.Form) -> Dwelling:
    return form.cleaned_data["dwelling"]
