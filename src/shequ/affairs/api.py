"""REST API of the service centre under /api/v1/: requests and their workflow, and the public catalogue.

Thin: parse, call one action or query, serialize. A role that may not, and a request outside the user's
scope, both answer 404; bad input answers 400 with ``{"detail", "code", "field"}``; phones leave masked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.affairs import actions, queries
from shequ.affairs.choices import Channel
from shequ.affairs.filters import MAX_ID, ServiceRequestFilterSet
from shequ.affairs.models import Department, RequestStep, Service, ServiceRequest
from shequ.core.drf import FieldsBuiltOnce, RolePermission, validated_input
from shequ.core.errors import Invalid
from shequ.core.models import User


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StepSerializer(serializers.ModelSerializer[RequestStep]):
    actor: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    department_name = serializers.CharField(source="department.name", default="", read_only=True)

    class Meta:
        model = RequestStep
        fields = ["kind", "from_status", "to_status", "actor", "at", "note", "department", "department_name"]
        read_only_fields = fields


class ServiceRequestSerializer(FieldsBuiltOnce, serializers.ModelSerializer[ServiceRequest]):
    service_code = serializers.CharField(source="service.code", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    department_name = serializers.CharField(source="department.name", default="", read_only=True)
    caller_phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = ServiceRequest
        fields = ["id", "number", "channel", "service", "service_code", "service_name", "is_emergency", "status",
                  "description", "address", "neighborhood", "compound", "dwelling", "caller_name",
                  "caller_phone_masked", "person", "department", "department_name", "assignee", "created_at",
                  "dispatched_at", "started_at", "resolved_at", "confirmed_at", "closed_at", "due_at",
                  "escalated_at", "resolution", "satisfaction", "satisfaction_comment", "reopen_count",
                  "merged_into"]
        read_only_fields = fields


class ServiceRequestDetailSerializer(ServiceRequestSerializer):
    steps = serializers.SerializerMethodField()

    class Meta(ServiceRequestSerializer.Meta):
        fields = [*ServiceRequestSerializer.Meta.fields, "steps"]
        read_only_fields = fields

    @extend_schema(responses=StepSerializer(many=True))
    def get_steps(self, request: ServiceRequest) -> list[dict[str, Any]]:
        return list(StepSerializer(queries.steps(self.context["request"].user, request), many=True).data)


class CreateSerializer(serializers.Serializer[Any]):
    service = serializers.SlugField(max_length=40, help_text="service code")
    description = serializers.CharField(max_length=actions.MAX_DESCRIPTION)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    caller_phone = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    caller_name = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    dwelling = _id(required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    department = _id(required=False, allow_null=True)


class DispatchSerializer(serializers.Serializer[Any]):
    department = _id()
    assignee = _id(required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class RatingSerializer(serializers.Serializer[Any]):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class MergeSerializer(serializers.Serializer[Any]):
    duplicates = serializers.ListField(child=_id(), min_length=1, max_length=50)
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


def _service(user: User, code: str) -> Service:
    found = queries.catalogue_entry(user.subdistrict_id, code)
    if found is None:
        raise Invalid(_("Unknown service."), field="service")
    return found


def _department(user: User, pk: int | None) -> Department | None:
    if pk is None:
        return None
    found = queries.departments(user).filter(pk=pk).first()
    if found is None:
        raise Invalid(_("Unknown department."), field="department")
    return found


class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    """Service requests (工单) the user may see, and every workflow step on them."""

    permission_classes = [IsAuthenticated, RolePermission]
    lookup_value_regex = r"[0-9]{1,18}"
    model: type[Model] = ServiceRequest
    filterset_class = ServiceRequestFilterSet
    action_permissions = {"create": "add", "dispatch_request": "change", "transfer": "change", "start": "change",
                          "resolve": "change", "return_for_information": "change", "confirm": "change",
                          "close": "change", "reopen": "change", "merge": "change"}

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        if getattr(self, "swagger_fake_view", False):
            return ServiceRequest.objects.none()
        return queries.requests(self.request.user).select_related("service", "department").order_by("-id")

    def get_serializer_class(self) -> Any:
        return ServiceRequestDetailSerializer if self.action != "list" else ServiceRequestSerializer

    def _answer(self, request: ServiceRequest, code: int = status.HTTP_200_OK) -> Response:
        found = queries.request_detail(self.request.user, request.pk)
        return Response(ServiceRequestDetailSerializer(found, context={"request": self.request}).data, status=code)

    @extend_schema(request=CreateSerializer, responses={201: ServiceRequestSerializer})
    def create(self, request: Request) -> Response:
        """Accept a request. The answer is the new request without its steps (one step, "created", or two when
        it was dispatched at once): the detail at the ``Location`` address has them."""
        user: User = request.user  # type: ignore[assignment]
        data = validated_input(CreateSerializer, request.data)
        channel = Channel.PORTAL if user.is_resident else data["channel"]
        created = actions.create_request(
            actor=user, channel=channel, service=_service(user, data["service"]), description=data["description"],
            caller_phone=data["caller_phone"], caller_name=data["caller_name"],
            dwelling=data.get("dwelling"), address=data["address"],
            department=_department(user, data.get("department")),
        )
        # The action has checked that the creator sees the new request and holds its related rows already:
        # no re-read.
        return Response(ServiceRequestSerializer(created, context={"request": request}).data,
                        status=status.HTTP_201_CREATED,
                        headers={"Location": reverse("servicerequest-detail", args=[created.pk])})

    @extend_schema(request=DispatchSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_request(self, request: Request, pk: str | None = None) -> Response:
        return self._dispatch_or_transfer(request, actions.dispatch)

    @extend_schema(request=DispatchSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str | None = None) -> Response:
        return self._dispatch_or_transfer(request, actions.transfer)

    def _dispatch_or_transfer(self, request: Request, run: Any) -> Response:
        found = self.get_object()
        data = validated_input(DispatchSerializer, request.data)
        run(actor=request.user, request=found, department=data["department"], assignee=data.get("assignee"),
            note=data["note"])
        return self._answer(found)

    def _note_step(self, request: Request, run: Any) -> Response:
        found = self.get_object()
        data = validated_input(NoteSerializer, request.data)
        run(actor=request.user, request=found, note=data["note"])
        return self._answer(found)

    @extend_schema(request=NoteSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        return self._note_step(request, actions.start)

    @extend_schema(request=NoteSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._note_step(request, actions.resolve)

    @extend_schema(request=NoteSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_information(self, request: Request, pk: str | None = None) -> Response:
        return self._note_step(request, actions.return_for_information)

    @extend_schema(request=NoteSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._note_step(request, actions.close)

    @extend_schema(request=NoteSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._note_step(request, actions.reopen)

    @extend_schema(request=RatingSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """The resident confirms the result and rates it 1–5."""
        found = self.get_object()
        data = validated_input(RatingSerializer, request.data)
        actions.confirm_with_rating(actor=request.user, request=found, satisfaction=data["satisfaction"],  # type: ignore[arg-type]
                                    comment=data["comment"])
        return self._answer(found)

    @extend_schema(request=MergeSerializer, responses=ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge the given duplicate requests (ids) into this one."""
        found = self.get_object()
        data = validated_input(MergeSerializer, request.data)
        visible = queries.requests(request.user, "change").in_bulk(data["duplicates"])
        if len(visible) != len(set(data["duplicates"])):
            raise Invalid(_("Unknown request."), field="duplicates")
        actions.merge_duplicates(actor=request.user, primary=found, duplicates=list(visible.values()),  # type: ignore[arg-type]
                                 note=data["note"])
        return self._answer(found)


class ServiceSerializer(serializers.ModelSerializer[Service]):
    department_name = serializers.CharField(source="department.name", read_only=True)
    materials = serializers.ListField(source="materials_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Service
        fields = ["id", "code", "name", "category", "description", "department", "department_name", "materials",
                  "sla_amount", "sla_unit", "is_emergency"]
        read_only_fields = fields


class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
    """The service catalogue of the user's sub-district: what one can ask for and how long it takes."""

    permission_classes = [IsAuthenticated]
    serializer_class = ServiceSerializer
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,40}"

    def get_queryset(self) -> QuerySet[Service]:
        if getattr(self, "swagger_fake_view", False):
            return Service.objects.none()
        return queries.catalogue(getattr(self.request.user, "subdistrict_id", None) or 0)


def register(router: BaseRouter) -> None:
    router.register("service-requests", ServiceRequestViewSet, basename="servicerequest")
    router.register("services", ServiceViewSet, basename="service")
