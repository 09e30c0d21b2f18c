from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def meals_match_the_ledger() -> list[str]:
    """Canteen tills (and canteen staff): each meal payment has its meal, at its price."""
    from shequ.cards.choices import Operation
    from shequ.cards.reconciliation import match_operation
    from shequ.dining.models import Meal

    return match_operation(Operation.MEAL, Meal.objects.values_list("transaction_id", "price_fen"), "meal")


class DiningConfig(AppConfig):
    name = "shequ.dining"
    label = "dining"
    verbose_name = _("Elderly dining")

    def ready(self) -> None:
        from shequ.cards.choices import TerminalKind
        from shequ.cards.reconciliation import EXTRA_CHECKS, TERMINAL_CHECKS
        from shequ.dining.queries import unreconciled_canteens

        TERMINAL_CHECKS[TerminalKind.CANTEEN_TILL] = meals_match_the_ledger
        if unreconciled_canteens not in EXTRA_CHECKS:
            EXTRA_CHECKS.append(unreconciled_canteens)
