from typing import Any

from django import template
from django.apps import apps
from django.conf import settings

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


@register.filter
def page_numbers(page: Any) -> list[int | None]:
    """The page numbers a pager shows around ``page`` (first, last, a few either side); ``None`` marks a gap."""
    paginator = page.paginator
    return [number if isinstance(number, int) else None
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)]


# The tone of a status badge by the status's stored value, shared by every app's choices: the badge's text
# carries the meaning, the tone only repeats it.
STATUS_TONES = {
    "ok": ("active", "issued", "renewed", "done", "sent", "succeeded", "managed", "handled", "in_force"),
    "warn": ("applied", "queued", "sending", "scheduled", "running", "waiting", "due_soon"),
    "danger": ("failed", "refused", "expired", "open", "overdue", "alert"),
    "muted": ("moved_out", "deceased", "closed", "cancelled", "revoked", "terminated"),
}
_TONE_OF = {value: tone for tone, values in STATUS_TONES.items() for value in values}


@register.filter
def status_tone(value: Any) -> str:
    """``badge--{{ row.status|status_tone }}``: ok, warn, danger or muted by the status value; info otherwise."""
    return _TONE_OF.get(str(value), "info")


@register.simple_tag
def sub_district_name() -> str:
    """The sub-district's name from settings; unlike the ``site_name`` context variable it is there on pages
    rendered without a request (400, 500) and cannot be shadowed by a view's own ``site_name`` (the login
    view's is the host name)."""
    return str(settings.SITE_NAME)


@register.simple_tag
def service_hotline() -> str:
    """The service hotline from settings, on every page including those rendered without a request."""
    return str(settings.SHEQU_HOTLINE)
