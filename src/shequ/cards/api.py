"""REST API of cards: the terminal API (tills, desks, kiosks) and the staff/resident read API.

Terminal API, under ``/api/v1/terminal/``, authenticated by the device's own token
(``Authorization: Terminal <token>``) and nothing else:

- ``GET  card/?number=…`` (or ``?qr=…``): the card's status and balances, to show at the till;
- ``POST top-up/`` ``{card, amount_fen, idempotency_key, memo?}`` and ``POST cash/`` ``{amount_fen,
  idempotency_key, memo?}``: a top-up desk tops a card up from its cash box, and counts notes into the box,
  answering 201 with the transaction, or 200 with the first one when the key was seen before;
- ``POST batch/``: ``{transactions: [{op: …, …the operation's fields…}, …]}`` from a till that was
  offline: each item applied once, in order, in its own database transaction; each result says
  ``applied``, ``duplicate`` (seen before: the first result) or ``rejected`` with a ``code`` and ``reason``.
  Apps add operations to :data:`BATCH_OPERATIONS` (dining adds ``meal``).

There is no bare payment or credit: a terminal posts only what its app's action stands behind (a meal, a
sale, a top-up, a shift served), with its own account as the counter side, as the table in
:mod:`shequ.cards.rules` allows its kind (anything else: 403 ``not_allowed_here``). A card of another
sub-district is unknown to a terminal (404), whether read or charged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from shequ.cards import actions, queries
from shequ.cards.choices import WalletKind
from shequ.cards.models import Card, Terminal, Transaction
from shequ.core.drf import RolePermission
from shequ.core.errors import DomainError, Invalid, NotFound

MAX_BATCH = 500


class TerminalAuthentication(BaseAuthentication):
    """``Authorization: Terminal <token>``: the request acts as the terminal's own service user."""

    keyword = "Terminal"

    def authenticate(self, request: Request) -> tuple[Any, Terminal] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            from rest_framework.exceptions import AuthenticationFailed

            raise AuthenticationFailed(_("Invalid terminal token header."))
        terminal = queries.terminal_by_token(parts[1].decode(errors="replace"))
        if terminal is None or not terminal.user.is_active:
            from rest_framework.exceptions import AuthenticationFailed

            raise AuthenticationFailed(_("Unknown or deactivated terminal."))
        return terminal.user, terminal

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IsTerminal(BasePermission):
    """Only a registered device: a person's login or token answers 404, like a missing endpoint."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not isinstance(request.auth, Terminal):
            raise NotFound()
        return True


class TransactionOutSerializer(serializers.Serializer[Transaction]):
    def to_representation(self, txn: Transaction) -> dict[str, Any]:
        return transaction_body(txn)


def transaction_body(txn: Transaction) -> dict[str, Any]:
    wallet_entries = [e for e in txn.entries.all() if e.wallet_id]
    return {
        "id": txn.pk,
        "kind": txn.kind,
        "card": txn.card.number if txn.card else None,
        "created_at": txn.created_at.isoformat(),
        "occurred_at": txn.occurred_at.isoformat() if txn.occurred_at else None,
        "memo": txn.memo,
        "replayed": bool(getattr(txn, "replayed", False)),
        "entries": [{"wallet": e.wallet.kind, "amount": e.amount, "balance_after": e.balance_after}
                    for e in wallet_entries if e.wallet is not None],
    }


# Other apps add batch operations of their own (dining: "meal"): op → (serializer, apply(terminal, user, data)).
BATCH_OPERATIONS: dict[str, tuple[type[serializers.Serializer[Any]], Callable[..., Transaction]]] = {}


class BatchSerializer(serializers.Serializer[Any]):
    transactions = serializers.ListField(child=serializers.DictField(), max_length=MAX_BATCH, allow_empty=False)


def validated(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, messages = next(iter(serializer.errors.items()))
        first = messages[0] if isinstance(messages, list) and messages else messages
        raise Invalid(f"{field}: {first}", field=str(field), details=serializer.errors)
    return dict(serializer.validated_data)


def find_card(value: str, subdistrict_id: int | None) -> Card:
    """The card shown at a till, by number or QR payload; a card of another sub-district is not found."""
    value = value.strip()
    card = queries.card_by_qr(value) if value.startswith("SHEQU-CARD:") else queries.card_by_number(value)
    if card.subdistrict_id != subdistrict_id:
        raise NotFound(_("No card with this number."), field="card")
    return card


def fresh(txn: Transaction) -> Transaction:
    """The transaction with what its answer shows loaded, keeping whether it was a replay."""
    loaded = Transaction.objects.select_related("card").prefetch_related("entries__wallet").get(pk=txn.pk)
    loaded.replayed = bool(getattr(txn, "replayed", False))  # type: ignore[attr-defined]
    return loaded


def _answer(txn: Transaction) -> Response:
    replayed = bool(getattr(txn, "replayed", False))
    body = transaction_body(txn)
    body["replayed"] = replayed
    return Response(body, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)


class TerminalView(APIView):
    authentication_classes = [TerminalAuthentication]
    permission_classes = [IsTerminal]


class TerminalCardView(TerminalView):
    @extend_schema(responses=inline_serializer("TerminalCard", {
        "number": serializers.CharField(), "status": serializers.CharField(), "holder": serializers.CharField(),
        "balances": serializers.DictField(child=serializers.IntegerField())}))
    def get(self, request: Request) -> Response:
        number, qr = request.query_params.get("number", ""), request.query_params.get("qr", "")
        if not (number or qr):
            raise Invalid(_("Give the card number or the QR code."), field="number")
        assert isinstance(request.auth, Terminal)
        card = find_card(qr or number, request.auth.subdistrict_id)
        name = card.person.name
        return Response({"number": card.number, "status": card.status,
                         "holder": name[:1] + "*" * (len(name) - 1), "balances": queries.balances(card)})


class TopUpSerializer(serializers.Serializer[Any]):
    card = serializers.CharField(max_length=200, help_text="card number, or the QR code's payload")
    amount_fen = serializers.IntegerField(min_value=1, max_value=actions.MAX_AMOUNT)
    idempotency_key = serializers.CharField(max_length=100)
    memo = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CashInSerializer(serializers.Serializer[Any]):
    amount_fen = serializers.IntegerField(min_value=1, max_value=actions.MAX_AMOUNT)
    idempotency_key = serializers.CharField(max_length=100)
    memo = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TerminalTopUpView(TerminalView):
    @extend_schema(request=TopUpSerializer, responses={201: TransactionOutSerializer, 200: TransactionOutSerializer})
    def post(self, request: Request) -> Response:
        data = validated(TopUpSerializer, request.data)
        assert isinstance(request.auth, Terminal)
        txn = actions.top_up(actor=request.auth.user, card=find_card(data["card"], request.auth.subdistrict_id),
                             amount_fen=data["amount_fen"], idempotency_key=data["idempotency_key"],
                             terminal=request.auth, memo=data["memo"])
        return _answer(fresh(txn))


class TerminalCashInView(TerminalView):
    @extend_schema(request=CashInSerializer, responses={201: TransactionOutSerializer, 200: TransactionOutSerializer})
    def post(self, request: Request) -> Response:
        data = validated(CashInSerializer, request.data)
        assert isinstance(request.auth, Terminal)
        txn = actions.record_cash(actor=request.auth.user, amount_fen=data["amount_fen"],
                                  idempotency_key=data["idempotency_key"], terminal=request.auth, memo=data["memo"])
        return _answer(fresh(txn))


class TerminalBatchView(TerminalView):
    @extend_schema(request=BatchSerializer, responses={200: inline_serializer("BatchResult", {
        "results": serializers.ListField(child=serializers.DictField())})})
    def post(self, request: Request) -> Response:
        items = validated(BatchSerializer, request.data)["transactions"]
        assert isinstance(request.auth, Terminal)
        results = [self._one(index, item, request.auth, request.user) for index, item in enumerate(items)]
        return Response({"results": results})

    @staticmethod
    def _one(index: int, item: dict[str, Any], terminal: Terminal, user: Any) -> dict[str, Any]:
        result: dict[str, Any] = {"index": index, "idempotency_key": item.get("idempotency_key")}
        try:
            operation = BATCH_OPERATIONS.get(str(item.get("op", "")))
            if operation is None:
                raise Invalid(_("Unknown operation: %(op)s.") % {"op": str(item.get("op", ""))[:40]}, field="op")
            # Each action is its own database transaction: a rejected item leaves no trace, earlier ones stay.
            txn = operation[1](terminal, user, validated(operation[0], item))
        except DomainError as exc:
            return {**result, "status": "rejected", "code": exc.code, "reason": str(exc.message)}
        body = transaction_body(txn)
        return {**result, "status": "duplicate" if body["replayed"] else "applied", "transaction": body}


# --------------------------------------------------------------------------------- staff and residents


class CardSerializer(serializers.ModelSerializer[Card]):
    holder = serializers.CharField(source="person.name", read_only=True)
    balances = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = ["id", "number", "status", "holder", "issued_at", "balances"]

    def get_balances(self, card: Card) -> dict[str, int]:
        found = {wallet.kind: wallet.balance for wallet in card.wallets.all()}  # prefetched by the viewset
        return {kind: found.get(kind, 0) for kind in WalletKind.values}


class CardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Card]):
    """Cards the user may see: the card desk's sub-district or neighborhood; a resident her own."""

    model = Card
    serializer_class = CardSerializer
    permission_classes = [RolePermission]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> Any:
        return queries.cards(self.request.user).prefetch_related("wallets")


def register(router: BaseRouter) -> None:
    router.register("cards", CardViewSet, basename="card")


def terminal_urls() -> list[Any]:
    from django.urls import path

    return [
        path("terminal/card/", TerminalCardView.as_view(), name="terminal-card"),
        path("terminal/batch/", TerminalBatchView.as_view(), name="terminal-batch"),
        path("terminal/top-up/", TerminalTopUpView.as_view(), name="terminal-top-up"),
        path("terminal/cash/", TerminalCashInView.as_view(), name="terminal-cash"),
    ]
