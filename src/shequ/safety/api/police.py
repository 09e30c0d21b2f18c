"""Door credentials and the police office's patrol logs: the same actions as the pages, the same scope, the same
4xx for bad input.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.core.authentication import TokenAuthentication
from shequ.core.drf import RolePermission, validated_input
from shequ.core.errors import Invalid, NotFound
from shequ.core.scopes import get_visible
from shequ.population.models import Person
from shequ.safety.actions import credentials as credential_actions
from shequ.safety.actions import patrols as patrol_actions
from shequ.safety.choices import CredentialKind
from shequ.safety.models import DoorCredential, PatrolLog
from shequ.safety.queries import credentials as credential_queries
from shequ.safety.queries import police as police_queries

# Door credentials and patrols ------------------------------------------------------------------


class DoorCredentialSerializer(serializers.ModelSerializer[DoorCredential]):
    """A credential as staff and its holder see it: never a PIN, a QR code or their hashes."""

    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = DoorCredential
        fields = ["id", "person", "person_name", "building", "kind", "status", "cause", "issued_at", "expires_at",
                  "changed_at"]


class GrantSerializer(serializers.Serializer[Any]):
    person = serializers.IntegerField(min_value=1, max_value=2**62)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=CredentialKind.choices), min_length=1,
                                  max_length=3)
    pin = serializers.RegexField(r"^[0-9]{6}$", required=False, allow_blank=True)


class GrantResultSerializer(serializers.Serializer[Any]):
    credentials = DoorCredentialSerializer(many=True)
    pin = serializers.CharField(required=False, help_text="A PIN made up for her, shown this once.")


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)


class DoorCredentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet[DoorCredential]):
    """Residents' door credentials: staff grant, revoke and block them; a resident lists her own."""

    serializer_class = DoorCredentialSerializer
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, RolePermission]
    model = DoorCredential
    lookup_value_regex = r"[0-9]{1,18}"
    action_permissions = {"create": "add", "revoke": "change", "block": "change"}

    def get_queryset(self) -> QuerySet[DoorCredential]:
        if getattr(self, "swagger_fake_view", False):
            return DoorCredential.objects.none()
        user: Any = self.request.user
        found = credential_queries.credentials(user).order_by("-issued_at", "-pk")
        building = self.request.query_params.get("building", "")
        return found.filter(building_id=int(building)) if building.isdigit() else found

    @extend_schema(request=GrantSerializer, responses={201: GrantResultSerializer})
    def create(self, request: Request) -> Response:
        user: Any = request.user
        if user.is_resident:
            raise NotFound()
        data = validated_input(GrantSerializer, request.data)
        try:
            person = get_visible(Person.objects.all(), user, "view", pk=data["person"])
        except NotFound:
            raise Invalid(_("Unknown person."), field="person") from None
        shown = credential_actions.grant(actor=user, person=person, kinds=data["kinds"], pin=data.get("pin") or None)
        made = credential_queries.person_credentials(user, person.pk).filter(status="active")
        body: dict[str, Any] = {"credentials": DoorCredentialSerializer(made, many=True).data}
        if shown.get("pin"):
            body["pin"] = shown["pin"]
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses={200: DoorCredentialSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        data = validated_input(ReasonSerializer, request.data)
        found = credential_actions.revoke(actor=request.user, credential=self.get_object(),  # type: ignore[arg-type]
                                          reason=data["reason"])
        return Response(DoorCredentialSerializer(found).data)

    @extend_schema(request=ReasonSerializer, responses={200: DoorCredentialSerializer})
    @action(detail=True, methods=["post"])
    def block(self, request: Request, pk: str | None = None) -> Response:
        data = validated_input(ReasonSerializer, request.data)
        found = credential_actions.block(actor=request.user, credential=self.get_object(),  # type: ignore[arg-type]
                                         reason=data["reason"])
        return Response(DoorCredentialSerializer(found).data)


class PatrolSerializer(serializers.ModelSerializer[PatrolLog]):
    class Meta:
        model = PatrolLog
        fields = ["id", "officer", "neighborhood", "compound", "started_at", "ended_at", "route", "findings"]
        read_only_fields = fields


class PatrolStartSerializer(serializers.Serializer[Any]):
    compound = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    route = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PatrolNoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=1000)


class PatrolFinishSerializer(serializers.Serializer[Any]):
    findings = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    route = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[PatrolLog]):
    """The police office's patrol log of its beat: start a round, note findings, finish it."""

    serializer_class = PatrolSerializer
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, RolePermission]
    model = PatrolLog
    lookup_value_regex = r"[0-9]{1,18}"
    action_permissions = {"create": "add", "note": "change", "finish": "change"}

    def get_queryset(self) -> QuerySet[PatrolLog]:
        if getattr(self, "swagger_fake_view", False):
            return PatrolLog.objects.none()
        return police_queries.patrols(self.request.user).order_by("-started_at", "-pk")  # type: ignore[arg-type]

    @extend_schema(request=PatrolStartSerializer, responses={201: PatrolSerializer})
    def create(self, request: Request) -> Response:
        user: Any = request.user
        data = validated_input(PatrolStartSerializer, request.data)
        compound = None
        if data.get("compound"):
            compound = patrol_actions.beat_compounds(user).filter(pk=data["compound"]).first()
            if compound is None:
                raise Invalid(_("This compound is not on your beat."), field="compound")
        patrol = patrol_actions.start_patrol(actor=user, compound=compound, route=data.get("route", ""))
        return Response(PatrolSerializer(patrol).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PatrolNoteSerializer, responses={200: PatrolSerializer})
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str | None = None) -> Response:
        data = validated_input(PatrolNoteSerializer, request.data)
        patrol = patrol_actions.add_note(actor=request.user, patrol=self.get_object(),  # type: ignore[arg-type]
                                         note=data["note"])
        return Response(PatrolSerializer(patrol).data)

    @extend_schema(request=PatrolFinishSerializer, responses={200: PatrolSerializer})
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str | None = None) -> Response:
        data = validated_input(PatrolFinishSerializer, request.data)
        patrol = patrol_actions.finish_patrol(actor=request.user, patrol=self.get_object(),  # type: ignore[arg-type]
                                              findings=data.get("findings", ""), route=data.get("route"))
        return Response(PatrolSerializer(patrol).data)


def register(router: BaseRouter) -> None:
    router.register("safety/door-credentials", DoorCredentialViewSet, basename="safety-door-credential")
    router.register("safety/patrols", PatrolViewSet, basename="safety-patrol")
