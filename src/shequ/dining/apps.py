from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiningConfig(AppConfig):
    name = "shequ.dining"
    label = "dining"
    verbose_name = _("Elderly dining")
