"""REST API of elderly dining.

Terminal (canteen till, ``Authorization: Terminal <token>``):
- ``GET  /api/v1/terminal/menu/``: today's menu of the till's canteen;
- ``POST /api/v1/terminal/meals/`` ``{card, item, idempotency_key, occurred_at?}``: buy one meal
  (201; 200 with the first result for a retry); also ``op: "meal"`` in the offline ``batch/``.

Staff: ``/api/v1/canteens/`` (scoped: an operator sees his canteen), ``/api/v1/meals/``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from shequ.cards.api import BATCH_OPERATIONS, TerminalView, find_card, validated
from shequ.cards.models import Terminal, Transaction
from shequ.core.drf import RolePermission
from shequ.core.errors import NotFound
from shequ.dining import actions, queries
from shequ.dining.models import Canteen, Meal


class MealInSerializer(serializers.Serializer[Any]):
    card = serializers.CharField(max_length=200)
    item = serializers.IntegerField(min_value=1, max_value=2**62)
    idempotency_key = serializers.CharField(max_length=100)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class MealSerializer(serializers.ModelSerializer[Meal]):
    item_name = serializers.CharField(source="item.name", read_only=True)
    canteen_name = serializers.CharField(source="canteen.name", read_only=True)

    class Meta:
        model = Meal
        fields = ["id", "day", "canteen", "canteen_name", "item", "item_name", "price_fen", "subsidy_fen",
                  "from_meal_wallet_fen", "cash_fen", "transaction", "created_at"]


def _canteen_of(terminal: Terminal) -> Canteen:
    canteen = queries.canteen_of_account(terminal.account_id)
    if canteen is None:
        raise NotFound(_("This terminal is not a canteen till."))
    return canteen


def buy(terminal: Terminal, user: Any, data: dict[str, Any]) -> Meal:
    canteen = _canteen_of(terminal)
    item = queries.item_of(canteen, data["item"])
    if item is None:
        raise NotFound(_("This dish is not on this canteen's menu."))
    card = find_card(data["card"], terminal.subdistrict_id)
    return actions.buy_meal(actor=user, canteen=canteen, card=card, item=item,
                            idempotency_key=data["idempotency_key"], terminal=terminal,
                            occurred_at=data.get("occurred_at"))


def _batch_meal(terminal: Terminal, user: Any, data: dict[str, Any]) -> Transaction:
    meal = buy(terminal, user, data)
    txn = Transaction.objects.select_related("card").prefetch_related("entries__wallet").get(pk=meal.transaction_id)
    txn.replayed = bool(getattr(meal, "replayed", False))  # type: ignore[attr-defined]
    return txn


class BatchMealSerializer(MealInSerializer):
    op = serializers.ChoiceField(choices=[("meal", "meal")])


BATCH_OPERATIONS["meal"] = (BatchMealSerializer, _batch_meal)


class TerminalMenuSerializer(serializers.Serializer[Any]):
    canteen = serializers.CharField()
    day = serializers.DateField()
    items = serializers.ListField(child=serializers.DictField(), help_text="id, name, meal_time, price_fen")


class TerminalMenuView(TerminalView):
    @extend_schema(responses=TerminalMenuSerializer)
    def get(self, request: Request) -> Response:
        assert isinstance(request.auth, Terminal)
        canteen = _canteen_of(request.auth)
        menu = queries.menu_of(canteen, timezone.localdate())
        items = [] if menu is None else [
            {"id": i.pk, "name": i.name, "meal_time": i.meal_time, "price_fen": i.price_fen} for i in menu.items.all()]
        return Response({"canteen": canteen.name, "day": timezone.localdate().isoformat(), "items": items})


class TerminalMealView(TerminalView):
    @extend_schema(request=MealInSerializer, responses={201: MealSerializer, 200: MealSerializer})
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, Terminal)
        meal = buy(request.auth, request.user, validated(MealInSerializer, request.data))
        replayed = bool(getattr(meal, "replayed", False))
        body = {**MealSerializer(meal).data, "replayed": replayed}
        return Response(body, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)


class CanteenSerializer(serializers.ModelSerializer[Canteen]):
    class Meta:
        model = Canteen
        fields = ["id", "name", "address", "neighborhood", "is_active"]


class CanteenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Canteen]):
    model = Canteen
    serializer_class = CanteenSerializer
    permission_classes = [RolePermission]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> Any:
        return queries.canteens(self.request.user)


class MealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Meal]):
    model = Meal
    serializer_class = MealSerializer
    permission_classes = [RolePermission]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> Any:
        return queries.meals(self.request.user)


def register(router: BaseRouter) -> None:
    router.register("canteens", CanteenViewSet, basename="canteen")
    router.register("meals", MealViewSet, basename="meal")


def terminal_urls() -> list[Any]:
    from django.urls import path

    return [
        path("terminal/menu/", TerminalMenuView.as_view(), name="terminal-menu"),
        path("terminal/meals/", TerminalMealView.as_view(), name="terminal-meals"),
    ]
