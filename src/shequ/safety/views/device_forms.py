"""Forms of the device registry's pages; choices of places come from the user's own area."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core import queries as core_queries
from shequ.core.models import Compound, Neighborhood, User
from shequ.safety.actions.devices import MAX_HEARTBEAT_SECONDS, MIN_HEARTBEAT_SECONDS
from shequ.safety.choices import Availability, DeviceKind
from shequ.safety.queries import devices as queries
from shequ.safety.validators import CODE_MAX_LENGTH


class DeviceFilterForm(forms.Form):
    q = forms.CharField(label=_("Device ID or name"), max_length=100, required=False,
                        widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", pgettext_lazy("device kind", "All kinds")), *DeviceKind.choices])
    availability = forms.ChoiceField(label=pgettext_lazy("device", "Availability"), required=False,
                                     choices=[("", pgettext_lazy("availability", "Any")), *Availability.choices])
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(),
                                      required=False, empty_label=pgettext_lazy("compound", "All compounds"))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        (queries.IN_SERVICE, _("In service")), (queries.DECOMMISSIONED, _("Out of service")),
        (queries.ANY_STATUS, pgettext_lazy("device status", "All"))])

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = core_queries.compounds(user)  # type: ignore[attr-defined]


class DeviceForm(forms.Form):
    """Register or edit a device. The ID cannot change once registered (it is the device's broker identity)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DeviceKind.choices)
    code = forms.CharField(label=_("Device ID"), max_length=CODE_MAX_LENGTH,
                           help_text=_("A camera: its 20-digit GB/T 28181 ID. Others: letters, digits, “.”, “_”, “-”."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    name = forms.CharField(label=pgettext_lazy("device", "Name"), max_length=100)
    neighborhood = forms.ModelChoiceField(label=_("Neighborhood"), queryset=Neighborhood.objects.none(),
                                          required=False,
                                          help_text=_("Only for a device outside the compounds."))
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none(),
                                      required=False)
    building = forms.CharField(label=_("Building"), max_length=20, required=False,
                               help_text=_("As on the door, e.g. 1号."))
    entrance = forms.CharField(label=_("Entrance"), max_length=30, required=False,
                               help_text=_("For a door: the entrance or unit it closes, such as 1单元."))
    room = forms.CharField(label=_("Room"), max_length=20, required=False,
                           help_text=_("For a sensor in a home: the room, e.g. 101."))
    location = forms.CharField(label=_("Location"), max_length=100, required=False)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=60, required=False)
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    firmware_version = forms.CharField(label=_("Firmware version"), max_length=40, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=60, required=False)
    hardware_id = forms.CharField(label=_("Hardware ID"), max_length=60, required=False)
    heartbeat_seconds = forms.IntegerField(label=_("Heartbeat (seconds)"), required=False,
                                           min_value=MIN_HEARTBEAT_SECONDS, max_value=MAX_HEARTBEAT_SECONDS,
                                           help_text=_("Empty: the usual for its kind."))
    accepts_pin = forms.BooleanField(label=_("Accepts a PIN"), required=False)
    accepts_qr = forms.BooleanField(label=_("Accepts a QR code"), required=False)
    installed_on = forms.DateField(label=_("Installed on"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = core_queries.compounds(user)  # type: ignore[attr-defined]
        self.fields["neighborhood"].queryset = core_queries.neighborhoods(user)  # type: ignore[attr-defined]
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
            self.fields["code"].help_text = _("A device keeps its ID.")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))


class DeviceImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
