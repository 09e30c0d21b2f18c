"""REST API of the library under /api/v1/: the public catalogue search, loans (lend, renew) and returns.

A library desk terminal calls these with a barcode and a reader (registry id, or a resident card number).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.cards.api import TerminalAuthentication
from shequ.core.authentication import TokenAuthentication
from shequ.core.drf import RolePermission
from shequ.core.errors import Invalid, NotFound
from shequ.library import actions, queries, seams
from shequ.library.models import Loan, Title
from shequ.population.models import Person


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    if not serializer.is_valid():
        field, errors = next(iter(serializer.errors.items()))
        raise Invalid(str(errors[0]) if isinstance(errors, list) else str(errors), field=field,
                      details=serializer.errors)
    return dict(serializer.validated_data)


class CatalogueTitleSerializer(serializers.ModelSerializer[Title]):
    copies_total = serializers.IntegerField(read_only=True)
    copies_available = serializers.IntegerField(read_only=True)

    class Meta:
        model = Title
        fields = ["id", "isbn", "title", "authors", "publisher", "year", "copies_total", "copies_available"]


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet[Title]):
    """The public online catalogue: anyone may search, by characters, full pinyin, initials or ISBN."""

    serializer_class = CatalogueTitleSerializer
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    lookup_value_regex = r"[0-9]{1,18}"

    @extend_schema(parameters=[OpenApiParameter("q", str, description="title, author, pinyin, initials or ISBN")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Title]:
        return queries.search_catalogue(str(self.request.query_params.get("q", ""))[:100])


class LoanSerializer(serializers.ModelSerializer[Loan]):
    barcode = serializers.CharField(source="copy.barcode", read_only=True)
    title = serializers.CharField(source="copy.title.title", read_only=True)
    reader_name = serializers.CharField(source="reader.name", read_only=True)

    class Meta:
        model = Loan
        fields = ["id", "barcode", "title", "reader", "reader_name", "borrowed_at", "due_on", "renewals",
                  "returned_at"]


class LendSerializer(serializers.Serializer[Any]):
    barcode = serializers.CharField(max_length=32)
    reader = serializers.IntegerField(min_value=1, max_value=2**62, required=False)
    card = serializers.CharField(max_length=32, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("reader")) == bool(attrs.get("card")):
            raise serializers.ValidationError(_("Give either the reader or the card number."))
        return attrs


class ReturnSerializer(serializers.Serializer[Any]):
    barcode = serializers.CharField(max_length=32)


class LoanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Loan]):
    """Loans: a librarian's desk lends (POST) and lists; a resident lists and renews her own."""

    serializer_class = LoanSerializer
    # A registered desk or kiosk (cards Terminal) acts as its service user, whose role and place scope it.
    authentication_classes = [TokenAuthentication, SessionAuthentication, TerminalAuthentication]
    permission_classes = [IsAuthenticated, RolePermission]
    model = Loan
    lookup_value_regex = r"[0-9]{1,18}"
    action_permissions = {"create": "add", "returns": "change", "renew": "view"}

    def get_queryset(self) -> QuerySet[Loan]:
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        params = self.request.query_params
        return queries.loans(self.request.user, open_only=params.get("open") == "1",  # type: ignore[arg-type]
                             overdue_only=params.get("overdue") == "1")

    def _reader(self, data: dict[str, Any]) -> Person:
        user: Any = self.request.user
        if data.get("card"):
            return seams.reader_by_card(data["card"], actor=user)
        try:
            return seams.reader_by_id(data["reader"], actor=user)
        except NotFound:
            raise Invalid(_("Unknown reader."), field="reader") from None

    @extend_schema(request=LendSerializer, responses={201: LoanSerializer})
    def create(self, request: Request) -> Response:
        if request.user.is_resident:  # type: ignore[union-attr]
            raise NotFound()
        data = _valid(LendSerializer(data=request.data))
        loan = actions.lend(actor=request.user, barcode=data["barcode"], reader=self._reader(data))  # type: ignore[arg-type]
        return Response(LoanSerializer(loan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReturnSerializer, responses={200: LoanSerializer})
    @action(detail=False, methods=["post"])
    def returns(self, request: Request) -> Response:
        if request.user.is_resident:  # type: ignore[union-attr]
            raise NotFound()
        data = _valid(ReturnSerializer(data=request.data))
        loan = actions.take_back(actor=request.user, barcode=data["barcode"])  # type: ignore[arg-type]
        return Response(LoanSerializer(loan).data)

    @extend_schema(request=None, responses={200: LoanSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str | None = None) -> Response:
        loan = actions.renew(actor=request.user, loan=self.get_object())  # type: ignore[arg-type]
        return Response(LoanSerializer(loan).data)


def register(router: BaseRouter) -> None:
    router.register("library/catalogue", CatalogueViewSet, basename="library-catalogue")
    router.register("library/loans", LoanViewSet, basename="library-loan")
