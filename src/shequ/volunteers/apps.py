from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def shifts_match_the_time_bank() -> list[str]:
    """Volunteer kiosks (and coordinators): each shift's banked minutes have their sign-up, for its minutes."""
    from shequ.cards.choices import Operation
    from shequ.cards.reconciliation import match_operation
    from shequ.volunteers.models import SignUp

    return match_operation(Operation.SHIFT, SignUp.objects.exclude(ledger_reference="")
                           .values_list("ledger_reference", "minutes_credited"), "sign-up")


class VolunteersConfig(AppConfig):
    name = "shequ.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from shequ.cards.choices import TerminalKind
        from shequ.cards.reconciliation import TERMINAL_CHECKS

        TERMINAL_CHECKS[TerminalKind.VOLUNTEER_KIOSK] = shifts_match_the_time_bank
