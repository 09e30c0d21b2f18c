"""REST API of the registry under /api/v1/."""

from rest_framework.routers import BaseRouter


def register(router: BaseRouter) -> None:
    return None
