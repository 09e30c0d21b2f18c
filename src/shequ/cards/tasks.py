"""Background jobs of the card ledger, run by ``shequ worker`` (see shequ.core.tasks)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from shequ.cards import actions
from shequ.cards.reconciliation import check_books
from shequ.core import audit, outbox
from shequ.core.models import Subdistrict, User
from shequ.core.roles import Role

logger = logging.getLogger("shequ.cards")

BOOKS_BALANCED = "cards.books_balanced"
BOOKS_UNBALANCED = "cards.books_unbalanced"


@transaction.atomic
def reconcile_books() -> int:
    """Nightly proof that the books balance, kept in the audit log of every sub-district. A mismatch is an
    alarm: logged as an error and sent by SMS to every administrator with a phone. Returns the problem count."""
    report = check_books()
    problems = report.problems()
    figures = {"entries": report.entries, "transactions": report.transactions, "total": report.total}
    for subdistrict_id in Subdistrict.objects.values_list("pk", flat=True):
        audit.record(actor=None, event=BOOKS_BALANCED if report.ok else BOOKS_UNBALANCED,
                     after={**figures, "problems": problems[:50]}, subdistrict_id=subdistrict_id)
    if problems:
        logger.error("ledger reconciliation failed: %s", "; ".join(problems[:20]))
        text = f"【社区一卡通】对账不平：{len(problems)} 处问题，请立即核查。"
        for admin in User.objects.filter(role=Role.ADMIN, is_active=True):
            # Once a day: a worker restarted in the day runs this job again.
            outbox.enqueue(channel="sms", to=admin.phone, text=text, event=BOOKS_UNBALANCED, sensitive=False,
                           subdistrict_id=admin.subdistrict_id,
                           dedupe_key=f"cards.books_unbalanced:{timezone.localdate()}")
    return len(problems)


def cancel_cards_of_departed() -> int:
    return actions.cancel_cards_of_departed()
