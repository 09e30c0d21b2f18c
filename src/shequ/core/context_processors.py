from typing import Any

from django.conf import settings
from django.http import HttpRequest


def ui(request: HttpRequest) -> dict[str, Any]:
    """Large-text mode: remembered on the account, or in a cookie for visitors who have not logged in."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        large = bool(user.large_text)
    else:
        large = request.COOKIES.get("large_text") == "1"
    return {"large_text": large, "site_name": settings.SITE_NAME}
