"""REST API of incidents under /api/v1/safety/incidents/: the list (filters ``status`` and ``severity``), one
incident with its alarms and timeline, and the two actions a control room's screen needs: acknowledge and close."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.core.authentication import TokenAuthentication
from shequ.core.drf import RolePermission
from shequ.core.errors import Invalid, NotFound
from shequ.safety.actions import incidents as actions
from shequ.safety.choices import Severity
from shequ.safety.models import Alarm, Incident, IncidentStep
from shequ.safety.queries import incidents as queries


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    if not serializer.is_valid():
        field, errors = next(iter(serializer.errors.items()))
        raise Invalid(str(errors[0]) if isinstance(errors, list) else str(errors), field=field,
                      details=serializer.errors)
    return dict(serializer.validated_data)


class AlarmSerializer(serializers.ModelSerializer[Alarm]):
    device_code = serializers.CharField(source="device.code", read_only=True)
    device_name = serializers.CharField(source="device.name", read_only=True)

    class Meta:
        model = Alarm
        fields = ["id", "kind", "severity", "raised_at", "device_code", "device_name"]


class IncidentStepSerializer(serializers.ModelSerializer[IncidentStep]):
    actor = serializers.CharField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = IncidentStep
        fields = ["kind", "at", "actor", "note"]


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    compound_name = serializers.CharField(source="compound.name", read_only=True, default=None, allow_null=True)
    device_code = serializers.CharField(source="device.code", read_only=True, default=None, allow_null=True)
    request_number = serializers.CharField(source="request.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Incident
        fields = ["id", "number", "title", "severity", "status", "opened_at", "last_alarm_at", "alarm_count",
                  "compound", "compound_name", "device_code", "acknowledged_at", "closed_at", "outcome",
                  "request_number"]


class IncidentDetailSerializer(IncidentSerializer):
    alarms = AlarmSerializer(many=True, read_only=True)
    steps = IncidentStepSerializer(many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "alarms", "steps"]


class AcknowledgeSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=actions.MAX_NOTE, required=False, allow_blank=True)


class CloseSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(max_length=actions.MAX_NOTE)


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Incident]):
    """Incidents of the caller's area, newest alarm first; acknowledging and closing need the change right."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, RolePermission]
    model = Incident
    lookup_value_regex = r"[0-9]{1,18}"
    action_permissions = {"acknowledge": "change", "close": "change"}

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return IncidentDetailSerializer if self.action == "retrieve" else IncidentSerializer

    def get_queryset(self) -> QuerySet[Incident]:
        if getattr(self, "swagger_fake_view", False):
            return Incident.objects.none()
        user: Any = self.request.user
        if user.is_resident:
            raise NotFound()
        params = self.request.query_params
        status = str(params.get("status", "all"))
        if status not in queries.STATUS_FILTERS:
            raise Invalid(_("Unknown status: use one of %(choices)s.") % {
                "choices": ", ".join(queries.STATUS_FILTERS)}, field="status")
        severity_raw = str(params.get("severity", ""))
        severity = None
        if severity_raw:
            if not severity_raw.isdigit() or int(severity_raw) not in Severity.values:
                raise Invalid(_("The severity is 1, 2, 3 or 4."), field="severity")
            severity = int(severity_raw)
        found = queries.incidents(user, status=status, severity=severity)
        if self.action == "retrieve":
            found = found.prefetch_related("alarms__device", "steps__actor")
        return found

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=list(queries.STATUS_FILTERS), description="all by default"),
        OpenApiParameter("severity", int, enum=Severity.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AcknowledgeSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        data = _valid(AcknowledgeSerializer(data=request.data))
        incident = actions.acknowledge_incident(actor=request.user, incident=self.get_object(),  # type: ignore[arg-type]
                                                note=data.get("note", ""))
        return Response(IncidentSerializer(incident).data)

    @extend_schema(request=CloseSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        data = _valid(CloseSerializer(data=request.data))
        incident = actions.close_incident(actor=request.user, incident=self.get_object(),  # type: ignore[arg-type]
                                          outcome=data["outcome"])
        return Response(IncidentSerializer(incident).data)


def register(router: BaseRouter) -> None:
    router.register("safety/incidents", IncidentViewSet, basename="safety-incident")
