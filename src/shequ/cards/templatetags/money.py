"""``{{ fen|yuan }}`` → 12.50; ``{{ amount|wallet_amount:kind }}`` → yuan, or hours for the time bank."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    value = int(fen or 0)
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


@register.filter
def wallet_amount(amount: Any, kind: str) -> str:
    if kind == "time_bank":
        minutes = int(amount or 0)
        return _("%(hours)s h %(minutes)s min") % {"hours": minutes // 60, "minutes": minutes % 60}
    return "¥" + yuan(amount)
