from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "shequ.safety"
    label = "safety"
    verbose_name = _("Safety")

    def ready(self) -> None:
        # Door credentials follow the registry and the card office (moves, deaths, lost and reissued cards).
        from shequ.safety.actions import credentials

        credentials.connect()

        # Closing an emergency request in the service centre closes its incident.
        from shequ.affairs.signals import request_closed
        from shequ.safety.emergency import on_request_closed

        request_closed.connect(on_request_closed, dispatch_uid="safety.incident_follows_request")
