"""Building blocks every app's API shares: the role check and the page size cap.

Kept apart from ``core/api.py`` because DRF imports the pagination class named in settings while
``rest_framework.viewsets`` is still loading.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from shequ.core.errors import NotFound
from shequ.core.scopes import can


class RolePermission(BasePermission):
    """The role may do the view's action to the view's ``model`` (rows are scoped by the queryset).

    A role without the permission gets 404, like a row outside its scope: the two are never told apart.
    Views name the permission each extra action needs in ``action_permissions``; the default is view.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        model: type[Model] = view.model
        needed = getattr(view, "action_permissions", {}).get(view.action, "view")
        if not can(request.user, model, needed):
            raise NotFound()
        return True


class Pagination(LimitOffsetPagination):
    """Pages of at most 500 rows: a huge ``limit`` must never reach SQL."""

    max_limit = 500
