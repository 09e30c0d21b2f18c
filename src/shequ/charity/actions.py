"""Every write of the charity shop: goods, donations with receipts, stock counts, sales, monthly allowances.

Keyword-only with an ``actor``, one durable transaction each, the audit row written inside it (the monthly
allowance is a run of short ones, one per household: see :func:`grant_monthly_allowance`). Stock moves only
by appending StockMovement rows through :func:`_move`; points move in the card ledger through :mod:`seams`
(cash is taken at the till in notes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.cards import actions as card_actions
from shequ.cards import queries as card_queries
from shequ.cards.models import Card
from shequ.charity import seams
from shequ.charity.choices import ELIGIBLE_TAGS, MovementKind
from shequ.charity.models import (
    Allowance,
    AllowanceRun,
    Donation,
    DonationLine,
    Sale,
    SaleLine,
    StockItem,
    StockMovement,
)
from shequ.core import audit, idempotency
from shequ.core.crypto import normalize_phone
from shequ.core.errors import Conflict, Invalid, NotFound
from shequ.core.models import User
from shequ.core.scopes import can
from shequ.population.models import Household, Person
from shequ.population.queries import household_representative, households_with_tags, people_served_in

ITEM_ADDED = "charity.item_added"
DONATION_RECEIVED = "charity.donation_received"
STOCK_ADJUSTED = "charity.stock_adjusted"
SALE_MADE = "charity.sale_made"
ALLOWANCE_GRANTED = "charity.allowance_granted"

Lines = Sequence[tuple[StockItem, int]]


def _require(actor: User, model: type, action: str) -> int:
    """The actor's sub-district (the shop she works for), if her role may do this."""
    if not can(actor, model, action) or actor.is_resident or actor.subdistrict_id is None:
        raise NotFound()
    return actor.subdistrict_id


def _items(subdistrict_id: int, lines: Lines) -> list[tuple[StockItem, int]]:
    """The lines' items locked in id order (two tills never deadlock), each of this shop, quantities positive."""
    wanted: dict[int, int] = {}
    for item, quantity in lines:
        if quantity <= 0:
            raise Invalid(_("Quantities must be at least 1."), field="lines")
        wanted[item.pk] = wanted.get(item.pk, 0) + quantity
    if not wanted:
        raise Invalid(_("Add at least one item."), field="lines")
    locked = {item.pk: item for item in StockItem.objects.select_for_update().filter(
        pk__in=wanted, subdistrict_id=subdistrict_id).order_by("pk")}
    if len(locked) != len(wanted):
        raise NotFound(_("Unknown item."), field="lines")
    return [(locked[pk], quantity) for pk, quantity in sorted(wanted.items())]


def _move(*, actor: User, item: StockItem, quantity: int, kind: str, donation: Donation | None = None,
          sale: Sale | None = None, reason: str = "") -> None:
    StockMovement.objects.create(item=item, subdistrict_id=item.subdistrict_id, kind=kind, quantity=quantity,
                                 by=actor, donation=donation, sale=sale, reason=reason)
    try:
        with transaction.atomic():
            StockItem.objects.filter(pk=item.pk).update(on_hand=F("on_hand") + quantity)
    except IntegrityError as exc:  # the CHECK on_hand >= 0
        raise Conflict(_("Only %(n)d %(unit)s of %(item)s in stock.")
                       % {"n": item.on_hand, "unit": item.unit, "item": item.name}, field="lines") from exc
    item.on_hand += quantity


@transaction.atomic(durable=True)
def add_item(*, actor: User, name: str, unit: str = "件", price_fen: int = 0) -> StockItem:
    subdistrict_id = _require(actor, StockItem, "add")
    name = name.strip()
    if not name:
        raise Invalid(_("A name is required."), field="name")
    if price_fen < 0:
        raise Invalid(_("The price cannot be negative."), field="price_fen")
    if StockItem.objects.filter(subdistrict_id=subdistrict_id, name=name).exists():
        raise Conflict(_("%(name)s is already a stock item.") % {"name": name}, field="name")
    item = StockItem.objects.create(subdistrict_id=subdistrict_id, name=name, unit=unit.strip() or "件",
                                    price_fen=price_fen)
    audit.record(actor=actor, event=ITEM_ADDED, obj=item, after={"name": name, "price_fen": price_fen})
    return item


@transaction.atomic(durable=True)
def receive_donation(*, actor: User, donor_name: str, lines: Lines, donor_phone: str = "", note: str = "",
                     ) -> Donation:
    """Goods received: stock goes up, and the donation gets its receipt number (捐赠收据)."""
    subdistrict_id = _require(actor, Donation, "add")
    donor_name = donor_name.strip()
    if not donor_name:
        raise Invalid(_("Name the donor (or write 匿名 for an anonymous gift)."), field="donor_name")
    items = _items(subdistrict_id, lines)
    donation = Donation.objects.create(subdistrict_id=subdistrict_id, donor_name=donor_name,
                                       donor_phone=normalize_phone(donor_phone), received_by=actor, note=note.strip())
    # The number comes from the row's own id, so two clerks at once never share one.
    donation.receipt_number = f"JZ{timezone.localdate():%Y}{donation.pk:07d}"
    donation.save(update_fields=["receipt_number"])
    for item, quantity in items:
        DonationLine.objects.create(donation=donation, item=item, quantity=quantity)
        _move(actor=actor, item=item, quantity=quantity, kind=MovementKind.DONATION, donation=donation)
    audit.record(actor=actor, event=DONATION_RECEIVED, obj=donation,
                 after={"receipt": donation.receipt_number, "donor": donor_name,
                        "lines": [[item.pk, quantity] for item, quantity in items]})
    return donation


@transaction.atomic(durable=True)
def adjust_stock(*, actor: User, item: StockItem, quantity: int, reason: str,
                 kind: str = MovementKind.ADJUSTMENT) -> StockItem:
    """A stock count that differs, or goods written off: a signed movement with the reason."""
    subdistrict_id = _require(actor, StockItem, "change")
    if kind not in (MovementKind.ADJUSTMENT, MovementKind.WRITE_OFF):
        raise Invalid(_("Unknown kind of adjustment."), field="kind")
    if quantity == 0 or (kind == MovementKind.WRITE_OFF and quantity > 0):
        raise Invalid(_("Give the change in stock (a write-off takes goods out)."), field="quantity")
    if not reason.strip():
        raise Invalid(_("Say why the stock changes."), field="reason")
    ((item, _n),) = _items(subdistrict_id, [(item, 1)])
    before = item.on_hand
    _move(actor=actor, item=item, quantity=quantity, kind=kind, reason=reason.strip())
    audit.record(actor=actor, event=STOCK_ADJUSTED, obj=item, before={"on_hand": before},
                 after={"on_hand": item.on_hand, "kind": kind}, reason=reason)
    return item


def _sale_fingerprint(buyer: Person, lines: Lines, points: int) -> str:
    wanted: dict[int, int] = {}
    for item, quantity in lines:
        wanted[item.pk] = wanted.get(item.pk, 0) + quantity
    return idempotency.fingerprint(buyer.pk, sorted(wanted.items()), points)


def _earlier_sale(key: str | None, fingerprint: str) -> Sale | None:
    """The sale this key already made (a retry gets it back); another sale under the same key is refused."""
    return idempotency.replay(Sale.objects.all(), key, fingerprint,
                              conflict=_("This idempotency key was already used for a different sale."))


@transaction.atomic(durable=True)
def sell(*, actor: User, buyer: Person, lines: Lines, points: int, idempotency_key: str = "") -> Sale:
    """Goods to a resident: ``points`` are taken from her charity points, the rest of the price is cash.

    With ``idempotency_key`` a repeated request (same clerk or till, same key, same buyer, goods and points)
    returns the first sale, with ``sale.replayed = True``; the same key with other contents is a Conflict.
    Locks follow :mod:`shequ.cards.locks`: the buyer's card first (never her person row), then the goods."""
    subdistrict_id = _require(actor, Sale, "add")
    buyer_row = people_served_in(subdistrict_id).filter(pk=buyer.pk).first()
    if buyer_row is None:
        raise NotFound(_("This resident is not registered in the sub-district."), field="buyer")
    key = idempotency.scoped_key(idempotency_key, f"u{actor.pk}") or None
    fingerprint = _sale_fingerprint(buyer_row, lines, points) if key else ""
    if (earlier := _earlier_sale(key, fingerprint)) is not None:
        return earlier
    card = card_queries.active_card_of(buyer_row) if points else None
    if card is not None:
        # Her card's lock serialises her purchases: two tills cannot spend the same points twice.
        card_actions.lock_card(card)
    items = _items(subdistrict_id, lines)
    # Asked again under the locks: a retry that raced the first request waited above for it to commit.
    if (earlier := _earlier_sale(key, fingerprint)) is not None:
        return earlier
    total = sum(item.price_fen * quantity for item, quantity in items)
    if points < 0 or points > total:
        raise Invalid(_("Points must be between 0 and the total, %(total)d.") % {"total": total}, field="points")
    if points and card is None:
        raise Conflict(_("%(name)s has no active resident card; paying with points needs one.")
                       % {"name": buyer_row.name}, field="points")
    # A friendly refusal before any stock moves; the ledger enforces the same under the card's lock.
    balance = seams.points_balance(buyer_row)
    if points > balance:
        raise Conflict(_("Only %(n)d points left.") % {"n": balance}, field="points")
    try:
        with transaction.atomic():
            sale = Sale.objects.create(subdistrict_id=subdistrict_id, buyer=buyer_row, sold_by=actor, total_fen=total,
                                       points_paid=points, cash_fen=total - points, idempotency_key=key,
                                       fingerprint=fingerprint)
    except IntegrityError:
        if (earlier := _earlier_sale(key, fingerprint)) is not None:
            return earlier
        raise
    for item, quantity in items:
        SaleLine.objects.create(sale=sale, item=item, quantity=quantity, unit_price_fen=item.price_fen)
        _move(actor=actor, item=item, quantity=-quantity, kind=MovementKind.SALE, sale=sale)
    sale.ledger_reference = seams.post_sale_payment(actor=actor, person=buyer_row, points=points,
                                                    reference=f"charity-sale-{sale.pk}")
    sale.save(update_fields=["ledger_reference"])
    audit.record(actor=actor, event=SALE_MADE, obj=sale,
                 after={"buyer": buyer_row.pk, "total_fen": total, "points": points, "cash_fen": sale.cash_fen,
                        "lines": [[item.pk, quantity] for item, quantity in items]})
    sale.replayed = False  # type: ignore[attr-defined]
    return sale


def _allowance_recipient(household: Household) -> tuple[Person | None, Card | None]:
    """Who receives the household's points: its representative if she has an active card, else the first
    member who has one (points are the household's); with no card in the household, the representative."""
    representative = household_representative(household)
    if representative is None:
        return None, None
    members = [representative, *people_served_in(household.subdistrict_id).filter(household=household)
               .exclude(pk=representative.pk).order_by("birth_date", "id")]
    for member in members:
        if (card := card_queries.active_card_of(member)) is not None:
            return member, card
    return representative, None


def grant_monthly_allowance(*, actor: User, month: dt.date, points_per_household: int,
                            tags: Sequence[str] = ELIGIBLE_TAGS) -> AllowanceRun:
    """Points for every household of the sub-district with a member carrying an eligible tag, once a month.

    Not one transaction: the run is opened, then each household is granted in its own short transaction
    (its card locked only for that moment, so a sale at the till is never held up by the whole run), then the
    run is closed. Each household is granted at most once per month, whoever runs it and however often: an
    interrupted run is finished by the next attempt with the same points and tags, and two runs at once
    share the work. A completed month is refused."""
    run = _open_run(actor=actor, month=month, points_per_household=points_per_household, tags=tags)
    for household in households_with_tags(run.subdistrict_id, list(run.tags)):
        _grant_household(actor=actor, run=run, household=household)
    return _close_run(actor=actor, run=run)


def _already_granted(month: dt.date) -> Conflict:
    return Conflict(_("The allowance for %(month)s has already been granted.") % {"month": f"{month:%Y-%m}"})


@transaction.atomic(durable=True)
def _open_run(*, actor: User, month: dt.date, points_per_household: int, tags: Sequence[str]) -> AllowanceRun:
    subdistrict_id = _require(actor, AllowanceRun, "add")
    month = month.replace(day=1)
    if points_per_household <= 0:
        raise Invalid(_("Give the points per household."), field="points_per_household")
    unknown = set(tags) - set(ELIGIBLE_TAGS)
    if not tags or unknown:
        raise Invalid(_("Choose the tags that make a household eligible."), field="tags")
    try:
        with transaction.atomic():
            run, _created = AllowanceRun.objects.get_or_create(
                subdistrict_id=subdistrict_id, month=month,
                defaults={"granted_by": actor, "points_per_household": points_per_household, "tags": sorted(tags)})
    except IntegrityError:  # a run opened it a moment ago: share its work
        run = AllowanceRun.objects.get(subdistrict_id=subdistrict_id, month=month)
    if run.completed_at is not None:
        raise _already_granted(month)
    if run.points_per_household != points_per_household or sorted(run.tags) != sorted(tags):
        raise Conflict(_("The allowance for %(month)s is being granted with other points or tags; finish it with "
                         "%(points)d points for %(tags)s.") % {"month": f"{month:%Y-%m}",
                                                              "points": run.points_per_household,
                                                              "tags": ", ".join(run.tags)})
    return run


@transaction.atomic(durable=True)
def _grant_household(*, actor: User, run: AllowanceRun, household: Household) -> Allowance | None:
    """One household's points for the run's month, in its own transaction; None if it was granted already."""
    if Allowance.objects.filter(run=run, household=household).exists():
        return None
    recipient, card = _allowance_recipient(household)
    if recipient is None:
        return None
    if card is not None:
        card_actions.lock_card(card)
        # A concurrent run that held the card a moment ago may have granted this household.
        if Allowance.objects.filter(run=run, household=household).exists():
            return None
    try:
        with transaction.atomic():
            # Points can only be held on a card: a household with none is listed with none granted, so the
            # clerk can see who to invite to the card desk; next month's run includes them once they have one.
            allowance = Allowance.objects.create(run=run, household=household, recipient=recipient,
                                                 subdistrict_id=run.subdistrict_id,
                                                 points=run.points_per_household if card else 0)
    except IntegrityError:  # granted by a concurrent run
        return None
    if card is not None:
        allowance.ledger_reference = seams.post_points_credit(
            actor=actor, card=card, points=run.points_per_household, reference=f"charity-allowance-{allowance.pk}")
        allowance.save(update_fields=["ledger_reference"])
    return allowance


@transaction.atomic(durable=True)
def _close_run(*, actor: User, run: AllowanceRun) -> AllowanceRun:
    locked = AllowanceRun.objects.select_for_update().get(pk=run.pk)
    if locked.completed_at is not None:  # the other of two concurrent runs closed it
        return locked
    locked.completed_at = timezone.now()
    locked.save(update_fields=["completed_at"])
    granted = Allowance.objects.filter(run=locked, points__gt=0).count()
    skipped = Allowance.objects.filter(run=locked, points=0).count()
    audit.record(actor=actor, event=ALLOWANCE_GRANTED, obj=locked,
                 after={"month": locked.month, "households": granted, "no_card": skipped,
                        "points": locked.points_per_household, "tags": sorted(locked.tags)})
    return locked


SALE_VOIDED = "charity.sale_voided"


class NotVoidable(Conflict):
    code = "not_voidable"
    default_message = gettext_lazy("Only the last sale made at this till today can be voided.")


def last_sale_at_till(actor: User) -> Sale | None:
    """The last sale ``actor`` made (voided or not): the only one her till may void."""
    return Sale.objects.filter(sold_by=actor).order_by("-sold_at", "-pk").first()


@transaction.atomic(durable=True)
def void_sale(*, actor: User, sale: Sale, reason: str, idempotency_key: str = "") -> Sale:
    """Undo the last sale this clerk made at her till today: the points she paid go back to her card (a ledger
    reversal), the goods go back in stock (a movement per line), the sale is marked voided; cash paid in
    notes is handed back at the counter. With ``idempotency_key`` a retry returns the voided sale
    (``replayed``); a second void, an older sale or another clerk's sale is refused."""
    subdistrict_id = _require(actor, Sale, "add")
    if sale.subdistrict_id != subdistrict_id:
        raise NotFound()
    if not reason.strip():
        raise Invalid(_("Say why the sale is voided."), field="reason")
    scoped = idempotency.scoped_key(idempotency_key, f"u{actor.pk}")
    card = card_queries.live_card_of(sale.buyer) if sale.points_paid else None
    if card is not None:
        card_actions.lock_card(card)  # the card first: the one lock order of shequ.cards.locks
    locked = Sale.objects.select_for_update().get(pk=sale.pk)
    if locked.voided_at is not None:
        if scoped and locked.void_key == scoped:
            locked.replayed = True  # type: ignore[attr-defined]
            return locked
        raise NotVoidable(_("This sale was already voided at %(time)s.") % {
            "time": timezone.localtime(locked.voided_at).strftime("%H:%M")})
    if locked.sold_by_id != actor.pk:
        raise NotVoidable(_("This sale was made by someone else; only her own till can void it."))
    last = last_sale_at_till(actor)
    if last is None or last.pk != locked.pk:
        raise NotVoidable()
    if timezone.localdate(locked.sold_at) != timezone.localdate():
        raise NotVoidable(_("Only a sale of today can be voided at the till."))
    reversal = seams.reverse_sale_payment(actor=actor, reference=locked.ledger_reference, reason=reason.strip(),
                                          idempotency_key=f"void-sale-{locked.pk}")
    lines = list(locked.lines.order_by("item_id"))
    items = {item.pk: item for item in StockItem.objects.select_for_update().filter(
        pk__in=[line.item_id for line in lines]).order_by("pk")}
    for line in lines:
        _move(actor=actor, item=items[line.item_id], quantity=line.quantity, kind=MovementKind.VOID, sale=locked,
              reason=reason.strip())
    locked.voided_at = timezone.now()
    locked.voided_by = actor
    locked.void_key = scoped
    locked.save(update_fields=["voided_at", "voided_by", "void_key"])
    audit.record(actor=actor, event=SALE_VOIDED, obj=locked, reason=reason.strip(),
                 before={"ledger": locked.ledger_reference},
                 after={"reversal": reversal or None, "points": locked.points_paid,
                        "cash_fen": locked.cash_fen, "lines": [[line.item_id, line.quantity] for line in lines]})
    locked.replayed = False  # type: ignore[attr-defined]
    return locked
