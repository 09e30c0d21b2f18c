from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "shequ.sites"
    label = "sites"
    verbose_name = _("Compound websites and owners' votes")
