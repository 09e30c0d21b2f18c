"""Background jobs of the card ledger, run by ``shequ worker`` (see shequ.core.tasks)."""

from __future__ import annotations

import logging

from django.db import transaction

from shequ.cards import actions
from shequ.cards.reconciliation import check_books
from shequ.core import audit
from shequ.core.models import Subdistrict, User
from shequ.core.roles import Role
from shequ.core.sms import send_sms

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
        phones = [u.phone for u in User.objects.filter(role=Role.ADMIN, is_active=True) if u.phone]

        def alarm() -> None:
            for phone in phones:
                send_sms(phone, text)

        transaction.on_commit(alarm)
    return len(problems)


def cancel_cards_of_departed() -> int:
    return actions.cancel_cards_of_departed()
