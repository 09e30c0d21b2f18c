"""Terminal API of the charity shop: a charity till sells by card (``Authorization: Terminal <token>``).

- ``POST /api/v1/terminal/charity/sales/`` ``{card, lines: [{item, quantity}], points, idempotency_key}``:
  one sale to the card's holder, ``points`` from her charity points and the rest in cash at the till
  (201; 200 with the first sale when the key was seen before; 409 when the key was used for another sale).

Only a charity till's service user may sell (other devices answer 404, like a missing endpoint).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from shequ.cards.api import TerminalView, find_card, validated
from shequ.cards.models import Terminal
from shequ.charity import actions
from shequ.charity.models import Sale, StockItem
from shequ.core.errors import NotFound

MAX_ID = 2**62


class SaleLineInSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class SaleInSerializer(serializers.Serializer[Any]):
    card = serializers.CharField(max_length=200, help_text="card number, or the QR code's payload")
    lines = serializers.ListField(child=SaleLineInSerializer(), allow_empty=False, max_length=50)
    points = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    idempotency_key = serializers.CharField(max_length=100)


class SaleOutSerializer(serializers.ModelSerializer[Sale]):
    class Meta:
        model = Sale
        fields = ["id", "sold_at", "total_fen", "points_paid", "cash_fen"]


class TerminalSaleView(TerminalView):
    @extend_schema(request=SaleInSerializer, responses={201: SaleOutSerializer, 200: SaleOutSerializer})
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, Terminal)
        data = validated(SaleInSerializer, request.data)
        card = find_card(data["card"], request.auth.subdistrict_id)
        wanted = {line["item"] for line in data["lines"]}
        items = StockItem.objects.filter(subdistrict_id=request.auth.subdistrict_id, pk__in=wanted).in_bulk()
        if len(items) != len(wanted):
            raise NotFound(field="lines")
        sale = actions.sell(actor=request.user, buyer=card.person,  # type: ignore[arg-type]
                            lines=[(items[line["item"]], line["quantity"]) for line in data["lines"]],
                            points=data["points"], idempotency_key=data["idempotency_key"])
        replayed = bool(getattr(sale, "replayed", False))
        body = {**SaleOutSerializer(sale).data, "replayed": replayed}
        return Response(body, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)


def terminal_urls() -> list[Any]:
    from django.urls import path

    return [path("terminal/charity/sales/", TerminalSaleView.as_view(), name="terminal-charity-sale")]
