from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def sales_match_the_ledger() -> list[str]:
    """Charity tills (and the shop's clerks): each sale paid in points has its ledger payment, for its points."""
    from shequ.cards.choices import Operation
    from shequ.cards.reconciliation import match_operation
    from shequ.charity.models import Sale

    return match_operation(Operation.SALE, Sale.objects.exclude(ledger_reference="")
                           .values_list("ledger_reference", "points_paid"), "sale")


class CharityConfig(AppConfig):
    name = "shequ.charity"
    label = "charity"
    verbose_name = _("Charity shop")

    def ready(self) -> None:
        from shequ.cards.choices import TerminalKind
        from shequ.cards.reconciliation import TERMINAL_CHECKS

        TERMINAL_CHECKS[TerminalKind.CHARITY_TILL] = sales_match_the_ledger
