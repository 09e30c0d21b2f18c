"""The front door: the sub-district's public home, a signed-in resident's home and settings, and the notices
an administrator posts on the public home."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core import actions as core_actions
from shequ.core.errors import DomainError, NotFound
from shequ.core.http import AuthedRequest
from shequ.core.registry import tiles_for
from shequ.core.scopes import can, get_visible
from shequ.portal import actions, queries
from shequ.portal.forms import NoticeForm, PreferencesForm
from shequ.portal.models import Notice


def public_home(request: HttpRequest) -> HttpResponse:
    """Everyone's first page, readable without login; a signed-in user is taken to her own home."""
    if request.user.is_authenticated:
        return redirect(home_url_name(request.user))
    return render(request, "portal/public_home.html", {
        "notices": queries.public_notices()[:queries.PUBLIC_NOTICES]})


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """One screen of large tiles, each with its live figures, from every app that declares one."""
    if not request.user.is_resident:
        return redirect("core:home")
    tiles = [(tile, list(tile.lines(request.user))) for tile in tiles_for(request.user)]
    return render(request, "portal/home.html", {
        "tiles": tiles, "notices": queries.public_notices(subdistrict_id=request.user.subdistrict_id)[:3]})


@login_required
def settings_page(request: AuthedRequest) -> HttpResponse:
    """我的: her name, 长辈版, text size, language and signing out."""
    if not request.user.is_resident:
        raise NotFound()
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"elder": user.large_text, "text_size": user.text_size})
    if request.method == "POST" and form.is_valid():
        core_actions.set_preferences(actor=user, large_text=form.cleaned_data["elder"],
                                     text_size=form.cleaned_data["text_size"])
        messages.success(request, _("Your settings are saved."))
        return redirect("portal:settings")
    return render(request, "portal/settings.html", {"form": form})


def home_url_name(user: object) -> str:
    """Where a user lands after signing in: a resident on her portal, staff on their workbench."""
    return "portal:home" if getattr(user, "is_resident", False) else "core:home"


def _require_notices(request: AuthedRequest, action: str) -> None:
    if request.user.is_resident or not can(request.user, Notice, action):
        raise NotFound()


@login_required
def notice_list(request: AuthedRequest) -> HttpResponse:
    _require_notices(request, "view")
    form = NoticeForm()
    return render(request, "portal/notice_list.html", {
        "notices": queries.notices(request.user)[:200], "form": form,
        "can_add": can(request.user, Notice, "add"), "can_change": can(request.user, Notice, "change")})


@login_required
def notice_create(request: AuthedRequest) -> HttpResponse:
    _require_notices(request, "add")
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.publish_notice(actor=request.user, title=data["title"], body=data["body"],
                                   publish_at=data["publish_at"], expires_at=data["expires_at"],
                                   pinned=data["pinned"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The notice is published."))
            return redirect("portal:notice_list")
    return render(request, "portal/notice_form.html", {"form": form})


@login_required
@require_POST
def notice_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_notices(request, "change")
    notice = get_visible(queries.notices(request.user), request.user, "change", pk=pk)
    try:
        actions.withdraw_notice(actor=request.user, notice=notice)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(title)s” is withdrawn.") % {"title": notice.title})
    return redirect("portal:notice_list")
