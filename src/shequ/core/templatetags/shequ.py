from typing import Any

from django import template
from django.apps import apps

from shequ.core.crypto import mask_birth_date
from shequ.core.scopes import can as _can

register = template.Library()


@register.filter
def can(user: Any, model_label: str) -> bool:
    """``{% if user|can:"population.person" %}``: may the user view rows of this model at all."""
    return _can(user, apps.get_model(model_label), "view")


@register.filter
def can_do(user: Any, spec: str) -> bool:
    """``{% if user|can_do:"population.person:add" %}``."""
    model_label, action = spec.rsplit(":", 1)
    return _can(user, apps.get_model(model_label), action)


@register.filter
def birth_shown(value: Any) -> str:
    """A date of birth as the display policy shows it beside a masked ID number: the year only."""
    return mask_birth_date(value)


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagers and sort links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()
