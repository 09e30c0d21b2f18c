"""Every write of the one-window service centre. Views, API, Open311, periodic jobs and the demo call these.

Each public action takes keyword arguments and an ``actor``, runs in one durable transaction, writes a
RequestStep (for requests) and its audit entry, and queues its text messages in the outbox in the same transaction.

Who may do what to a request, beyond the role table and the row scope:
- coordinators (administrators, service-centre clerks, committee workers) accept, dispatch, transfer,
  close, merge and do anything a department may do;
- members of the department a request is dispatched to start, resolve, transfer and return it, and
  acknowledge their emergency linkages;
- the resident whose request it is confirms and rates it, or reopens it when it is not solved.

The actions live by topic; import them from here:
- ``_common``: the event names, who is a coordinator, handler or the requester, and the helpers several modules
  share (locking a request, its steps and audit entries, the texts queued in the outbox, dispatching);
- ``requests``: creating a request and its workflow (dispatch, transfer, start, resolve, return, confirm, close,
  reopen, merge);
- ``emergency``: emergency linkage, its acknowledgement, and the escalations the worker runs;
- ``catalogue``: departments, their members, services and holidays;
- ``open311_keys``: the keys of Open311 clients.
"""

from shequ.affairs.actions._common import (
    COORDINATOR_ROLES,
    DEPARTMENT_SAVED,
    HOLIDAY_REMOVED,
    HOLIDAY_SET,
    LINKAGE_ACKNOWLEDGED,
    LINKAGE_DISPATCHED,
    LINKAGE_ESCALATED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    OPEN311_KEY_CREATED,
    OPEN311_KEY_REVOKED,
    REQUEST_CLOSED,
    REQUEST_CONFIRMED,
    REQUEST_CREATED,
    REQUEST_DISPATCHED,
    REQUEST_ESCALATED,
    REQUEST_MERGED,
    REQUEST_REOPENED,
    REQUEST_RESOLVED,
    REQUEST_RETURNED,
    REQUEST_STARTED,
    REQUEST_TRANSFERRED,
    SERVICE_SAVED,
    SERVICES_IMPORTED,
    is_coordinator,
    is_member,
    is_own_request,
)
from shequ.affairs.actions.catalogue import (
    SERVICE_FIELDS,
    _save_service,
    add_member,
    remove_holiday,
    remove_member,
    save_department,
    save_service,
    set_holiday,
)
from shequ.affairs.actions.emergency import acknowledge_linkage, escalate_overdue, escalate_unacknowledged
from shequ.affairs.actions.open311_keys import create_open311_key, open311_key_hash, revoke_open311_key
from shequ.affairs.actions.requests import (
    MAX_DESCRIPTION,
    close,
    confirm_with_rating,
    create_device_request,
    create_request,
    dispatch,
    merge_duplicates,
    reopen,
    resolve,
    return_for_information,
    start,
    transfer,
)

__all__ = [
    "COORDINATOR_ROLES",
    "DEPARTMENT_SAVED",
    "HOLIDAY_REMOVED",
    "HOLIDAY_SET",
    "LINKAGE_ACKNOWLEDGED",
    "LINKAGE_DISPATCHED",
    "LINKAGE_ESCALATED",
    "MAX_DESCRIPTION",
    "MEMBER_ADDED",
    "MEMBER_REMOVED",
    "OPEN311_KEY_CREATED",
    "OPEN311_KEY_REVOKED",
    "REQUEST_CLOSED",
    "REQUEST_CONFIRMED",
    "REQUEST_CREATED",
    "REQUEST_DISPATCHED",
    "REQUEST_ESCALATED",
    "REQUEST_MERGED",
    "REQUEST_REOPENED",
    "REQUEST_RESOLVED",
    "REQUEST_RETURNED",
    "REQUEST_STARTED",
    "REQUEST_TRANSFERRED",
    "SERVICES_IMPORTED",
    "SERVICE_FIELDS",
    "SERVICE_SAVED",
    "_save_service",
    "acknowledge_linkage",
    "add_member",
    "close",
    "confirm_with_rating",
    "create_device_request",
    "create_open311_key",
    "create_request",
    "dispatch",
    "escalate_overdue",
    "escalate_unacknowledged",
    "is_coordinator",
    "is_member",
    "is_own_request",
    "merge_duplicates",
    "open311_key_hash",
    "remove_holiday",
    "remove_member",
    "reopen",
    "resolve",
    "return_for_information",
    "revoke_open311_key",
    "save_department",
    "save_service",
    "set_holiday",
    "start",
    "transfer",
]
