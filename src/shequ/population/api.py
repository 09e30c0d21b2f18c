"""REST API of the registry under /api/v1/: thin — parse, call one action or query, serialize.

Every queryset goes through :mod:`shequ.population.queries` or :func:`shequ.core.scopes.restrict`;
a role that may not do something, and a row outside the user's scope, both answer 404. Bad input
answers 400 with ``{"detail", "code", "field"}`` (see :mod:`shequ.core.errors`), never 500.
ID numbers and phones leave only masked, except through the audited ``reveal`` action.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.core import queries as core_queries
from shequ.core.drf import RolePermission, validated_input
from shequ.core.errors import Invalid
from shequ.core.models import Dwelling
from shequ.core.scopes import restrict
from shequ.population import actions, queries
from shequ.population.choices import IdType, Relationship, ResidenceType, Sex
from shequ.population.filters import (
    MAX_ID,
    HouseholdFilterSet,
    LifeEventFilterSet,
    PersonFilterSet,
    ResidencePermitFilterSet,
)
from shequ.population.models import Household, LifeEvent, Person, ResidencePermit, Tag

LOOKUP_REGEX = r"[0-9]{1,18}"


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)




def _dwelling(user: Any, pk: int) -> Dwelling:
    """A dwelling the user works with; an unknown one and one outside her area are the same 400."""
    found = core_queries.dwellings(user).filter(pk=pk).first()
    if found is None:
        raise Invalid(_("Unknown address."), field="dwelling")
    return found


def _household(user: Any, pk: int | None) -> Household | None:
    if pk is None:
        return None
    found = restrict(Household.objects.all(), user, "change").filter(pk=pk).first()
    if found is None:
        raise Invalid(_("Unknown household."), field="household")
    return found


def _tags(codes: list[str] | None) -> list[Tag] | None:
    if codes is None:
        return None
    wanted = set(codes)
    found = list(Tag.objects.filter(code__in=wanted))
    unknown = wanted - {tag.code for tag in found}
    if unknown:
        raise Invalid(_("Unknown tags: %(codes)s") % {"codes": ", ".join(sorted(unknown))}, field="tags")
    return found


class RegistryViewSet(viewsets.GenericViewSet[Any]):
    permission_classes = [IsAuthenticated, RolePermission]
    lookup_value_regex = LOOKUP_REGEX
    model: type[Model]
    action_permissions: dict[str, str] = {}

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema without a user
            return self.model._default_manager.none()
        return self.visible(self.request.user)

    def visible(self, user: Any) -> QuerySet[Any]:
        """The rows this user may see, as each view needs them."""
        raise NotImplementedError


# People ----------------------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer[Person]):
    """A person as anyone without a reveal sees her: ID number and phone masked, the year of birth only
    (docs/privacy.md); ``reveal`` gives one of them in full, audited."""

    birth_year = serializers.IntegerField(source="birth_date.year", read_only=True)
    id_number_masked = serializers.CharField(read_only=True)
    phone_masked = serializers.CharField(read_only=True)
    address = serializers.CharField(source="dwelling.label", read_only=True, default="")
    tags = serializers.SlugRelatedField[Tag](slug_field="code", many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "sex", "birth_year", "id_type", "id_number_masked", "phone_masked",
                  "ethnicity", "hukou_address", "status", "residence_type", "neighborhood", "dwelling",
                  "address", "household", "relationship", "tags", "created_at", "updated_at"]
        read_only_fields = fields


class PersonCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=50)
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = serializers.CharField(max_length=30, allow_blank=True, default="")
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_null=True, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=20, allow_blank=True, default="")
    ethnicity = serializers.CharField(max_length=20, allow_blank=True, default="")
    hukou_address = serializers.CharField(max_length=150, allow_blank=True, default="")
    residence_type = serializers.ChoiceField(choices=ResidenceType.choices)
    dwelling = _id_field(help_text=gettext_lazy("Id of the dwelling the person lives at."))
    new_household = serializers.BooleanField(default=False)
    household = _id_field(required=False, allow_null=True,
                          help_text=gettext_lazy("Id of an existing household to join."))
    relationship = serializers.ChoiceField(choices=Relationship.choices, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.SlugField(max_length=40), default=list, max_length=50)
    started_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class PersonUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=50, required=False)
    id_type = serializers.ChoiceField(choices=IdType.choices, required=False)
    id_number = serializers.CharField(max_length=30, allow_blank=True, required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    birth_date = serializers.DateField(required=False)
    phone = serializers.CharField(max_length=20, allow_blank=True, required=False)
    ethnicity = serializers.CharField(max_length=20, allow_blank=True, required=False)
    hukou_address = serializers.CharField(max_length=150, allow_blank=True, required=False)
    residence_type = serializers.ChoiceField(choices=ResidenceType.choices, required=False)
    relationship = serializers.ChoiceField(choices=Relationship.choices, allow_blank=True, required=False)
    tags = serializers.ListField(child=serializers.SlugField(max_length=40), required=False, max_length=50)
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class RevealSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=[(f, f) for f in actions.REVEALABLE_FIELDS])
    reason = serializers.CharField(max_length=500)


class RevealedSerializer(serializers.Serializer[Any]):
    value = serializers.CharField()


class MoveSerializer(serializers.Serializer[Any]):
    dwelling = _id_field()
    moved_on = serializers.DateField(required=False, allow_null=True)
    residence_type = serializers.ChoiceField(choices=ResidenceType.choices, required=False, allow_null=True)
    household = _id_field(required=False, allow_null=True)
    new_household = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class MoveOutSerializer(serializers.Serializer[Any]):
    moved_on = serializers.DateField(required=False, allow_null=True)
    destination = serializers.CharField(max_length=150, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class DeathSerializer(serializers.Serializer[Any]):
    died_on = serializers.DateField()
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


SEARCH_PARAMETER = OpenApiParameter(
    "q", str,
    description=gettext_lazy("Name, pinyin or initials, a whole ID number or phone, or part of an address."),
)


@extend_schema_view(list=extend_schema(parameters=[SEARCH_PARAMETER]))
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """People on the registry the user may see. ``q`` searches name, pinyin, whole ID number or phone,
    or address; ID numbers and phones are masked (see ``reveal``)."""

    model = Person
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    action_permissions = {"create": "add", "partial_update": "change", "move": "change", "move_out": "change",
                          "death": "change", "reveal": "reveal"}

    def visible(self, user: Any) -> QuerySet[Person]:
        if self.action == "list":
            text = self.request.query_params.get("q", "")[:100].replace("\x00", "")
            return queries.search_people(user, text, status="").prefetch_related("tags")
        return queries.people(user).select_related("dwelling", "neighborhood").prefetch_related("tags")

    def _answer(self, person: Person, code: int = status.HTTP_200_OK) -> Response:
        person = queries.person_detail(self.request.user, person.pk)  # type: ignore[arg-type]
        return Response(PersonSerializer(person).data, status=code)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request: Request) -> Response:
        data = validated_input(PersonCreateSerializer, request.data)
        person = actions.register_person(
            actor=request.user, name=data["name"], id_type=data["id_type"], id_number=data["id_number"],  # type: ignore[arg-type]
            sex=data.get("sex") or None, birth_date=data.get("birth_date"), phone=data["phone"],
            ethnicity=data["ethnicity"], hukou_address=data["hukou_address"],
            residence_type=data["residence_type"],
            dwelling=_dwelling(request.user, data["dwelling"]), new_household=data["new_household"],
            household=_household(request.user, data.get("household")), relationship=data["relationship"],
            tags=_tags(data["tags"]) or [], started_on=data.get("started_on"), reason=data["reason"],
        )
        return self._answer(person, status.HTTP_201_CREATED)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        data = validated_input(PersonUpdateSerializer, request.data)
        reason = data.pop("reason")
        tags = _tags(data.pop("tags", None))
        with transaction.atomic():
            actions.update_person(actor=request.user, person=person, reason=reason, **data)  # type: ignore[arg-type]
            if tags is not None:
                actions.set_tags(actor=request.user, person=person, tags=tags, reason=reason)  # type: ignore[arg-type]
        return self._answer(person)

    @extend_schema(request=RevealSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """One ID number, phone or date of birth unmasked, for a reason; every reveal is in the audit log."""
        person = self.get_object()
        data = validated_input(RevealSerializer, request.data)
        value = actions.reveal_person_field(actor=request.user, person=person, field=data["field"],  # type: ignore[arg-type]
                                            reason=data["reason"])
        return Response({"value": value}, headers={"Cache-Control": "no-store"})

    @extend_schema(request=MoveSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move within the sub-district; the old residence is closed, not lost."""
        person = self.get_object()
        data = validated_input(MoveSerializer, request.data)
        actions.move_person(
            actor=request.user, person=person, dwelling=_dwelling(request.user, data["dwelling"]),  # type: ignore[arg-type]
            moved_on=data.get("moved_on"), residence_type=data.get("residence_type") or None,
            household=_household(request.user, data.get("household")), new_household=data["new_household"],
            reason=data["reason"],
        )
        return self._answer(person)

    @extend_schema(request=MoveOutSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request: Request, pk: str | None = None) -> Response:
        """The person has left the sub-district; the record and its history stay."""
        person = self.get_object()
        data = validated_input(MoveOutSerializer, request.data)
        actions.move_out(actor=request.user, person=person, moved_on=data.get("moved_on"),  # type: ignore[arg-type]
                         destination=data["destination"], reason=data["reason"])
        return self._answer(person)

    @extend_schema(request=DeathSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def death(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        data = validated_input(DeathSerializer, request.data)
        actions.record_death(actor=request.user, person=person, died_on=data["died_on"],  # type: ignore[arg-type]
                             reason=data["reason"])
        return self._answer(person)


# Households -----------------------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer[Person]):
    class Meta:
        model = Person
        fields = ["id", "name", "relationship"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    address = serializers.CharField(source="dwelling.label", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ["id", "number", "kind", "dwelling", "address", "neighborhood", "members"]
        read_only_fields = fields

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, household: Household) -> list[dict[str, Any]]:
        members = queries.household_members(self.context["request"].user, household)
        return list(MemberSerializer(members, many=True).data)


class HouseholdViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """Households (户) the user may see, with the members she may see. Read-only."""

    model = Household
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet

    def visible(self, user: Any) -> QuerySet[Household]:
        return restrict(Household.objects.select_related("dwelling"), user).order_by("number")


# Residence permits ----------------------------------------------------------------------------------


class ResidencePermitSerializer(serializers.ModelSerializer[ResidencePermit]):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = ResidencePermit
        fields = ["id", "person", "person_name", "number", "status", "applied_on", "issued_on", "expires_on",
                  "renewal_of", "reminded_on"]
        read_only_fields = fields


class PermitApplySerializer(serializers.Serializer[Any]):
    person = _id_field()
    applied_on = serializers.DateField(required=False, allow_null=True)


class PermitIssueSerializer(serializers.Serializer[Any]):
    number = serializers.CharField(max_length=40)
    issued_on = serializers.DateField(required=False, allow_null=True)


class PermitRenewSerializer(serializers.Serializer[Any]):
    applied_on = serializers.DateField(required=False, allow_null=True)


class ResidencePermitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """Residence permits (居住证): applications, issued permits and renewals."""

    model = ResidencePermit
    serializer_class = ResidencePermitSerializer
    filterset_class = ResidencePermitFilterSet
    action_permissions = {"apply": "add", "issue": "change", "renew": "change"}

    def visible(self, user: Any) -> QuerySet[ResidencePermit]:
        return queries.permits(user)

    def _answer(self, permit: ResidencePermit, code: int = status.HTTP_200_OK) -> Response:
        permit = queries.permits(self.request.user).get(pk=permit.pk)  # type: ignore[arg-type]
        return Response(ResidencePermitSerializer(permit).data, status=code)

    @extend_schema(request=PermitApplySerializer, responses={201: ResidencePermitSerializer})
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        """Record a migrant's application for a residence permit."""
        data = validated_input(PermitApplySerializer, request.data)
        person = queries.people(request.user, "change").filter(pk=data["person"]).first()  # type: ignore[arg-type]
        if person is None:
            raise Invalid(_("Unknown person."), field="person")
        permit = actions.apply_permit(actor=request.user, person=person, applied_on=data.get("applied_on"))  # type: ignore[arg-type]
        return self._answer(permit, status.HTTP_201_CREATED)

    @extend_schema(request=PermitIssueSerializer, responses=ResidencePermitSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        permit = self.get_object()
        data = validated_input(PermitIssueSerializer, request.data)
        permit = actions.issue_permit(actor=request.user, permit=permit, number=data["number"],  # type: ignore[arg-type]
                                      issued_on=data.get("issued_on"))
        return self._answer(permit)

    @extend_schema(request=PermitRenewSerializer, responses={201: ResidencePermitSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str | None = None) -> Response:
        """Start a renewal: a new application linked to this permit."""
        permit = self.get_object()
        data = validated_input(PermitRenewSerializer, request.data)
        renewal = actions.renew_permit(actor=request.user, permit=permit, applied_on=data.get("applied_on"))  # type: ignore[arg-type]
        return self._answer(renewal, status.HTTP_201_CREATED)


# Life events ----------------------------------------------------------------------------------------


class LifeEventSerializer(serializers.ModelSerializer[LifeEvent]):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = LifeEvent
        fields = ["id", "person", "person_name", "kind", "occurred_on", "dwelling", "from_dwelling",
                  "destination", "note", "recorded_at"]
        read_only_fields = fields


class LifeEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """Moves in, out and within, births and deaths. Read-only: they are written by the person actions."""

    model = LifeEvent
    serializer_class = LifeEventSerializer
    filterset_class = LifeEventFilterSet

    def visible(self, user: Any) -> QuerySet[LifeEvent]:
        return restrict(LifeEvent.objects.select_related("person"), user)


def register(router: BaseRouter) -> None:
    router.register("people", PersonViewSet, basename="person")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("residence-permits", ResidencePermitViewSet, basename="residencepermit")
    router.register("life-events", LifeEventViewSet, basename="lifeevent")
