"""REST API of the eldercare app under /api/v1/eldercare/: read-only, scoped like the pages (a role that may not,
and an elder outside the user's area, both answer 404). Contacts' phones leave only masked; a volunteer reads her
pairs on her page, not here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import BaseRouter

from shequ.core.drf import RolePermission
from shequ.eldercare.choices import RollReason, visits_per_week
from shequ.eldercare.models import CareRecipient, EmergencyContact
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


def register(router: BaseRouter) -> None:
    router.register("eldercare/elders", ElderViewSet, basename="eldercare-elder")
