"""REST API of the core app: the audit log (read-only), the outbox and machine tokens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.core import actions, audit, queries
from shequ.core.drf import RolePermission
from shequ.core.models import AuditEntry, OutboxMessage


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    """An entry as a reader of its category sees it (:func:`shequ.core.audit.opened`)."""

    before = serializers.SerializerMethodField()
    after = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor_label", "event", "category", "object_type", "object_id", "object_repr",
                  "before", "after", "reason", "ip_address"]

    def _opened(self, entry: AuditEntry) -> audit.Opened:
        # Three fields read the same sealed parts: decrypt them once per entry.
        cached: audit.Opened | None = getattr(entry, "_opened", None)
        if cached is None:
            cached = audit.opened(entry)
            entry._opened = cached  # type: ignore[attr-defined]
        return cached

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_before(self, entry: AuditEntry) -> Any:
        return self._opened(entry).before

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_after(self, entry: AuditEntry) -> Any:
        return self._opened(entry).after

    def get_reason(self, entry: AuditEntry) -> str:
        return self._opened(entry).reason


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """The audit log of the user's sub-district in the categories her role reads (health entries only with a
    health right, everything for an auditor). Nobody can change it; a read of health entries is audited."""

    serializer_class = AuditEntrySerializer
    permission_classes = [IsAuthenticated, RolePermission]
    model = AuditEntry
    filterset_fields = ["event", "category", "object_type", "object_id"]

    def get_queryset(self) -> Any:
        return queries.audit_entries(self.request.user)  # type: ignore[arg-type]

    def _audited(self, response: Response, entries: list[AuditEntry]) -> Response:
        health = [entry.pk for entry in entries if entry.category == audit.HEALTH]
        actions.record_audit_read(actor=self.request.user, entry_ids=health, via="api")  # type: ignore[arg-type]
        return response

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        entries = list(page) if page is not None else list(queryset)
        data = self.get_serializer(entries, many=True).data
        response = self.get_paginated_response(data) if page is not None else Response(data)
        return self._audited(response, entries)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        return self._audited(Response(self.get_serializer(entry).data), [entry])


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
