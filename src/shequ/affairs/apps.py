from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AffairsConfig(AppConfig):
    name = "shequ.affairs"
    label = "affairs"
    verbose_name = _("One-window service centre")

    def ready(self) -> None:
        # The assessment's SQLite median must be on every connection, including those opened before the
        # assessment module is first imported (a server opens one for the session on the first request).
        from shequ.affairs import assessment  # noqa: F401  (connects the connection_created handler)
