"""REST API of the safety app under /api/v1/safety/, by topic: thin — parse, call one action or query, serialize.

The devices' own HTTP ingest is apart, in :mod:`shequ.safety.device_api`: devices sign in with their secret.
"""

from __future__ import annotations

from rest_framework.routers import BaseRouter

from shequ.safety.api import devices, incidents, police


def register(router: BaseRouter) -> None:
    devices.register(router)
    incidents.register(router)
    police.register(router)
