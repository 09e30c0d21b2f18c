from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "shequ.dashboard"
    label = "dashboard"
    verbose_name = _("Leadership dashboard")

    def ready(self) -> None:
        # The app registers its own kind of background task, as it declares its own surfaces.
        from shequ.core.tasks import TASK_KINDS
        from shequ.dashboard.tasks import REPORT_KIND

        TASK_KINDS[REPORT_KIND.name] = REPORT_KIND
