"""REST API of volunteering under /api/v1/: check-in and check-out at a shift by card tap (or volunteer id)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.cards.api import TerminalAuthentication
from shequ.core.authentication import TokenAuthentication
from shequ.core.drf import RolePermission
from shequ.core.errors import Invalid, NotFound
from shequ.core.scopes import restrict
from shequ.population.models import Person
from shequ.volunteers import actions, seams
from shequ.volunteers.models import Shift, SignUp, Volunteer

MAX_ID = 2**62


class TapSerializer(serializers.Serializer[Any]):
    shift = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    card = serializers.CharField(max_length=32, required=False)
    volunteer = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("card")) == bool(attrs.get("volunteer")):
            raise serializers.ValidationError(_("Give either the card number or the volunteer."))
        return attrs


class AttendanceSerializer(serializers.ModelSerializer[SignUp]):
    volunteer_name = serializers.CharField(source="volunteer.person.name", read_only=True)

    class Meta:
        model = SignUp
        fields = ["id", "shift", "volunteer", "volunteer_name", "checked_in_at", "checked_out_at", "minutes_credited"]


class AttendanceViewSet(viewsets.GenericViewSet[SignUp]):
    """A volunteer kiosk or the coordinator's phone records a card tap at the start or end of a shift."""

    serializer_class = AttendanceSerializer
    # A registered desk or kiosk (cards Terminal) acts as its service user, whose role and place scope it.
    authentication_classes = [TokenAuthentication, SessionAuthentication, TerminalAuthentication]
    permission_classes = [IsAuthenticated, RolePermission]
    model = SignUp
    action_permissions = {"check_in": "change", "check_out": "change"}

    def get_queryset(self) -> Any:
        return SignUp.objects.none()

    def _parse(self, request: Request) -> tuple[Shift, Person]:
        serializer = TapSerializer(data=request.data)
        if not serializer.is_valid():
            field, errors = next(iter(serializer.errors.items()))
            raise Invalid(str(errors[0]), field=None if field == "non_field_errors" else field,
                          details=serializer.errors)
        data = serializer.validated_data
        user: Any = request.user
        shift = restrict(Shift.objects.all(), user, "view").filter(pk=data["shift"]).first()
        if shift is None:
            raise NotFound(field="shift")
        if data.get("card"):
            return shift, seams.person_for_card(data["card"], actor=user)
        volunteer = restrict(Volunteer.objects.select_related("person"), user).filter(pk=data["volunteer"]).first()
        if volunteer is None:
            raise NotFound(field="volunteer")
        return shift, volunteer.person

    @extend_schema(request=TapSerializer, responses={200: AttendanceSerializer})
    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request: Request) -> Response:
        shift, person = self._parse(request)
        signup = actions.check_in(actor=request.user, shift=shift, person=person, at=timezone.now())  # type: ignore[arg-type]
        return Response(AttendanceSerializer(signup).data)

    @extend_schema(request=TapSerializer, responses={200: AttendanceSerializer})
    @action(detail=False, methods=["post"], url_path="check-out")
    def check_out(self, request: Request) -> Response:
        shift, person = self._parse(request)
        signup = actions.check_out(actor=request.user, shift=shift, person=person, at=timezone.now())  # type: ignore[arg-type]
        return Response(AttendanceSerializer(signup).data)


def register(router: BaseRouter) -> None:
    router.register("volunteers/attendance", AttendanceViewSet, basename="volunteer-attendance")
