"""Who is asking, from where: set per request by middleware, read by the audit log."""

from __future__ import annotations

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
