from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "shequ.eldercare"
    label = "eldercare"
    verbose_name = _("Eldercare")

    def ready(self) -> None:
        # The care roll follows the registry at once: who moved out or died leaves it (the daily refresh too).
        from shequ.affairs.signals import request_closed
        from shequ.eldercare.actions import alerts, roll
        from shequ.safety.signals import alarm_raised

        roll.connect()
        # A smoke alarm or one-button call in an elder's home opens her alert at once, with the alarm.
        alarm_raised.connect(alerts.on_alarm_raised, dispatch_uid="eldercare.on_alarm_raised")
        request_closed.connect(alerts.on_request_closed, dispatch_uid="eldercare.on_request_closed")
