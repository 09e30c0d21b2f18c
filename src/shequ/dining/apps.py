from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiningConfig(AppConfig):
    name = "shequ.dining"
    label = "dining"
    verbose_name = _("Elderly dining")

    def ready(self) -> None:
        from shequ.cards.reconciliation import EXTRA_CHECKS
        from shequ.dining.queries import unreconciled_canteens

        if unreconciled_canteens not in EXTRA_CHECKS:
            EXTRA_CHECKS.append(unreconciled_canteens)
