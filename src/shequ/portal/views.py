"""The front door: the sub-district's public home and a signed-in resident's home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shequ.core.http import AuthedRequest


def public_home(request: HttpRequest) -> HttpResponse:
    """Everyone's first page; a signed-in user is taken to her own home."""
    if request.user.is_authenticated:
        return redirect(home_url_name(request.user))
    return render(request, "portal/public_home.html", {})


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_resident:
        return redirect("core:home")
    return render(request, "portal/home.html", {})


def home_url_name(user: object) -> str:
    """Where a user lands after signing in: a resident on her portal, staff on their workbench."""
    return "portal:home" if getattr(user, "is_resident", False) else "core:home"
