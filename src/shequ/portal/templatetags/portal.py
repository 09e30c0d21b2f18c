"""The resident's menu and bottom tabs, from the registry, for every page that extends portal/base_resident.html."""

from __future__ import annotations

from django import template

from shequ.core.registry import MenuItem, nav_for

register = template.Library()


def _current_view(context: template.Context) -> str:
    match = getattr(context.get("request"), "resolver_match", None)
    return match.view_name if match else ""


@register.simple_tag(takes_context=True)
def resident_menu(context: template.Context) -> list[MenuItem]:
    """Her services beyond the bottom tabs (which are always on screen); in 长辈版 only her everyday tasks, so
    that the menu stays short."""
    user = context.get("user")
    if user is None or not getattr(user, "is_resident", False):
        return []
    elder = bool(context.get("elder"))
    current = _current_view(context)
    return [MenuItem(link, link.is_current(current)) for link in nav_for(user)
            if not link.tab and (link.elder or not elder)]


@register.simple_tag(takes_context=True)
def resident_tabs(context: template.Context) -> list[MenuItem]:
    """首页, 办事, 卡包, 我的: the entries the apps mark as tabs, in the menu's order."""
    user = context.get("user")
    if user is None or not getattr(user, "is_resident", False):
        return []
    current = _current_view(context)
    return [MenuItem(link, link.is_current(current)) for link in nav_for(user) if link.tab]
