from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def loans_move_no_money() -> list[str]:
    """Library desks lend and take back books: the ledger holds nothing any library desk posted."""
    from django.db.models import Q

    from shequ.cards.choices import TerminalKind
    from shequ.cards.models import Transaction

    posted = Transaction.objects.filter(Q(terminal__kind=TerminalKind.LIBRARY_DESK)
                                        | Q(actor__terminal__kind=TerminalKind.LIBRARY_DESK))
    return [f"transaction {pk} was posted by a library desk; a loan moves no money"
            for pk in posted.values_list("pk", flat=True)[:20]]


class LibraryConfig(AppConfig):
    name = "shequ.library"
    label = "library"
    verbose_name = _("Community library")

    def ready(self) -> None:
        from shequ.cards.choices import TerminalKind
        from shequ.cards.reconciliation import TERMINAL_CHECKS

        TERMINAL_CHECKS[TerminalKind.LIBRARY_DESK] = loans_move_no_money
