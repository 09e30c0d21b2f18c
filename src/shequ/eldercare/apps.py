from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "shequ.eldercare"
    label = "eldercare"
    verbose_name = _("Eldercare")

    def ready(self) -> None:
        # The care roll follows the registry at once: who moved out or died leaves it (the daily refresh too).
        from shequ.eldercare.actions import roll

        roll.connect()
