"""What the demo keeps for itself: the texts it delivered, so that a visitor can read them on the demo's phone
page (``/demo/texts/``) instead of in the server log."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoText(models.Model):
    """A text the demo's SMS backend delivered. Only the masked number is kept: the page is public in the demo."""

    sent_at = models.DateTimeField(_("time sent"), auto_now_add=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=32)
    text = models.TextField(_("text message"))

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("demo text")
        verbose_name_plural = _("demo texts")

    def __str__(self) -> str:
        return f"{self.phone_masked}: {self.text[:30]}"
