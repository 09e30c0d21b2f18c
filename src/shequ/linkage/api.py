"""REST API of 三库合一 under /api/v1/: outside systems send batches; runs can be read with their figures.

Thin, like the registry's: parse, call one action or query, serialize. Identifiers never leave here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.core.drf import RolePermission
from shequ.core.errors import Invalid
from shequ.linkage import actions, queries
from shequ.linkage.choices import SourceKind
from shequ.linkage.models import LinkageRun, SourceBatch, SourceRecord

MAX_BATCH = 50_000


class SourceRowSerializer(serializers.Serializer[Any]):
    external_id = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=50)
    sex = serializers.ChoiceField(choices=["M", "F", ""], required=False, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    facility = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    diagnosis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    diagnosis_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class SourceBatchSerializer(serializers.ModelSerializer[SourceBatch]):
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    records = SourceRowSerializer(many=True, write_only=True, max_length=MAX_BATCH)  # type: ignore[call-arg]

    class Meta:
        model = SourceBatch
        fields = ["id", "kind", "filename", "rows", "imported_at", "records"]
        read_only_fields = ["id", "rows", "imported_at"]


class LinkageRunSerializer(serializers.ModelSerializer[LinkageRun]):
    class Meta:
        model = LinkageRun
        fields = ["id", "started_at", "records", "linked", "review", "unmatched", "reused_decisions", "histogram",
                  "seconds"]


class SourceBatchViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[SourceBatch]):
    """Batches of clinic encounters or health records; POST one with its ``records`` (all imported or none)."""

    serializer_class = SourceBatchSerializer
    permission_classes = [RolePermission]
    model = SourceRecord
    action_permissions = {"create": "import"}

    def get_queryset(self) -> QuerySet[SourceBatch]:
        return queries.batches(self.request.user)  # type: ignore[arg-type]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            errors: Any = serializer.errors
            field = next(iter(errors), "records")
            raise Invalid(str(errors[field]), field=str(field), details=errors)
        data = serializer.validated_data
        batch = actions.import_records(actor=request.user, kind=data["kind"],  # type: ignore[arg-type]
                                       rows=[dict(row) for row in data["records"]], filename=data.get("filename", ""))
        return Response(SourceBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class LinkageRunViewSet(viewsets.ReadOnlyModelViewSet[LinkageRun]):
    """Linkage runs with their counts and match-weight histogram."""

    serializer_class = LinkageRunSerializer
    permission_classes = [RolePermission]
    model = LinkageRun

    def get_queryset(self) -> QuerySet[LinkageRun]:
        return queries.runs(self.request.user)  # type: ignore[arg-type]


def register(router: BaseRouter) -> None:
    router.register("linkage/batches", SourceBatchViewSet, basename="linkage-batch")
    router.register("linkage/runs", LinkageRunViewSet, basename="linkage-run")
