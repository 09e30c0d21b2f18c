"""REST API of the eldercare app under /api/v1/eldercare/: the care roll and the care alerts, read-only, scoped like
the pages (a role that may not, and an elder outside the user's area, both answer 404). Contacts' phones leave only
masked; a volunteer reads her pairs on her page, not here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import BaseRouter

from shequ.core.drf import RolePermission
from shequ.eldercare.actions import alerts as alert_actions
from shequ.eldercare.choices import RollReason, visits_per_week
from shequ.eldercare.models import Alert, AlertStep, CareRecipient, EmergencyContact
from shequ.eldercare.queries import alerts as alert_queries
from shequ.eldercare.queries import roll as queries


class ContactSerializer(serializers.ModelSerializer[EmergencyContact]):
    """An emergency contact with her phone masked (the full number only through the audited reveal, on the page)."""

    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = EmergencyContact
        fields = ["id", "name", "relationship", "phone_masked", "order", "may_be_told"]
        read_only_fields = fields


class ElderSerializer(serializers.ModelSerializer[CareRecipient]):
    """An elder on the care roll: who, why, her grade and the visits a week it implies, pairing, contacts masked."""

    name = serializers.CharField(source="person.name", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    neighborhood = serializers.IntegerField(source="person.neighborhood_id", read_only=True)
    reasons = serializers.SerializerMethodField()
    grade = serializers.IntegerField(read_only=True, allow_null=True)
    grade_valid_until = serializers.DateField(read_only=True, allow_null=True)
    visits_per_week = serializers.SerializerMethodField()
    worker = serializers.IntegerField(source="worker_id", read_only=True, allow_null=True)
    volunteer = serializers.IntegerField(source="volunteer_id", read_only=True, allow_null=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = CareRecipient
        fields = ["id", "person", "name", "neighborhood", "reasons", "on_roll_since", "left_roll_at", "grade",
                  "grade_valid_until", "visits_per_week", "worker", "volunteer", "contacts"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=RollReason.choices)))
    def get_reasons(self, recipient: CareRecipient) -> list[str]:
        return sorted(recipient.reasons or {})

    def get_visits_per_week(self, recipient: CareRecipient) -> int:
        return visits_per_week(getattr(recipient, "grade", None))


class ElderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CareRecipient]):
    """Elders on the care roll of the user's area: a committee worker's neighbourhood (and the elders she is
    responsible for), an administrator's sub-district."""

    serializer_class = ElderSerializer
    permission_classes = [IsAuthenticated, RolePermission]
    model = CareRecipient
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[CareRecipient]:
        if getattr(self, "swagger_fake_view", False):
            return CareRecipient.objects.none()
        user: Any = self.request.user
        return queries.roll(user).prefetch_related("contacts")


class AlertStepSerializer(serializers.ModelSerializer[AlertStep]):
    """One rung of the ladder: who was told (names and masked phones only), how it ended, by whom, the note."""

    by = serializers.IntegerField(source="by_id", read_only=True, allow_null=True)

    class Meta:
        model = AlertStep
        fields = ["step", "started_at", "deadline", "told", "ended_at", "end", "by", "by_name", "note"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer[Alert]):
    """A care alert: the elder, the rules that fired and what they found in plain words, its rung and deadline,
    the emergency request it is linked to, the outcome once closed, and its timeline."""

    elder = serializers.IntegerField(source="recipient_id", read_only=True)
    name = serializers.CharField(source="recipient.person.name", read_only=True)
    findings = serializers.SerializerMethodField()
    request = serializers.CharField(source="request.number", read_only=True, allow_null=True, default=None)
    steps = AlertStepSerializer(many=True, read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "elder", "name", "rules", "findings", "severity", "status", "step", "step_deadline",
                  "opened_at", "closed_at", "outcome", "false_alarm_cause", "outcome_note", "request", "steps"]
        read_only_fields = fields

    def get_findings(self, alert: Alert) -> list[str]:
        return [alert_actions.describe(code, (alert.figures or {}).get(code)) for code in alert.rules]


class AlertFilter(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["open", "all"], default="open", required=False)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Alert]):
    """Care alerts of the elders in the user's area (``?status=all`` for the closed ones too), for a call centre
    or a district platform to follow the ladder; they are worked on the care desk."""

    serializer_class = AlertSerializer
    permission_classes = [IsAuthenticated, RolePermission]
    model = Alert
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Alert]:
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        user: Any = self.request.user
        wanted = AlertFilter(data=self.request.query_params)
        wanted.is_valid(raise_exception=True)
        open_only = self.action == "list" and wanted.validated_data.get("status", "open") == "open"
        return alert_queries.alerts(user, open_only=open_only)


def register(router: BaseRouter) -> None:
    router.register("eldercare/elders", ElderViewSet, basename="eldercare-elder")
    router.register("eldercare/alerts", AlertViewSet, basename="eldercare-alert")
