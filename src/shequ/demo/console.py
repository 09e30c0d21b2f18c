"""What the demo prints on the console of ``shequ serve``: its logins, once start-up has settled.

``shequ serve`` in the demo (:mod:`shequ.cli`) adds :func:`announce_logins` to the worker's periodic jobs, last, to
run once per worker: after the first round of the other jobs, after the texts that round queued were delivered
(and printed, :mod:`shequ.demo.sms`), and once the site answers, so that the logins are the last thing on the
screen and a newcomer need not scroll for them.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request

from django.db.models import Q
from django.utils import timezone

ANNOUNCE_URL_ENV = "SHEQU_DEMO_ANNOUNCE_URL"  # set by ``shequ serve`` for its worker: where the site answers
JOB_NAME = "print the demo logins"
# Once per worker process: a worker started again after a crash prints the logins again.
ONCE = 10**9
ANSWER_TIMEOUT = 120.0
SETTLE_TIMEOUT = 30.0
QUIET_SECONDS = 1.5
POLL_SECONDS = 0.25


def site_url(bind: str) -> str:
    """Where a browser on this machine reaches a server bound to ``bind`` (a wildcard address means here)."""
    host, _colon, port = bind.rpartition(":")
    host = host.strip("[]")
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 (recognising the wildcard address, not binding to it)
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def wait_until_answering(url: str, timeout: float = ANSWER_TIMEOUT) -> bool:
    """Whether the site at ``url`` answered (with any status) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/", timeout=5):  # noqa: S310 (our own http:// address)
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(POLL_SECONDS)
    return False


def wait_until_outbox_settled(timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until no text has been due or on its way for QUIET_SECONDS, so texts go out before the logins."""
    from shequ.core.choices import MessageStatus
    from shequ.core.models import OutboxMessage

    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        busy = OutboxMessage.objects.filter(
            Q(status=MessageStatus.QUEUED, next_attempt_at__lte=timezone.now()) | Q(status=MessageStatus.SENDING)
        ).exists()
        if busy:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_SECONDS:
            return
        time.sleep(POLL_SECONDS)


def announce_logins() -> int:
    """The worker's job: print the demo's logins once the site answers and the outbox is quiet; 1 if printed."""
    from shequ.demo import logins

    url = os.environ.get(ANNOUNCE_URL_ENV, "")
    if not url or not logins.is_built() or not wait_until_answering(url):
        return 0
    wait_until_outbox_settled()
    print("\n" + logins.logins_box(logins.current_logins(), url, logins.what_to_try(url)) + "\n", flush=True)
    return 1
