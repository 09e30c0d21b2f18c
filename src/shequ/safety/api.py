"""REST API of the safety app under /api/v1/safety/: thin — parse, call one action or query, serialize.

Devices: list, retrieve, register (POST) and change (PATCH), scoped like the pages (a role that may not, and a
device outside the user's area, both answer 404). A device's secret and its hash never leave through the API;
``has_secret`` says whether one is issued.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.core import queries as core_queries
from shequ.core.drf import RolePermission, validated_input
from shequ.core.errors import Invalid
from shequ.core.models import Compound, Neighborhood
from shequ.safety.actions import devices as device_actions
from shequ.safety.actions.devices import MAX_HEARTBEAT_SECONDS, MIN_HEARTBEAT_SECONDS
from shequ.safety.choices import Availability, DeviceKind
from shequ.safety.models import Device
from shequ.safety.queries import devices as device_queries
from shequ.safety.validators import CODE_MAX_LENGTH

MAX_ID = 2**31 - 1
LOOKUP_REGEX = r"[0-9]{1,18}"


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# Devices ------------------------------------------------------------------------------------------------------


class DeviceSerializer(serializers.ModelSerializer[Device]):
    """A device as the registry keeps it; never its secret or the secret's hash."""

    building = serializers.CharField(source="building.number", read_only=True, default="")
    room = serializers.CharField(source="dwelling.room", read_only=True, default="")
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = ["id", "kind", "code", "name", "neighborhood", "compound", "building", "entrance", "room",
                  "location", "manufacturer", "model", "firmware_version", "serial_number", "hardware_id",
                  "accepts_pin", "accepts_qr", "heartbeat_seconds", "availability", "availability_changed_at",
                  "last_seen_at", "has_secret", "secret_issued_at", "secret_revoked_at", "installed_on", "active",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_has_secret(self, device: Device) -> bool:
        return bool(device.secret_hash)


class DeviceWriteSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=DeviceKind.choices)
    code = serializers.CharField(max_length=CODE_MAX_LENGTH)
    name = serializers.CharField(max_length=100)
    neighborhood = _id_field(required=False, allow_null=True,
                             help_text=gettext_lazy("Id of the neighborhood, for a device outside the compounds."))
    compound = _id_field(required=False, allow_null=True, help_text=gettext_lazy("Id of the compound."))
    building = serializers.CharField(max_length=20, allow_blank=True, default="",
                                     help_text=gettext_lazy("The building's number as on the door, e.g. 1号."))
    room = serializers.CharField(max_length=20, allow_blank=True, default="",
                                 help_text=gettext_lazy("For a sensor in a home: the room."))
    entrance = serializers.CharField(max_length=30, allow_blank=True, default="")
    location = serializers.CharField(max_length=100, allow_blank=True, default="")
    manufacturer = serializers.CharField(max_length=60, allow_blank=True, default="")
    model = serializers.CharField(max_length=60, allow_blank=True, default="")
    firmware_version = serializers.CharField(max_length=40, allow_blank=True, default="")
    serial_number = serializers.CharField(max_length=60, allow_blank=True, default="")
    hardware_id = serializers.CharField(max_length=60, allow_blank=True, default="")
    heartbeat_seconds = serializers.IntegerField(min_value=MIN_HEARTBEAT_SECONDS, max_value=MAX_HEARTBEAT_SECONDS,
                                                 required=False, allow_null=True)
    accepts_pin = serializers.BooleanField(default=False)
    accepts_qr = serializers.BooleanField(default=False)
    installed_on = serializers.DateField(required=False, allow_null=True)


class DeviceUpdateSerializer(DeviceWriteSerializer):
    """Only the fields sent change (a partial serializer applies no defaults); the code may be repeated but not
    changed."""

    reason = serializers.CharField(max_length=300, allow_blank=True, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class DeviceFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=DeviceKind.choices, label=gettext_lazy("Kind"))
    availability = filters.ChoiceFilter(choices=Availability.choices, label=pgettext_lazy("device", "Availability"))
    compound = filters.NumberFilter(field_name="compound_id", label=gettext_lazy("Compound id"), min_value=1,
                                    max_value=MAX_ID)
    active = filters.BooleanFilter(label=gettext_lazy("In service"))
    q = filters.CharFilter(method="search", max_length=100, label=gettext_lazy("Part of the device ID or name"))

    class Meta:
        model = Device
        fields = ["kind", "availability", "compound", "active", "q"]

    def search(self, queryset: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        text = value.replace("\x00", "").strip()
        return queryset.filter(Q(code__icontains=text) | Q(name__icontains=text)) if text else queryset


def _compound(user: Any, pk: int | None) -> Compound | None:
    if pk is None:
        return None
    found = core_queries.compounds(user).filter(pk=pk).first()
    if found is None:
        raise Invalid(_("Unknown compound."), field="compound")
    return found


def _neighborhood(user: Any, pk: int | None) -> Neighborhood | None:
    if pk is None:
        return None
    found = core_queries.neighborhoods(user).filter(pk=pk).first()
    if found is None:
        raise Invalid(_("Unknown neighborhood."), field="neighborhood")
    return found


class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Device]):
    """Devices of the user's area: a committee worker's compounds, the police office's beat, an administrator's
    sub-district. Registering (POST) and changing (PATCH) need the role's add and change rights."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceFilterSet
    permission_classes = [IsAuthenticated, RolePermission]
    model = Device
    lookup_value_regex = LOOKUP_REGEX
    action_permissions = {"create": "add", "partial_update": "change"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Device]:
        if getattr(self, "swagger_fake_view", False):
            return Device.objects.none()
        user: Any = self.request.user
        if user.is_resident:
            return Device.objects.none()
        return device_queries.devices(user, status=device_queries.ANY_STATUS,
                                      action="change" if self.action == "partial_update" else "view")

    def _answer(self, device: Device, code: int = status.HTTP_200_OK) -> Response:
        found = device_queries.device_detail(self.request.user, device.pk)  # type: ignore[arg-type]
        return Response(DeviceSerializer(found).data, status=code)

    @extend_schema(request=DeviceWriteSerializer, responses={201: DeviceSerializer})
    def create(self, request: Request) -> Response:
        data = validated_input(DeviceWriteSerializer, request.data)
        user: Any = request.user
        device = device_actions.register_device(
            actor=user, compound=_compound(user, data.pop("compound", None)),
            neighborhood=_neighborhood(user, data.pop("neighborhood", None)), **data)
        return self._answer(device, status.HTTP_201_CREATED)

    @extend_schema(request=DeviceUpdateSerializer, responses=DeviceSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        device = self.get_object()
        data = validated_input(DeviceUpdateSerializer, request.data)
        user: Any = request.user
        if "compound" in data:
            data["compound"] = _compound(user, data["compound"])
        if "neighborhood" in data:
            data["neighborhood"] = _neighborhood(user, data["neighborhood"])
        if data.get("heartbeat_seconds", 0) is None:
            data.pop("heartbeat_seconds")
        device_actions.update_device(actor=user, device=device, reason=data.pop("reason", ""), **data)
        return self._answer(device)


def register(router: BaseRouter) -> None:
    router.register("safety/devices", DeviceViewSet, basename="safety-device")
