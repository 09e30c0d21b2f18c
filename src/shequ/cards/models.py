"""The resident card (惠民一卡通) and its double-entry ledger.

Money is integer fen, the time bank integer minutes. Every movement of value is one
:class:`Transaction` with two or more :class:`Entry` rows that sum to zero: one side is a card's
:class:`Wallet`, the other a named system :class:`Account` (top-up cash box, subsidy fund, a
canteen's settlement …). A wallet's ``balance`` is the sum of its entries, kept in the row so a
payment needs no aggregate; the database refuses a negative balance (CheckConstraint) and refuses
UPDATE or DELETE of transactions and entries (triggers, migration 0002). Corrections are reversing
transactions. Writes go through :mod:`shequ.cards.actions` only.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.cards.choices import (
    AccountKind,
    CancelReason,
    CardStatus,
    Operation,
    TerminalKind,
    TransactionKind,
    WalletKind,
)
from shequ.core.models import Neighborhood, Subdistrict
from shequ.core.scopes import ScopePaths


class Card(models.Model):
    """One physical card of one person. A reissue is a new row; the old one points to it."""

    number = models.CharField(_("card number"), max_length=16, unique=True)
    person = models.ForeignKey("population.Person", on_delete=models.PROTECT, related_name="cards")
    status = models.CharField(_("status"), max_length=20, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=20, choices=CancelReason.choices,
                                     blank=True)
    reissue_of = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="reissued_as", verbose_name=_("replaces card"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed at"), auto_now=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")

    # The neighborhood and compound are the holder's, now: a card follows its holder when she moves.
    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict", neighborhood="person__neighborhood", compound="person__compound",
        resident="person__user",
    )

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CardStatus.values), name="card_status_known"),
            # A person holds at most one card that is not cancelled.
            models.UniqueConstraint(fields=["person"], condition=~Q(status=CardStatus.CANCELLED),
                                    name="card_one_live_per_person"),
            models.CheckConstraint(condition=Q(status=CardStatus.CANCELLED) | Q(cancel_reason=""),
                                   name="card_reason_only_when_cancelled"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number_display(self) -> str:
        return " ".join(self.number[i:i + 4] for i in range(0, len(self.number), 4))

    @property
    def can_transact(self) -> bool:
        return self.status == CardStatus.ACTIVE


class Wallet(models.Model):
    """One kind of value on one card. ``balance`` never goes below zero: the database says so."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="wallets")
    kind = models.CharField(_("kind"), max_length=20, choices=WalletKind.choices)
    balance = models.BigIntegerField(_("balance"), default=0, help_text=_("fen; minutes for the time bank"))

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="card__subdistrict", neighborhood="card__person__neighborhood", compound="card__person__compound",
        resident="card__person__user",
    )

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        ordering = ["card", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["card", "kind"], name="wallet_one_per_kind"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=WalletKind.values), name="wallet_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id}:{self.kind}"


class Account(models.Model):
    """A named system account of a sub-district. Its balance is the sum of its entries (no stored column:
    a canteen's account is touched by every meal, and one hot row would serialize them all)."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    code = models.CharField(_("code"), max_length=60, help_text=_("e.g. canteen-3; unique in the sub-district"))
    name = models.CharField(_("name"), max_length=100)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict")

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "code"], name="account_unique_code"),
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="account_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name


class Terminal(models.Model):
    """A registered device (canteen till, charity till, top-up desk, library desk, volunteer kiosk).

    It authenticates with its own token (only a hash is stored) and acts as its own service user;
    it may move value only between cards and its own ``account``: that is its place; what each kind may
    post is the table in :mod:`shequ.cards.rules`.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TerminalKind.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="terminals",
                                verbose_name=_("settles into"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="terminal")
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    SCOPE: ClassVar[ScopePaths] = ScopePaths(subdistrict="subdistrict", neighborhood="neighborhood")

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=TerminalKind.values), name="terminal_kind_known")]

    def __str__(self) -> str:
        return self.name


class Transaction(models.Model):
    """One balanced movement of value. Append-only; a correction is a new transaction that ``reverses`` it."""

    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    occurred_at = models.DateTimeField(_("happened at"), null=True, blank=True,
                                       help_text=_("When an offline terminal recorded it, if earlier."))
    card = models.ForeignKey(Card, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="transactions")
    # "t<terminal id>:<key>" or "u<user id>:<key>": a key is unique per terminal (or per staff member).
    idempotency_key = models.CharField(max_length=140, null=True, blank=True, unique=True)
    fingerprint = models.CharField(max_length=64, blank=True,
                                   help_text=_("What was asked, to refuse a reused key with other contents."))
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    operation = models.CharField(_("purpose"), max_length=20, choices=Operation.choices, blank=True,
                                 help_text=_("What the transaction was for, in its app's terms (a meal, a sale …)."))

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict", neighborhood="card__person__neighborhood", compound="card__person__compound",
        resident="card__person__user",
    )

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=TransactionKind.values), name="txn_kind_known")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class Entry(models.Model):
    """One side of a transaction: a signed amount on exactly one wallet or one system account."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    amount = models.BigIntegerField(_("amount"))
    balance_after = models.BigIntegerField(_("balance after"), null=True, blank=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="transaction__subdistrict", neighborhood="wallet__card__person__neighborhood",
        resident="wallet__card__person__user",
    )

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.CheckConstraint(
                condition=(Q(wallet__isnull=False) & Q(account__isnull=True))
                | (Q(wallet__isnull=True) & Q(account__isnull=False)),
                name="entry_one_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id}: {self.amount}"


class TopUpSlip(models.Model):
    """The slip a desk prints for one top-up: what the holder handed over in cash and which desk took it.

    The reconciliation matches every top-up transaction with its slip, desk by desk."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="top_up_slips")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, null=True, blank=True, related_name="slips")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="slip")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    SCOPE: ClassVar[ScopePaths] = ScopePaths(
        subdistrict="subdistrict", neighborhood="card__person__neighborhood", resident="card__person__user",
    )

    class Meta:
        verbose_name = _("top-up slip")
        verbose_name_plural = _("top-up slips")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="topupslip_amount_positive")]

    def __str__(self) -> str:
        return f"CZ{self.pk:08d}"
