"""Every write to cards and the ledger. Other apps (dining, volunteers, charity, library) call these.

Public surface (stable; other apps depend on it):

Every action is one ``@transaction.atomic`` (a savepoint when nested) and writes its own audit row in it.
Not ``durable``: like population's actions they are composed — the demo builds inside one transaction;
dining (and volunteers, charity, library) post card transactions inside their own actions.

Card life cycle:
    issue_card(*, actor, person) -> Card
    report_lost(*, actor, card, reason="") -> Card
    freeze(*, actor, card, reason="") -> Card
    unfreeze(*, actor, card, reason="") -> Card
    reissue_card(*, actor, card, reason="") -> Card          # balances move to the new card by ledger transfer
    cancel_card(*, actor, card, reason: CancelReason) -> Card  # cash paid out, allowances returned to funds
    open_account(*, actor, subdistrict, kind, code="", name="") -> Account   # idempotent
    register_terminal(*, actor, name, kind, account, neighborhood=None) -> tuple[Terminal, str]  # (terminal, token)
    deactivate_terminal(*, actor, terminal) -> Terminal

Money — each returns the :class:`Transaction`:
    record_cash(*, actor, amount_fen, idempotency_key="", terminal=None, cash_box=None, memo="") -> Transaction
                                                  # notes counted into a cash box: what top-ups draw on
    top_up(*, actor, card, amount_fen, idempotency_key="", terminal=None, memo="") -> Transaction
    pay(*, actor, card, wallet, amount_fen, counter_account, idempotency_key="", terminal=None, memo="",
        occurred_at=None) -> Transaction          # wallet -amount, counter_account +amount
    credit(*, actor, card, wallet, amount_fen, counter_account, idempotency_key="", terminal=None, memo="",
           occurred_at=None) -> Transaction       # counter_account -amount, wallet +amount
    post(*, actor, kind, card, legs, idempotency_key="", terminal=None, memo="", occurred_at=None,
         operation="") -> Transaction              # several legs at once, e.g. a meal paid partly by subsidy;
                                                  # pay and credit take operation= too (what it is for)
    reverse(*, actor, transaction, reason, idempotency_key="", terminal=None) -> Transaction
                                                  # staff with the change right, a till its own, or the
                                                  # operator who rang up a meal or sale her own

Helpers for other apps' actions (inside their transaction):
    system_account(subdistrict_id, kind, code="", name="") -> Account   # the named account, opened on first use
    place_account(actor, subdistrict_id, kind) -> Account       # a terminal's own account, else the above
    terminal_of(actor) -> Terminal | None                       # the terminal whose service user this is
    lock_card(card) -> Card                                     # row lock until the transaction ends
                                                                # (the lock order: shequ.cards.locks)
    Leg(amount, wallet="", account=None)                        # one side of a ``post``

``wallet`` is a :class:`~shequ.cards.choices.WalletKind` value; amounts are positive integers (fen, or
minutes for the time bank). The card must be active for a payment or credit. With ``terminal`` the
counter account must be the terminal's own (its place), and what each kind of terminal, transaction and
account may do is the table in :mod:`shequ.cards.rules`, checked by :func:`post` for every caller: an actor
that is a terminal's service user is that terminal, whether or not the caller says so. With
``idempotency_key`` a repeated request
(same terminal — or same staff member — and key) returns the first transaction, with
``transaction.replayed = True``, and never posts twice; the same key with other contents is a
:class:`~shequ.core.errors.Conflict`. Refusals raise :class:`InsufficientBalance` or
:class:`CardNotUsable` (both ``Conflict``, HTTP 409) and post nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db import transaction as db_transaction
from django.db.models import F
from django.utils.translation import gettext as _

from shequ.cards import locks, numbers, posting, rules
from shequ.cards.choices import (
    AccountKind,
    CancelReason,
    CardStatus,
    Operation,
    TerminalKind,
    TransactionKind,
    WalletKind,
)
from shequ.cards.models import Account, Card, Entry, Terminal, TopUpSlip, Transaction, Wallet
from shequ.cards.posting import MAX_AMOUNT, Leg, terminal_of
from shequ.cards.posting import CardNotUsable as CardNotUsable  # raised by postings; callers catch it from here
from shequ.cards.posting import InsufficientBalance as InsufficientBalance
from shequ.cards.signals import card_status_changed
from shequ.core import audit
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import Neighborhood, Subdistrict, User
from shequ.core.roles import Role
from shequ.core.scopes import can, get_visible
from shequ.population.choices import PersonStatus
from shequ.population.models import Person

CARD_ISSUED = "cards.card_issued"
CARD_LOST = "cards.card_reported_lost"
CARD_FROZEN = "cards.card_frozen"
CARD_UNFROZEN = "cards.card_unfrozen"
CARD_REISSUED = "cards.card_reissued"
CARD_CANCELLED = "cards.card_cancelled"
ACCOUNT_OPENED = "cards.account_opened"
TERMINAL_REGISTERED = "cards.terminal_registered"
TERMINAL_DEACTIVATED = "cards.terminal_deactivated"
TRANSACTION_POSTED = "cards.transaction_posted"
TRANSACTION_REVERSED = "cards.transaction_reversed"

TERMINAL_ROLES = {
    TerminalKind.CANTEEN_TILL: Role.CANTEEN,
    TerminalKind.CHARITY_TILL: Role.CHARITY_CLERK,
    TerminalKind.LIBRARY_DESK: Role.LIBRARIAN,
    TerminalKind.VOLUNTEER_KIOSK: Role.VOLUNTEER_COORDINATOR,
    TerminalKind.TOP_UP_DESK: Role.CLERK,
}
# Where a cancelled card's remaining value goes back to.
RETURN_ACCOUNTS = {
    WalletKind.CASH: AccountKind.REFUNDS,
    WalletKind.MEAL_SUBSIDY: AccountKind.SUBSIDY_FUND,
    WalletKind.CHARITY_POINTS: AccountKind.CHARITY_FUND,
    WalletKind.TIME_BANK: AccountKind.TIME_BANK,
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require(actor: User, model: type, action: str) -> None:
    if not can(actor, model, action):
        raise NotFound()


def _card_for_change(actor: User, card: Card) -> Card:
    """The card locked for update, if the actor may change it."""
    _require(actor, Card, "change")
    get_visible(Card.objects.all(), actor, "change", pk=card.pk)
    return Card.objects.select_for_update().get(pk=card.pk)


def system_account(subdistrict_id: int, kind: str, code: str = "", name: str = "") -> Account:
    """The sub-district's account of this kind (opened on first use; ``code`` for per-place accounts)."""
    code = code or kind
    account, _created = Account.objects.get_or_create(
        subdistrict_id=subdistrict_id, code=code,
        defaults={"kind": kind, "name": name or str(AccountKind(kind).label)})
    return account


def lock_card(card: Card) -> Card:
    """Hold the card (row lock) until the caller's transaction ends, so that a rule checked before posting
    (dining's daily limit) cannot be raced by a second till. Postings take the same lock first; the holder's
    person row is loaded, never locked (see :mod:`shequ.cards.locks` for the one lock order)."""
    return locks.lock_card(card)


def place_account(actor: User, subdistrict_id: int, kind: str) -> Account:
    """The account of this kind where ``actor`` works: a terminal's own (its place), else the sub-district's."""
    terminal = terminal_of(actor)
    if terminal is not None and terminal.account.kind == kind:
        return terminal.account
    return system_account(subdistrict_id, kind)


# ---------------------------------------------------------------------------------------------- cards


@transaction.atomic
def issue_card(*, actor: User, person: Person) -> Card:
    _require(actor, Card, "add")
    get_visible(Person.objects.all(), actor, "view", pk=person.pk)
    if person.status != PersonStatus.ACTIVE:
        raise Invalid(_("Cards are issued only to people living here."), field="person")
    if Card.objects.filter(person=person).exclude(status=CardStatus.CANCELLED).exists():
        raise Conflict(_("This person already has a card; report it lost and reissue it instead."))
    try:
        with transaction.atomic():
            card = _new_card(person=person)
    except IntegrityError:  # a second desk issued one a moment ago (card_one_live_per_person)
        raise Conflict(_("This person already has a card; report it lost and reissue it instead.")) from None
    audit.record(actor=actor, event=CARD_ISSUED, obj=card, after={"person": person.pk, "number": card.number},
                 subdistrict_id=card.subdistrict_id)
    return card


def _new_card(*, person: Person, reissue_of: Card | None = None) -> Card:
    for _attempt in range(5):
        number = numbers.new_number()
        if not Card.objects.filter(number=number).exists():
            break
    card = Card.objects.create(number=number, person=person, reissue_of=reissue_of,
                               subdistrict_id=person.subdistrict_id)
    Wallet.objects.bulk_create([Wallet(card=card, kind=kind) for kind in WalletKind.values])
    return card


def _set_status(actor: User, card: Card, *, allowed_from: set[str], to: str, event: str, reason: str) -> Card:
    locked = _card_for_change(actor, card)
    if locked.status not in allowed_from:
        raise Conflict(_("The card is %(status)s.") % {"status": locked.get_status_display()})
    before = locked.status
    locked.status = to
    locked.save(update_fields=["status", "status_changed_at"])
    audit.record(actor=actor, event=event, obj=locked, before={"status": before}, after={"status": to},
                 reason=reason, subdistrict_id=locked.subdistrict_id)
    card_status_changed.send(sender=Card, card=locked, before=before, after=to, actor=actor, replaced_by=None)
    return locked


@transaction.atomic
def report_lost(*, actor: User, card: Card, reason: str = "") -> Card:
    return _set_status(actor, card, allowed_from={CardStatus.ACTIVE, CardStatus.FROZEN}, to=CardStatus.LOST,
                       event=CARD_LOST, reason=reason)


@transaction.atomic
def freeze(*, actor: User, card: Card, reason: str = "") -> Card:
    return _set_status(actor, card, allowed_from={CardStatus.ACTIVE}, to=CardStatus.FROZEN, event=CARD_FROZEN,
                       reason=reason)


@transaction.atomic
def unfreeze(*, actor: User, card: Card, reason: str = "") -> Card:
    return _set_status(actor, card, allowed_from={CardStatus.FROZEN}, to=CardStatus.ACTIVE, event=CARD_UNFROZEN,
                       reason=reason)


def _move_balances(*, actor: User | None, old: Card, kind: str, to_card: Card | None, memo: str) -> Transaction | None:
    """One transaction emptying every non-zero wallet of ``old`` into ``to_card`` or back to the funds."""
    wallets = list(Wallet.objects.select_for_update().filter(card=old, balance__gt=0).order_by("pk"))
    if not wallets:
        return None
    txn = Transaction.objects.create(kind=kind, card=old, subdistrict_id=old.subdistrict_id, actor=actor, memo=memo)
    entries = []
    for wallet in wallets:
        entries.append(Entry(transaction=txn, wallet=wallet, amount=-wallet.balance, balance_after=0))
        if to_card is not None:
            target = Wallet.objects.select_for_update().get(card=to_card, kind=wallet.kind)
            Wallet.objects.filter(pk=target.pk).update(balance=F("balance") + wallet.balance)
            entries.append(Entry(transaction=txn, wallet=target, amount=wallet.balance,
                                 balance_after=target.balance + wallet.balance))
        else:
            account = system_account(old.subdistrict_id, RETURN_ACCOUNTS[WalletKind(wallet.kind)])
            entries.append(Entry(transaction=txn, account=account, amount=wallet.balance))
        Wallet.objects.filter(pk=wallet.pk).update(balance=0)
    rules.check_legs(kind, {(rules.wallet(e.wallet.kind), rules.wallet(e.wallet.kind) if to_card is not None
                             else rules.account(RETURN_ACCOUNTS[WalletKind(e.wallet.kind)]))
                            for e in entries if e.amount < 0 and e.wallet is not None})
    Entry.objects.bulk_create(entries)
    return txn


@transaction.atomic
def reissue_card(*, actor: User, card: Card, reason: str = "") -> Card:
    """A new card for the same person; the old one is cancelled and its balances move over."""
    old = _card_for_change(actor, card)
    if old.status == CardStatus.CANCELLED:
        raise Conflict(_("A cancelled card cannot be reissued."))
    person = Person.objects.get(pk=old.person_id)
    if person.status != PersonStatus.ACTIVE:
        raise Invalid(_("Cards are issued only to people living here."))
    before = old.status
    old.status = CardStatus.CANCELLED
    old.cancel_reason = CancelReason.REPLACED
    old.save(update_fields=["status", "cancel_reason", "status_changed_at"])
    new = _new_card(person=person, reissue_of=old)
    txn = _move_balances(actor=actor, old=old, kind=TransactionKind.TRANSFER, to_card=new,
                         memo=f"{old.number} → {new.number}")
    audit.record(actor=actor, event=CARD_REISSUED, obj=new, before={"card": old.number, "status": before},
                 after={"card": new.number, "transfer": txn.pk if txn else None}, reason=reason,
                 subdistrict_id=new.subdistrict_id)
    card_status_changed.send(sender=Card, card=old, before=before, after=old.status, actor=actor, replaced_by=new)
    return new


@transaction.atomic
def cancel_card(*, actor: User, card: Card, reason: str) -> Card:
    """On death, moving away or request: cash is paid out (refunds account), allowances go back to their funds."""
    if reason not in CancelReason.values or reason == CancelReason.REPLACED:
        raise Invalid(_("Choose why the card is cancelled."), field="reason")
    locked = _card_for_change(actor, card)
    if locked.status == CardStatus.CANCELLED:
        raise Conflict(_("The card is already cancelled."))
    before = locked.status
    locked.status = CardStatus.CANCELLED
    locked.cancel_reason = reason
    locked.save(update_fields=["status", "cancel_reason", "status_changed_at"])
    txn = _move_balances(actor=actor, old=locked, kind=TransactionKind.PAYOUT, to_card=None,
                         memo=str(CancelReason(reason).label))
    audit.record(actor=actor, event=CARD_CANCELLED, obj=locked, before={"status": before},
                 after={"status": locked.status, "payout": txn.pk if txn else None}, reason=reason,
                 subdistrict_id=locked.subdistrict_id)
    card_status_changed.send(sender=Card, card=locked, before=before, after=locked.status, actor=actor,
                             replaced_by=None)
    return locked


@transaction.atomic
def cancel_cards_of_departed() -> int:
    """System task: the live cards of people recorded as deceased or moved out are cancelled, their cash
    paid out and allowances returned, as :func:`cancel_card` does at the desk."""
    cancelled = 0
    departed = Card.objects.select_for_update().exclude(status=CardStatus.CANCELLED).filter(
        person__status__in=[PersonStatus.DECEASED, PersonStatus.MOVED_OUT]).select_related("person")
    for card in departed:
        reason = CancelReason.DEATH if card.person.status == PersonStatus.DECEASED else CancelReason.MOVED_AWAY
        before = card.status
        card.status, card.cancel_reason = CardStatus.CANCELLED, reason
        card.save(update_fields=["status", "cancel_reason", "status_changed_at"])
        txn = _move_balances(actor=None, old=card, kind=TransactionKind.PAYOUT, to_card=None,
                             memo=str(CancelReason(reason).label))
        audit.record(actor=None, event=CARD_CANCELLED, obj=card, before={"status": before},
                     after={"status": card.status, "payout": txn.pk if txn else None}, reason=reason,
                     subdistrict_id=card.subdistrict_id)
        card_status_changed.send(sender=Card, card=card, before=before, after=card.status, actor=None,
                                 replaced_by=None)
        cancelled += 1
    return cancelled


# ----------------------------------------------------------------------------------- accounts, terminals


@transaction.atomic
def open_account(*, actor: User, subdistrict: Subdistrict, kind: str, code: str = "", name: str = "") -> Account:
    _require(actor, Account, "add")
    if actor.subdistrict_id != subdistrict.pk:
        raise NotFound()
    if kind not in AccountKind.values:
        raise Invalid(_("Unknown account kind."), field="kind")
    code = code or kind
    account, created = Account.objects.get_or_create(
        subdistrict=subdistrict, code=code, defaults={"kind": kind, "name": name or str(AccountKind(kind).label)})
    if account.kind != kind:
        raise Conflict(_("An account with this code exists and is of another kind."), field="code")
    if created:
        audit.record(actor=actor, event=ACCOUNT_OPENED, obj=account, after={"kind": kind, "code": code},
                     subdistrict_id=subdistrict.pk)
    return account


@transaction.atomic
def register_terminal(*, actor: User, name: str, kind: str, account: Account,
                      neighborhood: Neighborhood | None = None) -> tuple[Terminal, str]:
    """A new device and its API token. Only the token's hash is kept: show the token once, now."""
    _require(actor, Terminal, "add")
    if kind not in TerminalKind.values:
        raise Invalid(_("Unknown terminal kind."), field="kind")
    if account.subdistrict_id != actor.subdistrict_id:
        raise NotFound()
    if account.kind != rules.TERMINALS[kind].account:
        raise Invalid(_("A %(terminal)s settles into an account of the kind %(kind)s.") % {
            "terminal": TerminalKind(kind).label, "kind": AccountKind(rules.TERMINALS[kind].account).label},
            field="account")
    token = secrets.token_urlsafe(32)
    user = User.objects.create(username=f"terminal-{secrets.token_hex(6)}", role=TERMINAL_ROLES[TerminalKind(kind)],
                               full_name=name, subdistrict_id=account.subdistrict_id,
                               neighborhood=neighborhood)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    terminal = Terminal.objects.create(name=name, kind=kind, account=account, user=user, token_hash=token_hash(token),
                                       subdistrict_id=account.subdistrict_id, neighborhood=neighborhood)
    audit.record(actor=actor, event=TERMINAL_REGISTERED, obj=terminal,
                 after={"kind": kind, "account": account.code, "user": user.username},
                 subdistrict_id=terminal.subdistrict_id)
    return terminal, token


@transaction.atomic
def platform_terminal(subdistrict_id: int, kind: str, name: str) -> Terminal:
    """The sub-district's own terminal of ``kind`` named ``name``, opened on first use, for postings the platform
    makes on a rule's word rather than at a desk: a care visit checked out at the elder's door banks the volunteer's
    minutes as a volunteer kiosk would, and may post nothing a kiosk may not. It has no usable API token (the one
    drawn is thrown away) and its service user cannot sign in; an administrator may deactivate it like any other."""
    Subdistrict.objects.select_for_update().get(pk=subdistrict_id)  # two first uses at once open one terminal
    found = Terminal.objects.filter(subdistrict_id=subdistrict_id, kind=kind, name=name,
                                    neighborhood__isnull=True).order_by("pk").first()
    if found is not None:
        return found
    account = system_account(subdistrict_id, rules.TERMINALS[kind].account)
    user = User.objects.create(username=f"terminal-{secrets.token_hex(6)}", role=TERMINAL_ROLES[TerminalKind(kind)],
                               full_name=name, subdistrict_id=subdistrict_id)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    terminal = Terminal.objects.create(name=name, kind=kind, account=account, user=user,
                                       token_hash=token_hash(secrets.token_urlsafe(32)), subdistrict_id=subdistrict_id)
    audit.record(actor=None, event=TERMINAL_REGISTERED, obj=terminal,
                 after={"kind": kind, "account": account.code, "user": user.username, "platform": True},
                 subdistrict_id=subdistrict_id)
    return terminal


@transaction.atomic
def deactivate_terminal(*, actor: User, terminal: Terminal) -> Terminal:
    _require(actor, Terminal, "change")
    found = get_visible(Terminal.objects.select_for_update(), actor, "change", pk=terminal.pk)
    found.is_active = False
    found.save(update_fields=["is_active"])
    User.objects.filter(pk=found.user_id).update(is_active=False)
    audit.record(actor=actor, event=TERMINAL_DEACTIVATED, obj=found, before={"is_active": True},
                 after={"is_active": False}, subdistrict_id=found.subdistrict_id)
    return found


# ---------------------------------------------------------------------------------------------- money


@transaction.atomic
def post(*, actor: User, kind: str, card: Card | None, legs: Sequence[Leg], idempotency_key: str = "",
         terminal: Terminal | None = None, memo: str = "", occurred_at: dt.datetime | None = None,
         operation: str = "") -> Transaction:
    """Post one balanced transaction touching ``card``'s wallets and system accounts (``card`` is None only
    for a movement between system accounts: cash counted into a box). ``operation`` says what it is for (a
    :class:`~shequ.cards.choices.Operation`); a terminal posts only its kind's. See the module docstring."""
    if kind not in TransactionKind.values or kind == TransactionKind.REVERSAL:
        raise Invalid(_("Unknown transaction kind."), field="kind")
    if len(legs) < 2 or sum(leg.amount for leg in legs) != 0:
        raise Invalid(_("The entries of a transaction must sum to zero."))
    for leg in legs:
        if (leg.account is None) == (not leg.wallet) or leg.amount == 0 or abs(leg.amount) > MAX_AMOUNT:
            raise Invalid(_("Each entry needs one wallet or one account and an amount."))
        if leg.wallet and (leg.wallet not in WalletKind.values or card is None):
            raise Invalid(_("Unknown wallet."), field="wallet")
    subdistrict_id = card.subdistrict_id if card is not None else next(
        leg.account.subdistrict_id for leg in legs if leg.account is not None)
    if operation and operation not in Operation.values:
        raise Invalid(_("Unknown operation."), field="operation")
    terminal = posting.check_place(actor, terminal, subdistrict_id, legs, kind, operation)
    key = posting.scoped_key(actor, terminal, idempotency_key)
    fingerprint = posting.fingerprint_of(kind, card, legs) if key else ""
    if key and (first := posting.replay(key, fingerprint)) is not None:
        return first
    try:
        # The key is claimed first: a concurrent retry waits here for the first request's outcome.
        with transaction.atomic():
            txn = Transaction.objects.create(
                kind=kind, card=card, subdistrict_id=subdistrict_id, actor=actor, terminal=terminal,
                idempotency_key=key, fingerprint=fingerprint, memo=memo[:200], occurred_at=occurred_at,
                operation=operation)
    except IntegrityError:
        if key and (first := posting.replay(key, fingerprint)) is not None:
            return first
        raise
    posting.apply(txn, card, legs, require_active=True)
    audit.record(actor=actor, event=TRANSACTION_POSTED, obj=txn,
                 after={"kind": kind, "card": card.number if card else None,
                        "terminal": terminal.pk if terminal else None,
                        "legs": [[leg.wallet or (leg.account.code if leg.account else ""), leg.amount]
                                 for leg in legs]},
                 subdistrict_id=subdistrict_id)
    txn.replayed = False  # type: ignore[attr-defined]
    return txn


def _desk_cash_box(actor: User, terminal: Terminal | None, subdistrict_id: int) -> tuple[Terminal | None, Account]:
    """The cash box a top-up draws on: a top-up desk's own; at the card desk (staff), the sub-district's."""
    desk = terminal_of(actor)
    if terminal is not None and (desk is None or desk.pk != terminal.pk):
        raise NotFound()
    if desk is not None:
        return desk, desk.account
    _require(actor, Card, "change")  # the card desk, not any till
    return None, system_account(subdistrict_id, AccountKind.CASH_BOX)


@transaction.atomic
def record_cash(*, actor: User, amount_fen: int, idempotency_key: str = "", terminal: Terminal | None = None,
                cash_box: Account | None = None, memo: str = "") -> Transaction:
    """Notes counted into a cash box: the box gains what the clerk took in, from the cash-intake account
    (an overdraft account with a daily limit). Top-ups can then draw on the box, never beyond it."""
    amount = posting.amount_of(amount_fen)
    if actor.subdistrict_id is None:
        raise NotFound()
    desk, box = _desk_cash_box(actor, terminal, actor.subdistrict_id)
    if cash_box is not None and cash_box.pk != box.pk:
        # Staff may count cash into another box of their sub-district; a desk only into its own.
        if desk is not None or cash_box.kind != AccountKind.CASH_BOX or cash_box.subdistrict_id != box.subdistrict_id:
            raise NotFound()
        box = cash_box
    intake = system_account(box.subdistrict_id, AccountKind.CASH_INTAKE)
    return post(actor=actor, kind=TransactionKind.CASH_IN, card=None, idempotency_key=idempotency_key,
                terminal=desk, memo=memo, operation=Operation.CASH_IN,
                legs=[Leg(amount=amount, account=box), Leg(amount=-amount, account=intake)])


@transaction.atomic
def top_up(*, actor: User, card: Card, amount_fen: int, idempotency_key: str = "", terminal: Terminal | None = None,
           memo: str = "") -> Transaction:
    """Cash paid in at a desk: the cash wallet gains, the desk's cash box pays, and a slip records it.

    A top-up desk draws on its own box, which holds only what was counted into it (:func:`record_cash`). At
    the card desk the clerk counts the holder's notes in and tops up from them in the same action."""
    amount = posting.amount_of(amount_fen)
    desk, box = _desk_cash_box(actor, terminal, card.subdistrict_id)
    legs = [Leg(amount=amount, wallet=WalletKind.CASH), Leg(amount=-amount, account=box)]
    key = posting.scoped_key(actor, desk, idempotency_key)
    if key and (first := posting.replay(key, posting.fingerprint_of(TransactionKind.TOP_UP, card, legs))) is not None:
        return first
    if desk is None:
        locks.lock_card(card)  # the card before any account: the one lock order
        record_cash(actor=actor, amount_fen=amount, cash_box=box, memo=memo or card.number,
                    idempotency_key=f"cash-in:{token_hash(idempotency_key.strip())[:40]}" if key else "")
    txn = post(actor=actor, kind=TransactionKind.TOP_UP, card=card, idempotency_key=idempotency_key,
               terminal=desk, memo=memo, legs=legs, operation=Operation.TOP_UP)
    if not getattr(txn, "replayed", False):
        TopUpSlip.objects.create(subdistrict_id=card.subdistrict_id, card=card, terminal=desk, clerk=actor,
                                 amount_fen=amount, transaction=txn)
    return txn


def pay(*, actor: User, card: Card, wallet: str, amount_fen: int, counter_account: Account,
        idempotency_key: str = "", terminal: Terminal | None = None, memo: str = "",
        occurred_at: dt.datetime | None = None, operation: str = "") -> Transaction:
    """The card pays ``amount_fen`` from one wallet to ``counter_account`` (a canteen, the charity shop …)."""
    amount = posting.amount_of(amount_fen)
    return post(actor=actor, kind=TransactionKind.PAYMENT, card=card, idempotency_key=idempotency_key,
                terminal=terminal, memo=memo, occurred_at=occurred_at, operation=operation,
                legs=[Leg(amount=-amount, wallet=wallet), Leg(amount=amount, account=counter_account)])


def credit(*, actor: User, card: Card, wallet: str, amount_fen: int, counter_account: Account,
           idempotency_key: str = "", terminal: Terminal | None = None, memo: str = "",
           occurred_at: dt.datetime | None = None, operation: str = "") -> Transaction:
    """The card receives ``amount_fen`` into one wallet from ``counter_account`` (subsidy fund, time bank …)."""
    amount = posting.amount_of(amount_fen)
    return post(actor=actor, kind=TransactionKind.CREDIT, card=card, idempotency_key=idempotency_key,
                terminal=terminal, memo=memo, occurred_at=occurred_at, operation=operation,
                legs=[Leg(amount=amount, wallet=wallet), Leg(amount=-amount, account=counter_account)])


def _reverses_own(actor: User, original: Transaction) -> bool:
    """Staff at a till undo their own till's postings as the till itself may (a canteen operator voids the meal
    she just rang up): the operation must be one a kind of till reverses, and she must have posted it."""
    return original.actor_id == actor.pk and original.terminal_id is None and any(
        rule.reverses_own and original.operation in rule.operations for rule in rules.TERMINALS.values())


@transaction.atomic
def reverse(*, actor: User, transaction: Transaction, reason: str, idempotency_key: str = "",
            terminal: Terminal | None = None) -> Transaction:
    """A new transaction with every entry of ``transaction`` negated. Refused if a wallet would go below zero
    (the money was already spent) or if it was reversed before."""
    original = Transaction.objects.select_related("card").get(pk=transaction.pk)
    if original.kind == TransactionKind.REVERSAL:
        raise Conflict(_("A reversal cannot itself be reversed; post a new transaction."))
    if not reason.strip():
        raise Invalid(_("Give a reason for the correction."), field="reason")
    card = original.card
    if card is None:
        raise Invalid(_("Only card transactions can be reversed here."))
    legs = [Leg(amount=-e.amount, wallet=e.wallet.kind if e.wallet else "", account=e.account)
            for e in original.entries.select_related("wallet", "account")]
    if any(e.wallet is not None and e.wallet.card_id != card.pk for e in original.entries.select_related("wallet")):
        raise Conflict(_("This transaction moved value between cards and cannot be reversed here."))
    terminal = posting.check_place(actor, terminal, card.subdistrict_id, legs, TransactionKind.REVERSAL,
                                   original.operation, reverses=original)
    if terminal is None:
        if not _reverses_own(actor, original):
            _require(actor, Transaction, "change")
    elif original.terminal_id != terminal.pk:
        raise NotFound()
    key = posting.scoped_key(actor, terminal, idempotency_key)
    fingerprint = posting.fingerprint_of(TransactionKind.REVERSAL, card, legs, extra=str(original.pk)) if key else ""
    if key and (first := posting.replay(key, fingerprint)) is not None:
        return first
    try:
        with db_transaction.atomic():
            txn = Transaction.objects.create(
                kind=TransactionKind.REVERSAL, card=card, subdistrict_id=original.subdistrict_id, actor=actor,
                terminal=terminal, idempotency_key=key, fingerprint=fingerprint, memo=reason[:200], reverses=original,
                operation=original.operation)
    except IntegrityError:
        if key and (first := posting.replay(key, fingerprint)) is not None:
            return first
        raise Conflict(_("This transaction has already been reversed.")) from None
    posting.apply(txn, card, legs, require_active=False)
    audit.record(actor=actor, event=TRANSACTION_REVERSED, obj=txn, before={"transaction": original.pk},
                 after={"reversal": txn.pk}, reason=reason, subdistrict_id=original.subdistrict_id)
    txn.replayed = False  # type: ignore[attr-defined]
    return txn


# Desk look-ups (library, charity shop, volunteers) ---------------------------------------------------------

DESK_LOOKUP = "cards.desk_lookup"


@db_transaction.atomic
def record_desk_lookup(*, actor: User, desk: str, kind: str, results: int, person: Person | None = None,
                       refused: bool = False) -> None:
    """The audit row of one desk look-up (see :mod:`shequ.cards.queries`): which desk asked, what kind of query
    (card, name, pinyin, pick, or a refused phone or ID number) and how many holders it returned. The query
    text is not kept: a phone or ID number typed at a desk must not reach the log."""
    audit.record(actor=actor, event=DESK_LOOKUP, obj=person,
                 after={"desk": desk, "kind": kind, "results": results, **({"refused": True} if refused else {})})
