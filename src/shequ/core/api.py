"""REST API of the core app: the audit log (read-only) and machine tokens."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import BaseRouter

from shequ.core import queries
from shequ.core.drf import RolePermission
from shequ.core.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor_label", "event", "object_type", "object_id", "object_repr",
                  "before", "after", "reason", "ip_address"]


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """The audit log of the user's sub-district; administrators only. Nobody can change it."""

    serializer_class = AuditEntrySerializer
    permission_classes = [IsAuthenticated, RolePermission]
    model = AuditEntry
    filterset_fields = ["event", "object_type", "object_id"]

    def get_queryset(self) -> Any:
        return queries.audit_entries(self.request.user)  # type: ignore[arg-type]


def register(router: BaseRouter) -> None:
    router.register("audit-entries", AuditEntryViewSet, basename="auditentry")
