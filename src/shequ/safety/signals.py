"""Signals other apps listen to, so that safety never names them.

``alarm_raised`` is sent inside the transaction that stored the alarm (the ingest's), after its incident was opened
or joined and, for an emergency, its request opened: a receiver's writes are kept or lost with the alarm. Keyword
arguments: ``alarm`` and ``incident``.
"""

from django.dispatch import Signal

alarm_raised = Signal()
