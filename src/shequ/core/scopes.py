"""Data scope: the single entry point that decides which rows a user may see or touch.

Every model that holds data declares ``SCOPE = ScopePaths(...)``: the lookup path from the model to
the sub-district, neighborhood and compound it belongs to, and to the user account of a resident
who may see it. :func:`restrict` combines that with the role table in :mod:`shequ.core.roles`.
A model without ``SCOPE``, or without a path for the level a permitted user works at, raises
:class:`ScopeMissing`: a missing scope is an error, never a leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils.module_loading import import_string

from shequ.core import roles
from shequ.core.errors import NotFound

if TYPE_CHECKING:
    from shequ.core.models import User

M = TypeVar("M", bound=Model)


class ScopeMissing(RuntimeError):
    """A permitted user works at a level the model has declared no scope path for."""


Paths = str | tuple[str, ...]


@dataclass(frozen=True)
class ScopePaths:
    # Several paths at one level are OR'd: a request lies in a neighborhood, or is dispatched to its committee.
    subdistrict: Paths | None = None
    neighborhood: Paths | None = None
    compound: Paths | None = None
    # Paths to the resident's own User; several are OR'd ("herself, or someone in her household").
    resident: str | tuple[str, ...] | None = None
    # Dotted path of ``f(model, user) -> Q | None`` that narrows staff rows further, for data whose
    # audience is smaller than an area (health: a family doctor sees only the people she is contracted with).
    narrow: str | None = None
    # Paths to staff Users who see the row whatever its area: the department it is dispatched to and the
    # person assigned to it work on it although it may lie outside their own neighborhood or compound.
    # The role table still decides whether they may see or touch the model at all.
    handlers: Paths | None = None


def level_of(user: Any) -> str | None:
    """The level of the tree a user works at: resident, compound, neighborhood or subdistrict."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role == roles.Role.RESIDENT:
        return "resident"
    if user.compound_id:
        return "compound"
    if user.neighborhood_id:
        return "neighborhood"
    if user.subdistrict_id:
        return "subdistrict"
    return None


def can(user: Any, model: type[Model] | Model, action: str = "view") -> bool:
    """Whether the user's role may do ``action`` to some rows of ``model`` (row scope aside)."""
    if level_of(user) is None:
        return False
    return roles.allowed(user.role, model._meta.label_lower, action)


def _any(paths: Paths, value: Any) -> Q:
    condition = Q()
    for path in (paths,) if isinstance(paths, str) else paths:
        condition |= Q(**{path: value})
    return condition


def scope_q(model: type[Model], user: User) -> Q:
    paths: ScopePaths | None = getattr(model, "SCOPE", None)
    if paths is None:
        raise ScopeMissing(f"{model._meta.label} declares no SCOPE")
    level = level_of(user)
    if level == "resident":
        if not paths.resident:
            raise ScopeMissing(f"{model._meta.label} has no resident scope path")
        # A subquery, not a join, so that paths through many-valued relations never repeat rows.
        return Q(pk__in=model._default_manager.filter(_any(paths.resident, user.pk)).values("pk"))
    unit_id = {
        "compound": user.compound_id,
        "neighborhood": user.neighborhood_id,
        "subdistrict": user.subdistrict_id,
    }[level or ""]
    path = getattr(paths, level or "")
    if path is None:
        raise ScopeMissing(f"{model._meta.label} has no {level} scope path")
    condition = _any(path, unit_id)
    if paths.narrow:
        extra = import_string(paths.narrow)(model, user)
        if extra is not None:
            condition &= extra
    if paths.handlers:
        condition |= Q(pk__in=model._default_manager.filter(_any(paths.handlers, user.pk)).values("pk"))
    return condition


def restrict(queryset: QuerySet[M], user: Any, action: str = "view") -> QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may ``action``; none at all if the role may not."""
    if not can(user, queryset.model, action):
        return queryset.none()
    return queryset.filter(scope_q(queryset.model, user))


def countable(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The rows ``user`` may count in a figure: those she may view, else those her role may only ``count``.

    A ``count`` right (the leadership view's health and linkage figures) gives aggregate numbers over the
    user's area and never a row: such a queryset is only ever counted or summed, never listed.
    """
    if can(user, queryset.model, "view"):
        return restrict(queryset, user, "view")
    return restrict(queryset, user, "count")


def get_visible(queryset: QuerySet[M], user: Any, action: str = "view", **lookup: Any) -> M:
    """One row the user may ``action``; forbidden and missing both raise the same :class:`NotFound`."""
    try:
        return restrict(queryset, user, action).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise NotFound() from exc
