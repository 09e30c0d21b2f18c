from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shequ.core import registry
from shequ.core.choices import TextSize


def ui(request: HttpRequest) -> dict[str, Any]:
    """Large-text mode (长辈版): remembered on the account, or in a cookie for visitors who have not logged in.

    ``html_classes`` goes on ``<html>``: ``large-text elder`` in 长辈版, and ``elder-larger`` when the user asked
    for text larger still; the stylesheets key every elder-friendly rule on them.
    """
    user = getattr(request, "user", None)
    larger = False
    if user is not None and user.is_authenticated:
        large = bool(user.large_text)
        larger = large and getattr(user, "text_size", TextSize.STANDARD) == TextSize.LARGER
    else:
        large = request.COOKIES.get("large_text") == "1"
    classes = html_classes(large, larger)
    menu = SimpleLazyObject(lambda: _menu(request))
    return {"large_text": large, "elder": large, "html_classes": classes, "site_name": settings.SITE_NAME,
            "hotline": settings.SHEQU_HOTLINE, "nav_groups": menu}


def html_classes(elder: bool, larger: bool = False) -> str:
    return " ".join([*(["large-text", "elder"] if elder else []), *(["elder-larger"] if elder and larger else [])])


def _menu(request: HttpRequest) -> list[registry.NavGroup]:
    """The signed-in user's menu from the registry, with the group of the current page marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    return registry.nav_groups(user, match.view_name if match else "")
