"""Typing help for views behind ``login_required``: their ``request.user`` is a real User."""

from django.http import HttpRequest

from shequ.core.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
