"""REST API of the core app: the audit log (read-only), the outbox and machine tokens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.core import actions, queries
from shequ.core.drf import RolePermission
from shequ.core.models import AuditEntry, OutboxMessage


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


class OutboxMessageSerializer(serializers.ModelSerializer[OutboxMessage]):
    recipient = serializers.CharField(source="recipient_masked", read_only=True)
    text = serializers.SerializerMethodField(help_text="The text; null for a sensitive message (a login code).")

    class Meta:
        model = OutboxMessage
        fields = ["id", "channel", "event", "object_type", "object_id", "recipient", "text", "sensitive", "status",
                  "attempts", "max_attempts", "next_attempt_at", "created_at", "sent_at", "last_error"]

    def get_text(self, message: OutboxMessage) -> str | None:
        return None if message.sensitive else message.body


class OutboxMessageViewSet(viewsets.ReadOnlyModelViewSet[OutboxMessage]):
    """Outgoing messages of the user's sub-district (administrators): recipients masked, sensitive texts left out.
    ``retry`` queues a failed message again."""

    serializer_class = OutboxMessageSerializer
    permission_classes = [IsAuthenticated, RolePermission]
    model = OutboxMessage
    action_permissions = {"retry": "change"}
    filterset_fields = ["status", "channel", "event"]

    def get_queryset(self) -> Any:
        return queries.outbox_messages(self.request.user)  # type: ignore[arg-type]

    @extend_schema(request=None, responses=OutboxMessageSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        message = actions.retry_message(actor=request.user, message=self.get_object())  # type: ignore[arg-type]
        return Response(self.get_serializer(message).data)


def register(router: BaseRouter) -> None:
    router.register("audit-entries", AuditEntryViewSet, basename="auditentry")
    router.register("outbox-messages", OutboxMessageViewSet, basename="outboxmessage")
