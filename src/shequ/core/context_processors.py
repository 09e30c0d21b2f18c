from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shequ.core import registry


def ui(request: HttpRequest) -> dict[str, Any]:
    """Large-text mode: remembered on the account, or in a cookie for visitors who have not logged in."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        large = bool(user.large_text)
    else:
        large = request.COOKIES.get("large_text") == "1"
    menu = SimpleLazyObject(lambda: _menu(request))
    return {"large_text": large, "site_name": settings.SITE_NAME, "nav_groups": menu}


def _menu(request: HttpRequest) -> list[registry.NavGroup]:
    """The signed-in user's menu from the registry, with the group of the current page marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    return registry.nav_groups(user, match.view_name if match else "")
